// Where a point's time went, server side: vLLM's queue/prefill/decode/inference histograms and its
// prefix-cache counters, read from two /metrics scrapes. Quantiles follow Prometheus'
// histogram_quantile (promql/quantile.go): linear inside the bucket, the first bucket from 0, and a
// rank in the +Inf bucket answered with the last finite bound.
import { describe, expect, it } from 'vitest';
import { histogramDelta, histogramQuantile, type Histogram } from '../../src/metrics/histogram.js';
import { parseVllmMetrics, serverSideFigures, summariseSnapshots } from '../../src/server/telemetry.js';

const B = (pairs: [number, number][]): [number, number][] => pairs;

describe('histogramQuantile, as Prometheus reads buckets', () => {
  // 10 observations: 4 under 0.1, 4 more under 0.5, 2 more under 1.
  const buckets = B([
    [0.1, 4],
    [0.5, 8],
    [1, 10],
    [Infinity, 10],
  ]);

  it('interpolates linearly inside the bucket the rank falls in, the first bucket starting at 0', () => {
    expect(histogramQuantile(0.2, buckets)).toBeCloseTo(0.05, 12); // rank 2 of 4 in [0, 0.1]
    expect(histogramQuantile(0.5, buckets)).toBeCloseTo(0.1 + 0.4 * (1 / 4), 12); // rank 5: 1 of 4 in [0.1, 0.5]
    expect(histogramQuantile(0.9, buckets)).toBeCloseTo(0.5 + 0.5 * (1 / 2), 12); // rank 9: 1 of 2 in [0.5, 1]
    expect(histogramQuantile(1, buckets)).toBe(1);
  });

  it('answers a rank in the +Inf bucket with the upper bound of the last finite bucket', () => {
    const tail = B([
      [0.3, 1],
      [0.5, 2],
      [Infinity, 10],
    ]);
    expect(histogramQuantile(0.99, tail)).toBe(0.5);
    expect(histogramQuantile(0.5, tail)).toBe(0.5);
  });

  it('has no answer without observations or without a +Inf bucket (Prometheus: NaN)', () => {
    expect(
      histogramQuantile(
        0.5,
        B([
          [0.1, 0],
          [Infinity, 0],
        ]),
      ),
    ).toBeNull();
    expect(
      histogramQuantile(
        0.5,
        B([
          [0.1, 3],
          [1, 3],
        ]),
      ),
    ).toBeNull();
  });
});

describe('histogramDelta', () => {
  const before: Histogram = {
    buckets: B([
      [0.3, 2],
      [Infinity, 3],
    ]),
    count: 3,
    sum: 1.5,
  };
  it('subtracts bucket by bucket', () => {
    const after: Histogram = {
      buckets: B([
        [0.3, 6],
        [Infinity, 8],
      ]),
      count: 8,
      sum: 3.5,
    };
    expect(histogramDelta(before, after)).toEqual({
      buckets: [
        [0.3, 4],
        [Infinity, 5],
      ],
      count: 5,
      sum: 2,
    });
  });
  it('gives nothing when a count went down (a restarted server) or the bounds differ', () => {
    expect(
      histogramDelta(before, {
        buckets: B([
          [0.3, 1],
          [Infinity, 1],
        ]),
        count: 1,
        sum: 0.1,
      }),
    ).toBeUndefined();
    expect(
      histogramDelta(before, {
        buckets: B([
          [0.5, 2],
          [Infinity, 3],
        ]),
        count: 3,
        sum: 1.5,
      }),
    ).toBeUndefined();
  });
});

/** A /metrics text in vLLM's V1 shape: prefix-cache counters and the queue histogram of two engines. */
function scrape(o: { queries: number; hits: number; q0: [number, number, number, number]; q1: [number, number, number, number] }): string {
  const engine = (e: number, [le03, le05, inf, sum]: [number, number, number, number]): string[] => [
    `vllm:request_queue_time_seconds_sum{engine="${e}",model_name="m"} ${sum}`,
    `vllm:request_queue_time_seconds_bucket{engine="${e}",le="0.3",model_name="m"} ${le03}`,
    `vllm:request_queue_time_seconds_bucket{engine="${e}",le="0.5",model_name="m"} ${le05}`,
    `vllm:request_queue_time_seconds_bucket{engine="${e}",le="+Inf",model_name="m"} ${inf}`,
    `vllm:request_queue_time_seconds_count{engine="${e}",model_name="m"} ${inf}`,
  ];
  return [
    '# HELP vllm:prefix_cache_queries_total Prefix cache queries, in terms of number of queried tokens.',
    '# TYPE vllm:prefix_cache_queries_total counter',
    `vllm:prefix_cache_queries_total{engine="0",model_name="m"} ${o.queries}`,
    '# TYPE vllm:prefix_cache_hits_total counter',
    `vllm:prefix_cache_hits_total{engine="0",model_name="m"} ${o.hits}`,
    '# TYPE vllm:request_queue_time_seconds histogram',
    ...engine(0, o.q0),
    ...engine(1, o.q1),
    'vllm:num_requests_running{engine="0",model_name="m"} 0.0',
    '',
  ].join('\n');
}

describe("a point's server-side figures from two scrapes", () => {
  const before = parseVllmMetrics(scrape({ queries: 1000, hits: 100, q0: [1, 1, 1, 0.1], q1: [0, 0, 0, 0] }));
  const after = parseVllmMetrics(scrape({ queries: 3000, hits: 1700, q0: [5, 7, 7, 0.9], q1: [2, 2, 3, 1.3] }));

  it('reads _count and _sum of labelled histograms and sums the engines', () => {
    expect(after.phases?.queue).toEqual({
      buckets: [
        [0.3, 7],
        [0.5, 9],
        [Infinity, 10],
      ],
      count: 10,
      sum: 2.2,
    });
  });

  it('gives the hit rate of the point (hits / queries over it), and mean, p50, p99 of each phase in ms', () => {
    const f = serverSideFigures(before, after);
    expect(f.prefix_cache_queries).toBe(2000);
    expect(f.prefix_cache_hits).toBe(1600);
    expect(f.prefix_cache_hit_rate).toBeCloseTo(0.8, 12);
    // Over the point: 9 requests, sum 2.1 s; buckets 6 under 0.3 s, 8 under 0.5 s, 9 in all.
    expect(f.mean_queue_time_ms).toBeCloseTo((2.1 / 9) * 1000, 9);
    expect(f.p50_queue_time_ms).toBeCloseTo(0.3 * (4.5 / 6) * 1000, 9);
    expect(f.p99_queue_time_ms).toBeCloseTo(500, 9); // rank 8.91 is in +Inf: the last finite bound
    expect(f).not.toHaveProperty('mean_prefill_time_ms'); // not served: not reported
  });

  it('calls the hit rate null, not 0, when nothing was queried (prefix caching off)', () => {
    const off = parseVllmMetrics(scrape({ queries: 0, hits: 0, q0: [0, 0, 0, 0], q1: [0, 0, 0, 0] }));
    const f = serverSideFigures(off, off);
    expect(f.prefix_cache_queries).toBe(0);
    expect(f.prefix_cache_hit_rate).toBeNull();
    expect(f.mean_queue_time_ms).toBeNull();
  });

  it('are part of the point telemetry, and absent for a server without the series', () => {
    expect(summariseSnapshots({ before, during: [], after }).prefix_cache_hit_rate).toBeCloseTo(0.8, 12);
    const bare = parseVllmMetrics('vllm:num_requests_running{model_name="m"} 1\n');
    expect(Object.keys(summariseSnapshots({ before: bare, during: [], after: bare }))).not.toContain('prefix_cache_hit_rate');
  });
});
