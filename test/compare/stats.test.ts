import { describe, expect, it } from 'vitest';
import {
  incompleteBeta,
  lnGamma,
  pairedHalfWidth,
  pooledHalfWidth,
  predictionHalfWidth,
  sampleSd,
  tCdf,
  tQuantile,
  welchHalfWidth,
} from '../../src/compare/stats.js';

describe("Student's t quantile", () => {
  // Values from the standard t table (e.g. NIST/SEMATECH e-Handbook, table 1.3.6.7.2).
  const table: [number, number, number][] = [
    [0.975, 1, 12.706],
    [0.995, 1, 63.657],
    [0.975, 2, 4.303],
    [0.999, 2, 22.327],
    [0.95, 4, 2.132],
    [0.975, 4, 2.776],
    [0.995, 4, 4.604],
    [0.995, 7, 3.499],
    [0.975, 10, 2.228],
    [0.995, 10, 3.169],
    [0.9, 20, 1.325],
    [0.95, 30, 1.697],
    [0.995, 100, 2.626],
  ];
  it.each(table)('t(%f, df %i) is %f to 4 significant digits', (p, df, want) => {
    expect(tQuantile(p, df)).toBeCloseTo(want, 3);
  });

  it('is symmetric and tends to the normal quantile as df grows', () => {
    expect(tQuantile(0.025, 4)).toBeCloseTo(-2.776, 3);
    expect(tQuantile(0.5, 9)).toBe(0);
    expect(tQuantile(0.975, 1e7)).toBeCloseTo(1.95996, 4);
    expect(tQuantile(0.975, Infinity)).toBeCloseTo(1.95996, 4);
  });

  it('inverts the CDF, also at fractional degrees of freedom (Welch)', () => {
    for (const df of [1.3, 2.7, 8.25]) for (const p of [0.9, 0.975, 0.999]) expect(tCdf(tQuantile(p, df), df)).toBeCloseTo(p, 9);
  });

  it('rejects p outside (0, 1) and df <= 0', () => {
    expect(() => tQuantile(1, 3)).toThrow(RangeError);
    expect(() => tQuantile(0.9, 0)).toThrow(RangeError);
  });
});

describe('the special functions under it', () => {
  it('lnGamma matches factorials and Γ(1/2) = √π', () => {
    expect(lnGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(lnGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
  });

  it('the regularized incomplete beta matches closed forms', () => {
    // I_x(1, b) = 1 - (1 - x)^b; I_0.5(2, 3) = 11/16.
    expect(incompleteBeta(0.3, 1, 4)).toBeCloseTo(1 - 0.7 ** 4, 12);
    expect(incompleteBeta(0.5, 2, 3)).toBeCloseTo(11 / 16, 12);
    expect(incompleteBeta(0, 2, 3)).toBe(0);
    expect(incompleteBeta(1, 2, 3)).toBe(1);
  });

  it('the t CDF at df 1 is the Cauchy CDF', () => {
    expect(tCdf(1, 1)).toBeCloseTo(0.75, 12);
    expect(tCdf(-3, 1)).toBeCloseTo(0.5 + Math.atan(-3) / Math.PI, 12);
  });
});

describe('intervals', () => {
  it("the prediction interval reproduces Bencher's documented t_test example (n 25, mean 100, sd 10, 0.977 -> 121.46)", () => {
    // Bencher's boundary is one-sided at 0.977: the two-sided level with the same upper edge is 0.954.
    // Any 25 values standardized to mean 100 and sd 10.
    const raw = Array.from({ length: 25 }, (_, i) => i * i);
    const m = raw.reduce((a, b) => a + b, 0) / raw.length;
    const sd = sampleSd(raw);
    const sample = raw.map((x) => 100 + ((x - m) / sd) * 10);
    expect(sampleSd(sample)).toBeCloseTo(10, 10);
    expect(100 + predictionHalfWidth(sample, 2 * 0.977 - 1).half).toBeCloseTo(121.46, 2);
  });

  it('the prediction interval is t(n-1) · sd · √(1 + 1/n)', () => {
    const h = [100, 102, 98, 101, 99];
    const sd = sampleSd(h);
    expect(predictionHalfWidth(h, 0.99)).toEqual({ half: tQuantile(0.995, 4) * sd * Math.sqrt(1.2), df: 4 });
    expect(() => predictionHalfWidth([1], 0.99)).toThrow(RangeError);
  });

  it('the two-sample interval pools both spreads but never takes the repeats as quieter than the history', () => {
    const h = [100, 102, 98, 101, 99];
    const quiet = pooledHalfWidth(h, [100, 100.01], 0.99);
    const sd = sampleSd(h);
    expect(quiet.df).toBe(5);
    expect(quiet.half).toBeCloseTo(tQuantile(0.995, 5) * sd * Math.sqrt(1 / 5 + 1 / 2), 10);
    const noisy = pooledHalfWidth(h, [90, 110], 0.99);
    expect(noisy.half).toBeGreaterThan(quiet.half);
  });

  it("Welch's interval uses Welch-Satterthwaite degrees of freedom", () => {
    // a: var 1 (n 3), b: var 4 (n 3): se² = 1/3 + 4/3 = 5/3; df = (5/3)² / ((1/9)/2 + (16/9)/2) = 2.941...
    const w = welchHalfWidth([1, 2, 3], [2, 4, 6], 0.95);
    expect(w.df).toBeCloseTo(25 / 9 / (17 / 18), 10);
    expect(w.half).toBeCloseTo(tQuantile(0.975, w.df) * Math.sqrt(5 / 3), 10);
    expect(welchHalfWidth([5, 5], [5, 5], 0.95).half).toBe(0);
  });

  it('the paired interval is t(m-1) · sd(d) / √m', () => {
    const d = [1, 2, 3, 2];
    expect(pairedHalfWidth(d, 0.95).half).toBeCloseTo((tQuantile(0.975, 3) * sampleSd(d)) / 2, 12);
  });
});
