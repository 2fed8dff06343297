import { describe, expect, it } from 'vitest';
import { detectionPower, normalApproxRepeats, repeatsNeeded, runsNeeded } from '../../src/compare/power.js';
import { judgeMetric } from '../../src/compare/judge.js';
import { gateSettings, ruleFor } from '../../src/compare/settings.js';
import { parseThresholds } from '../../src/config/thresholds.js';
import { Rng } from '../../src/load/rng.js';

describe("the noise test's power", () => {
  // Student's two-sample t test, two-sided α = 0.05, equal groups (Cohen 1988, table 2.4.1; G*Power
  // gives the same): d = 0.5 needs 64 a group for 80% power (0.8015), d = 1 needs 17 (0.807).
  it("matches the noncentral-t power of Student's test when the spread is not floored", () => {
    const plain = (n: number) => ({ runs: n, repeats: n, historySd: 1, floorRepeatSd: false });
    expect(detectionPower(plain(64), 0.5, 0.95)).toBeCloseTo(0.8015, 3);
    expect(detectionPower(plain(63), 0.5, 0.95)).toBeLessThan(0.8);
    expect(detectionPower(plain(17), 1, 0.95)).toBeCloseTo(0.807, 2);
    expect(detectionPower(plain(16), 1, 0.95)).toBeLessThan(0.8);
    expect(repeatsNeeded({ runs: 64, historySd: 1, floorRepeatSd: false }, 0.5, 0.95, 0.8)).toBe(64);
  });

  it('tends to the normal-approximation sample size for a long history', () => {
    // σ = 1, δ = 0.5, n = 100, 95%, 80%: k = 1 / ((0.5 / 2.8016)² − 1/100) = 45.1 -> 46; t adds one.
    expect(normalApproxRepeats(1, 0.5, 100, 0.95, 0.8)).toBe(46);
    const exact = repeatsNeeded({ runs: 100, historySd: 1, floorRepeatSd: false }, 0.5, 0.95, 0.8)!;
    expect(exact).toBeGreaterThanOrEqual(46);
    expect(exact).toBeLessThanOrEqual(48);
  });

  it('is 1 at one repeat when the history has no spread, and grows with the change', () => {
    expect(detectionPower({ runs: 3, repeats: 1, historySd: 0 }, 1, 0.99)).toBe(1);
    const small = detectionPower({ runs: 5, repeats: 4, historySd: 5 }, 5, 0.99);
    const large = detectionPower({ runs: 5, repeats: 4, historySd: 5 }, 15, 0.99);
    expect(small).toBeLessThan(large);
  });

  it('finds no number of repeats when the history itself is too uncertain, but a number of runs', () => {
    // σ = 8, δ = 10, 3 runs: even infinitely many repeats leave the history's own term, and the
    // power tends to Φ(1.25·√3 − 2.58) = 34%. With 10 repeats, more runs get there (Φ(1.25·√10 − 2.58) = 92% at most).
    expect(repeatsNeeded({ runs: 3, historySd: 8 }, 10, 0.99, 0.8)).toBeNull();
    const runs = runsNeeded({ repeats: 10, historySd: 8 }, 10, 0.99, 0.8)!;
    expect(runs).toBeGreaterThan(3);
    expect(detectionPower({ runs, repeats: 10, historySd: 8 }, 10, 0.99)).toBeGreaterThanOrEqual(0.8);
    expect(detectionPower({ runs: runs - 1, repeats: 10, historySd: 8 }, 10, 0.99)).toBeLessThan(0.8);
  });

  it('asks for no repeats when the history runs are means of repeats: the prediction interval ignores them', () => {
    expect(repeatsNeeded({ runs: 4, historySd: 10, historyHasRepeats: true }, 10, 0.99, 0.8)).toBeNull();
    expect(repeatsNeeded({ runs: 4, historySd: 1, historyHasRepeats: true }, 10, 0.99, 0.8)).toBe(1);
  });
});

describe('the plan against the gate itself (seeded simulation)', () => {
  // The gate's own judge, with a tolerance small enough that only the noise test decides: a true
  // +10% change of p99 TTFT over a 5-run history with a 5% spread, judged at 99%. Observed, so the
  // judge does not plan each of the thousands of inconclusive trials: the statistic is the same.
  const settings = gateSettings({ thresholds: parseThresholds({ p99_ttft_ms: '+1%' }, { path: 'thresholds' }) });
  const resolved = { ...ruleFor(settings, 'sweep', 'p99_ttft_ms'), role: 'observed' as const };
  const sd = 5;
  const change = 10;

  function simulatedPower(k: number, trials: number, seed: number): number {
    const rng = new Rng(seed);
    let detected = 0;
    for (let i = 0; i < trials; i++) {
      const history = Array.from({ length: 5 }, () => 100 + sd * rng.normal());
      const repeats = Array.from({ length: k }, () => 100 + change + sd * rng.normal());
      const current = repeats.reduce((a, b) => a + b, 0) / k;
      const m = judgeMetric('p99_ttft_ms', resolved, { history, current, ...(k >= 2 ? { currentRepeats: repeats } : {}) }, settings);
      if (m.verdict === 'regressed') detected++;
    }
    return detected / trials;
  }

  it('reaches the power it plans for, and one repeat fewer does not', () => {
    const k = repeatsNeeded({ runs: 5, historySd: sd }, change, 0.99, 0.8)!;
    expect(k).toBeGreaterThan(1);
    // 4000 trials: the simulation's standard error is 0.0063 at 80%.
    const at = simulatedPower(k, 4000, 7);
    expect(at).toBeCloseTo(detectionPower({ runs: 5, repeats: k, historySd: sd }, change, 0.99), 1);
    expect(at).toBeGreaterThanOrEqual(0.8 - 0.02);
    expect(simulatedPower(k - 1, 4000, 8)).toBeLessThan(0.8 + 0.02);
  });

  it('agrees with the gate at one repeat (the prediction interval)', () => {
    const planned = detectionPower({ runs: 5, repeats: 1, historySd: sd }, change, 0.99);
    expect(Math.abs(simulatedPower(1, 4000, 9) - planned)).toBeLessThan(0.03);
  });
});
