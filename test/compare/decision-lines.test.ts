import { describe, expect, it } from 'vitest';
import { compareRuns } from '../../src/compare/compare.js';
import { decisionLines } from '../../src/compare/decision-lines.js';
import { gateSettings } from '../../src/compare/settings.js';
import { point, run, simple, suite } from './docs.js';

const settings = gateSettings({ thresholds: undefined, goodputSuites: [] });

describe('the gate lines an adaptive point stops against', () => {
  const steady = (ttft: number, tput: number): ReturnType<typeof run> =>
    run([suite('s', [point({ metrics: { median_ttft_ms: ttft, output_throughput: tput, completed: 10 }, requests: 100 })])]);
  const history = [
    steady(99, 1000),
    steady(101, 1002),
    steady(100, 1001),
    steady(100, 1001),
    steady(100, 1001),
    run([suite('s', [point({ metrics: { median_ttft_ms: 500, output_throughput: 1 }, valid: false })])]),
  ];
  const lines = decisionLines(history, settings);

  it("puts a steady metric at the valid baseline runs' mean moved by its tolerance in its bad direction", () => {
    const l = lines('s', 'concurrency=8')!(100)!;
    expect(l.median_ttft_ms!.baseline).toBeCloseTo(100, 9);
    expect(l.median_ttft_ms!.line).toBeCloseTo(110, 9); // latency: +10%
    expect(l.output_throughput!.line).toBeCloseTo(1001 * 0.95, 9); // throughput: -5%
  });

  it('has no line for observed metrics, nor for a point the baseline lacks', () => {
    expect(lines('s', 'concurrency=8')!(100)!.completed).toBeUndefined();
    expect(lines('s', 'concurrency=64')).toBeUndefined();
    expect(lines('other', 'concurrency=8')).toBeUndefined();
  });

  // A noisy history widens the gate's edge past the tolerance (a change inside the noise is
  // inconclusive, which passes); a line at the tolerance would call a point decided that the gate
  // would still pass.
  it.each([
    ['a noisy history', [900, 1100, 950, 1050, 1000]],
    ['a steady history', [995, 1005, 1000, 998, 1002]],
    ['a one-run baseline', [1000]],
  ])('sits where the gate verdict turns, for %s', (_name, values) => {
    const base = values.map((v) => simple({ median_tpot_ms: v }, { requests: 100 }));
    const line = decisionLines(base, settings)('sweep', 'concurrency=8')!(100)!.median_tpot_ms!.line;
    const verdictAt = (v: number): string => compareRuns(base, simple({ median_tpot_ms: v }, { requests: 100 }), settings).verdict;
    expect(verdictAt(line * 0.999)).toBe('pass');
    expect(verdictAt(line * 1.001)).toBe('fail');
  });
});
