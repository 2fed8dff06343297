import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultTimeLimitMs, meanMetrics, planPoints, runServingSuite } from '../../src/suites/serving.js';
import { startReplay, type Replay } from '../load/replay-server.js';
import { suite } from './support.js';

describe('planning a sweep', () => {
  it('request rates become open-loop points keyed rate=R (with the cap in the key), each sending num-prompts', () => {
    const p = planPoints(suite({ dataset: { type: 'random', 'num-prompts': 50 }, 'request-rates': [1, 'inf'], 'max-concurrency': 8 }));
    expect(p.map((x) => [x.key, x.label, x.requests, x.closed])).toEqual([
      ['rate=1,max-concurrency=8', '1 req/s, max concurrency 8', 50, false],
      ['rate=inf,max-concurrency=8', 'inf req/s, max concurrency 8', 50, false],
    ]);
  });

  it('concurrency levels become closed-loop points; prompts-per-concurrency sets C x N requests', () => {
    const p = planPoints(suite({ dataset: { type: 'fixed', prompt: 'x' }, concurrency: [1, 16], 'prompts-per-concurrency': 5 }));
    expect(p.map((x) => [x.key, x.requests, x.closed])).toEqual([
      ['concurrency=1', 5, true],
      ['concurrency=16', 80, true],
    ]);
  });

  it('without a sweep, one point at rate=inf with the dataset default count, as vllm bench serve', () => {
    expect(planPoints(suite({ dataset: { type: 'random' } })).map((x) => [x.key, x.requests])).toEqual([['rate=inf', 1000]]);
  });

  it('a point without max-duration may run an hour, or as long as its arrivals take plus one request-timeout', () => {
    const minutes = (m: number): number => m * 60_000;
    expect(defaultTimeLimitMs({ kind: 'closed', concurrency: 8 }, minutes(10))).toBe(minutes(60));
    expect(defaultTimeLimitMs({ kind: 'open', scheduleMs: Float64Array.from([0, minutes(30)]), maxConcurrency: null }, minutes(10))).toBe(
      minutes(60),
    );
    expect(defaultTimeLimitMs({ kind: 'open', scheduleMs: Float64Array.from([0, minutes(120)]), maxConcurrency: 4 }, minutes(10))).toBe(
      minutes(130),
    );
  });

  it('repeats are averaged key by key; a figure missing in one repeat is null', () => {
    expect(
      meanMetrics([
        { a: 1, b: 2 },
        { a: 3, b: null },
      ]),
    ).toEqual({ a: 2, b: null });
  });
});

describe('a server without /tokenize', () => {
  let srv: Replay;
  beforeAll(async () => {
    srv = await startReplay({ tokens: 3, promptTokens: 9 });
  });
  afterAll(async () => srv.close());

  it('still runs a text dataset: lengths are unknown, so they are not checked, and usage still counts', async () => {
    const logs: string[] = [];
    // The replay server answers every POST as a completion stream, so /tokenize yields no count.
    const s = await runServingSuite(
      suite({ dataset: { type: 'fixed', prompt: 'ok', 'max-tokens': 3, 'num-prompts': 4 }, concurrency: [2] }),
      { baseUrl: srv.url, model: 'm' },
      { log: (l) => logs.push(l) },
    );
    const p = s.points[0]!;
    expect(p.metrics).toMatchObject({ completed: 4, total_input_tokens: 36, total_output_tokens: 12, prompt_len_mismatched: 0 });
    expect(logs.some((l) => l.includes('/tokenize is unavailable'))).toBe(true);
    expect(srv.seen.at(-1)!.body).toMatchObject({
      model: 'm',
      prompt: 'ok',
      max_tokens: 3,
      stream: true,
      stream_options: { include_usage: true },
    });
  });
});
