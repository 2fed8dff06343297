// The mean of a point's repeats, shared by serving and offline suites.
import { describe, expect, it } from 'vitest';
import { meanMetrics } from '../../src/metrics/repeats.js';

describe('meanMetrics', () => {
  it('averages each metric over the repeats', () => {
    expect(
      meanMetrics([
        { a: 1, b: 10 },
        { a: 3, b: 20 },
        { a: 5, b: 30 },
      ]),
    ).toEqual({ a: 3, b: 20 });
  });

  it('gives null for a metric any repeat lacks a number for', () => {
    expect(
      meanMetrics([
        { a: 1, b: 2 },
        { a: 3, b: null },
      ]),
    ).toEqual({ a: 2, b: null });
    expect(meanMetrics([{ a: 1, b: 2 }, { a: 3 }])).toEqual({ a: 2, b: null });
  });

  it('keeps the keys of the first repeat and is empty for no repeats', () => {
    expect(
      Object.keys(
        meanMetrics([
          { z: 1, y: 2 },
          { y: 4, z: 3, x: 9 },
        ]),
      ),
    ).toEqual(['z', 'y']);
    expect(meanMetrics([])).toEqual({});
  });
});
