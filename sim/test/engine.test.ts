// The scheduler, driven by hand on a fake clock: each beginStep/endStep pair is one engine step.
import { describe, expect, it } from 'vitest';
import { Engine, EngineRequest, targetLength, type EngineConfig } from '../engine.js';
import { Rng } from '../rng.js';

interface Emitted {
  id: string;
  at: number;
  n: number;
  last: boolean;
}

function setup(over: Partial<EngineConfig> = {}) {
  const emitted: Emitted[] = [];
  const finished: EngineRequest[] = [];
  const scheduled: number[] = [];
  const cfg: EngineConfig = {
    maxNumSeqs: 8,
    maxNumBatchedTokens: 16,
    maxModelLen: 1000,
    kvBlocks: 1000,
    blockSize: 4,
    chunkedPrefill: true,
    enablePrefixCaching: true,
    cost: { base: 1, perSeq: 0, perPrefillToken: 0, perContextToken: 0 },
    costFactor: 1,
    noiseCv: 0,
    noiseRng: new Rng(1),
    frontendBase: 0,
    frontendPerInflight: 0,
    frontendInflightExp: 1,
    frontendCv: 0,
    frontendRng: new Rng(2),
    ...over,
  };
  const engine = new Engine(cfg, {
    onToken: (r, at, last) => emitted.push({ id: r.id, at, n: r.generated, last }),
    onFinish: (r) => finished.push(r),
  });
  engine.onStep = (n) => scheduled.push(n);
  let now = 0;
  /** Runs one step on the fake clock; returns false when idle. */
  const step = (): boolean => {
    const d = engine.beginStep(now);
    if (d < 0) return false;
    now += d;
    engine.endStep(now);
    return true;
  };
  const add = (id: string, prompt: number, maxTokens: number, target = maxTokens): EngineRequest => {
    const r = new EngineRequest(id, prompt, maxTokens, target, now);
    engine.add(r);
    return r;
  };
  return { engine, emitted, finished, scheduled, step, add, now: () => now };
}

describe('engine scheduler', () => {
  it('prefills a prompt longer than the token budget in chunks and emits its first token at the end of the step that completes it', () => {
    const s = setup({ maxNumBatchedTokens: 16 });
    s.add('a', 40, 2);
    while (s.step());
    expect(s.scheduled).toEqual([16, 16, 8, 1]);
    expect(s.emitted).toEqual([
      { id: 'a', at: 3, n: 1, last: false },
      { id: 'a', at: 4, n: 2, last: true },
    ]);
  });

  it('decodes running requests first and gives the rest of the budget to a waiting prefill', () => {
    const s = setup({ maxNumBatchedTokens: 16 });
    s.add('a', 4, 10);
    s.step(); // a prefilled, first token out
    s.add('b', 40, 1);
    s.step();
    // a decodes 1 token, b gets the remaining 15 of the budget.
    expect(s.scheduled[1]).toBe(16);
    expect(s.emitted.filter((e) => e.id === 'a')).toHaveLength(2);
    expect(s.emitted.filter((e) => e.id === 'b')).toHaveLength(0);
  });

  it('runs at most max_num_seqs requests at once; the next one waits for a free slot', () => {
    const s = setup({ maxNumSeqs: 2 });
    s.add('a', 2, 3);
    s.add('b', 2, 3);
    s.add('c', 2, 3);
    s.step();
    expect(s.engine.numRunning).toBe(2);
    expect(s.engine.numWaiting).toBe(1);
    while (s.step());
    const firstC = s.emitted.find((e) => e.id === 'c')!;
    const lastA = s.emitted.find((e) => e.id === 'a' && e.last)!;
    expect(firstC.at).toBeGreaterThan(lastA.at);
    expect(s.finished.map((r) => r.id)).toEqual(['a', 'b', 'c']);
  });

  it('without chunked prefill, a prompt waits until it fits the budget whole', () => {
    const s = setup({ chunkedPrefill: false, maxNumBatchedTokens: 16 });
    s.add('a', 10, 2);
    s.add('b', 10, 2);
    s.step();
    expect(s.scheduled[0]).toBe(10);
    expect(s.engine.numRunning).toBe(1);
  });

  it('keeps a request waiting while the KV cache cannot hold its prompt', () => {
    const s = setup({ kvBlocks: 4, blockSize: 4, chunkedPrefill: false }); // 16 tokens of KV
    s.add('a', 12, 2);
    s.add('b', 8, 2);
    s.step();
    expect(s.engine.numRunning).toBe(1);
    expect(s.engine.kvUsage).toBe(0.75);
    while (s.step());
    expect(s.finished.map((r) => r.id)).toEqual(['a', 'b']);
    expect(s.engine.kvUsage).toBe(0);
  });

  it('preempts the latest running request when a decode needs a block and none is free, then recomputes it', () => {
    const s = setup({ kvBlocks: 4, blockSize: 4 });
    const a = s.add('a', 7, 6);
    const b = s.add('b', 7, 6);
    while (s.step());
    expect(s.engine.preemptionsTotal).toBeGreaterThanOrEqual(1);
    expect(b.preemptions).toBeGreaterThanOrEqual(1);
    expect(a.preemptions).toBe(0);
    expect(a.generated).toBe(6);
    expect(b.generated).toBe(6);
    // Each request's tokens come out once and in order, preemption or not.
    expect(s.emitted.filter((e) => e.id === 'b').map((e) => e.n)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(s.engine.promptTokensTotal).toBe(14);
  });

  it('prices a step as base + per sequence + per prefill token + per context token, times the cost factor', () => {
    const s = setup({ cost: { base: 0.01, perSeq: 0.001, perPrefillToken: 0.0001, perContextToken: 0.00001 }, costFactor: 2 });
    s.add('a', 10, 3);
    s.add('b', 6, 3);
    const d = s.engine.beginStep(0);
    expect(d).toBeCloseTo(2 * (0.01 + 2 * 0.001 + 16 * 0.0001 + 16 * 0.00001), 12);
    s.engine.endStep(d);
    const d2 = s.engine.beginStep(d);
    // Two decodes: no prefill tokens, contexts 11 and 7.
    expect(d2).toBeCloseTo(2 * (0.01 + 2 * 0.001 + 18 * 0.00001), 12);
  });

  it('holds a request back for the front-end delay, which grows with the requests in flight', () => {
    const s = setup({ frontendBase: 0.5, frontendPerInflight: 0.25 });
    const a = s.add('a', 4, 1);
    const b = s.add('b', 4, 1);
    expect(a.readyAt).toBe(0.75);
    expect(b.readyAt).toBe(1);
    expect(s.engine.beginStep(0)).toBe(-1);
    expect(s.engine.nextReadyAt()).toBe(0.75);
  });

  it('frees the KV blocks of an aborted request and reports it finished with abort', () => {
    const s = setup();
    const a = s.add('a', 8, 5);
    s.step();
    expect(s.engine.kvUsage).toBeGreaterThan(0);
    s.engine.abort(a, s.now());
    expect(s.engine.kvUsage).toBe(0);
    expect(a.finishReason).toBe('abort');
    expect(s.finished).toEqual([a]);
    expect(s.step()).toBe(false);
  });

  it('finishes with length at max_tokens and with stop at an earlier EOS', () => {
    const s = setup();
    const a = s.add('a', 4, 5);
    const b = s.add('b', 4, 5, 2);
    while (s.step());
    expect([a.finishReason, a.generated]).toEqual(['length', 5]);
    expect([b.finishReason, b.generated]).toEqual(['stop', 2]);
  });
});

describe('output length', () => {
  it('is exactly max_tokens with ignore_eos, whatever the draw', () => {
    for (const u of [0, 0.001, 0.5, 0.999]) expect(targetLength(128, true, 0.5, u)).toBe(128);
  });
  it('without ignore_eos ends early at a length fixed by the draw', () => {
    expect(targetLength(128, false, 0.01, 0.5)).toBe(targetLength(128, false, 0.01, 0.5));
    expect(targetLength(128, false, 0.01, 0.5)).toBeLessThan(128);
    expect(targetLength(128, false, 0.01, 0.9999)).toBe(128);
  });
});
