// The run's verdict from its points, in order: an invalid point (or a failed run) fails; a baseline
// from another setup is not-comparable; no baseline is no-baseline; a baseline in which no gated
// metric of this run found a value (no metric at all, when the config gates none) is
// nothing-compared; a gated regression fails; a baseline point
// this run did not measure fails (gate.on-missing: fail); otherwise pass. Invalid is never reported
// as pass, nor hidden behind not-comparable; what the gate did not judge never passes by default.
import type { FingerprintDiff } from './fingerprint.js';
import type { GateReport, MetricComparison, PointComparison, RunVerdict } from './types.js';

export interface DecideContext {
  notComparable: boolean;
  /** gate.on-not-comparable: pass lets a not-comparable run through, unjudged. */
  acceptNotComparable?: boolean;
  hasBaseline: boolean;
  runFailed: boolean;
  runError?: string | undefined;
  diffs: readonly FingerprintDiff[];
  /** Baseline points that matched a current point but were invalid, and so were left out. */
  invalidBaselinePoints?: number;
  /** How the summary says there is no baseline; default "No baseline yet" (A/B: "No A runs"). */
  noBaseline?: string;
}

export interface Decision {
  verdict: RunVerdict;
  passes: boolean;
  summary: string;
  fix?: string;
  counts: GateReport['counts'];
}

/** A judged point's verdict: the worst of its gated metrics (regressed > inconclusive > improved > unchanged). */
export function gatedVerdict(metrics: readonly MetricComparison[]): 'regressed' | 'inconclusive' | 'improved' | 'unchanged' {
  const gated = metrics.filter((m) => m.role === 'gated').map((m) => m.verdict);
  return (['regressed', 'inconclusive', 'improved'] as const).find((v) => gated.includes(v)) ?? 'unchanged';
}

/** Metric verdicts that mean a baseline value was found and the metric judged. */
const JUDGED = new Set(['regressed', 'improved', 'unchanged', 'inconclusive']);

export function decide(points: readonly PointComparison[], ctx: DecideContext): Decision {
  const counts = { regressed: 0, improved: 0, unchanged: 0, inconclusive: 0, new: 0, missing: 0, invalid: 0 };
  for (const p of points) counts[p.verdict]++;
  const valid = points.filter((p) => p.valid);
  const gatedRegressions = valid.flatMap((p) =>
    p.metrics.filter((m) => m.role === 'gated' && m.verdict === 'regressed').map((m) => ({ p, m })),
  );
  const metrics = valid.flatMap((p) => p.metrics);
  const judgedGated = metrics.filter((m) => m.role === 'gated' && JUDGED.has(m.verdict)).length;
  // A run whose metrics are all observed (as its config asks) is judged when any of them was.
  const judgedNothing = judgedGated === 0 && (metrics.some((m) => m.role === 'gated') || !metrics.some((m) => JUDGED.has(m.verdict)));
  const invalid = points.filter((p) => !p.valid);
  const missing = points.filter((p) => p.verdict === 'missing');
  const blockingMissing = missing.filter((p) => p.onMissing !== 'warn');
  const decision = (verdict: RunVerdict, summary: string, fix?: string): Decision => ({
    verdict,
    passes: verdict === 'pass' || verdict === 'no-baseline' || (verdict === 'not-comparable' && ctx.acceptNotComparable === true),
    summary,
    ...(fix ? { fix } : {}),
    counts,
  });

  if (invalid.length > 0 || ctx.runFailed) {
    const first = invalid[0];
    return decision(
      'fail',
      first
        ? `${plural(invalid.length, 'point is', 'points are')} invalid: ${first.suite} · ${first.label}: ${first.invalidReasons[0] ?? 'no reason given'}`
        : `The run failed: ${ctx.runError ?? 'no usable figures'}`,
    );
  }
  if (ctx.notComparable) {
    const what = `Not comparable with the baseline: ${ctx.diffs.map((d) => `${d.field} ${d.baseline} → ${d.current}`).join('; ')}.`;
    if (ctx.acceptNotComparable) return decision('not-comparable', `${what} Let through unjudged, as gate.on-not-comparable: pass asks.`);
    return decision(
      'not-comparable',
      `${what} Nothing was judged, so the gate does not pass.`,
      'if the change is intended, gate.allow-fingerprint-mismatch: true judges the run across it, or gate.on-not-comparable: pass lets it through unjudged (either can go once the baseline runs on the new setup); otherwise compare with a baseline from the same setup',
    );
  }
  if (!ctx.hasBaseline)
    return decision('no-baseline', `${ctx.noBaseline ?? 'No baseline yet'}: ${plural(points.length, 'point')} recorded as new.`);
  if (judgedNothing) {
    return decision(
      'nothing-compared',
      `Nothing compared: no gated metric of this run found a value in the baseline (${matchingHint(points, ctx.invalidBaselinePoints ?? 0)}), so the gate does not pass.`,
      nothingComparedFix(points, ctx.invalidBaselinePoints ?? 0),
    );
  }
  const missingText = missing.length > 0 ? `${plural(missing.length, 'baseline point')} not measured: ${describeMissing(points)}` : '';
  if (gatedRegressions.length > 0) {
    const { p, m } = gatedRegressions[0]!;
    const also = blockingMissing.length > 0 ? ` Also ${missingText}.` : '';
    return decision(
      'fail',
      `${plural(gatedRegressions.length, 'gated metric')} regressed, e.g. ${p.suite} · ${p.label} · ${m.metric} ${m.reason}.${also}`,
      blockingMissing.length > 0 ? missingFix(points) : undefined,
    );
  }
  if (blockingMissing.length > 0) {
    return decision(
      'fail',
      `${missingText}: a run that drops or renames a suite or point is not judged on it, so the gate does not pass.`,
      missingFix(points),
    );
  }
  const quiet =
    counts.inconclusive > 0
      ? `No gated metric regressed beyond the noise; ${plural(counts.inconclusive, 'point')} inconclusive.`
      : 'No gated metric regressed.';
  return decision('pass', missing.length > 0 ? `${quiet} ${missingText} (gate.on-missing: warn).` : quiet);
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Suites whose every point is missing (the baseline's) or new (this run's): renamed, added or dropped. */
function wholeSuites(points: readonly PointComparison[], verdict: 'missing' | 'new'): string[] {
  const names = [...new Set(points.map((p) => p.suite))];
  return names.filter((s) => points.filter((p) => p.suite === s).every((p) => p.verdict === verdict));
}

/** The one obvious rename, when exactly one suite vanished and one of the same kind appeared. */
function renamePair(points: readonly PointComparison[]): [string, string] | undefined {
  const gone = wholeSuites(points, 'missing');
  const added = wholeSuites(points, 'new');
  if (gone.length !== 1 || added.length !== 1) return undefined;
  const kind = (s: string): string | undefined => points.find((p) => p.suite === s)?.suiteKind;
  return kind(gone[0]!) === kind(added[0]!) ? [gone[0]!, added[0]!] : undefined;
}

function list(xs: readonly string[], max = 3): string {
  return xs.length > max ? `${xs.slice(0, max).join(', ')}, …` : xs.join(', ');
}

function matchingHint(points: readonly PointComparison[], invalidBaseline: number): string {
  if (invalidBaseline > 0)
    return `${plural(invalidBaseline, 'matching baseline point was', 'matching baseline points were')} invalid and left out`;
  const gone = wholeSuites(points, 'missing');
  const added = wholeSuites(points, 'new');
  if (gone.length > 0 && added.length > 0) return `baseline suites: ${list(gone)}; this run's: ${list(added)}`;
  return 'points are matched by suite name and point key, and none matched';
}

function nothingComparedFix(points: readonly PointComparison[], invalidBaseline: number): string {
  if (invalidBaseline > 0)
    return 'run the baseline again (a push or scheduled run of the default branch), so that valid points are stored to compare with';
  const pair = renamePair(points);
  if (pair) {
    const [o, n] = pair;
    return `if ${n} measures what ${o} did, map the names: --suite-map ${o}=${n} on the command line, or gate.suite-map: { ${o}: ${n} } in the config; for vLLM result files, give both runs the same --label`;
  }
  if (wholeSuites(points, 'missing').length > 0 && wholeSuites(points, 'new').length > 0) {
    return 'map each baseline suite to its name in this run: --suite-map OLD=NEW (repeatable) or gate.suite-map: { OLD: NEW }; for vLLM result files, give both runs the same --label';
  }
  return "measure the points the baseline has (the same suite names, request rates and concurrencies), or compare with a baseline that has this run's points";
}

/** "sweep (all 4 points), steady · concurrency 16" */
function describeMissing(points: readonly PointComparison[]): string {
  const bySuite = new Map<string, PointComparison[]>();
  for (const p of points.filter((x) => x.verdict === 'missing')) bySuite.set(p.suite, [...(bySuite.get(p.suite) ?? []), p]);
  const whole = new Set(wholeSuites(points, 'missing'));
  const parts = [...bySuite].map(([s, ps]) =>
    whole.has(s) ? `${s} (the whole suite, ${plural(ps.length, 'point')})` : `${s} · ${list(ps.map((p) => p.label))}`,
  );
  return list(parts);
}

function missingFix(points: readonly PointComparison[]): string {
  const pair = renamePair(points);
  const blocked = [...new Set(points.filter((p) => p.verdict === 'missing' && p.onMissing !== 'warn').map((p) => p.suite))];
  const first = blocked[0] ?? 'NAME';
  const rename = pair
    ? `if ${pair[0]} was renamed to ${pair[1]}, map it: gate.suite-map: { ${pair[0]}: ${pair[1]} } (command line: --suite-map ${pair[0]}=${pair[1]})`
    : 'a renamed suite: gate.suite-map: { OLD: NEW } (command line: --suite-map OLD=NEW)';
  return `${rename}; if it was dropped on purpose: gate.suites.${first}.on-missing: warn (every suite: gate.on-missing: warn), until the baseline is a run without it`;
}
