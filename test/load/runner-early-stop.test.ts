// The load runner's early stop (adaptive points): a cut when its check says so (the first N requests
// measured under the load a full run has), or a stop at its time limit that lets the requests in
// flight finish and count.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestSpec } from '../../src/load/client.js';
import { runPoint } from '../../src/load/runner.js';
import { startReplay, type Replay } from './replay-server.js';

let srv: Replay;
beforeAll(async () => {
  srv = await startReplay({ tokens: 4, ttftMs: 5, gapMs: 2, promptTokens: 7 });
});
afterAll(async () => srv.close());

const specs: RequestSpec[] = Array.from({ length: 400 }, (_, i) => ({
  body: Buffer.from(JSON.stringify({ model: 'm', prompt: 'ok', max_tokens: 4, stream: true })),
  datasetIndex: i,
  intendedPromptTokens: 7,
  maxTokens: 4,
}));
const client = { path: '/v1/completions', headers: {}, stream: true, timeoutMs: 5000 };

describe('runPoint with stopWhen', () => {
  it('cuts a closed loop at a multiple of `every` once the check answers yes: the first N requests, all finished', async () => {
    const seen: number[] = [];
    const cuts: number[] = [];
    const before = srv.seen.length;
    const run = await runPoint({
      client: { ...client, baseUrl: srv.url },
      specs,
      shape: { kind: 'closed', concurrency: 4 },
      stopWhen: { every: 8, check: (done, cutAt) => (seen.push(done.length), cuts.push(cutAt), done.length >= 40) },
    });
    expect(run.earlyEnd).toBe('check');
    expect(seen.slice(0, 5)).toEqual([8, 16, 24, 32, 40]);
    // 40 done (and 4 in flight): the cut is at 40, the 4 keep the load until the first 40 are done.
    expect(cuts[4]).toBe(40);
    expect(run.records.map((r) => r.index)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(run.records.every((r) => r.success)).toBe(true);
    expect(run.aborted).toBe(false);
    expect(srv.seen.length - before).toBeLessThan(52);
  });

  it('keeps an open loop on its schedule after the cut, and ends it when the measured requests are done', async () => {
    const schedule = Float64Array.from(specs, (_, i) => i * 3);
    const before = srv.seen.length;
    const run = await runPoint({
      client: { ...client, baseUrl: srv.url },
      specs,
      shape: { kind: 'open', scheduleMs: schedule, maxConcurrency: null },
      stopWhen: { every: 16, check: (done) => done.length >= 32 },
    });
    expect(run.earlyEnd).toBe('check');
    expect(run.records.length % 16).toBe(0);
    expect(run.records.map((r) => r.index)).toEqual(Array.from({ length: run.records.length }, (_, i) => i));
    expect(run.records.every((r) => r.success)).toBe(true);
    // Requests past the cut kept arriving on schedule (each lives ~11 ms, one is due every 3 ms).
    expect(srv.seen.length - before).toBeGreaterThan(run.records.length);
    const lastEnd = Math.max(...run.records.map((r) => r.endMs!));
    expect(run.durationMs).toBeCloseTo(lastEnd, -1);
  });

  it('stops an open loop at maxMs without cancelling what is in flight', async () => {
    const schedule = Float64Array.from(specs, (_, i) => i * 5);
    const run = await runPoint({
      client: { ...client, baseUrl: srv.url },
      specs,
      shape: { kind: 'open', scheduleMs: schedule, maxConcurrency: null },
      stopWhen: { every: 16, check: () => false, maxMs: 300 },
    });
    expect(run.earlyEnd).toBe('time');
    expect(run.records.length).toBeGreaterThan(20);
    expect(run.records.length).toBeLessThan(100);
    expect(run.records.every((r) => r.success)).toBe(true);
  });

  it('sends every request when nothing stops it', async () => {
    const run = await runPoint({
      client: { ...client, baseUrl: srv.url },
      specs: specs.slice(0, 30),
      shape: { kind: 'closed', concurrency: 4 },
      stopWhen: { every: 8, check: () => false },
    });
    expect(run.earlyEnd).toBeNull();
    expect(run.records.length).toBe(30);
  });
});
