// The run's verdict from its points, in order: an invalid point (or a failed run) fails; a baseline
// from another setup is not-comparable; no baseline is no-baseline; a gated regression fails;
// otherwise pass. Invalid is never reported as pass, nor hidden behind not-comparable.
import type { FingerprintDiff } from './fingerprint.js';
import type { GateReport, PointComparison, RunVerdict } from './types.js';

export interface DecideContext {
  notComparable: boolean;
  hasBaseline: boolean;
  runFailed: boolean;
  runError?: string | undefined;
  diffs: readonly FingerprintDiff[];
}

export function decide(points: readonly PointComparison[], ctx: DecideContext): { verdict: RunVerdict; summary: string; counts: GateReport['counts'] } {
  const counts = { regressed: 0, improved: 0, unchanged: 0, inconclusive: 0, new: 0, missing: 0, invalid: 0 };
  for (const p of points) counts[p.verdict]++;
  const gatedRegressions = points.filter((p) => p.valid).flatMap((p) => p.metrics.filter((m) => m.role === 'gated' && m.verdict === 'regressed').map((m) => ({ p, m })));
  const invalid = points.filter((p) => !p.valid);
  const s = (n: number): string => (n === 1 ? '' : 's');

  let verdict: RunVerdict;
  let summary: string;
  if (invalid.length > 0 || ctx.runFailed) {
    verdict = 'fail';
    const first = invalid[0];
    summary = first
      ? `${invalid.length} point${invalid.length === 1 ? ' is' : 's are'} invalid: ${first.suite} · ${first.label}: ${first.invalidReasons[0] ?? 'no reason given'}`
      : `The run failed: ${ctx.runError ?? 'no usable figures'}`;
  } else if (ctx.notComparable) {
    verdict = 'not-comparable';
    summary = `Not comparable with the baseline: ${ctx.diffs.map((d) => `${d.field} ${d.baseline} → ${d.current}`).join('; ')}.`;
  } else if (!ctx.hasBaseline) {
    verdict = 'no-baseline';
    summary = `No baseline yet: ${points.length} point${s(points.length)} recorded as new.`;
  } else if (gatedRegressions.length > 0) {
    verdict = 'fail';
    const { p, m } = gatedRegressions[0]!;
    summary = `${gatedRegressions.length} gated metric${s(gatedRegressions.length)} regressed, e.g. ${p.suite} · ${p.label} · ${m.metric} ${m.reason}.`;
  } else {
    verdict = 'pass';
    summary = counts.inconclusive > 0 ? `No gated metric regressed beyond the noise; ${counts.inconclusive} point${s(counts.inconclusive)} inconclusive.` : 'No gated metric regressed.';
  }
  return { verdict, summary, counts };
}
