import { describe, expect, it } from 'vitest';
import { arrivalScheduleMs } from '../../src/load/arrivals.js';
import { Rng } from '../../src/load/rng.js';
import { mean, stdPopulation } from '../../src/metrics/stats.js';

function gaps(a: Float64Array): number[] {
  return Array.from(a, (t, i) => t - (i === 0 ? 0 : a[i - 1]!));
}

describe('arrivals as vllm bench serve draws them', () => {
  it('rate=inf sends every request at once', () => {
    expect(Array.from(arrivalScheduleMs(5, 'inf', 1, 0))).toEqual([0, 0, 0, 0, 0]);
  });

  it('the last arrival is rescaled to exactly N/rate seconds, and arrivals ascend', () => {
    const a = arrivalScheduleMs(200, 4, 1, 0);
    expect(a[199]).toBeCloseTo(50_000, 6);
    for (let i = 1; i < a.length; i++) expect(a[i]!).toBeGreaterThanOrEqual(a[i - 1]!);
    expect(a[0]!).toBeGreaterThan(0); // the first request is delayed by its own draw, as in vLLM
  });

  it('is repeatable for a seed and differs between seeds', () => {
    expect(Array.from(arrivalScheduleMs(50, 2, 1, 7))).toEqual(Array.from(arrivalScheduleMs(50, 2, 1, 7)));
    expect(Array.from(arrivalScheduleMs(50, 2, 1, 7))).not.toEqual(Array.from(arrivalScheduleMs(50, 2, 1, 8)));
  });

  it('burstiness=inf gives constant gaps of 1/rate', () => {
    expect(gaps(arrivalScheduleMs(4, 10, Infinity, 0)).map((g) => Math.round(g * 1e6) / 1e6)).toEqual([100, 100, 100, 100]);
  });

  it('gaps are exponential at burstiness 1 (CV 1) and gamma-shaped otherwise (CV 1/sqrt(burstiness))', () => {
    for (const [b, cv] of [
      [1, 1],
      [4, 0.5],
      [0.25, 2],
    ] as const) {
      const g = gaps(arrivalScheduleMs(40_000, 10, b, 3));
      expect(mean(g)!).toBeCloseTo(100, 6); // rescaled: mean gap is exactly 1/rate
      expect(stdPopulation(g)! / mean(g)!).toBeGreaterThan(cv * 0.96);
      expect(stdPopulation(g)! / mean(g)!).toBeLessThan(cv * 1.04);
    }
  });
});

describe('seeded random numbers', () => {
  it('gamma variates have mean shape·scale and variance shape·scale²', () => {
    const r = new Rng(11);
    for (const [k, s] of [
      [2.5, 3],
      [0.5, 1],
    ] as const) {
      const xs = Array.from({ length: 50_000 }, () => r.gamma(k, s));
      expect(mean(xs)! / (k * s)).toBeGreaterThan(0.98);
      expect(mean(xs)! / (k * s)).toBeLessThan(1.02);
      expect(stdPopulation(xs)! ** 2 / (k * s * s)).toBeGreaterThan(0.95);
      expect(stdPopulation(xs)! ** 2 / (k * s * s)).toBeLessThan(1.05);
    }
  });

  it('integers cover both ends of an inclusive range and nothing outside it', () => {
    const r = new Rng(1);
    const seen = new Set(Array.from({ length: 2000 }, () => r.int(3, 7)));
    expect([...seen].sort()).toEqual([3, 4, 5, 6, 7]);
  });

  it('uniform doubles lie in [0, 1) and differ between seeds 0 and 1', () => {
    const a = new Rng(0);
    const b = new Rng(1);
    const xs = Array.from({ length: 1000 }, () => a.next());
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(xs[0]).not.toBe(b.next());
  });
});
