// Prometheus histograms over a window: the difference of two cumulative snapshots, and quantiles
// read from its buckets as Prometheus' histogram_quantile does (promql/quantile.go): linear
// interpolation inside the bucket the rank falls in, the first bucket starting at 0, and a rank in
// the +Inf bucket answered with the upper bound of the last finite bucket.

/** One histogram summed over its series: cumulative counts by upper bound (+Inf included), count and sum. */
export interface Histogram {
  /** [upper bound, cumulative count], ascending by bound; the last bound is Infinity. */
  buckets: [number, number][];
  count: number;
  sum: number;
}

/**
 * after - before, bucket by bucket. Undefined when the two do not have the same bounds or a count
 * went down (the server restarted between them): no honest difference then.
 */
export function histogramDelta(before: Histogram, after: Histogram): Histogram | undefined {
  if (before.buckets.length !== after.buckets.length) return undefined;
  const buckets: [number, number][] = [];
  for (let i = 0; i < after.buckets.length; i++) {
    const [le, n] = after.buckets[i]!;
    const [le0, n0] = before.buckets[i]!;
    if (le !== le0 || n < n0) return undefined;
    buckets.push([le, n - n0]);
  }
  const count = after.count - before.count;
  if (count < 0) return undefined;
  return { buckets, count, sum: after.sum - before.sum };
}

/**
 * The q-quantile (0..1) of a histogram, as histogram_quantile(q, ...): null when it holds no
 * observation or has no +Inf bucket (Prometheus answers NaN there).
 */
export function histogramQuantile(q: number, buckets: readonly [number, number][]): number | null {
  if (buckets.length < 2 || buckets[buckets.length - 1]![0] !== Infinity) return null;
  const total = buckets[buckets.length - 1]![1];
  if (!(total > 0)) return null;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  let rank = q * total;
  let b = buckets.findIndex(([, n]) => n >= rank);
  if (b < 0) b = buckets.length - 1;
  if (b === buckets.length - 1) return buckets[buckets.length - 2]![0];
  if (b === 0 && buckets[0]![0] <= 0) return buckets[0]![0];
  const [end, n] = buckets[b]!;
  let start = 0;
  let inBucket = n;
  if (b > 0) {
    const [prevEnd, prevN] = buckets[b - 1]!;
    start = prevEnd;
    inBucket -= prevN;
    rank -= prevN;
  }
  return start + (end - start) * (rank / inBucket);
}

/** The mean of a histogram's observations: sum / count, null without any. */
export function histogramMean(h: Histogram): number | null {
  return h.count > 0 ? h.sum / h.count : null;
}
