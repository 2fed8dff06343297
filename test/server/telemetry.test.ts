import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseVllmMetrics, startTelemetry, summariseGpuSamples, summariseSnapshots } from '../../src/server/telemetry.js';
import { FIXTURES, tmpDir, until } from './helpers.js';

const V1_TWO_ENGINES = `# HELP vllm:num_requests_running Number of requests in model execution batches.
# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{engine="0",model_name="m"} 3.0
vllm:num_requests_running{engine="1",model_name="m"} 5.0
# TYPE vllm:num_requests_waiting gauge
vllm:num_requests_waiting{engine="0",model_name="m"} 1.0
vllm:num_requests_waiting{engine="1",model_name="m"} 0.0
# TYPE vllm:kv_cache_usage_perc gauge
vllm:kv_cache_usage_perc{engine="0",model_name="m"} 0.25
vllm:kv_cache_usage_perc{engine="1",model_name="m"} 0.5
# TYPE vllm:prompt_tokens_total counter
vllm:prompt_tokens_total{engine="0",model_name="m"} 100.0
vllm:prompt_tokens_total{engine="1",model_name="m"} 50.0
# TYPE vllm:generation_tokens_total counter
vllm:generation_tokens_total{engine="0",model_name="m"} 1000.0
vllm:generation_tokens_total{engine="1",model_name="m"} 24.0
# TYPE vllm:num_preemptions_total counter
vllm:num_preemptions_total{engine="0",model_name="m"} 2.0
# TYPE vllm:time_to_first_token_seconds histogram
vllm:time_to_first_token_seconds_bucket{le="0.1",model_name="m"} 3.0
vllm:time_to_first_token_seconds_count{model_name="m"} 3.0
vllm:time_to_first_token_seconds_sum{model_name="m"} 0.1
`;

const V0 = `# TYPE vllm:gpu_cache_usage_perc gauge
vllm:gpu_cache_usage_perc{model_name="m"} 0.125
# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{model_name="m"} 4.0
`;

describe('parseVllmMetrics', () => {
  it('sums running, waiting and counters over engines and takes the fullest engine for KV-cache usage', () => {
    expect(parseVllmMetrics(V1_TWO_ENGINES)).toEqual({
      kvCacheUsage: 0.5,
      running: 8,
      waiting: 1,
      preemptions: 2,
      promptTokens: 150,
      generationTokens: 1024,
    });
  });

  it("falls back to V0's gpu_cache_usage_perc and leaves absent series null", () => {
    expect(parseVllmMetrics(V0)).toEqual({
      kvCacheUsage: 0.125,
      running: 4,
      waiting: null,
      preemptions: null,
      promptTokens: null,
      generationTokens: null,
    });
  });

  const realV0 = path.resolve('../shared/reference/metrics_v0-era_aibrix-runtime-rst_Qwen2.5-Coder-1.5B.prom.txt');
  it.skipIf(!existsSync(realV0))('reads a real V0-era vLLM /metrics dump (reference file; skipped when absent)', () => {
    expect(parseVllmMetrics(readFileSync(realV0, 'utf8'))).toEqual({
      kvCacheUsage: 0,
      running: 0,
      waiting: 0,
      preemptions: 0,
      promptTokens: 148,
      generationTokens: 955,
    });
  });
});

describe('summaries', () => {
  it('reports the peak KV-cache usage (a 0..1 fraction, as vLLM does) and gauge peaks of the scrapes during the load, and counter deltas from before to after', () => {
    const base = { kvCacheUsage: 0.01, running: 1, waiting: 0, preemptions: 0, promptTokens: 1000, generationTokens: 50 };
    const fig = summariseSnapshots({
      before: { ...base, running: 40 },
      during: [{ ...base, kvCacheUsage: 0.011, running: 31, waiting: 2, promptTokens: 1256 }],
      after: { ...base, running: 2, waiting: 9, preemptions: 3, promptTokens: 1512, generationTokens: 306 },
    });
    expect(fig).toEqual({
      peak_kv_cache_usage_perc: 0.011,
      peak_num_requests_running: 31,
      peak_num_requests_waiting: 2,
      num_preemptions: 3,
      prompt_tokens: 512,
      generation_tokens: 256,
      metrics_samples: 1,
    });
  });

  it('gives no peak, rather than the idle server of before and after, when no scrape fell within the load', () => {
    const idle = { kvCacheUsage: 0, running: 0, waiting: 0, preemptions: 0, promptTokens: 500, generationTokens: 9 };
    const fig = summariseSnapshots({ before: idle, during: [], after: { ...idle, promptTokens: 600, generationTokens: 109 } });
    expect(fig).toMatchObject({
      peak_kv_cache_usage_perc: null,
      peak_num_requests_running: null,
      peak_num_requests_waiting: null,
      metrics_samples: 0,
    });
    expect(fig).toMatchObject({ prompt_tokens: 100, generation_tokens: 100 });
    expect(summariseGpuSamples([])).toMatchObject({ peak_gpu_util_pct: null, mean_gpu_util_pct: null, gpu_samples: 0 });
  });

  it('gives no delta for a counter that went down (the server restarted)', () => {
    const a = { kvCacheUsage: 0, running: 0, waiting: 0, preemptions: 0, promptTokens: 500, generationTokens: 9 };
    expect(summariseSnapshots({ before: a, during: [], after: { ...a, promptTokens: 20 } }).prompt_tokens).toBeNull();
  });

  it('takes GPU peaks and means over every GPU of every sample, skipping unsupported fields', () => {
    const row = (u: number | null, mem: number, p: number | null, clk: number) => ({
      index: 0,
      name: 'L4',
      driverVersion: '1',
      memoryTotalMiB: 23034,
      utilizationPct: u,
      memoryUsedMiB: mem,
      powerW: p,
      smClockMHz: clk,
    });
    expect(summariseGpuSamples([[row(20, 100, 30, 1000), row(null, 200, null, 1200)], [row(80, 150, 70, 2000)]])).toEqual({
      peak_gpu_util_pct: 80,
      mean_gpu_util_pct: 50,
      peak_gpu_memory_used_mib: 200,
      peak_gpu_power_w: 70,
      mean_gpu_sm_clock_mhz: 1400,
      gpu_samples: 2,
    });
  });
});

describe('startTelemetry over a real socket', () => {
  let srv: HttpServer | undefined;
  afterEach(() => srv?.close());

  /** A /metrics endpoint whose n-th answer has running = seq[n] (the last repeats) and 100 n generation tokens. */
  async function metricsServer(seq: number[]): Promise<{ url: string; served: () => number; inFlight: () => number }> {
    let n = 0;
    let inFlight = 0;
    let maxInFlight = 0;
    srv = createServer((req, res) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const i = n++;
      const running = seq[Math.min(i, seq.length - 1)]!;
      res.end(
        `# TYPE vllm:num_requests_running gauge\nvllm:num_requests_running{model_name="m"} ${running}\n# TYPE vllm:generation_tokens_total counter\nvllm:generation_tokens_total{model_name="m"} ${100 * i}\n# TYPE vllm:kv_cache_usage_perc gauge\nvllm:kv_cache_usage_perc{model_name="m"} 0.2\n`,
        () => inFlight--,
      );
    });
    await new Promise<void>((r) => srv!.listen(0, '127.0.0.1', () => r()));
    const addr = srv.address() as { port: number };
    return { url: `http://127.0.0.1:${addr.port}`, served: () => n, inFlight: () => maxInFlight };
  }

  it('reports per window the gauge peaks, counter deltas and GPU figures from the fake nvidia-smi', async () => {
    const m = await metricsServer([1, 7, 3]);
    const dir = tmpDir();
    const rows = path.join(dir, 'rows.csv');
    writeFileSync(rows, 'NVIDIA L4, 580.126.20, 23034, 20, 100, 30.5, 1000\n\nNVIDIA L4, 580.126.20, 23034, 60, 300, 50, 1500\n');
    const env = { ...process.env, PATH: `${FIXTURES}:${process.env.PATH}`, FAKE_SMI_ROWS: rows };
    const t = await startTelemetry(m.url, { intervalMs: 10, env });
    await until(() => m.served() >= 4);
    const w1 = await t.mark();
    const scrapesInW1 = m.served();
    expect(w1.figures.peak_num_requests_running).toBe(7);
    expect(w1.figures.peak_kv_cache_usage_perc).toBe(0.2);
    expect(w1.figures.generation_tokens).toBe(100 * (scrapesInW1 - 1));
    // The scrapes before and after the load count for the deltas, not as samples of it.
    expect(w1.figures.metrics_samples).toBe(scrapesInW1 - 2);
    // The first nvidia-smi row (20%) was read before the load: it only showed nvidia-smi answers.
    expect(w1.figures.gpu_samples).toBeGreaterThanOrEqual(1);
    expect(w1.figures.peak_gpu_util_pct).toBe(60);
    expect(w1.figures.mean_gpu_util_pct).toBe(60);
    expect(w1.notes).toEqual([]);

    await until(() => m.served() >= scrapesInW1 + 2);
    const w2 = await t.stop();
    expect(w2.figures.peak_num_requests_running).toBe(3);
    expect(w2.figures.generation_tokens).toBe(100 * (m.served() - scrapesInW1));
    if (w2.figures.gpu_samples) expect(w2.figures.mean_gpu_util_pct).toBe(60);
    expect(m.inFlight()).toBe(1);
    const stats = t.stats();
    expect(stats.scrapes).toBe(m.served());
    expect(stats.parseCpuMicros).toBeGreaterThan(0);
  });

  it('never has two scrapes in flight: ticks that come while a scrape is slow are skipped', async () => {
    let release: () => void = () => {};
    let requests = 0;
    let inFlight = 0;
    let maxInFlight = 0;
    srv = createServer((_req, res) => {
      requests++;
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const answer = (): void => void res.end('vllm:num_requests_running{model_name="m"} 1\n', () => inFlight--);
      // The second scrape (the first tick's) hangs until the test lets it go; the others answer at once.
      if (requests === 2) release = answer;
      else answer();
    });
    await new Promise<void>((r) => srv!.listen(0, '127.0.0.1', () => r()));
    const t = await startTelemetry(`http://127.0.0.1:${(srv.address() as { port: number }).port}`, { intervalMs: 5, nvidiaSmi: false });
    expect(await until(() => t.stats().skipped >= 3)).toBe(true);
    expect(requests).toBe(2);
    release();
    const w = await t.stop();
    expect(maxInFlight).toBe(1);
    expect(w.figures.peak_num_requests_running).toBe(1);
    expect(w.notes).toEqual([]);
  });

  it('goes on without GPU figures, and says so, when nvidia-smi is not on PATH', async () => {
    const m = await metricsServer([2]);
    const t = await startTelemetry(m.url, { intervalMs: 0, env: { ...process.env, PATH: tmpDir() } });
    t.sampleNow();
    const w = await t.stop();
    expect(w.figures.peak_num_requests_running).toBe(2);
    expect(w.figures.gpu_samples).toBeUndefined();
    expect(w.notes).toEqual(['nvidia-smi not found on PATH: no GPU utilisation, memory, power or clock figures']);
  });

  it('notes a /metrics it cannot read and returns no server figures', async () => {
    srv = createServer((_req, res) => {
      res.statusCode = 404;
      res.end('not found');
    });
    await new Promise<void>((r) => srv!.listen(0, '127.0.0.1', () => r()));
    const t = await startTelemetry(`http://127.0.0.1:${(srv.address() as { port: number }).port}`, { intervalMs: 0, nvidiaSmi: false });
    const w = await t.stop();
    expect(w.figures).toEqual({});
    expect(w.notes).toEqual(['/metrics could not be read: /metrics answered 404']);
  });
});
