// The load runner's early stop (adaptive points): it stops sending when its check says so, or at
// its time limit, and lets the requests in flight finish and count.
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
  it('stops a closed loop once the check answers yes, every request sent finishing successfully', async () => {
    const seen: number[] = [];
    const run = await runPoint({
      client: { ...client, baseUrl: srv.url },
      specs,
      shape: { kind: 'closed', concurrency: 4 },
      stopWhen: { every: 8, check: (done) => (seen.push(done.length), done.length >= 40) },
    });
    expect(run.earlyEnd).toBe('check');
    expect(seen.slice(0, 5)).toEqual([8, 16, 24, 32, 40]);
    expect(run.records.length).toBeGreaterThanOrEqual(40);
    expect(run.records.length).toBeLessThanOrEqual(44);
    expect(run.records.every((r) => r.success)).toBe(true);
    expect(run.aborted).toBe(false);
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
