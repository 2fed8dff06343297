import { describe, expect, it } from 'vitest';
import { mean, median, percentile, percentileWord, stdPopulation, summarize } from '../../src/metrics/stats.js';

describe('summary statistics as numpy computes them', () => {
  it('mean and population standard deviation (ddof=0) of the textbook sample are 5 and 2', () => {
    const xs = [2, 4, 4, 4, 5, 5, 7, 9];
    expect(mean(xs)).toBe(5);
    expect(stdPopulation(xs)).toBe(2);
  });

  it('percentiles interpolate linearly between closest ranks, like np.percentile', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([1, 2, 3, 4], 99)).toBeCloseTo(3.97, 12);
    expect(percentile([10, 20, 30, 40, 50], 90)).toBeCloseTo(46, 12);
    expect(percentile([10, 20, 30, 40, 50], 0.1)).toBeCloseTo(10.04, 12);
    expect(percentile([5], 99)).toBe(5);
    expect(percentile([3, 1, 2], 100)).toBe(3);
  });

  it('sorts numerically, not as text', () => {
    expect(median([100, 9, 20])).toBe(20);
  });

  it('the median of an even sample is the mean of the middle two', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('an empty sample has no statistics (null, never a 0 that reads as a measurement)', () => {
    const s = summarize([], [50, 99]);
    expect([s.mean, s.median, s.std, s.min, s.max, s.percentiles.get(99)]).toEqual([null, null, null, null, null, null]);
  });

  it('percentile words follow vLLM: 99 for 99.0, 99.9 for 99.9', () => {
    expect(percentileWord(99)).toBe('99');
    expect(percentileWord(99.9)).toBe('99.9');
  });
});
