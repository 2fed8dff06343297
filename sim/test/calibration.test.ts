// The built-in profiles reproduce the user reports they were fitted to. The serving model runs in
// simulated time (closed-loop client, as the measured benchmarks did), so the figures are exact for
// a seed and need no sleeping.
import { describe, expect, it } from 'vitest';
import type { SimKnobs } from '../args.js';
import { defaultEngineArgs, simulateClosedLoop } from '../offline.js';
import { PROFILES } from '../profiles.js';
import { engineConfig } from '../setup.js';

const within = (got: number, want: number, tol: number): void => {
  expect(Math.abs(got - want) / want, `got ${got.toFixed(2)}, measured ${want} (tolerance ${tol * 100}%)`).toBeLessThanOrEqual(tol);
};

describe('l4-qwen2.5-0.5b against a vllm bench serve sweep on one L4 (256 in / 128 out, ignore_eos, closed loop)', () => {
  // The measured table (vLLM v0.23.0, 1x L4): concurrency -> [TTFT p50 ms, ITL p50 ms, E2E p50 ms, output tok/s, ITL p95 ms].
  const measured: Record<number, [number, number, number, number, number]> = {
    1: [27.0, 5.1, 679, 168, 6.1],
    2: [37.8, 5.2, 698, 367, 6.3],
    4: [50.1, 5.3, 722, 698, 6.4],
    8: [60.9, 5.5, 772, 1312, 7.4],
    16: [103.8, 6.0, 880, 2277, 8.9],
    32: [135.3, 7.1, 1082, 3773, 12.0],
  };
  it.each([1, 2, 4, 8, 16, 32])(
    'at concurrency %i: ITL p50 and E2E within 5%%, TTFT within 15%%, ITL p95 within 30%%, throughput within 15%%',
    (c) => {
      const r = simulateClosedLoop(PROFILES['l4-qwen2.5-0.5b']!, {
        concurrency: c,
        numRequests: Math.max(40, 8 * c),
        promptTokens: 256,
        maxTokens: 128,
        ignoreEos: true,
      });
      const [ttft, itl, e2e, tok, itl95] = measured[c]!;
      within(r.itlMs.p50, itl, 0.05);
      within(r.itlMs.p95, itl95, 0.3);
      within(r.e2eMs.p50, e2e, 0.05);
      within(r.ttftMs.p50, ttft, 0.15);
      // At concurrency 1 the measuring client idled ~12% between requests; the simulated one does not.
      within(r.outputTokPerS, tok, c === 1 ? 0.2 : 0.15);
      expect(r.outputTokens).toBe(r.requests * 128);
    },
  );
});

describe('rtx5090-qwen2.5-7b against latencies measured on one RTX 5090 (short chat prompt, max_tokens 128, non-streaming)', () => {
  it.each([
    [1, 20, 1.2827],
    [4, 40, 1.3338],
    [16, 80, 1.4688],
  ])('at concurrency %i (%i requests): mean latency within 5%% of %f s', (c, n, mean) => {
    // The measured prompt is "a fixed short prompt"; ~30 tokens after the chat template.
    const r = simulateClosedLoop(PROFILES['rtx5090-qwen2.5-7b']!, {
      concurrency: c,
      numRequests: n,
      promptTokens: 30,
      maxTokens: 128,
      ignoreEos: false,
    });
    within(r.e2eMs.mean / 1000, mean, 0.05);
    // Without ignore_eos most requests still run to max_tokens (the measured run averaged ~127.5 of 128).
    expect(r.outputTokens / r.requests).toBeGreaterThan(115);
  });
});

describe('the knobs act on the model as documented', () => {
  it('--sim-slowdown 1.2 makes decode 20% slower', () => {
    const p = PROFILES['l4-qwen2.5-0.5b']!;
    const base = simulateClosedLoop(p, { concurrency: 4, numRequests: 40, promptTokens: 256, maxTokens: 128, ignoreEos: true, noiseCv: 0 });
    const slow = simulateClosedLoop(p, {
      concurrency: 4,
      numRequests: 40,
      promptTokens: 256,
      maxTokens: 128,
      ignoreEos: true,
      noiseCv: 0,
      slowdown: 1.2,
    });
    expect(slow.itlMs.p50 / base.itlMs.p50).toBeCloseTo(1.2, 6);
  });
  it('repeats exactly for the same seed', () => {
    const p = PROFILES['l4-qwen2.5-0.5b']!;
    const o = { concurrency: 8, numRequests: 40, promptTokens: 256, maxTokens: 64, ignoreEos: false, seed: 3 };
    expect(simulateClosedLoop(p, o)).toEqual(simulateClosedLoop(p, o));
  });
});

describe('run-to-run variance (--sim-run-cv)', () => {
  const knobs = (seedGiven: boolean): SimKnobs => ({
    profile: PROFILES['sim-fast']!,
    seed: 5,
    seedGiven,
    timeScale: 1,
    slowdown: 1,
    noiseCv: 0,
    runCv: 0.1,
    startupS: 0,
    faults: [],
    trace: null,
  });
  const args = defaultEngineArgs(PROFILES['sim-fast']!);
  it('repeats the run factor when a seed is given', () => {
    expect(engineConfig(args, knobs(true), 1).runFactor).toBe(engineConfig(args, knobs(true), 1).runFactor);
  });
  it('draws a new run factor at each start without a seed', () => {
    const factors = new Set(Array.from({ length: 5 }, () => engineConfig(args, knobs(false), 1).runFactor));
    expect(factors.size).toBeGreaterThan(1);
  });
});
