// One metric of one point: current figure(s) against baseline figure(s) -> a verdict with its reason.
//
// A regression needs both:
//   - beyond the tolerance (practically significant: the sentence of the config), and
//   - outside the noise: the prediction interval of a history (n >= 2), the two-sample interval
//     when the current point has repeats, Welch's interval when only repeats give spreads, or the
//     family's noise floor against a one-run baseline.
// Beyond the tolerance but inside the noise is `inconclusive`; improvements are judged the same way.
import type { Tolerance } from '../config/thresholds.js';
import { lookLevel, noiseFloorFor, type GateSettings, type ResolvedRule } from './settings.js';
import { mean } from '../metrics/stats.js';
import { pooledHalfWidth, predictionHalfWidth, welchHalfWidth } from './stats.js';
import { planRerun } from './power.js';
import type { MetricComparison, MetricVerdict } from './types.js';

export interface MetricSamples {
  /** One value per baseline run (each run's figure; the mean of its repeats when it had them). */
  history: readonly number[];
  /** The repeats of the baseline run, when the baseline is one run that had them. */
  baselineRepeats?: readonly number[];
  /** The current figure (the mean of its repeats when it had them). */
  current: number;
  currentRepeats?: readonly number[];
  /**
   * Every history run had repeats too (the same config): its figures are means like the current
   * one, so the prediction interval over them already fits a mean of repeats.
   */
  historyHasRepeats?: boolean;
  /** A noise interval worked out by the caller (A/B rounds): used instead of the cases below. */
  noise?: { half: number; method: 'paired' | 'welch' | 'noise-floor'; word: string };
}

type Interval = NonNullable<MetricComparison['interval']>;

/** A metric only one side has a figure for: not judged, `new` (this run only) or `missing` (the baseline only). */
export function unjudgedMetric(
  metric: string,
  resolved: ResolvedRule,
  sides: { current: number | null; baseline: number | null; baselineRuns: number },
  reason: string,
): MetricComparison {
  return {
    metric,
    unit: resolved.info.unit,
    direction: resolved.info.direction,
    role: resolved.role,
    verdict: sides.current === null ? 'missing' : 'new',
    current: sides.current,
    baseline: sides.baseline,
    change: null,
    tolerance: resolved.rule.text,
    baselineRuns: sides.baselineRuns,
    reason,
  };
}

export function judgeMetric(metric: string, resolved: ResolvedRule, s: MetricSamples, settings: GateSettings): MetricComparison {
  const { info, role, rule } = resolved;
  // Only gated regressions get a confirmation rerun, so only they may use the shared (looser) look.
  const level = role === 'gated' ? lookLevel(settings) : settings.confidence;
  const n = s.history.length;
  const b = mean(s.history)!; // one value per baseline run: never empty when a metric is judged
  const c = s.current;
  const higher = info.direction === 'higher-is-better';
  const worse = higher ? b - c : c - b; // > 0: moved in the bad direction
  const tol = toleranceAmount(rule, b, info.unit);

  const { half, method, runsWord } = noiseOf(s, settings, level, info.family);

  const beyondBad = worse > tol;
  const beyondGood = -worse > tol;
  const outsideBad = worse > half;
  const outsideGood = -worse > half;
  let verdict: MetricVerdict;
  if (beyondBad) verdict = outsideBad ? 'regressed' : 'inconclusive';
  else if (beyondGood && outsideGood) verdict = 'improved';
  else verdict = 'unchanged';

  const change = b !== 0 ? (c - b) / b : null;
  const interval: Interval = { low: b - half, high: b + half, level: method === 'noise-floor' ? 1 : level, method };
  const edge = Math.max(tol, half);
  const out: MetricComparison = {
    metric,
    unit: info.unit,
    direction: info.direction,
    role,
    verdict,
    current: c,
    baseline: b,
    change,
    tolerance: rule.text,
    interval,
    limit: higher ? b - edge : b + edge,
    baselineRuns: n,
    reason: reasonFor(verdict, beyondGood, change, rule, method, level, runsWord, settings, info.family),
  };
  // What would settle a gated metric: planned against the history, at the level it is judged at (A/B rounds plan nothing).
  if (verdict === 'inconclusive' && role === 'gated' && !s.noise)
    out.plan = planRerun({
      history: s.history,
      ...(s.currentRepeats ? { currentRepeats: s.currentRepeats } : {}),
      ...(s.historyHasRepeats ? { historyHasRepeats: true } : {}),
      tolerance: tol,
      level,
      power: settings.power,
    });
  return out;
}

/** The noise half-width a metric's change must exceed, and how it was worked out (see the file's head). */
export function noiseOf(
  s: MetricSamples,
  settings: GateSettings,
  level: number,
  family: Parameters<typeof noiseFloorFor>[1],
): { half: number; method: Interval['method']; runsWord: string } {
  if (s.noise) return { half: s.noise.half, method: s.noise.method, runsWord: s.noise.word };
  const n = s.history.length;
  const k = s.currentRepeats?.length ?? 0;
  if (n >= 2 && k >= 2 && !s.historyHasRepeats)
    return {
      half: pooledHalfWidth(s.history, s.currentRepeats!, level).half,
      method: 'two-sample-t',
      runsWord: `of ${n} runs vs ${k} repeats`,
    };
  if (n >= 2) return { half: predictionHalfWidth(s.history, level).half, method: 'prediction', runsWord: `of ${n} runs` };
  const floor = noiseFloorFor(settings, family) * Math.abs(mean(s.history)!);
  const m = s.baselineRepeats?.length ?? 0;
  // Welch only with 3+ repeats a side: with 2, it has about 2 degrees of freedom and t(0.995, 2)
  // is 9.9, so it would hide every change the noise floor can already judge.
  if (m >= 3 && k >= 3)
    return {
      half: Math.max(welchHalfWidth(s.baselineRepeats!, s.currentRepeats!, level).half, floor),
      method: 'welch',
      runsWord: `of ${m} vs ${k} repeats`,
    };
  return { half: floor, method: 'noise-floor', runsWord: '(one baseline run)' };
}

/** The tolerance in the metric's own unit: the larger of its parts ("+10% or +20ms": exceed both). */
export function toleranceAmount(rule: Tolerance, baseline: number, unit: string): number {
  let amt = 0;
  if (rule.relative !== undefined) amt = Math.max(amt, rule.relative * Math.abs(baseline));
  if (rule.absolute !== undefined) amt = Math.max(amt, rule.absoluteUnit === 'ms' && unit === 's' ? rule.absolute / 1000 : rule.absolute);
  return amt;
}

function reasonFor(
  verdict: MetricVerdict,
  beyondGood: boolean,
  change: number | null,
  rule: Tolerance,
  method: Interval['method'],
  level: number,
  runsWord: string,
  settings: GateSettings,
  family: Parameters<typeof noiseFloorFor>[1],
): string {
  const moved = change === null ? 'moved' : `${change >= 0 ? 'rose' : 'fell'} ${pct(Math.abs(change))}`;
  const noise =
    method === 'noise-floor'
      ? `the ${pct(noiseFloorFor(settings, family))} noise floor ${runsWord}`
      : `the ${pct(level, 0)} ${METHOD_WORD[method]} interval ${runsWord}`;
  switch (verdict) {
    case 'regressed':
      return `${moved}: beyond the ${rule.text} tolerance and outside ${noise}`;
    case 'inconclusive':
      return `${moved}: beyond the ${rule.text} tolerance but inside ${noise}`;
    case 'improved':
      return `${moved}: an improvement beyond the tolerance and outside ${noise}`;
    default:
      return beyondGood
        ? `${moved}: better by more than the tolerance, but inside ${noise}`
        : `${moved}: within the ${rule.text} tolerance`;
  }
}

const METHOD_WORD: Record<Interval['method'], string> = {
  prediction: 'prediction',
  welch: "Welch's",
  'two-sample-t': 'two-sample t',
  paired: 'paired',
  'noise-floor': 'noise-floor',
};

export function pct(x: number, digits = 1): string {
  return `${(x * 100).toFixed(digits)}%`;
}
