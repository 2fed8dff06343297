import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestSpec } from '../../src/load/client.js';
import { runPoint } from '../../src/load/runner.js';
import { startReplay, type Replay, type Scenario } from './replay-server.js';

let srv: Replay;
beforeAll(async () => {
  srv = await startReplay({ tokens: 4, ttftMs: 5, gapMs: 2, promptTokens: 7 });
});
afterAll(async () => srv.close());

const spec = (prompt: Scenario, i = 0): RequestSpec => ({
  body: Buffer.from(JSON.stringify({ model: 'm', prompt, max_tokens: 4, stream: prompt !== 'nonstream' })),
  datasetIndex: i,
  intendedPromptTokens: 7,
  maxTokens: 4,
});
const client = (stream = true, timeoutMs = 5000) => ({ baseUrl: srv.url, path: '/v1/completions', headers: {}, stream, timeoutMs });

describe('the streaming client over a real socket', () => {
  it('measures TTFT, one ITL per token chunk and latency to the last token chunk, and reads usage', async () => {
    const run = await runPoint({ client: client(), specs: [spec('ok')], shape: { kind: 'closed', concurrency: 1 } });
    const [r] = run.records;
    expect(r).toMatchObject({ success: true, httpStatus: 200, tokenChunks: 4, outputTokens: 4, promptTokens: 7, responseId: 'cmpl-r' });
    expect(r!.itlMs).toHaveLength(3);
    expect(r!.ttftMs!).toBeGreaterThanOrEqual(4);
    // latency = ttft + the chunk gaps exactly: the usage chunk and [DONE] do not extend it
    expect(r!.latencyMs!).toBeCloseTo(r!.ttftMs! + r!.itlMs.reduce((a, b) => a + b, 0), 9);
    expect(run.durationMs).toBeGreaterThanOrEqual(r!.latencyMs!);
    expect(run.health.events).toBeGreaterThanOrEqual(6); // 4 tokens + usage + [DONE]
  });

  it('generated text that spells "error", "usage" or "choices" is still just a token', async () => {
    const run = await runPoint({ client: client(), specs: [spec('tricky-text')], shape: { kind: 'closed', concurrency: 1 } });
    expect(run.records[0]).toMatchObject({ success: true, tokenChunks: 4, outputTokens: 4 });
    expect(run.records[0]!.itlMs).toHaveLength(3);
  });

  it('classifies every failure and never throws', async () => {
    const kinds: Scenario[] = ['http-500', 'stream-error', 'drop', 'malformed', 'no-done'];
    const run = await runPoint({ client: client(), specs: kinds.map((k, i) => spec(k, i)), shape: { kind: 'closed', concurrency: 5 } });
    const byPrompt = Object.fromEntries(run.records.map((r) => [kinds[r.datasetIndex]!, r]));
    expect(byPrompt['http-500']).toMatchObject({ success: false, errorKind: 'http', httpStatus: 500, error: 'HTTP 500: engine fell over' });
    expect(byPrompt['stream-error']).toMatchObject({ success: false, errorKind: 'stream-error', error: 'decode failed' });
    expect(byPrompt['drop']).toMatchObject({ success: false, errorKind: 'connection' });
    expect(byPrompt['malformed']).toMatchObject({ success: false, errorKind: 'malformed-stream' });
    expect(byPrompt['no-done']).toMatchObject({
      success: false,
      errorKind: 'malformed-stream',
      error: 'the stream ended without data: [DONE]',
    });
  });

  it('a stalled stream is cut at the request timeout and counted as a timeout', async () => {
    const run = await runPoint({
      client: client(true, 150),
      specs: [spec('stall'), spec('ok', 1)],
      shape: { kind: 'closed', concurrency: 2 },
    });
    const stalled = run.records.find((r) => r.datasetIndex === 0)!;
    expect(stalled).toMatchObject({ success: false, errorKind: 'timeout' });
    // The timeout runs from the hand-over to undici (dispatchMs); startMs is the later socket write.
    expect(stalled.endMs! - stalled.dispatchMs).toBeGreaterThanOrEqual(149);
    expect(run.records.find((r) => r.datasetIndex === 1)!.success).toBe(true);
  });

  it('a non-streaming request measures latency to the end of the body and takes tokens from usage', async () => {
    const run = await runPoint({ client: client(false), specs: [spec('nonstream')], shape: { kind: 'closed', concurrency: 1 } });
    expect(run.records[0]).toMatchObject({ success: true, ttftMs: null, outputTokens: 4, promptTokens: 7 });
    expect(run.records[0]!.latencyMs!).toBeGreaterThanOrEqual(4);
  });
});

describe('load shapes', () => {
  it('a closed loop never has more than C requests in flight, and sends them all', async () => {
    const specs = Array.from({ length: 12 }, (_, i) => spec('ok', i));
    const run = await runPoint({ client: client(), specs, shape: { kind: 'closed', concurrency: 3 } });
    expect(run.records).toHaveLength(12);
    expect(run.records.every((r) => r.success)).toBe(true);
    const events = run.records
      .flatMap((r) => [
        [r.startMs, 1],
        [r.endMs!, -1],
      ])
      .sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
    let cur = 0;
    let peak = 0;
    for (const [, d] of events) peak = Math.max(peak, (cur += d!));
    expect(peak).toBe(3);
    // each later request is due when a slot frees, and the first three at t0
    expect(run.records.slice(0, 3).map((r) => r.scheduledMs)).toEqual([0, 0, 0]);
  });

  it('an open loop sends each request at or after its scheduled time and records the lag', async () => {
    const scheduleMs = Float64Array.from([5, 10, 15, 40]);
    const run = await runPoint({
      client: client(),
      specs: [0, 1, 2, 3].map((i) => spec('ok', i)),
      shape: { kind: 'open', scheduleMs, maxConcurrency: null },
    });
    for (const r of run.records) {
      expect(r.scheduledMs).toBe(scheduleMs[r.index]);
      expect(r.arrivalMs).toBeGreaterThanOrEqual(r.scheduledMs);
      // handed to undici at once; written when undici writes it (a reused socket waits one loop turn)
      expect(r.dispatchMs).toBe(r.arrivalMs);
      expect(r.startMs).toBeGreaterThanOrEqual(r.dispatchMs);
    }
  });

  it('under a concurrency cap, requests wait for a slot and that wait is recorded apart', async () => {
    const scheduleMs = new Float64Array(6); // all due at t0
    const run = await runPoint({
      client: client(),
      specs: [0, 1, 2, 3, 4, 5].map((i) => spec('ok', i)),
      shape: { kind: 'open', scheduleMs, maxConcurrency: 2 },
    });
    const waited = run.records.filter((r) => r.startMs - r.arrivalMs > 5);
    expect(waited.length).toBeGreaterThanOrEqual(4);
    expect(run.records.every((r) => r.success)).toBe(true);
  });

  it('warmup requests are sent first and left out of the records', async () => {
    const before = srv.seen.length;
    const run = await runPoint({
      client: client(),
      specs: [spec('ok', 0)],
      warmup: [spec('ok', 9), spec('ok', 9)],
      shape: { kind: 'closed', concurrency: 1 },
    });
    expect(srv.seen.length - before).toBe(3);
    expect(run.records.map((r) => r.datasetIndex)).toEqual([0]);
  });

  it('an abort returns what finished, with the run marked aborted', async () => {
    const ac = new AbortController();
    const scheduleMs = Float64Array.from([0, 60_000]);
    const p = runPoint({
      client: client(),
      specs: [spec('ok', 0), spec('ok', 1)],
      shape: { kind: 'open', scheduleMs, maxConcurrency: null },
      signal: ac.signal,
    });
    // abort once the first request is done, while the second is still far in the future
    while (srv.seen.length === 0) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 50));
    ac.abort();
    const run = await p;
    expect(run.aborted).toBe(true);
    expect(run.records.map((r) => r.index)).toEqual([0]);
  });
});
