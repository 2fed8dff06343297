// Rerun planning: how many repeats of a point (or runs of the baseline) the gate needs to tell a true
// change of the tolerance's size from noise, with a given power, under the very statistic judge.ts
// uses. A metric is inconclusive when its change is beyond the tolerance but inside the noise
// interval; what a rerun can narrow is that interval, so the power here is the noise test's:
//
//   detected  <=>  current − baseline  >  t(df, (1+level)/2) · ŝ · √(1/n + 1/k)
//
// with n history runs and k current repeats. k = 1 (or a history whose runs are means of repeats) is
// the prediction interval, df = n − 1, ŝ the history's sd; k ≥ 2 is the pooled two-sample interval,
// df = n + k − 2, with the repeats' spread never taken below the history's. ŝ is itself random, so
// the power is the normal tail averaged over the sampling distribution of the spread(s):
//
//   power = E[ Φ((δ − t · ŝ · √(1/n + 1/k)) / sd(D)) ],   ŝ² from σ² · χ²_ν / ν
//
// computed by quadrature (exact for the test the gate makes; with equal spreads and no floor it is
// the noncentral-t power of Student's two-sample test). The tolerance line itself is not a
// statistic: a true change of exactly the tolerance's size crosses it half the time whatever the
// noise, so the plan sizes the noise test only.
import { mean as meanOf } from '../metrics/stats.js';
import { lnGamma, normalCdf, sampleSd, tQuantile } from './stats.js';
import type { RerunPlan } from './types.js';

export interface Design {
  /** Baseline runs in the history (n ≥ 2). */
  runs: number;
  /** Repeats of the current point (k ≥ 1). */
  repeats: number;
  /** The run-to-run standard deviation of the history's figures, in the metric's unit. */
  historySd: number;
  /** The standard deviation of one current repeat; the history's when not known. */
  repeatSd?: number;
  /**
   * Every history run's figure is a mean of repeats, like the current one: the gate then uses the
   * prediction interval whatever the current repeats, and more of them do not narrow it.
   */
  historyHasRepeats?: boolean;
  /** The gate floors the repeats' spread at the history's (judge.ts); false gives Student's plain pooled test. */
  floorRepeatSd?: boolean;
}

/** Nodes and weights of u = √(χ²_ν / ν), the spread estimate over the true spread, by the midpoint rule. */
interface Nodes {
  u: number[];
  w: number[];
}

const NODES = 32;
const nodeCache = new Map<number, Nodes>();

function spreadNodes(df: number): Nodes {
  const hit = nodeCache.get(df);
  if (hit) return hit;
  const s = 1 / Math.sqrt(2 * df); // the sd of u, near enough, for the range
  const lo = Math.max(0, 1 - 10 * s);
  const hi = 1 + 12 * s;
  const h = (hi - lo) / NODES;
  const half = df / 2;
  const lnNorm = Math.log(2 * df) - half * Math.LN2 - lnGamma(half);
  const u: number[] = [];
  const w: number[] = [];
  let total = 0;
  for (let i = 0; i < NODES; i++) {
    const x = lo + (i + 0.5) * h;
    // density of u: 2ν·u·f_χ²(νu²; ν), with f_χ²(x; ν) = x^(ν/2−1) e^(−x/2) / (2^(ν/2) Γ(ν/2))
    const v = df * x * x;
    const dens = Math.exp(lnNorm + Math.log(x) + (half - 1) * Math.log(v) - v / 2);
    u.push(x);
    w.push(dens);
    total += dens;
  }
  const nodes = { u, w: w.map((x) => x / total) };
  if (nodeCache.size > 2_000) nodeCache.clear();
  nodeCache.set(df, nodes);
  return nodes;
}

/**
 * The probability that the gate's noise test sees a true change of `change` (in the metric's unit,
 * in the bad direction) as outside the interval at `level`, for this design.
 */
export function detectionPower(d: Design, change: number, level: number): number {
  const n = d.runs;
  const k = Math.max(1, Math.floor(d.repeats));
  if (!(n >= 2)) throw new RangeError('detectionPower needs a history of at least two runs');
  const sb = d.historySd;
  if (!(sb > 0)) return change > 0 ? 1 : 0;
  const sc = d.repeatSd !== undefined && d.repeatSd > 0 ? d.repeatSd : sb;
  const q = (1 + level) / 2;
  if (d.historyHasRepeats || k === 1) {
    // Prediction interval: t(n−1) · ŝ_b · √(1 + 1/n). The current figure varies like one history figure.
    const t = tQuantile(q, n - 1);
    const sdD = d.historyHasRepeats ? sb * Math.sqrt(1 + 1 / n) : Math.sqrt((sb * sb) / n + sc * sc);
    const f = sb * Math.sqrt(1 + 1 / n);
    const nb = spreadNodes(n - 1);
    let p = 0;
    for (let i = 0; i < nb.u.length; i++) p += nb.w[i]! * normalCdf((change - t * f * nb.u[i]!) / sdD);
    return p;
  }
  // Pooled two-sample interval: df = n + k − 2, ŝ_p² = ((n−1)ŝ_b² + (k−1)ŝ_c²) / df.
  const df = n + k - 2;
  const t = tQuantile(q, df);
  const root = Math.sqrt(1 / n + 1 / k);
  const sdD = Math.sqrt((sb * sb) / n + (sc * sc) / k);
  const floor = d.floorRepeatSd ?? true;
  const nb = spreadNodes(n - 1);
  const nc = spreadNodes(k - 1);
  let p = 0;
  for (let i = 0; i < nb.u.length; i++) {
    const b = sb * nb.u[i]!;
    let inner = 0;
    for (let j = 0; j < nc.u.length; j++) {
      const c = floor ? Math.max(sc * nc.u[j]!, b) : sc * nc.u[j]!;
      const sp = Math.sqrt(((n - 1) * b * b + (k - 1) * c * c) / df);
      inner += nc.w[j]! * normalCdf((change - t * sp * root) / sdD);
    }
    p += nb.w[i]! * inner;
  }
  return p;
}

/** The most repeats or runs a plan looks for: beyond it, the answer is "none". */
export const PLAN_LIMIT = 100;
/** The most repeats a suite's `repeat:` allows: a plan for more baseline runs pairs them with at most this. */
export const MAX_REPEAT = 20;

/**
 * The fewest repeats of the current point (k ≥ 1) with which the gate's noise test reaches `power`
 * for a true change of `change`; null when no k up to `limit` does (the history's own uncertainty
 * bounds what repeats can do, and a history of means of repeats ignores them).
 */
export function repeatsNeeded(d: Omit<Design, 'repeats'>, change: number, level: number, power: number, limit = PLAN_LIMIT): number | null {
  const at = (k: number): number => detectionPower({ ...d, repeats: k }, change, level);
  if (at(1) >= power) return 1;
  if (d.historyHasRepeats) return null;
  const sd = Math.max(d.historySd, d.repeatSd ?? 0);
  return smallest(at, 2, limit, power, normalApproxRepeats(sd, change, d.runs, level, power) ?? limit);
}

/** The fewest baseline runs (n ≥ 2) with which the gate's noise test reaches `power` at the design's repeats; null beyond `limit`. */
export function runsNeeded(d: Omit<Design, 'runs'>, change: number, level: number, power: number, limit = PLAN_LIMIT): number | null {
  const k = d.historyHasRepeats ? 1 : Math.max(1, d.repeats);
  // The same approximation solved for n: 1/n = (δ / (σ(z_α + z_β)))² − 1/k.
  const guess = normalApproxRepeats(Math.max(d.historySd, d.repeatSd ?? 0), change, k, level, power) ?? limit;
  return smallest((n) => detectionPower({ ...d, runs: n }, change, level), 2, limit, power, guess);
}

/**
 * The smallest x in [from, limit] with f(x) ≥ target, for f increasing in x: from a guess (the
 * normal approximation, close to the answer), galloping out to a bracket, then bisection, so a plan
 * costs a handful of evaluations.
 */
function smallest(f: (x: number) => number, from: number, limit: number, target: number, guess: number): number | null {
  if (f(from) >= target) return from;
  let x = Math.min(limit, Math.max(from + 1, Math.round(guess)));
  let lo: number;
  let hi: number;
  if (f(x) >= target) {
    hi = x;
    let step = 1;
    lo = Math.max(from, hi - step);
    while (lo > from && f(lo) >= target) {
      hi = lo;
      step *= 2;
      lo = Math.max(from, hi - step);
    }
  } else {
    lo = x;
    let step = 1;
    for (;;) {
      if (lo >= limit) return null;
      x = Math.min(limit, lo + step);
      if (f(x) >= target) break;
      lo = x;
      step *= 2;
    }
    hi = x;
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (f(mid) >= target) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * The textbook normal-approximation sample size, for reading the plan by hand: the repeats k with
 * δ = (z_{(1+level)/2} + z_power) · σ · √(1/n + 1/k), i.e. k = 1 / ((δ / (σ(z_α + z_β)))² − 1/n);
 * null when even infinitely many repeats leave the history's own term too wide. Ignores the t
 * distribution and the randomness of ŝ, so the exact plan is a little larger for small samples.
 */
export function normalApproxRepeats(sd: number, change: number, runs: number, level: number, power: number): number | null {
  const z = tQuantile((1 + level) / 2, Infinity) + tQuantile(power, Infinity);
  const r = (change / (sd * z)) ** 2 - 1 / runs;
  return r > 0 ? Math.max(1, Math.ceil(1 / r)) : null;
}

export interface PlanInput {
  /** One figure per baseline run. */
  history: readonly number[];
  currentRepeats?: readonly number[];
  historyHasRepeats?: boolean;
  /** The tolerance in the metric's unit (the change to detect). */
  tolerance: number;
  level: number;
  power: number;
}

/** The plan for one inconclusive metric: repeats that would tell a change of the tolerance's size from noise, else baseline runs. */
export function planRerun(input: PlanInput): RerunPlan {
  const n = input.history.length;
  const k = input.currentRepeats && input.currentRepeats.length >= 2 ? input.currentRepeats.length : 1;
  const mean = meanOf(input.history) ?? 0;
  const change = mean !== 0 ? input.tolerance / Math.abs(mean) : 0;
  const aim = `detect a ${percent(change)} change with ${percent(input.power)} power`;
  const base = { change, power: input.power, level: input.level, repeatsNow: k };
  if (n < 2) {
    return {
      ...base,
      spread: null,
      achieved: null,
      repeats: null,
      runs: null,
      repeatsWithRuns: null,
      text: `the baseline is one run, so there is no run-to-run spread to plan from; a history of two or more baseline runs gives one`,
    };
  }
  const sd = sampleSd(input.history);
  const repeatSd = k >= 2 ? sampleSd(input.currentRepeats!) : undefined;
  const design = {
    historySd: sd,
    ...(repeatSd !== undefined ? { repeatSd } : {}),
    ...(input.historyHasRepeats ? { historyHasRepeats: true } : {}),
  };
  const achieved = detectionPower({ ...design, runs: n, repeats: k }, input.tolerance, input.level);
  const repeats = repeatsNeeded({ ...design, runs: n }, input.tolerance, input.level, input.power, MAX_REPEAT);
  // Repeats alone cannot: the fewest baseline runs with which some `repeat:` the config allows (at most
  // MAX_REPEAT) gets there, and the repeats that then suffice.
  const runs =
    repeats === null
      ? runsNeeded({ ...design, repeats: input.historyHasRepeats ? 1 : MAX_REPEAT }, input.tolerance, input.level, input.power)
      : null;
  const repeatsWithRuns = runs === null ? null : repeatsNeeded({ ...design, runs }, input.tolerance, input.level, input.power, MAX_REPEAT);
  const spread = mean !== 0 ? sd / Math.abs(mean) : null;
  let text: string;
  if (repeats !== null) text = `${repeats} repeat${repeats === 1 ? '' : 's'} would ${aim}`;
  else if (runs !== null && repeatsWithRuns !== null)
    text = `no repeat count up to ${MAX_REPEAT} would ${aim} against ${n} baseline runs; ${runs} baseline runs and ${repeatsWithRuns} repeat${repeatsWithRuns === 1 ? '' : 's'} would`;
  else text = `neither repeats nor up to ${PLAN_LIMIT} baseline runs would ${aim}: the runs spread too much for this tolerance`;
  return { ...base, spread, achieved, repeats, runs: repeatsWithRuns === null ? null : runs, repeatsWithRuns, text };
}

/** 0.1 -> "10%", 0.125 -> "12.5%". */
function percent(x: number): string {
  return `${Number((x * 100).toFixed(1))}%`;
}
