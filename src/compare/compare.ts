// The gate: a baseline (one run or a history) and the current run -> a GateReport.
// Points are matched by suite name (after gate.suite-map) and point key; each metric is judged by
// judge.ts; verdict.ts decides the run. A baseline point is expected again when the newest baseline
// run in use has it: a suite that only older runs had is history, not missing.
import { findPoint } from '../results/point-key.js';
import type { MetricMap, Point, ResultsDocument, Suite } from '../results/schema-types.gen.js';
import { comparedOverNote, countOf, figuresAt, sharedCount } from './prefix.js';
import { fingerprintDiffs, type FingerprintDiff } from './fingerprint.js';
import { judgeMetric, unjudgedMetric, type MetricSamples } from './judge.js';
import { lookLevel, onMissingFor, ruleFor, type GateSettings } from './settings.js';
import { mean } from '../metrics/stats.js';
import type { BaselineInfo, GateReport, MetricComparison, PointComparison } from './types.js';
import { decide, gatedVerdict } from './verdict.js';

export interface CompareOptions {
  /** Where the baseline came from, for the report (e.g. "artifact run 123"). */
  source?: string;
}

/** The start-up time of the server, read from environment.startup-s, judged as a point of its own. */
export const STARTUP_SUITE = 'server-startup';

export function compareRuns(
  baseline: readonly ResultsDocument[],
  current: ResultsDocument,
  settings: GateSettings,
  opts: CompareOptions = {},
): GateReport {
  const notes: string[] = [];
  const sorted = [...baseline].sort((a, b) => a.run['started-at'].localeCompare(b.run['started-at']));
  const history = applySuiteMap(sorted, current, settings.suiteMap, notes);

  // Fingerprints: keep the runs made on the same setup; say what differs.
  let used = history;
  let diffs: FingerprintDiff[] = [];
  let notComparable = false;
  if (history.length > 0) {
    const withDiffs = history.map((doc) => ({ doc, diffs: fingerprintDiffs(doc, current) }));
    const matching = withDiffs.filter((x) => x.diffs.length === 0).map((x) => x.doc);
    const newestOther = [...withDiffs].reverse().find((x) => x.diffs.length > 0);
    if (newestOther) diffs = newestOther.diffs;
    if (settings.allowFingerprintMismatch) {
      if (diffs.length > 0)
        notes.push(
          `Compared across different setups (${diffs.map((d) => d.field).join(', ')}), as gate.allow-fingerprint-mismatch allows.`,
        );
    } else if (matching.length === 0) {
      notComparable = true;
      notes.push('Figures are shown for information only: the baseline ran on another setup.');
    } else {
      if (matching.length < history.length)
        notes.push(
          `${history.length - matching.length} of ${history.length} baseline runs were left out: they ran on another setup (${diffs.map((d) => d.field).join(', ')}).`,
        );
      used = matching;
      diffs = [];
    }
  }

  const points: PointComparison[] = [];
  let invalidBaselinePoints = 0;
  const curSuites = withStartup(current);
  const usedSuites = used.map(withStartup);
  for (const suite of curSuites) {
    for (const point of suite.points) {
      // An SLO search's probes are judged through its knee point, not one by one (their loads differ run to run).
      if (point['search-probe']) continue;
      const basePoints = usedSuites.map((suites) => findPoint(suites, suite.name, point.key)).filter((p): p is Point => p !== undefined);
      const validBase = basePoints.filter((p) => p.validity.valid);
      const pc = comparePoint(suite, point, validBase, settings);
      points.push(pc);
      const counted = countNote(pc, point, validBase);
      if (counted) notes.push(counted);
      invalidBaselinePoints += basePoints.length - validBase.length;
      if (basePoints.length > validBase.length)
        notes.push(
          `${suite.name} · ${point.label ?? point.key}: ${basePoints.length - validBase.length} invalid baseline point(s) left out of the history.`,
        );
    }
    if (suite.error) notes.push(`Suite ${suite.name} stopped: ${suite.error.message}`);
  }

  // Points of the newest baseline run that the current run lacks: missing, or invalid when their
  // suite failed in the current run.
  const newest = usedSuites[usedSuites.length - 1] ?? [];
  for (const bs of newest) {
    for (const bp of bs.points) {
      if (bp['search-probe'] || points.some((p) => p.suite === bs.name && p.key === bp.key)) continue;
      const cs = curSuites.find((s) => s.name === bs.name);
      const failed = cs?.error !== undefined || current.status === 'failed';
      points.push({
        suite: bs.name,
        suiteKind: bs.kind,
        key: bp.key,
        label: bp.label ?? bp.key,
        valid: !failed,
        invalidReasons: failed ? [`did not run: ${cs?.error?.message ?? current.error?.message ?? 'the run failed'}`] : [],
        verdict: failed ? 'invalid' : 'missing',
        metrics: [],
        ...(failed ? {} : { onMissing: onMissingFor(settings, bs.name) }),
      });
    }
  }

  const pending = points.filter((p) => p.valid && p.metrics.some((m) => m.role === 'gated' && m.verdict === 'regressed')).length;
  if (settings.confirmRegressions && pending > 0) {
    notes.push(
      `confirm-regressions: ${pending} regressed point${pending === 1 ? '' : 's'} must regress again in a rerun (each look at ${(lookLevel(settings) * 100).toFixed(0)}%, sharing the ${(settings.confidence * 100).toFixed(0)}% level).`,
    );
  }
  const d = decide(points, {
    notComparable,
    acceptNotComparable: settings.onNotComparable === 'pass',
    hasBaseline: history.length > 0,
    runFailed: current.status === 'failed',
    runError: current.error?.message,
    diffs,
    invalidBaselinePoints,
  });
  const report: GateReport = {
    verdict: d.verdict,
    passes: d.passes,
    confidence: settings.confidence,
    summary: d.summary,
    ...(d.fix ? { fix: d.fix } : {}),
    counts: d.counts,
    points,
    baseline: history.length === 0 ? null : baselineInfo(used, opts.source),
    fingerprintDiffs: diffs,
    notes,
  };
  return report;
}

/**
 * The baseline runs with their suites renamed as `map` (baseline name -> this run's) says, so a
 * renamed suite is judged against its old figures. A run that already has a suite of the new name
 * keeps it and drops the mapped one. Names the map gives that match nothing are noted (a typo).
 */
function applySuiteMap(
  history: ResultsDocument[],
  current: ResultsDocument,
  map: Record<string, string>,
  notes: string[],
): ResultsDocument[] {
  const entries = Object.entries(map).filter(([from, to]) => from !== to);
  if (entries.length === 0) return history;
  for (const [from, to] of entries) {
    const found = history.some((doc) => doc.suites.some((s) => s.name === from));
    if (!found) notes.push(`Suite map ${from} → ${to}: no baseline run has a suite ${from}.`);
    else if (!current.suites.some((s) => s.name === to)) notes.push(`Suite map ${from} → ${to}: this run has no suite ${to}.`);
    else notes.push(`Baseline suite ${from} is judged as ${to} (suite map).`);
  }
  return history.map((doc) => {
    const renamed = doc.suites.flatMap((s): Suite[] => {
      const to = map[s.name];
      if (to === undefined || to === s.name) return [s];
      return doc.suites.some((x) => x.name === to) ? [] : [{ ...s, name: to }];
    });
    return { ...doc, suites: renamed };
  });
}

/** What the report says of a point whose runs measured different request counts. */
function countNote(pc: PointComparison, point: Point, base: readonly Point[]): string | undefined {
  const where = `${pc.suite} · ${pc.label}`;
  if (pc.comparedOver !== undefined) return comparedOverNote(pc);
  const own = countOf(point);
  const others = [...new Set(base.map(countOf).filter((n) => n !== undefined && n !== own))];
  if (own === undefined || others.length === 0 || !(point['prefix-figures'] || point.stop)) return undefined;
  return `${where}: this run measured ${own} requests, the baseline ${others.join(', ')}, and no count is common to all with figures; compared whole, though a seeded schedule's first requests load the server differently from all of them.`;
}

function comparePoint(suite: Suite, point: Point, base: Point[], settings: GateSettings): PointComparison {
  const metrics: MetricComparison[] = [];
  const names: string[] = [];
  const add = (m: string): void => {
    if (!names.includes(m)) names.push(m);
  };
  // Over the same first N requests when the runs measured different counts (prefix.ts).
  const at = sharedCount([point, ...base]);
  const figures = (p: Point): MetricMap => (at === undefined ? p.metrics : figuresAt(p, at)!);
  for (const [m, v] of Object.entries(figures(point))) if (isNum(v)) add(m);
  for (const bp of base) for (const [m, v] of Object.entries(figures(bp))) if (isNum(v)) add(m);
  // Telemetry is shown as it is; it is judged only when a threshold names it.
  for (const [m, v] of Object.entries(point.telemetry ?? {})) if (isNum(v) && ruleFor(settings, suite.name, m).explicit) add(m);

  for (const name of names) {
    const resolved = ruleFor(settings, suite.name, name);
    const cur = valueOf(point, name, figures(point));
    const history = base.map((bp) => valueOf(bp, name, figures(bp))).filter(isNum);
    if (cur === null && history.length === 0) continue;
    if (cur === null || history.length === 0) {
      const sides = { current: cur, baseline: mean(history), baselineRuns: history.length };
      metrics.push(unjudgedMetric(name, resolved, sides, cur === null ? 'in the baseline, not in this run' : 'not in the baseline'));
      continue;
    }
    const samples: MetricSamples = { history, current: cur };
    const cr = repeatsOf(point, name);
    if (cr) samples.currentRepeats = cr;
    if (base.length >= 2 && base.every((bp) => repeatsOf(bp, name) !== undefined)) samples.historyHasRepeats = true;
    if (base.length === 1) {
      const br = repeatsOf(base[0]!, name);
      if (br) samples.baselineRepeats = br;
    }
    metrics.push(judgeMetric(name, resolved, samples, settings));
  }

  const out: PointComparison = {
    suite: suite.name,
    suiteKind: suite.kind,
    key: point.key,
    label: point.label ?? point.key,
    valid: point.validity.valid,
    invalidReasons: [...point.validity.reasons],
    verdict: pointVerdict(point, base, metrics),
    metrics,
    ...(at !== undefined ? { comparedOver: at } : {}),
  };
  if (point.telemetry) {
    const t: Record<string, number | null> = {};
    for (const [k, v] of Object.entries(point.telemetry)) if (v !== undefined) t[k] = v;
    out.telemetry = t;
  }
  return out;
}

function pointVerdict(point: Point, base: Point[], metrics: MetricComparison[]): PointComparison['verdict'] {
  if (!point.validity.valid) return 'invalid';
  if (base.length === 0) return 'new';
  return gatedVerdict(metrics);
}

/** The suites of a run, plus the server's start-up time as a point when the run recorded it. */
export function withStartup(doc: ResultsDocument): Suite[] {
  const s = doc.environment['startup-s'];
  if (!isNum(s) || doc.suites.some((x) => x.name === STARTUP_SUITE)) return doc.suites;
  const startup: Suite = {
    name: STARTUP_SUITE,
    kind: 'startup',
    points: [{ key: 'startup', label: 'server start-up', metrics: { startup_time_s: s }, validity: { valid: true, reasons: [] } }],
  };
  return [...doc.suites, startup];
}

function valueOf(p: Point, metric: string, metrics: MetricMap = p.metrics): number | null {
  const v = metrics[metric] ?? p.telemetry?.[metric];
  return isNum(v) ? v : null;
}

function repeatsOf(p: Point, metric: string): number[] | undefined {
  const xs = (p.repeats ?? []).map((r) => r[metric]).filter(isNum);
  return xs.length >= 2 ? xs : undefined;
}

function isNum(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function baselineInfo(used: readonly ResultsDocument[], source: string | undefined): BaselineInfo {
  const newest = used[used.length - 1];
  const info: BaselineInfo = { runs: used.length, source: source ?? 'baseline runs' };
  if (newest?.run['git-sha']) info.gitSha = newest.run['git-sha'];
  if (newest?.run['git-ref']) info.gitRef = newest.run['git-ref'];
  if (newest) info.startedAt = newest.run['started-at'];
  return info;
}
