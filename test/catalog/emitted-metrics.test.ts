// Every metric name any code path emits is in the metric registry, so its direction, unit and role
// are known, never guessed from the name. The producers run for real: the serving formulas over
// request records (streaming, not streaming, closed loop, goodput), the offline parsers and the
// import of vLLM's result files, the telemetry summaries, the gate's comparisons, and a whole run of
// every suite kind against vllm-sim.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricInfo } from '../../src/catalog/metrics.js';
import { compareRuns } from '../../src/compare/compare.js';
import { gateSettings } from '../../src/compare/settings.js';
import { loadConfig } from '../../src/config/load.js';
import type { RequestRecord } from '../../src/load/types.js';
import { servingMetrics, type ServingMetricsInput } from '../../src/metrics/serving.js';
import { readResults } from '../../src/results/read.js';
import type { MetricMap, ResultsDocument } from '../../src/results/schema-types.gen.js';
import { VLLM_AGGREGATE_KEYS, VLLM_OPTIONAL_KEYS } from '../../src/results/vllm-format.js';
import { parseGpuQuery } from '../../src/server/nvidia-smi.js';
import { parseVllmMetrics, summariseGpuSamples, summariseSnapshots } from '../../src/server/telemetry.js';
import { latencyMetrics, throughputMetrics } from '../../src/suites/offline.js';
import { runPlan } from '../../src/suites/run-plan.js';
import { failed, rec } from '../metrics/support.js';
import { pathWithSim } from '../support/sim.js';

/** The names the registry does not know (their direction would be guessed). */
function unknown(names: Iterable<string>): string[] {
  return [...new Set(names)].filter((n) => !metricInfo(n).known).sort();
}

/** Every metric and telemetry name of a results document, repeats included. */
function namesOf(docs: readonly ResultsDocument[]): string[] {
  const points = docs.flatMap((d) => d.suites.flatMap((s) => s.points));
  return points.flatMap((p) => [
    ...Object.keys(p.metrics),
    ...Object.keys(p.telemetry ?? {}),
    ...(p.repeats ?? []).flatMap((r) => Object.keys(r)),
  ]);
}

const dir = mkdtempSync(path.join(tmpdir(), 'vpg-emitted-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the serving formulas', () => {
  // Three streamed requests, one failed, one with a prompt off its intended length and a short output.
  const records: RequestRecord[] = [
    rec({
      index: 0,
      startMs: 0,
      arrivalMs: 0,
      dispatchMs: 0,
      ttftMs: 20,
      itlMs: [5, 6, 7],
      latencyMs: 40,
      promptTokens: 32,
      intendedPromptTokens: 32,
      outputTokens: 4,
      maxTokens: 4,
    }),
    rec({
      index: 1,
      startMs: 30,
      arrivalMs: 25,
      dispatchMs: 28,
      ttftMs: 25,
      itlMs: [6, 6],
      latencyMs: 45,
      promptTokens: 40,
      intendedPromptTokens: 32,
      outputTokens: 3,
      maxTokens: 4,
      coalescedChunks: 1,
    }),
    rec({
      index: 2,
      startMs: 60,
      arrivalMs: 50,
      dispatchMs: 55,
      ttftMs: 22,
      itlMs: [5],
      latencyMs: 30,
      promptTokens: 32,
      intendedPromptTokens: 32,
      outputTokens: 2,
      maxTokens: 2,
    }),
    failed('http', { index: 3, startMs: 70, arrivalMs: 70, dispatchMs: 70, httpStatus: 500 }),
  ];
  const health = { eventLoopLagP99Ms: 1.5, eventLoopLagMaxMs: 3, reads: 10, events: 12 };
  const base: ServingMetricsInput = {
    records,
    durationMs: 200,
    percentiles: [50, 90, 95, 99, 99.9],
    stream: true,
    requestRate: 20,
    maxConcurrency: 2,
    health,
  };
  const cases: [string, ServingMetricsInput][] = [
    ['a streamed open loop under a cap, with goodput SLOs', { ...base, goodput: { ttftMs: 24, tpotMs: 10, e2elMs: 50 } }],
    ['a closed loop', { ...base, requestRate: null, closedLoop: true }],
    ['an unbounded rate, not streamed', { ...base, stream: false, requestRate: 'inf', maxConcurrency: null }],
  ];

  it.each(cases)('emits only registered names for %s', (_, input) => {
    const m = servingMetrics(input);
    expect(Object.keys(m).length).toBeGreaterThan(20);
    expect(unknown(Object.keys(m))).toEqual([]);
  });

  it('registers the client-health figures as such (the report keeps them out of observed changes)', () => {
    const m = servingMetrics(cases[0]![1]);
    for (const k of [
      'send_lag_p99_ms',
      'write_delay_p99_ms',
      'event_loop_lag_p99_ms',
      'coalesced_chunk_ratio',
      'achieved_request_rate',
      'prompt_len_mismatched',
    ]) {
      expect(k in m, k).toBe(true);
      expect(metricInfo(k), k).toMatchObject({ known: true, group: 'client-health', role: 'observed' });
    }
  });
});

describe('the offline suites and the import of vLLM result files', () => {
  // The key layout of vllm/benchmarks/latency.py and throughput.py (--output-json): seconds, a percentiles map.
  const latencyJson = {
    avg_latency: 1.234,
    std_latency: 0.012,
    latencies: [1.22, 1.25, 1.23],
    percentiles: { 10: 1.22, 25: 1.225, 50: 1.23, 75: 1.24, 90: 1.248, 99: 1.2498 },
  };
  const throughputJson = {
    elapsed_time: 12.3,
    num_requests: 200,
    total_num_tokens: 98765,
    requests_per_second: 16.26,
    tokens_per_second: 8029.7,
  };

  it('emits only registered names from the bench parsers of an offline suite', () => {
    const names = [
      ...Object.keys(latencyMetrics(latencyJson, 'l.json')),
      ...Object.keys(throughputMetrics(throughputJson, 't.json', { 'output-len': 8 })),
    ];
    expect(names).toContain('output_tokens_per_second');
    expect(unknown(names)).toEqual([]);
  });

  it('keeps only registered names when it imports vLLM latency, throughput and serve files, optional figures included', async () => {
    const serve: Record<string, unknown> = {
      date: '20260101-120000',
      backend: 'openai',
      model_id: 'org/tiny',
      num_prompts: 10,
      request_rate: 2.0,
      burstiness: 1.0,
      max_concurrency: 4,
    };
    for (const k of [...VLLM_AGGREGATE_KEYS, ...VLLM_OPTIONAL_KEYS]) serve[k] = 1;
    for (const b of ['ttft', 'tpot', 'itl', 'e2el']) for (const s of ['mean', 'median', 'std', 'p99', 'p99.9']) serve[`${s}_${b}_ms`] = 1.5;
    const files = { 'lat.json': latencyJson, 'thr.json': throughputJson, 'serve.json': serve };
    const docs: ResultsDocument[] = [];
    for (const [name, json] of Object.entries(files)) {
      writeFileSync(path.join(dir, name), JSON.stringify(json));
      docs.push(...(await readResults(path.join(dir, name))));
    }
    const names = namesOf(docs);
    expect(names).toEqual(
      expect.arrayContaining([
        'mean_latency_ms',
        'p25_latency_ms',
        'tokens_per_second',
        'spec_decode_acceptance_rate',
        'probe_max_e2el_ms',
        'p99.9_itl_ms',
      ]),
    );
    expect(unknown(names)).toEqual([]);
  });
});

describe('the telemetry summaries', () => {
  const scrape = (running: number, kv: number, preempt: number): string =>
    [
      `vllm:num_requests_running{engine="0",model_name="m"} ${running}`,
      'vllm:num_requests_waiting{engine="0",model_name="m"} 1',
      `vllm:kv_cache_usage_perc{engine="0",model_name="m"} ${kv}`,
      `vllm:num_preemptions_total{engine="0",model_name="m"} ${preempt}`,
      'vllm:prompt_tokens_total{engine="0",model_name="m"} 100',
      'vllm:generation_tokens_total{engine="0",model_name="m"} 50',
      '',
    ].join('\n');

  it('emits only registered names for the server and the GPUs', () => {
    const server = summariseSnapshots({
      before: parseVllmMetrics(scrape(0, 0, 0)),
      during: [parseVllmMetrics(scrape(4, 0.3, 1))],
      after: parseVllmMetrics(scrape(0, 0, 2)),
    });
    const gpu = summariseGpuSamples([parseGpuQuery('NVIDIA L4, 580.126.20, 23034, 97, 20000, 70.5, 2040\n')]);
    const names = [...Object.keys(server), ...Object.keys(gpu)];
    expect(names).toEqual(expect.arrayContaining(['peak_kv_cache_usage_perc', 'metrics_samples', 'mean_gpu_sm_clock_mhz', 'gpu_samples']));
    expect(unknown(names)).toEqual([]);
  });
});

describe('a whole run of every suite kind against vllm-sim, and the gate over it', () => {
  let doc: ResultsDocument;
  beforeAll(async () => {
    const config = path.join(dir, 'perf.yml');
    writeFileSync(
      config,
      [
        'version: 1',
        'id: emitted',
        'server:',
        '  command: vllm-sim',
        '  model: emitted-metrics/sim',
        '  args: { max-model-len: 2048, sim-startup-s: 0.3, sim-time-scale: 5, sim-seed: 1 }',
        '  startup-timeout: 20s',
        '  shutdown-grace: 5s',
        '  metrics-interval: 100ms',
        'suites:',
        '  - name: capped',
        '    kind: serving',
        '    dataset: { type: random, input-len: 32, output-len: 8, num-prompts: 6, seed: 1 }',
        '    request-rates: [50]',
        '    max-concurrency: 2',
        '    percentiles: [50, 99, 99.9]',
        '    goodput: { ttft-ms: 1000, e2el-ms: 5000 }',
        '    repeat: 2',
        '  - name: closed',
        '    kind: serving',
        '    endpoint: chat',
        '    stream: false',
        '    dataset: { type: random, input-len: 32, output-len: 8, num-prompts: 4, seed: 1 }',
        '    concurrency: [2]',
        '  - name: latency',
        '    kind: latency',
        '    args: { input-len: 16, output-len: 8, batch-size: 2, num-iters-warmup: 1, num-iters: 2 }',
        '  - name: throughput',
        '    kind: throughput',
        '    args: { input-len: 32, output-len: 8, num-prompts: 8 }',
        '',
      ].join('\n'),
    );
    const loaded = await loadConfig(config);
    const env = { ...process.env, PATH: pathWithSim([path.resolve('test/fixtures')]) };
    ({ doc } = await runPlan(loaded, { outDir: path.join(dir, 'out'), env }));
  }, 120_000);

  it('runs every suite to the end', () => {
    expect({ status: doc.status, error: doc.error }).toEqual({ status: 'complete', error: undefined });
    expect(doc.suites.map((s) => [s.name, s.points.length])).toEqual([
      ['capped', 1],
      ['closed', 1],
      ['latency', 1],
      ['throughput', 1],
    ]);
  });

  it('writes only registered metric and telemetry names into results.json', () => {
    const names = namesOf([doc]);
    expect(names).toEqual(
      expect.arrayContaining([
        'request_goodput',
        'p99.9_ttft_ms',
        'mean_e2el_including_client_queue_ms',
        'peak_gpu_util_pct',
        'mean_latency_ms',
        'tokens_per_second',
      ]),
    );
    expect(unknown(names)).toEqual([]);
  });

  it('judges only registered names, the start-up time included', () => {
    const report = compareRuns([doc], doc, gateSettings({ goodputSuites: ['capped'] }));
    const judged = report.points.flatMap((p) => p.metrics.map((m) => m.metric));
    expect(judged).toContain('startup_time_s');
    expect(unknown(judged)).toEqual([]);
  });
});

describe('the committed report fixtures', () => {
  it('hold only registered names', async () => {
    const docs = await Promise.all(
      ['nightly.current.json', 'nightly.baseline.json'].map((f) => readResults(path.resolve('test/report/fixtures', f))),
    );
    expect(unknown(namesOf(docs.flat()))).toEqual([]);
  });
});

describe('an unregistered name', () => {
  it('is reported as unknown, its direction guessed (what the checks above rule out)', () => {
    const m: MetricMap = { made_up_p99_ms: 1 };
    expect(unknown(Object.keys(m))).toEqual(['made_up_p99_ms']);
    expect(metricInfo('made_up_p99_ms')).toMatchObject({ known: false, direction: 'lower-is-better' });
  });
});
