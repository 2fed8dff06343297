import { describe, expect, it } from 'vitest';
import { decisionLines } from '../../src/compare/decision-lines.js';
import { gateSettings } from '../../src/compare/settings.js';
import { point, run, suite } from './docs.js';

const settings = gateSettings({ thresholds: undefined, goodputSuites: [] });

describe('the gate lines an adaptive point stops against', () => {
  const history = [
    run([suite('s', [point({ metrics: { median_ttft_ms: 90, output_throughput: 1000, completed: 10 } })])]),
    run([suite('s', [point({ metrics: { median_ttft_ms: 110, output_throughput: 1200, completed: 10 } })])]),
    run([suite('s', [point({ metrics: { median_ttft_ms: 500, output_throughput: 1 }, valid: false })])]),
  ];
  const lines = decisionLines(history, settings);

  it("puts each gated metric at the valid baseline runs' mean moved by its tolerance in its bad direction", () => {
    const l = lines('s', 'concurrency=8')!;
    expect(l.median_ttft_ms!.baseline).toBeCloseTo(100, 9);
    expect(l.median_ttft_ms!.line).toBeCloseTo(110, 9); // latency: +10%
    expect(l.output_throughput!.line).toBeCloseTo(1045, 9); // throughput: -5% of 1100
  });

  it('has no line for observed metrics, nor for a point the baseline lacks', () => {
    expect(lines('s', 'concurrency=8')!.completed).toBeUndefined();
    expect(lines('s', 'concurrency=64')).toBeUndefined();
    expect(lines('other', 'concurrency=8')).toBeUndefined();
  });
});
