// How precise a point's figures are while it runs, and whether it can stop. Pure: request records
// in, intervals and a decision out.
//
// Requests of one point are not independent: in a closed loop they share the batch (one slow
// request slows its neighbours), and under Poisson arrivals a burst builds a queue that every
// request behind it waits in. An i.i.d. interval (or an i.i.d. bootstrap, which resamples single
// requests) ignores that correlation and comes out too narrow. Batch means (sectioning) cut the
// steady state into k contiguous batches in completion order, take the statistic in each, and
// build a Student-t interval from the k batch values: batches long next to the correlation time
// are nearly independent, so the interval keeps its coverage.
import type { RequestRecord } from '../load/types.js';
import { mean, percentileSorted, sortedAsc } from './stats.js';

/** The metrics an adaptive point can watch: means and medians of per-request times, and output throughput. */
export const PRECISION_METRICS = [
  'mean_ttft_ms',
  'median_ttft_ms',
  'mean_tpot_ms',
  'median_tpot_ms',
  'mean_itl_ms',
  'median_itl_ms',
  'mean_e2el_ms',
  'median_e2el_ms',
  'output_throughput',
] as const;
export type PrecisionMetric = (typeof PRECISION_METRICS)[number];

export interface Interval {
  /** The statistic over the whole steady state. */
  estimate: number;
  low: number;
  high: number;
  /** Half-width over |estimate|. */
  relHalfWidth: number;
  batches: number;
}

/** Fewest batches an interval is built from (below this the t quantile is too wide to be useful). */
export const MIN_BATCHES = 10;
const MAX_BATCHES = 30;

/** Number of batches for n values: about sqrt(n), between 10 and 30. */
export function batchCount(n: number): number {
  return Math.min(MAX_BATCHES, Math.max(MIN_BATCHES, Math.floor(Math.sqrt(n))));
}

/**
 * Student t quantile by the Cornish-Fisher expansion around the normal one (Abramowitz & Stegun
 * 26.7.5); within 0.2% of the exact value from 9 degrees of freedom, which is all batch means use.
 */
export function tQuantileApprox(p: number, df: number): number {
  const z = normalQuantile(p);
  const z3 = z ** 3;
  const z5 = z ** 5;
  const z7 = z ** 7;
  return z + (z3 + z) / (4 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96 * df ** 2) + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * df ** 3);
}

/** Acklam's rational approximation of the standard normal quantile (relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628274631];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lowTail = 0.02425;
  const poly = (k: number[], x: number): number => k.reduce((acc, v) => acc * x + v, 0);
  if (p < lowTail) {
    const q = Math.sqrt(-2 * Math.log(p));
    return poly(c, q) / (poly(d, q) * q + 1);
  }
  if (p > 1 - lowTail) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (poly(a, r) * q) / (poly(b, r) * r + 1);
}

export type Statistic = 'mean' | 'median';

function statOf(xs: readonly number[], stat: Statistic): number | null {
  return stat === 'mean' ? mean(xs) : percentileSorted(sortedAsc(xs), 50);
}

/**
 * Batch-means interval of `stat` over `values` (in time order), at `level` (e.g. 0.95): centred on
 * the statistic of the whole sample, half-width t(k-1) * sd(batch values) / sqrt(k). Null with
 * fewer values than batches.
 */
export function batchMeansInterval(
  values: readonly number[],
  stat: Statistic,
  level = 0.95,
  batches = batchCount(values.length),
): Interval | null {
  const k = batches;
  if (values.length < k * 2) return null;
  const batchStats: number[] = [];
  for (let b = 0; b < k; b++) {
    const from = Math.floor((b * values.length) / k);
    const to = Math.floor(((b + 1) * values.length) / k);
    batchStats.push(statOf(values.slice(from, to), stat)!);
  }
  const estimate = statOf(values, stat)!;
  return intervalFrom(estimate, batchStats, level);
}

function intervalFrom(estimate: number, batchStats: readonly number[], level: number): Interval {
  const k = batchStats.length;
  const m = mean(batchStats)!;
  let ss = 0;
  for (const v of batchStats) ss += (v - m) ** 2;
  const half = (tQuantileApprox((1 + level) / 2, k - 1) * Math.sqrt(ss / (k - 1))) / Math.sqrt(k);
  return {
    estimate,
    low: estimate - half,
    high: estimate + half,
    relHalfWidth: estimate !== 0 ? half / Math.abs(estimate) : Infinity,
    batches: k,
  };
}

/** Successful records in completion order, without the first `skip` completions (the ramp-up). */
export function steadyRecords(completed: readonly RequestRecord[], skip: number): RequestRecord[] {
  const ok = completed.filter((r) => r.success && r.endMs !== null);
  ok.sort((x, y) => x.endMs! - y.endMs!);
  return ok.slice(Math.min(skip, Math.floor(ok.length / 2)));
}

/** TPOT of one request as vLLM defines it: (latency - ttft) / (output tokens - 1). */
function tpotOf(r: RequestRecord): number | null {
  if (r.ttftMs === null || r.latencyMs === null || r.outputTokens === null || r.outputTokens < 2) return null;
  return (r.latencyMs - r.ttftMs) / (r.outputTokens - 1);
}

/** The metric's interval over steady records (in completion order); null when there are too few. */
export function metricInterval(steady: readonly RequestRecord[], metric: PrecisionMetric, level = 0.95): Interval | null {
  if (metric === 'output_throughput') return throughputInterval(steady, level);
  const [stat, base] = metric.split('_') as [Statistic, string];
  if (base === 'itl') {
    // Batches of requests; the statistic over the gaps of each batch's requests.
    const k = batchCount(steady.length);
    if (steady.length < k * 2) return null;
    const batchStats: number[] = [];
    for (let b = 0; b < k; b++) {
      const part = steady.slice(Math.floor((b * steady.length) / k), Math.floor(((b + 1) * steady.length) / k));
      const v = statOf(
        part.flatMap((r) => r.itlMs),
        stat,
      );
      if (v === null) return null;
      batchStats.push(v);
    }
    const all = statOf(
      steady.flatMap((r) => r.itlMs),
      stat,
    );
    return all === null ? null : intervalFrom(all, batchStats, level);
  }
  return batchMeansInterval(perRequest(steady, base), stat, level);
}

/** Each request's TTFT, TPOT or E2E latency (`base`), in order, where it has one. */
function perRequest(records: readonly RequestRecord[], base: string): number[] {
  const values: number[] = [];
  for (const r of records) {
    const v = base === 'ttft' ? r.ttftMs : base === 'tpot' ? tpotOf(r) : r.latencyMs;
    if (v !== null) values.push(v);
  }
  return values;
}

/** Output tokens per second in each batch of completions (tokens / the time the batch took to complete). */
function throughputInterval(steady: readonly RequestRecord[], level: number): Interval | null {
  const k = batchCount(steady.length - 1);
  if (steady.length - 1 < k * 2) return null;
  const rate = (from: number, to: number): number => {
    let tokens = 0;
    for (let i = from + 1; i <= to; i++) tokens += steady[i]!.outputTokens ?? 0;
    const ms = steady[to]!.endMs! - steady[from]!.endMs!;
    return ms > 0 ? (tokens * 1000) / ms : 0;
  };
  const n = steady.length - 1;
  const batchStats: number[] = [];
  for (let b = 0; b < k; b++) batchStats.push(rate(Math.floor((b * n) / k), Math.floor(((b + 1) * n) / k)));
  return intervalFrom(rate(0, n), batchStats, level);
}

/** Where the gate's pass/fail line sits for a metric: its baseline value moved by the tolerance, in the bad direction. */
export interface DecisionLine {
  baseline: number;
  /** The value past which the metric regresses. */
  line: number;
  /** Throughput-like: it regresses by falling below the line. */
  higherIsBetter: boolean;
  /**
   * The verdict over every request the baseline runs measured, predicted from the one over these:
   * under a seeded schedule a run's standing against the baseline barely moves as requests are
   * added (the runs share the schedule), and the baseline runs' own moves say by how much.
   * `lineRatio` is that count's line over its baseline; `half` how far (relative) a run's standing
   * may move by then, at 95%. Absent when the baseline runs measured no more, or are too few.
   */
  toFinal?: { lineRatio: number; half: number };
}

export interface StopRule {
  /** Watched for precision. */
  metrics: readonly PrecisionMetric[];
  /** Relative half-width every metric's interval must reach. */
  margin: number;
  minRequests: number;
  /** Completions of the ramp-up left out (a closed loop's first C). */
  skip: number;
  level: number;
  /** The gate's lines by metric, when a baseline is known: the point is decided on every one of them (watched or not). */
  lines?: Readonly<Partial<Record<PrecisionMetric, DecisionLine>>>;
  /** The count the point would be cut at: its figure over the first `cutAt` requests is what the gate will judge. */
  cutAt?: number;
}

export type StopHow = 'precise' | 'decided';

export interface StopDecision {
  stop: boolean;
  how?: StopHow;
  /** A decided point: the metrics that lie beyond their lines (none: every one lies inside). */
  beyond?: string[];
  intervals: Record<string, Interval | null>;
}

/**
 * Whether the point can stop: every watched metric's interval is within the margin ("precise"), or
 * the gate's verdict on the point can no longer change ("decided"): one metric with a gate line lies
 * wholly beyond it (the point regresses however many more requests come), or every one lies wholly
 * inside its line (it passes). Never before min-requests completions.
 */
export function stopDecision(completed: readonly RequestRecord[], rule: StopRule): StopDecision {
  const steady = steadyRecords(completed, rule.skip);
  const intervals: Record<string, Interval | null> = {};
  const lines = rule.lines ?? {};
  // Only metrics with a gate line can change the verdict (observed ones, and ones the baseline lacks, have none).
  const judged = PRECISION_METRICS.filter((m) => lines[m] !== undefined);
  for (const m of new Set([...rule.metrics, ...judged])) intervals[m] = metricInterval(steady, m, rule.level);
  if (completed.length < rule.minRequests) return { stop: false, intervals };
  const watched = rule.metrics.map((m) => intervals[m] ?? null);
  if (watched.every((i) => i !== null && i.relHalfWidth <= rule.margin)) return { stop: true, how: 'precise', intervals };
  const first = rule.cutAt !== undefined ? completed.filter((r) => r.index < rule.cutAt!) : completed;
  const sides = judged.map((m) => {
    const line = lines[m]!;
    return line.toFinal ? driftSide(figureOf(first, m), line) : sideOf(intervals[m] ?? null, line);
  });
  const beyond = judged.filter((_, i) => sides[i] === 'beyond');
  if (beyond.length > 0 || (sides.length > 0 && sides.every((s) => s === 'inside')))
    return { stop: true, how: 'decided', beyond, intervals };
  return { stop: false, intervals };
}

/**
 * Where a run's figure over the first N requests (`value`) puts the verdict: 'beyond' when it
 * regresses over these N and, its standing moved by no more than the baseline runs' moves, over all
 * of the baseline's requests too; 'inside' likewise for a pass; else 'across'.
 */
export function driftSide(value: number | null, line: DecisionLine): 'beyond' | 'inside' | 'across' {
  const f = line.toFinal;
  if (value === null || !f || line.baseline === 0) return 'across';
  const p = value / line.baseline;
  const here = line.line / line.baseline;
  const worseHere = line.higherIsBetter ? p < here : p > here;
  const worseThen = line.higherIsBetter ? p + f.half < f.lineRatio : p - f.half > f.lineRatio;
  const betterThen = line.higherIsBetter ? p - f.half > f.lineRatio : p + f.half < f.lineRatio;
  if (worseHere && worseThen) return 'beyond';
  if (!worseHere && betterThen) return 'inside';
  return 'across';
}

/** A metric's figure over `records` as the gate computes it (the statistic over all of them; throughput over their completion span from t0). */
export function figureOf(records: readonly RequestRecord[], metric: PrecisionMetric): number | null {
  const ok = records.filter((r) => r.success);
  if (ok.length === 0) return null;
  if (metric === 'output_throughput') {
    let tokens = 0;
    let end = 0;
    for (const r of ok) {
      tokens += r.outputTokens ?? 0;
      end = Math.max(end, r.endMs ?? 0);
    }
    return end > 0 ? (tokens * 1000) / end : null;
  }
  const [stat, base] = metric.split('_') as [Statistic, string];
  const values = base === 'itl' ? ok.flatMap((r) => r.itlMs) : perRequest(ok, base);
  return values.length > 0 ? statOf(values, stat) : null;
}

/** Where an interval lies against the gate's line: wholly past it in the bad direction, wholly short of it, or across it. */
export function sideOf(iv: Interval | null, line: DecisionLine): 'beyond' | 'inside' | 'across' {
  if (!iv) return 'across';
  const badIsUp = !line.higherIsBetter;
  if (badIsUp ? iv.low > line.line : iv.high < line.line) return 'beyond';
  if (badIsUp ? iv.high < line.line : iv.low > line.line) return 'inside';
  return 'across';
}
