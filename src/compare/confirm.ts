// confirm-regressions: the orchestrator reruns the points that regressed, once, and a regression
// stays only if the rerun regresses again against the same limit (the same tolerance and the same
// interval edge). One false alarm in a hundred becomes about one in ten thousand when the two runs'
// noise is independent; a real slowdown shows in both.
//
// rerun-inconclusive: the points whose gated metrics are inconclusive are run again for as many more
// repeats as the plan (power.ts) asks, capped, and judged again on all their repeats.
import type { PointComparison, GateReport, MetricComparison } from './types.js';
import { findPoint } from '../results/point-key.js';
import type { Point, ResultsDocument } from '../results/schema-types.gen.js';
import { meanMetrics } from '../metrics/repeats.js';
import { figuresAt } from './prefix.js';
import type { GateSettings } from './settings.js';
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
    // Over the same first requests the point was judged over (the rerun is not cut before them).
    const figures = (p.comparedOver !== undefined ? figuresAt(rp, p.comparedOver) : undefined) ?? rp.metrics;
    const metrics = p.metrics.map((m): MetricComparison => {
      if (m.verdict !== 'regressed' || m.limit === undefined) return m;
      const raw = figures[m.metric] ?? rp.telemetry?.[m.metric];
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

/** A point to run again for more repeats (gate.rerun-inconclusive), and why. */
export interface RepeatRef extends PointRef {
  /** Repeats to add. */
  add: number;
  /** Repeats in all the plan asks for, capped at max-repeats. */
  planned: number;
  reason: string;
}

/**
 * gate.rerun-inconclusive: the valid points with a gated inconclusive metric whose plan a few more
 * repeats can meet, each with the repeats to add (the largest plan of its metrics, capped at
 * max-repeats in all); and a note for each such metric no repeats can settle. The server's start-up
 * time is not a point a rerun can repeat.
 */
export function pointsToRepeat(report: GateReport, settings: GateSettings): { points: RepeatRef[]; notes: string[] } {
  const cap = settings.rerunInconclusive?.maxRepeats;
  if (cap === undefined || report.verdict === 'not-comparable') return { points: [], notes: [] };
  const points: RepeatRef[] = [];
  const notes: string[] = [];
  for (const p of report.points) {
    if (!p.valid || p.suiteKind === 'startup') continue;
    const open = p.metrics.filter((m) => m.role === 'gated' && m.verdict === 'inconclusive' && m.plan);
    if (open.length === 0) continue;
    const now = Math.max(...open.map((m) => m.plan!.repeatsNow));
    const reachable = open.filter((m) => m.plan!.repeats !== null && m.plan!.repeats > m.plan!.repeatsNow);
    for (const m of open.filter((x) => x.plan!.repeats === null))
      notes.push(`${p.suite} · ${p.label} · ${m.metric}: not rerun: ${m.plan!.text}.`);
    if (reachable.length === 0) continue;
    const wanted = Math.max(...reachable.map((m) => m.plan!.repeats!));
    const planned = Math.min(wanted, cap);
    if (planned <= now) continue;
    const reason = reachable.map((m) => `${m.metric} inconclusive (${inconclusiveFigure(m)}): ${m.plan!.text}`).join('; ');
    points.push({
      suite: p.suite,
      key: p.key,
      add: planned - now,
      planned,
      reason: wanted > cap ? `${reason} (capped at ${cap})` : reason,
    });
  }
  return { points, notes };
}

/** "+6.0% ± 9.0%": the change and the half-width of the noise interval, both relative to the baseline. */
export function inconclusiveFigure(m: MetricComparison): string {
  const base = m.baseline !== null && m.baseline !== 0 ? Math.abs(m.baseline) : null;
  const change = m.change === null ? '?' : `${m.change >= 0 ? '+' : '−'}${(Math.abs(m.change) * 100).toFixed(1)}%`;
  if (!m.interval || base === null) return change;
  return `${change} ± ${(((m.interval.high - m.interval.low) / 2 / base) * 100).toFixed(1)}%`;
}

/**
 * The current run with each rerun point's repeats added to its own: `repeats` holds all of them,
 * `metrics` their mean, `rerun` what was planned and why. A point the rerun lacks or ran invalid
 * stays as it was, with a note.
 */
export function mergeRepeats(
  current: ResultsDocument,
  rerun: ResultsDocument,
  refs: readonly RepeatRef[],
): { doc: ResultsDocument; notes: string[] } {
  const notes: string[] = [];
  const suites = current.suites.map((s) => ({
    ...s,
    points: s.points.map((cp): Point => {
      const ref = refs.find((r) => r.suite === s.name && r.key === cp.key);
      if (!ref) return cp;
      const rp = findPoint(rerun.suites, s.name, cp.key);
      if (!rp || !rp.validity.valid) {
        notes.push(
          `${s.name} · ${cp.label ?? cp.key}: the rerun for inconclusive metrics ${rp ? `was invalid (${rp.validity.reasons[0] ?? 'no reason given'})` : 'did not produce this point'}; judged on the first run only.`,
        );
        return cp;
      }
      const added = rp.repeats ?? [rp.metrics];
      const repeats = [...(cp.repeats ?? [cp.metrics]), ...added];
      const out: Point = {
        ...cp,
        metrics: meanMetrics(repeats),
        repeats,
        rerun: { 'planned-repeats': ref.planned, 'added-repeats': added.length, reason: ref.reason },
      };
      if (cp['prefix-cache-reset'] && rp['prefix-cache-reset'])
        out['prefix-cache-reset'] = [...cp['prefix-cache-reset'], ...rp['prefix-cache-reset']];
      if (cp.stop && rp.stop) out.stop = [...cp.stop, ...rp.stop];
      notes.push(
        `${s.name} · ${cp.label ?? cp.key}: rerun for ${added.length} more repeat${added.length === 1 ? '' : 's'} (${repeats.length} in all): ${ref.reason}.`,
      );
      return out;
    }),
  }));
  return { doc: { ...current, suites }, notes };
}
