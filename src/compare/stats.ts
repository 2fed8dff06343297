// The statistics of the gate, written out so every step can be checked against a table:
// Student's t distribution (CDF through the regularized incomplete beta function, quantile by
// bracketing and bisection), sample moments, the prediction interval for one new run, the
// two-sample interval for a mean of repeats, and Welch's interval. The mean is metrics/'s (null for
// an empty sample); every sample here has at least one value.
import { mean } from '../metrics/stats.js';

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; about 15 significant digits). */
export function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  x -= 1;
  let a = c[0]!;
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Regularized incomplete beta I_x(a, b), by Lentz's continued fraction (Numerical Recipes' betacf). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const lnFront = lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x);
  // The fraction converges fast for x < (a+1)/(a+b+2); use the symmetry I_x(a,b) = 1 - I_{1-x}(b,a) otherwise.
  if (x > (a + 1) / (a + b + 2)) return 1 - incompleteBeta(1 - x, b, a);
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return (Math.exp(lnFront) * h) / a;
}

/** P(T <= t) for Student's t with `df` degrees of freedom (df > 0, not necessarily whole). */
export function tCdf(t: number, df: number): number {
  if (!Number.isFinite(df)) return normalCdf(t);
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

const quantileCache = new Map<string, number>();

/** The t with P(T <= t) = p: solved on the CDF by bisection to 1e-12 relative (cached). */
export function tQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`tQuantile: p must be in (0, 1), got ${p}`);
  if (!(df > 0)) throw new RangeError(`tQuantile: df must be > 0, got ${df}`);
  if (p < 0.5) return -tQuantile(1 - p, df);
  if (p === 0.5) return 0;
  const key = `${p}|${df}`;
  const hit = quantileCache.get(key);
  if (hit !== undefined) return hit;
  let lo = 0;
  let hi = 1;
  while (tCdf(hi, df) < p) {
    lo = hi;
    hi *= 2;
    if (hi > 1e12) break;
  }
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (tCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  const q = (lo + hi) / 2;
  if (quantileCache.size > 10_000) quantileCache.clear();
  quantileCache.set(key, q);
  return q;
}

/** Φ(z), the standard normal CDF (through erfc; absolute error below 1.2e-7). */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

function erfc(x: number): number {
  // Numerical Recipes' erfcc (Chebyshev fit).
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Sample standard deviation (n - 1 in the denominator); 0 for fewer than two values. */
export function sampleSd(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs)!;
  let s = 0;
  for (const x of xs) s += (x - m) * (x - m);
  return Math.sqrt(s / (xs.length - 1));
}

/** Half-width of the two-sided interval, and the degrees of freedom it used. */
export interface HalfWidth {
  half: number;
  df: number;
}

/**
 * Prediction interval for ONE new run drawn like the n history runs:
 * mean ± t(n−1, (1+level)/2) · sd · √(1 + 1/n). Needs n ≥ 2.
 */
export function predictionHalfWidth(history: readonly number[], level: number): HalfWidth {
  const n = history.length;
  if (n < 2) throw new RangeError('a prediction interval needs at least two runs');
  const df = n - 1;
  return { half: tQuantile((1 + level) / 2, df) * sampleSd(history) * Math.sqrt(1 + 1 / n), df };
}

/**
 * Interval for the difference of the mean of k current repeats and the mean of n history runs, with
 * the spread pooled from both samples (Student's two-sample t, df = n + k − 2). The current spread is
 * never taken as smaller than the history's: repeats inside one job share that job's run-level
 * noise, so their spread understates what another run would show.
 */
export function pooledHalfWidth(history: readonly number[], repeats: readonly number[], level: number): HalfWidth {
  const n = history.length;
  const k = repeats.length;
  if (n < 2 || k < 1) throw new RangeError('a pooled interval needs two history runs and a current value');
  const sb = sampleSd(history);
  const sc = Math.max(sampleSd(repeats), sb);
  const df = n + k - 2;
  const sp = Math.sqrt(((n - 1) * sb * sb + (k - 1) * sc * sc) / df);
  return { half: tQuantile((1 + level) / 2, df) * sp * Math.sqrt(1 / n + 1 / k), df };
}

/**
 * Welch's interval for the difference of two means with unequal spreads: t(ν, (1+level)/2) ·
 * √(sa²/na + sb²/nb), ν by Welch–Satterthwaite. Needs two values on each side. With both spreads 0
 * the half-width is 0.
 */
export function welchHalfWidth(a: readonly number[], b: readonly number[], level: number): HalfWidth {
  if (a.length < 2 || b.length < 2) throw new RangeError("Welch's interval needs two values on each side");
  const va = sampleSd(a) ** 2 / a.length;
  const vb = sampleSd(b) ** 2 / b.length;
  const se2 = va + vb;
  if (se2 === 0) return { half: 0, df: a.length + b.length - 2 };
  const df = (se2 * se2) / ((va * va) / (a.length - 1) + (vb * vb) / (b.length - 1));
  return { half: tQuantile((1 + level) / 2, df) * Math.sqrt(se2), df };
}

/** Paired interval for the mean of per-round differences (A/B rounds): t(m−1) · sd(d) / √m. */
export function pairedHalfWidth(diffs: readonly number[], level: number): HalfWidth {
  const m = diffs.length;
  if (m < 2) throw new RangeError('a paired interval needs two rounds');
  return { half: (tQuantile((1 + level) / 2, m - 1) * sampleSd(diffs)) / Math.sqrt(m), df: m - 1 };
}
