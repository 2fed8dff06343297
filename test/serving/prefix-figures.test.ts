import { describe, expect, it } from 'vitest';
import { servingMetrics } from '../../src/metrics/serving.js';
import { prefixFigures } from '../../src/suites/serving.js';
import { rec } from '../metrics/support.js';

const metricsOf = (records: Parameters<typeof servingMetrics>[0]['records'], durationMs: number): ReturnType<typeof servingMetrics> =>
  servingMetrics({ records, durationMs, percentiles: [50], stream: true, requestRate: 16, maxConcurrency: null, closedLoop: false });

describe("an adaptive point's figures over its first N requests", () => {
  // Completions out of order: request i ends at 100 + 10 * (40 - i) ms, so the first ones end last.
  const records = Array.from({ length: 40 }, (_, i) => rec({ index: 39 - i, endMs: 100 + 10 * (i + 1) }));

  it('covers every multiple of the step below the count measured, each over the first N sent', () => {
    const figures = prefixFigures(records, 16, metricsOf);
    expect(figures.map((f) => f.requests)).toEqual([16, 32]);
    expect(figures[0]!.metrics.completed).toBe(16);
    // The first 16 sent (indices 0-15) end by 100 + 10 * 40 ms: their duration runs to the last of them.
    expect(figures[0]!.metrics.duration).toBeCloseTo(0.5, 9);
    expect(figures[0]!.metrics.request_throughput).toBeCloseTo(32, 9);
  });

  it('stops at the first gap (a request a cancelled run never sent)', () => {
    const gappy = records.filter((r) => r.index !== 20);
    expect(prefixFigures(gappy, 16, metricsOf).map((f) => f.requests)).toEqual([16]);
  });
});
