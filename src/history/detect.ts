// Change points in one series of nightly figures: e-divisive means (Matteson & James, "A
// Nonparametric Approach for Multiple Change Point Analysis of Multivariate Data", JASA 2014) to
// place candidates, Student's t-test to keep the significant ones, as Apache Otava (MongoDB's
// method: Daly et al., "Change Point Detection in Software Performance Testing", ICPE 2020) does.
//
//   1. Split: in a segment, the split that maximises the e-divisive statistic Q̂ (α = 1, both sides
//      at least `minSegment` long) is a candidate; one weakly significant (p below 10 × maxPValue)
//      splits the segment and both halves are searched again.
//   2. Merge: each candidate is re-tested between its neighbours; while one fails (p above
//      maxPValue, a tenth of it with a side shorter than 6 runs, or a change smaller than the
//      floor), the weakest is dropped and the rest re-tested.
//   3. Place: each change point moves to where one mean shift between its neighbours is most likely.
//   4. Newest: after the last change point, the newest-runs test (newest.ts) asks whether the
//      newest 3 runs left the level of the segment before them, with σ from that segment alone
//      (p ≤ DEFAULT_NEWEST_P_VALUE). It is the test built for the question a nightly job asks after
//      each run, and finds a new step runs before e-divisive can (with fewer than SHORT_SIDE runs
//      after it, a change needs p ≤ maxPValue / 10 there); e-divisive takes it over later.
//
// A single spike is never a change point: each side of a candidate loses its spikes before the test
// (see segmentTest), and the change must exceed the noise floor. The floor
// is the gate's per-family floor (the smallest change that counts between two single runs); between
// the means of m and n runs it shrinks as the standard error of a difference of means does:
// floor · √((1/m + 1/n) / 2). Gaps (null: not measured, or an invalid point) are left out; indices
// are those of the input.
import { incompleteBeta } from '../compare/stats.js';
import { newestChange } from './newest.js';
import { mean, median, relative, robustScale, withoutOutliers } from './robust.js';

export interface DetectOptions {
  /** Fewest values on each side of a change point (default 3). */
  minSegment?: number;
  /** Largest p-value of the t-test for a change point (default 0.0002). */
  maxPValue?: number;
  /** Smallest relative change between two single runs (the family's noise floor; default 0). */
  floor?: number;
  /**
   * Largest two-sided p of the newest-runs test (newest.ts; default DEFAULT_NEWEST_P_VALUE). 0 turns
   * it off: the newest change is then e-divisive's alone (a tenth of maxPValue with fewer than
   * SHORT_SIDE runs after it).
   */
  newestPValue?: number;
  /**
   * The way a regression moves the figures ('down' for a throughput, 'up' for a latency). The
   * newest-runs test then looks that way only: a regression is found as before, and a false
   * improvement in the newest runs is never reported (an improvement waits for e-divisive).
   */
  regression?: 'up' | 'down';
}

export const DEFAULT_MIN_SEGMENT = 3;
export const DEFAULT_MAX_P_VALUE = 0.0002;
export const DEFAULT_NEWEST_P_VALUE = 0.002;

export interface ChangePoint {
  /** Input index of the first value after the change. */
  index: number;
  /** Mean of the segment before and after the change (up to the neighbouring change points). */
  before: number;
  after: number;
  /** (after − before) / |before|. */
  change: number;
  pValue: number;
}

interface Resolved {
  minSegment: number;
  maxPValue: number;
  floor: number;
  newestPValue: number;
}

/** The change points of `values` (null = a gap), oldest first. */
export function detectChangePoints(values: readonly (number | null)[], opts: DetectOptions = {}): ChangePoint[] {
  const o: Resolved = {
    minSegment: Math.max(2, opts.minSegment ?? DEFAULT_MIN_SEGMENT),
    maxPValue: opts.maxPValue ?? DEFAULT_MAX_P_VALUE,
    floor: opts.floor ?? 0,
    newestPValue: opts.newestPValue ?? DEFAULT_NEWEST_P_VALUE,
  };
  const at: number[] = [];
  const xs: number[] = [];
  values.forEach((v, i) => {
    if (v !== null && Number.isFinite(v)) {
      at.push(i);
      xs.push(v);
    }
  });
  const cuts = settle(xs, split(xs, o), o);
  const newest =
    o.newestPValue > 0
      ? newestChange(xs, cuts.at(-1) ?? 0, {
          minSegment: o.minSegment,
          pValue: o.newestPValue,
          floor: o.floor,
          regression: opts.regression,
        })
      : null;
  const bounds = [0, ...cuts, ...(newest ? [newest.cut] : []), xs.length];
  const older = cuts.map((cut, k) => {
    const left = xs.slice(bounds[k]!, cut);
    const right = xs.slice(cut, bounds[k + 2]!);
    const t = segmentTest(left, right, o.minSegment);
    return { index: at[cut]!, before: t.meanLeft, after: t.meanRight, change: relative(t.meanLeft, t.meanRight), pValue: t.p };
  });
  if (!newest) return older;
  return [...older, { index: at[newest.cut]!, before: newest.before, after: newest.after, change: newest.change, pValue: newest.pValue }];
}

/** Step 1: candidate cuts (positions in xs), by recursive e-divisive splitting. */
function split(xs: readonly number[], o: Resolved): number[] {
  const cuts: number[] = [];
  const todo: [number, number][] = [[0, xs.length]];
  while (todo.length > 0) {
    const [s, e] = todo.pop()!;
    if (e - s < 2 * o.minSegment) continue;
    const tau = bestSplit(xs, s, e, o.minSegment);
    if (segmentTest(xs.slice(s, tau), xs.slice(tau, e), o.minSegment).p > Math.min(1, 10 * o.maxPValue)) continue;
    cuts.push(tau);
    todo.push([s, tau], [tau, e]);
  }
  return cuts.sort((a, b) => a - b);
}

/** A side shorter than this needs SHORT_P_FACTOR × maxPValue. */
export const SHORT_SIDE = 6;
const SHORT_P_FACTOR = 0.1;

/**
 * The p a change needs. A short side is mostly the newest few nights, tested again every night as
 * the history grows: each night is another chance for noise to pass, so a change with fewer than
 * SHORT_SIDE runs on a side needs ten times the evidence here. The newest-runs test (step 4) is the
 * one built for those nights; this keeps e-divisive's own share of false alarms small.
 */
function pLimit(t: Pick<SegmentTest, 'nLeft' | 'nRight'>, o: Resolved): number {
  return Math.min(t.nLeft, t.nRight) < SHORT_SIDE ? o.maxPValue * SHORT_P_FACTOR : o.maxPValue;
}

/** Step 2: drop the weakest failing cut until every cut passes between its neighbours. */
function merge(xs: readonly number[], cuts: number[], o: Resolved): number[] {
  const kept = [...cuts];
  for (;;) {
    let worst = -1;
    let worstScore = -Infinity;
    for (let k = 0; k < kept.length; k++) {
      const left = xs.slice(k === 0 ? 0 : kept[k - 1]!, kept[k]!);
      const right = xs.slice(kept[k]!, k + 1 < kept.length ? kept[k + 1]! : xs.length);
      const t = segmentTest(left, right, o.minSegment);
      const need = o.floor * Math.sqrt((1 / t.nLeft + 1 / t.nRight) / 2);
      const small = Math.abs(relative(t.meanLeft, t.meanRight)) < need;
      const limit = pLimit(t, o);
      if (t.p <= limit && !small) continue;
      // Failing on significance ranks by p; a significant change below the floor ranks after them.
      const score = t.p > limit ? 1 + t.p : 1 - Math.abs(relative(t.meanLeft, t.meanRight));
      if (score > worstScore) {
        worstScore = score;
        worst = k;
      }
    }
    if (worst < 0) return kept;
    kept.splice(worst, 1);
  }
}

/** How far step 3 looks for a better place: the split of step 1 is rarely more than a few runs off. */
const REFINE_WINDOW = 6;

/**
 * Step 3: each cut moved to where the test between its neighbours is strongest, within REFINE_WINDOW runs. Without spikes that
 * is the maximum-likelihood place of one mean shift (the largest |t|); Q̂ finds that a change is
 * there, but with noise its argmax sits a few runs off more often than this does.
 */
function refine(xs: readonly number[], cuts: readonly number[], min: number): number[] {
  const out = [...cuts];
  for (let k = 0; k < out.length; k++) {
    const s = k === 0 ? 0 : out[k - 1]!;
    const e = k + 1 < out.length ? out[k + 1]! : xs.length;
    let best = out[k]!;
    let bestP = segmentTest(xs.slice(s, best), xs.slice(best, e), min).p;
    for (let t = Math.max(s + min, best - REFINE_WINDOW); t <= Math.min(e - min, best + REFINE_WINDOW); t++) {
      const p = segmentTest(xs.slice(s, t), xs.slice(t, e), min).p;
      if (p < bestP) {
        bestP = p;
        best = t;
      }
    }
    out[k] = best;
  }
  return out;
}

/** Steps 2 and 3 until the cuts stay put: a moved cut changes its neighbours' segments. */
function settle(xs: readonly number[], candidates: number[], o: Resolved): number[] {
  let cuts = merge(xs, candidates, o);
  for (let i = 0; i < 4; i++) {
    const next = merge(xs, refine(xs, cuts, o.minSegment), o);
    if (next.length === cuts.length && next.every((c, k) => c === cuts[k])) break;
    cuts = next;
  }
  return cuts;
}

/**
 * The τ in [s + min, e − min] maximising Q̂(τ) = mn/(m+n) · (2/(mn) Σ|x−y| − Σ|x−x'|/C(m,2) − Σ|y−y'|/C(n,2)),
 * with the within- and between-sums updated as τ moves: O(L²) for a segment of L values.
 */
export function bestSplit(xs: readonly number[], s: number, e: number, min: number): number {
  const L = e - s;
  const d = new Float64Array(L * L);
  for (let i = 0; i < L; i++) {
    for (let j = i + 1; j < L; j++) {
      const v = Math.abs(xs[s + i]! - xs[s + j]!);
      d[i * L + j] = v;
      d[j * L + i] = v;
    }
  }
  let total = 0;
  for (let i = 0; i < L; i++) for (let j = i + 1; j < L; j++) total += d[i * L + j]!;
  const first = min;
  let withinLeft = 0;
  for (let i = 0; i < first; i++) for (let j = i + 1; j < first; j++) withinLeft += d[i * L + j]!;
  let withinRight = 0;
  for (let i = first; i < L; i++) for (let j = i + 1; j < L; j++) withinRight += d[i * L + j]!;
  let best = s + first;
  let bestQ = -Infinity;
  for (let t = first; t <= L - min; t++) {
    if (t > first) {
      // Value t − 1 moves from the right side to the left.
      const k = t - 1;
      for (let i = 0; i < k; i++) withinLeft += d[i * L + k]!;
      for (let j = k + 1; j < L; j++) withinRight -= d[k * L + j]!;
    }
    const m = t;
    const n = L - t;
    const between = total - withinLeft - withinRight;
    const e2 = (2 * between) / (m * n) - withinLeft / ((m * (m - 1)) / 2) - withinRight / ((n * (n - 1)) / 2);
    const q = ((m * n) / (m + n)) * e2;
    if (q > bestQ) {
      bestQ = q;
      best = s + t;
    }
  }
  return best;
}

export interface SegmentTest {
  meanLeft: number;
  meanRight: number;
  nLeft: number;
  nRight: number;
  /** Two-sided p of Student's t-test, spikes left out. */
  p: number;
}

/**
 * Student's two-sample t-test of two segments, each side without its spikes: values more than
 * OUTLIER robust deviations from both sides' medians (the scale is the MAD of both sides' residuals
 * from their medians). A real shift moves a whole side and keeps its values together; a spike is an
 * outlier of both sides and is left out. Each side must keep `min` values.
 */
export function segmentTest(left: readonly number[], right: readonly number[], min = 1): SegmentTest {
  const ml = median(left);
  const mr = median(right);
  const scale = robustScale(left, ml, right, mr);
  const l = withoutOutliers(left, ml, scale, mr);
  const r = withoutOutliers(right, mr, scale, ml);
  // A side left with fewer than `min` values is no evidence of a lasting change yet.
  const p = l.length < min || r.length < min ? 1 : studentP(l, r);
  return { meanLeft: mean(l), meanRight: mean(r), nLeft: l.length, nRight: r.length, p };
}

/** Two-sided p of Student's t-test with pooled variance (df = m + n − 2). */
export function studentP(a: readonly number[], b: readonly number[]): number {
  const m = a.length;
  const n = b.length;
  if (m < 1 || n < 1 || m + n < 3) return 1;
  const ma = mean(a);
  const mb = mean(b);
  let ss = 0;
  for (const x of a) ss += (x - ma) ** 2;
  for (const x of b) ss += (x - mb) ** 2;
  const df = m + n - 2;
  const se = Math.sqrt((ss / df) * (1 / m + 1 / n));
  if (se === 0 || !Number.isFinite(se)) return ma === mb ? 1 : 0;
  const t = (mb - ma) / se;
  // P(|T| > t) = I_{df/(df+t²)}(df/2, 1/2): exact in the tail, where 1 − CDF would lose digits.
  return incompleteBeta(df / (df + t * t), df / 2, 0.5);
}
