// Summary statistics exactly as numpy computes them in vLLM's serve.py: np.mean, np.median,
// np.std (population, ddof=0) and np.percentile (default 'linear' interpolation).
// Pure: arrays in, numbers out. An empty sample gives null (vLLM writes 0 there, which reads as a
// measurement; the vLLM file writer may map null back to 0).

/** np.mean. */
export function mean(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** np.std with ddof=0 (population standard deviation), two-pass for accuracy. */
export function stdPopulation(xs: readonly number[]): number | null {
  const m = mean(xs);
  if (m === null) return null;
  let ss = 0;
  for (const x of xs) ss += (x - m) * (x - m);
  return Math.sqrt(ss / xs.length);
}

/** Ascending copy (numbers, not strings: Array.prototype.sort's default would compare text). */
export function sortedAsc(xs: readonly number[]): Float64Array {
  const a = Float64Array.from(xs);
  a.sort();
  return a;
}

/**
 * np.percentile(values, p) with linear interpolation on an ascending sample:
 * rank h = (n-1)·(p/100), result = a[floor h] + (h - floor h)·(a[floor h + 1] - a[floor h]).
 */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  if (n === 1) return sorted[0]!;
  const h = (n - 1) * (p / 100); // numpy: q = p/100, then (n-1)*q
  const lo = Math.floor(h);
  if (lo >= n - 1) return sorted[n - 1]!;
  const frac = h - lo;
  const a = sorted[lo]!;
  const b = sorted[lo + 1]!;
  // numpy's _lerp: a + (b-a)*t, switched to b - (b-a)*(1-t) for t >= 0.5 (keeps monotonicity).
  const d = b - a;
  return frac >= 0.5 ? b - d * (1 - frac) : a + d * frac;
}

export function percentile(xs: readonly number[], p: number): number | null {
  return percentileSorted(sortedAsc(xs), p);
}

/** np.median: the 50th percentile by the same interpolation. */
export function median(xs: readonly number[]): number | null {
  return percentile(xs, 50);
}

/**
 * The key fragment vLLM writes for a percentile: `99` for 99.0, `99.9` for 99.9
 * (serve.py: `str(int(p)) if int(p) == p else str(p)`).
 */
export function percentileWord(p: number): string {
  // JavaScript already prints 99.0 as "99" and 99.9 as "99.9", as Python's int()/str() pair does.
  return String(p);
}

export interface Summary {
  mean: number | null;
  median: number | null;
  std: number | null;
  min: number | null;
  max: number | null;
  percentiles: Map<number, number | null>;
}

/** mean, median, std, min, max and the asked percentiles of one sample, sorting it once. */
export function summarize(xs: readonly number[], percentiles: readonly number[]): Summary {
  const s = sortedAsc(xs);
  const pct = new Map<number, number | null>();
  for (const p of percentiles) pct.set(p, percentileSorted(s, p));
  return {
    mean: mean(xs),
    median: percentileSorted(s, 50),
    std: stdPopulation(xs),
    min: s.length ? s[0]! : null,
    max: s.length ? s[s.length - 1]! : null,
    percentiles: pct,
  };
}
