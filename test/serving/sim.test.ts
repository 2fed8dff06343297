// The serving runner end to end against the real simulator over sockets: each dataset, rates,
// concurrency, caps, streaming and not, completions and chat.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isGateError } from '../../src/errors.js';
import { pointRecords, runServingSuite } from '../../src/suites/serving.js';
import { startSim, type RunningSim } from '../support/sim.js';
import { nonClientReasons, suite } from './support.js';

let sim: RunningSim;
let target: { baseUrl: string; model: string };
beforeAll(async () => {
  sim = await startSim(['--sim-seed', '1']);
  target = { baseUrl: sim.url, model: 'sim-model' };
});
afterAll(async () => sim?.stop());

const random = { type: 'random', 'input-len': 32, 'output-len': 12, 'num-prompts': 16 } as const;

describe('serving suites against vllm-sim', () => {
  it('a concurrency sweep on the random dataset: one valid point per level, exact lengths, vLLM metric names', async () => {
    const s = await runServingSuite(suite({ dataset: random, concurrency: [1, 4] }), target);
    expect(s.points.map((p) => p.key)).toEqual(['concurrency=1', 'concurrency=4']);
    for (const p of s.points) {
      expect(nonClientReasons(p.validity)).toEqual([]);
      expect(p.metrics).toMatchObject({
        completed: 16,
        failed: 0,
        total_input_tokens: 16 * 32,
        total_output_tokens: 16 * 12,
        prompt_len_mismatched: 0,
        output_len_short: 0,
      });
      for (const k of [
        'mean_ttft_ms',
        'median_tpot_ms',
        'p99_itl_ms',
        'p90_e2el_ms',
        'output_throughput',
        'max_output_tokens_per_s',
        'mean_client_queue_time_ms',
      ]) {
        expect(p.metrics[k], k).toBeGreaterThan(0);
      }
    }
    expect(s.points[0]!.metrics.max_concurrent_requests).toBe(1);
    expect(s.points[1]!.metrics.max_concurrent_requests).toBe(4);
    expect(s['dataset-fingerprint']).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('a rate sweep sends at the configured rate (finite) and all at once (inf)', async () => {
    const s = await runServingSuite(suite({ dataset: { ...random, 'num-prompts': 20 }, 'request-rates': [40, 'inf'] }), target);
    expect(s.points.map((p) => p.key)).toEqual(['rate=40', 'rate=inf']);
    const [r40, inf] = s.points;
    expect(nonClientReasons(r40!.validity)).toEqual([]);
    expect(r40!.metrics.achieved_request_rate!).toBeGreaterThan(30);
    expect(r40!.metrics.duration!).toBeGreaterThanOrEqual(0.5); // last arrival at N/rate = 0.5 s
    expect(inf!.metrics.achieved_request_rate).toBeNull();
    expect(inf!.metrics.max_concurrent_requests).toBeGreaterThan(10);
  });

  it('a cap under a rate keeps at most that many in flight and reports client queue time apart', async () => {
    const s = await runServingSuite(suite({ dataset: random, 'request-rates': ['inf'], 'max-concurrency': 2 }), target);
    const p = s.points[0]!;
    expect(p.key).toBe('rate=inf,max-concurrency=2');
    expect(p.metrics.max_concurrent_requests).toBe(2);
    expect(p.metrics.mean_client_queue_time_ms!).toBeGreaterThan(0);
    expect(p.metrics.mean_e2el_including_client_queue_ms).toBeUndefined(); // vLLM: only under a finite rate
  });

  it('seed 000: fixed chat prompt, non-streaming, concurrency with prompts per level', async () => {
    const s = await runServingSuite(
      suite({
        endpoint: 'chat',
        stream: false,
        dataset: { type: 'fixed', prompt: 'Explain KV caching in two sentences.', 'max-tokens': 8 },
        concurrency: [1, 4],
        'prompts-per-concurrency': 2,
      }),
      target,
    );
    expect(s.points.map((p) => p.metrics.completed)).toEqual([2, 8]);
    const p = s.points[1]!;
    expect(nonClientReasons(p.validity)).toEqual([]);
    expect(p.metrics.mean_ttft_ms).toBeUndefined();
    for (const k of [
      'mean_e2el_ms',
      'median_e2el_ms',
      'p95_e2el_ms',
      'p99_e2el_ms',
      'min_e2el_ms',
      'max_e2el_ms',
      'request_throughput',
      'output_throughput',
    ]) {
      expect(p.metrics[k], k).toBeGreaterThan(0);
    }
    expect(p.metrics.error_rate).toBe(0);
    expect(p.errors?.['http-status']).toEqual({ '200': 8 });
    expect(p['vllm-meta']?.backend).toBe('openai-chat');
  });

  it('sonnet on chat: prompts packed from the built-in text, lengths agree with the server', async () => {
    const s = await runServingSuite(
      suite({
        endpoint: 'chat',
        dataset: { type: 'sonnet', 'input-len': 120, 'prefix-len': 40, 'output-len': 8, 'num-prompts': 6 },
        concurrency: [3],
      }),
      target,
    );
    const p = s.points[0]!;
    expect(nonClientReasons(p.validity)).toEqual([]);
    const recs = pointRecords(p)![0]!;
    expect(recs.every((r) => r.intendedPromptTokens !== null && r.promptTokens === r.intendedPromptTokens)).toBe(true);
    expect(recs[0]!.promptTokens!).toBeGreaterThan(90);
  });

  it('random prompts on chat go through the server detokenizer and are still checked', async () => {
    const s = await runServingSuite(suite({ endpoint: 'chat', dataset: { ...random, 'num-prompts': 4 }, concurrency: [2] }), target);
    expect(nonClientReasons(s.points[0]!.validity)).toEqual([]);
    expect(pointRecords(s.points[0]!)![0]!.every((r) => r.promptTokens === r.intendedPromptTokens)).toBe(true);
  });

  it('ShareGPT: vLLM file format, filter and seeded sample; the same seed gives the same prompts', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'vpg-sharegpt-'));
    const file = path.join(dir, 'sg.json');
    const conv = (q: string, a: string) => ({
      id: q.slice(0, 8),
      conversations: [
        { from: 'human', value: q },
        { from: 'gpt', value: a },
      ],
    });
    await writeFile(
      file,
      JSON.stringify([
        conv(
          'What is the capital city of France and why is it famous?',
          'Paris is the capital of France, famous for art, food and the Eiffel Tower.',
        ),
        conv('hi', 'Hello! How can I help you today with anything at all?'), // prompt under 4 tokens: filtered out
        { id: 'one-turn', conversations: [{ from: 'human', value: 'a conversation with one turn is skipped' }] },
        conv(
          'Write a haiku about the sea in the early morning light.',
          'Grey waves fold and break, gulls wheel over the cold sand, light spills on the foam.',
        ),
        conv('List three prime numbers larger than one hundred please.', '101, 103 and 107 are prime numbers larger than one hundred.'),
      ]),
    );
    const sg = suite({ dataset: { type: 'sharegpt', path: file, 'num-prompts': 3, seed: 5 }, concurrency: [3] });
    const a = await runServingSuite(sg, target);
    const b = await runServingSuite(sg, target);
    expect(nonClientReasons(a.points[0]!.validity)).toEqual([]);
    expect(a['dataset-fingerprint']).toBe(b['dataset-fingerprint']);
    const prompts = pointRecords(a.points[0]!)![0]!.map((r) => r.intendedPromptTokens);
    expect(prompts.every((n) => n !== null && n >= 4)).toBe(true);
  });

  it('a missing ShareGPT file is a DATASET error naming the path and how to get the file', async () => {
    const err = await runServingSuite(
      suite({ dataset: { type: 'sharegpt', path: '/nonexistent/ShareGPT.json' }, concurrency: [1] }),
      target,
    ).catch((e: unknown) => e);
    expect(isGateError(err, 'DATASET')).toBe(true);
    expect((err as Error).message).toContain('/nonexistent/ShareGPT.json');
    expect((err as { hint?: string }).hint).toMatch(/ShareGPT_V3_unfiltered_cleaned_split\.json/);
  });

  it('hooks run around each point and a cancel returns the points done so far', async () => {
    const ac = new AbortController();
    const seen: string[] = [];
    const s = await runServingSuite(suite({ dataset: random, concurrency: [1, 2, 4] }), target, {
      signal: ac.signal,
      onPointStart: (k) => void seen.push(`start ${k}`),
      onPointEnd: (k, d) => {
        seen.push(`end ${k} ${d.records[0]!.length}`);
        if (k === 'concurrency=2') ac.abort();
      },
    });
    expect(seen).toEqual(['start concurrency=1', 'end concurrency=1 16', 'start concurrency=2', 'end concurrency=2 16']);
    expect(s.points).toHaveLength(2);
    expect(s.error?.code).toBe('CANCELLED');
  });

  it('progress events carry the point and live counts', async () => {
    const evs: { pointKey: string; completed: number }[] = [];
    await runServingSuite(suite({ dataset: { ...random, 'output-len': 40, 'num-prompts': 8 }, concurrency: [2] }), target, {
      progressIntervalMs: 20,
      onProgress: (e) => evs.push(e),
    });
    expect(evs.length).toBeGreaterThan(0);
    expect(evs.every((e) => e.pointKey === 'concurrency=2')).toBe(true);
  });
});
