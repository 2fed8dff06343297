import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { maxConcurrentRequests, maxOutputTokensPerS, servingMetrics } from '../../src/metrics/serving.js';
import { errorSummary } from '../../src/metrics/errors.js';
import { failed, rec } from './support.js';

const base = { percentiles: [50, 99], stream: true, requestRate: 4, maxConcurrency: null } as const;

describe('serving metrics follow vLLM calculate_metrics', () => {
  // Two successes and a failure, hand-computed:
  //   r1 start 0:  ttft 100, itl [10, 20], latency 130, 3 output tokens, prompt 10 -> tpot 15
  //   r2 start 50: ttft 200, itl [30],     latency 230, 2 output tokens, prompt 20 -> tpot 30
  const r1 = rec({ startMs: 0, ttftMs: 100, itlMs: [10, 20], latencyMs: 130, outputTokens: 3, promptTokens: 10 });
  const r2 = rec({ startMs: 50, ttftMs: 200, itlMs: [30], latencyMs: 230, outputTokens: 2, promptTokens: 20 });
  const m = servingMetrics({ ...base, records: [r1, r2, failed('http', { httpStatus: 500 })], durationMs: 1000 });

  it('counts completed and failed requests and sums tokens of successful ones only', () => {
    expect(m).toMatchObject({ completed: 2, failed: 1, total_input_tokens: 30, total_output_tokens: 5, duration: 1 });
  });

  it('throughputs are totals over the duration', () => {
    expect(m.request_throughput).toBe(2);
    expect(m.output_throughput).toBe(5);
    expect(m.total_token_throughput).toBe(35);
  });

  it('TPOT is (latency - TTFT) / (output tokens - 1) per request, then summarized per request', () => {
    expect(m.mean_tpot_ms).toBe(22.5);
    expect(m.median_tpot_ms).toBe(22.5);
    expect(m.std_tpot_ms).toBe(7.5);
  });

  it('ITL pools every chunk gap of every request', () => {
    expect(m.mean_itl_ms).toBe(20);
    expect(m.median_itl_ms).toBe(20);
    expect(m.std_itl_ms).toBeCloseTo(Math.sqrt(200 / 3), 12);
    expect(m.p99_itl_ms).toBeCloseTo(29.8, 12);
  });

  it('TTFT and E2E latency are summarized with mean, median, population std and percentiles', () => {
    expect([m.mean_ttft_ms, m.median_ttft_ms, m.std_ttft_ms, m.p50_ttft_ms]).toEqual([150, 150, 50, 150]);
    expect([m.mean_e2el_ms, m.min_e2el_ms, m.max_e2el_ms]).toEqual([180, 130, 230]);
    expect(m.p99_e2el_ms).toBeCloseTo(229, 12);
  });

  it('request_goodput is null without SLOs, and counts requests meeting every SLO per second with them', () => {
    expect(m.request_goodput).toBeNull();
    const g = servingMetrics({ ...base, records: [r1, r2], durationMs: 1000, goodput: { ttftMs: 150 } });
    expect(g.request_goodput).toBe(1);
    const g2 = servingMetrics({ ...base, records: [r1, r2], durationMs: 1000, goodput: { ttftMs: 300, tpotMs: 20 } });
    expect(g2.request_goodput).toBe(1);
  });

  it('a one-token request is left out of TPOT but counted as TPOT 0 for goodput', () => {
    const one = rec({ ttftMs: 50, latencyMs: 50, outputTokens: 1 });
    const g = servingMetrics({ ...base, records: [one], durationMs: 1000, goodput: { tpotMs: 1 } });
    expect(g.mean_tpot_ms).toBeNull();
    expect(g.request_goodput).toBe(1);
  });

  it('without usage the output length falls back to the number of token chunks', () => {
    const noUsage = rec({ ttftMs: 10, itlMs: [5, 5, 5], latencyMs: 25 });
    expect(servingMetrics({ ...base, records: [noUsage], durationMs: 1000 }).total_output_tokens).toBe(4);
  });

  it('the input length is the server-reported one, else the intended one', () => {
    const a = rec({ ttftMs: 1, latencyMs: 1, outputTokens: 1, promptTokens: 7, intendedPromptTokens: 9 });
    const b = rec({ ttftMs: 1, latencyMs: 1, outputTokens: 1, intendedPromptTokens: 9 });
    expect(servingMetrics({ ...base, records: [a, b], durationMs: 1000 }).total_input_tokens).toBe(16);
  });

  it('a non-streaming point reports latency (with p95, min and max) but no TTFT, TPOT or ITL', () => {
    const ns = servingMetrics({
      ...base,
      stream: false,
      percentiles: [50],
      records: [rec({ latencyMs: 1000, outputTokens: 128 })],
      durationMs: 2000,
    });
    expect(ns.mean_ttft_ms).toBeUndefined();
    expect(ns.mean_itl_ms).toBeUndefined();
    expect([ns.mean_e2el_ms, ns.p95_e2el_ms, ns.p99_e2el_ms, ns.min_e2el_ms]).toEqual([1000, 1000, 1000, 1000]);
    expect(ns.output_throughput).toBe(64);
  });

  it('client queue time (start - arrival) is reported under a concurrency cap, and queue-inclusive E2E under a finite rate', () => {
    const q = rec({ arrivalMs: 0, startMs: 40, ttftMs: 10, latencyMs: 60, outputTokens: 1 });
    const capped = servingMetrics({ ...base, maxConcurrency: 1, records: [q], durationMs: 1000 });
    expect(capped.mean_client_queue_time_ms).toBe(40);
    expect(capped.mean_e2el_including_client_queue_ms).toBe(100);
    const inf = servingMetrics({ ...base, requestRate: 'inf', maxConcurrency: 1, records: [q], durationMs: 1000 });
    expect(inf.mean_e2el_including_client_queue_ms).toBeUndefined();
    expect(servingMetrics({ ...base, records: [q], durationMs: 1000 }).mean_client_queue_time_ms).toBeUndefined();
  });

  it('the client figures: send lag, achieved rate, error rate', () => {
    const rs = [0, 1, 2, 3].map((i) =>
      rec({ scheduledMs: i * 250 + 250, arrivalMs: i * 250 + 250 + i, ttftMs: 1, latencyMs: 1, outputTokens: 1 }),
    );
    const c = servingMetrics({ ...base, records: [...rs, failed('timeout', { scheduledMs: 1000, arrivalMs: 1000 })], durationMs: 2000 });
    expect(c.send_lag_max_ms).toBe(3);
    expect(c.send_lag_p50_ms).toBe(1);
    expect(c.achieved_request_rate).toBeCloseTo(5 / 1.003, 9);
    expect(c.error_rate).toBe(0.2);
  });
});

describe('peak figures', () => {
  it('max_output_tokens_per_s counts approximated token times in 1-second bins from the earliest start', () => {
    // tokens at 900, 1100, 2000 and at 1050, 1060, 1070 -> bin 1 holds 4
    const a = rec({ startMs: 0, ttftMs: 900, itlMs: [200, 900], latencyMs: 2000 });
    const b = rec({ startMs: 1000, ttftMs: 50, itlMs: [10, 10], latencyMs: 70 });
    expect(maxOutputTokensPerS([a, b])).toBe(4);
  });

  it('max_concurrent_requests sweeps half-open intervals: a request ending when another starts does not overlap it', () => {
    expect(maxConcurrentRequests([rec({ startMs: 0, latencyMs: 100 }), rec({ startMs: 100, latencyMs: 100 })])).toBe(1);
    expect(
      maxConcurrentRequests([
        rec({ startMs: 0, latencyMs: 100 }),
        rec({ startMs: 99, latencyMs: 100 }),
        rec({ startMs: 50, latencyMs: 60 }),
      ]),
    ).toBe(3);
  });
});

describe('errors are counted by class and HTTP status', () => {
  it('counts kinds, statuses of all responses, and keeps one example per distinct message', () => {
    const e = errorSummary([
      rec({}),
      failed('http', { httpStatus: 500, error: 'Internal Server Error' }),
      failed('http', { httpStatus: 500, error: 'Internal Server Error' }),
      failed('timeout', { error: 'no response within 1000 ms' }),
    ]);
    expect(e.total).toBe(3);
    expect(e['by-kind']).toEqual({ http: 2, timeout: 1 });
    expect(e['http-status']).toEqual({ '200': 1, '500': 2 });
    expect(e.examples).toEqual(['http: Internal Server Error', 'timeout: no response within 1000 ms']);
  });
});

// vLLM's own saved results: our formulas, fed records with the same totals and duration, must give
// the throughputs vLLM wrote (they are self-consistent: throughput = total / duration).
const modern = path.resolve('../shared/reference/vllm-bench-serve_result_modern.json');
const legacy = path.resolve('../shared/reference/vllm-bench-serve_results_legacy.jsonl');

function recordsWithTotals(completed: number, input: number, output: number) {
  return Array.from({ length: completed }, (_, i) =>
    rec({
      ttftMs: 1,
      latencyMs: 2,
      promptTokens: Math.floor(input / completed) + (i === 0 ? input % completed : 0),
      outputTokens: Math.floor(output / completed) + (i === 0 ? output % completed : 0),
    }),
  );
}

function checkAgainst(v: Record<string, number>): void {
  const m = servingMetrics({
    ...base,
    records: recordsWithTotals(v.completed!, v.total_input_tokens!, v.total_output_tokens!),
    durationMs: v.duration! * 1000,
  });
  expect(m.request_throughput).toBeCloseTo(v.request_throughput!, 9);
  expect(m.output_throughput).toBeCloseTo(v.output_throughput!, 9);
  expect(m.total_token_throughput).toBeCloseTo(v.total_token_throughput!, 9);
}

describe.skipIf(!existsSync(modern))('conformance with vLLM saved results', () => {
  it('reproduces the throughputs of the modern vllm bench serve result', () => {
    checkAgainst(JSON.parse(readFileSync(modern, 'utf8')));
  });
  it.skipIf(!existsSync(legacy))('reproduces the throughputs of every legacy benchmark_serving.py result', () => {
    const lines = readFileSync(legacy, 'utf8')
      .split('\n')
      .filter((l) => l.trim());
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) checkAgainst(JSON.parse(l.replace(/\bNaN\b|-?Infinity\b/g, 'null')));
  });
});
if (!existsSync(modern)) console.warn(`note: ${modern} is absent; the vLLM conformance checks are skipped`);

describe('send lag in a closed loop', () => {
  it('leaves out the first wave (a burst due at t0) and judges only sends due when a slot freed', () => {
    const wave = [0, 1].map((i) => rec({ index: i, scheduledMs: 0, arrivalMs: 20 + i, ttftMs: 1, latencyMs: 1, outputTokens: 1 }));
    const later = rec({ index: 2, scheduledMs: 50, arrivalMs: 50.5, ttftMs: 1, latencyMs: 1, outputTokens: 1 });
    const m = servingMetrics({
      ...base,
      requestRate: null,
      maxConcurrency: 2,
      closedLoop: true,
      records: [...wave, later],
      durationMs: 100,
    });
    expect(m.send_lag_max_ms).toBe(0.5);
  });
});
