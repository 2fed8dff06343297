// The per-request phase histograms of /metrics (vLLM's names and buckets) observe exactly the
// times the --sim-trace lines carry, so a client can check one against the other.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type RunningSim } from '../../test/support/sim.js';
import { post, waitFor } from './helpers.js';

// request_latency_buckets of vllm/v1/metrics/loggers.py (vLLM 0.11), shared by the phase histograms.
const REQUEST_LATENCY_BUCKETS = [0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920, 7680];
const PHASES = [
  ['vllm:request_queue_time_seconds', 'queue_time_s'],
  ['vllm:request_prefill_time_seconds', 'prefill_time_s'],
  ['vllm:request_decode_time_seconds', 'decode_time_s'],
  ['vllm:request_inference_time_seconds', 'inference_time_s'],
] as const;

/** One histogram of a Prometheus text page: its type line, bucket bounds (le), count and sum. */
function histogram(page: string, name: string): { type: string; les: string[]; count: number; sum: number } {
  const type = new RegExp(`^# TYPE ${name} (\\S+)$`, 'm').exec(page)?.[1] ?? '';
  const les = [...page.matchAll(new RegExp(`^${name}_bucket\\{le="([^"]+)"`, 'gm'))].map((m) => m[1]!);
  const value = (suffix: string): number => Number(new RegExp(`^${name}_${suffix}\\{[^}]*\\} (\\S+)$`, 'm').exec(page)?.[1]);
  return { type, les, count: value('count'), sum: value('sum') };
}

let sim: RunningSim;
let traceFile: string;
beforeAll(async () => {
  traceFile = path.join(mkdtempSync(path.join(tmpdir(), 'sim-phases-')), 'trace.jsonl');
  // Two running at most, so most of the 12 requests queue.
  sim = await startSim(['--max-num-seqs', '2', '--sim-trace', traceFile, '--sim-seed', '3']);
});
afterAll(async () => {
  await sim?.stop();
});

describe('request phase histograms', () => {
  it("have vLLM's names and buckets, and their counts and sums equal the trace's per-request queue, prefill, decode and inference times", async () => {
    const n = 12;
    await Promise.all(
      Array.from({ length: n }, (_, i) =>
        post(`${sim.url}/v1/completions`, {
          prompt: `request number ${i} of the batch`,
          max_tokens: 5 + i,
          ignore_eos: true,
          stream: i % 2 === 0,
        }).then((r) => r.text()),
      ),
    );
    const lines = await waitFor(() => {
      const text = readFileSync(traceFile, 'utf8').trim();
      const all = text === '' ? [] : text.split('\n').map((l) => JSON.parse(l) as Record<string, number | null>);
      return all.length >= n ? all : undefined;
    }, 'the trace lines');
    const page = await (await fetch(`${sim.url}/metrics`)).text();
    for (const [metric, field] of PHASES) {
      const h = histogram(page, metric);
      expect(h.type).toBe('histogram');
      expect(h.les.at(-1)).toBe('+Inf');
      expect(h.les.slice(0, -1).map(Number)).toEqual(REQUEST_LATENCY_BUCKETS);
      const values = lines.map((l) => l[field]!);
      expect(values.every((v) => typeof v === 'number' && v >= 0)).toBe(true);
      expect(h.count).toBe(values.length);
      expect(Math.abs(h.sum - values.reduce((a, b) => a + b, 0))).toBeLessThan(1e-9);
    }
    // Queueing happened (two slots for twelve requests), and each request's phases add up.
    expect(Math.max(...lines.map((l) => l.queue_time_s!))).toBeGreaterThan(0.005);
    for (const l of lines) {
      expect(l.prefill_time_s! + l.decode_time_s!).toBeCloseTo(l.inference_time_s!, 12);
      expect(l.scheduled_s! - l.queued_s!).toBeCloseTo(l.queue_time_s!, 12);
    }
    expect(histogram(page, 'vllm:time_to_first_token_seconds').count).toBe(n);
  });
});
