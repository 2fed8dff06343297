// Robust pieces shared by the change-point tests: medians, the robust scale and spike removal.
// A real shift moves a whole side and keeps its values together; a spike is an outlier of both sides.

/** How many robust deviations from its side's median make a value a spike. */
export const OUTLIER = 3.5;

/** 1.4826 × the median absolute residual from each side's median: the SD of normal noise, unmoved by a spike. */
export function robustScale(left: readonly number[], ml: number, right: readonly number[], mr: number): number {
  const res = new Float64Array(left.length + right.length);
  left.forEach((x, i) => (res[i] = Math.abs(x - ml)));
  right.forEach((x, i) => (res[left.length + i] = Math.abs(x - mr)));
  return 1.4826 * sortedMedian(res.sort());
}

/**
 * The values without their spikes: those more than OUTLIER robust deviations from their own side's
 * median and from the other side's too (a value that fits the other side is a cut placed a run off,
 * not a spike), when they are at most two or a quarter of the side. Sides of fewer than 3 values
 * stay whole.
 */
export function withoutOutliers(xs: readonly number[], med: number, scale: number, otherMedian: number): readonly number[] {
  if (xs.length < 3) return xs;
  const limit = OUTLIER * scale;
  const kept = xs.filter((x) => !(Math.abs(x - med) > limit && Math.abs(x - otherMedian) > limit));
  // Spikes are a few runs: up to two (two spikes a few runs apart are not rare at a spike in 50 runs),
  // or a quarter of a longer side; more away from both medians is a level of its own.
  return xs.length - kept.length <= Math.max(2, Math.floor(xs.length / 4)) ? kept : xs;
}

export function mean(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return xs.length > 0 ? s / xs.length : NaN;
}

export function median(xs: readonly number[]): number {
  return sortedMedian(Float64Array.from(xs).sort());
}

function sortedMedian(s: Float64Array): number {
  const h = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 === 1 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}

/** (after − before) / |before|. */
export function relative(before: number, after: number): number {
  return before !== 0 ? (after - before) / Math.abs(before) : 0;
}
