// A TTFT change explained by the server's phase times: the change of the mean queue and prefill
// times between the baseline point and the current one.
import { describe, expect, it } from 'vitest';
import { ttftExplanation } from '../../src/report/ttft-explain.js';
import type { Point } from '../../src/results/schema-types.gen.js';

const point = (queue: number, prefill: number): Point => ({
  key: 'concurrency=1',
  metrics: {},
  validity: { valid: true, reasons: [] },
  telemetry: { mean_queue_time_ms: queue, mean_prefill_time_ms: prefill },
});

describe('ttftExplanation', () => {
  it('says how much of the change was queueing and how much prefill, in ms', () => {
    const view = { baseline: point(2, 15.4), current: point(3, 29.6) };
    expect(ttftExplanation({ metric: 'median_ttft_ms', change: 0.18 }, view)).toBe('TTFT p50 +18%: queue +1 ms, prefill +14 ms');
    expect(ttftExplanation({ metric: 'p99_ttft_ms', change: -0.004 }, { baseline: view.current, current: view.baseline })).toBe(
      'TTFT p99 -0.4%: queue -1 ms, prefill -14 ms',
    );
  });

  it('writes a change that rounds to nothing as ±0, and tenths under 10 ms', () => {
    const view = { baseline: point(0.344, 15.43), current: point(0.33, 16.2) };
    expect(ttftExplanation({ metric: 'mean_ttft_ms', change: 1.129 }, view)).toBe('TTFT mean +113%: queue ±0 ms, prefill +0.8 ms');
  });

  it('explains nothing without phase times on both sides, or for another metric', () => {
    const bare: Point = { key: 'k', metrics: {}, validity: { valid: true, reasons: [] } };
    expect(ttftExplanation({ metric: 'median_ttft_ms', change: 0.2 }, { baseline: bare, current: point(1, 2) })).toBeNull();
    expect(ttftExplanation({ metric: 'median_itl_ms', change: 0.2 }, { baseline: point(1, 2), current: point(1, 2) })).toBeNull();
  });
});
