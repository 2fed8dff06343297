// confirm-regressions: the orchestrator reruns the points that regressed, once, and a regression
// stays only if the rerun regresses again against the same limit (the same tolerance and the same
// interval edge). One false alarm in a hundred becomes about one in ten thousand when the two runs'
// noise is independent; a real slowdown shows in both.
import type { PointComparison, GateReport, MetricComparison } from './types.js';
import { findPoint } from '../results/point-key.js';
import type { ResultsDocument } from '../results/schema-types.gen.js';
import { decide, gatedVerdict } from './verdict.js';

export interface PointRef {
  suite: string;
  key: string;
}

/** The valid points with a gated metric that regressed: what to run once more. None when the run judged nothing (not comparable). */
export function pointsToConfirm(report: GateReport): PointRef[] {
  if (report.verdict === 'not-comparable') return [];
  return report.points.filter((p) => p.valid && p.metrics.some(isGatedRegression)).map((p) => ({ suite: p.suite, key: p.key }));
}

/**
 * The report after the reruns: each regressed metric of a rerun point must pass its limit again to
 * stay regressed; otherwise it becomes inconclusive. A point the rerun lacks, or ran invalid, keeps
 * its regression (nothing confirmed it away) with a note. Returns a new report.
 */
export function mergeConfirmation(report: GateReport, rerun: ResultsDocument): GateReport {
  const notes = [...report.notes];
  const points = report.points.map((p): PointComparison => {
    if (!p.valid || !p.metrics.some(isGatedRegression)) return p;
    const rp = findPoint(rerun.suites, p.suite, p.key);
    if (!rp || !rp.validity.valid) {
      notes.push(
        `${p.suite} · ${p.label}: the confirmation rerun ${rp ? `was invalid (${rp.validity.reasons[0] ?? 'no reason given'})` : 'did not produce this point'}; its regression stands.`,
      );
      return p;
    }
    const metrics = p.metrics.map((m): MetricComparison => {
      if (m.verdict !== 'regressed' || m.limit === undefined) return m;
      const raw = rp.metrics[m.metric] ?? rp.telemetry?.[m.metric];
      const value = typeof raw === 'number' && Number.isFinite(raw) ? raw : null;
      const again = value !== null && (m.direction === 'higher-is-better' ? value < m.limit : value > m.limit);
      return {
        ...m,
        verdict: again ? 'regressed' : 'inconclusive',
        confirmation: { value, regressedAgain: again },
        reason: again
          ? `${m.reason}; the rerun regressed again (${fmt(value!)})`
          : `${m.reason}; but the rerun did not (${value === null ? 'no figure' : fmt(value)} against the limit ${fmt(m.limit)})`,
      };
    });
    return { ...p, metrics, verdict: gatedVerdict(metrics) };
  });
  const hadInvalid = report.points.some((p) => !p.valid);
  const missingFails = report.points.some((p) => p.verdict === 'missing' && p.onMissing !== 'warn');
  const runFailedWithoutPoints =
    report.verdict === 'fail' && !hadInvalid && !missingFails && !report.points.some((p) => p.metrics.some(isGatedRegression));
  const d = decide(points, {
    notComparable: report.verdict === 'not-comparable',
    acceptNotComparable: report.verdict === 'not-comparable' && report.passes,
    hasBaseline: report.baseline !== null,
    runFailed: runFailedWithoutPoints,
    diffs: report.fingerprintDiffs,
  });
  // A run that failed with no point to blame keeps its summary: the rerun does not change why it failed.
  const summary = runFailedWithoutPoints ? report.summary : d.summary;
  const confirmed = points.flatMap((p) => p.metrics).filter((m) => m.confirmation).length;
  notes.push(`Confirmation rerun: ${confirmed} regressed metric${confirmed === 1 ? '' : 's'} rechecked.`);
  const { fix: _fix, ...rest } = report;
  return { ...rest, verdict: d.verdict, passes: d.passes, summary, ...(d.fix ? { fix: d.fix } : {}), counts: d.counts, points, notes };
}

function isGatedRegression(m: MetricComparison): boolean {
  return m.role === 'gated' && m.verdict === 'regressed';
}

function fmt(x: number): string {
  return Math.abs(x) >= 100 ? x.toFixed(1) : x.toPrecision(4);
}
