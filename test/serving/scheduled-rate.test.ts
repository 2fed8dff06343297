import { describe, expect, it } from 'vitest';
import { scheduledRate } from '../../src/suites/serving.js';
import { rec } from '../metrics/support.js';

describe('the rate an adaptive open-loop point is held to', () => {
  it('is what its schedule asked for over the requests it sent, not the nominal rate', () => {
    // 50 arrivals due by 4 s: the schedule ran at 12.5 req/s, under a nominal 16, by chance alone.
    const records = Array.from({ length: 50 }, (_, i) => rec({ index: i, scheduledMs: (4000 * (i + 1)) / 50 }));
    expect(scheduledRate(records, 16)).toBeCloseTo(12.5, 9);
  });

  it('leaves an unbounded rate, a closed loop and an empty point as they are', () => {
    expect(scheduledRate([rec({ scheduledMs: 10 })], 'inf')).toBe('inf');
    expect(scheduledRate([rec({ scheduledMs: 10 })], null)).toBeNull();
    expect(scheduledRate([], 16)).toBe(16);
  });
});
