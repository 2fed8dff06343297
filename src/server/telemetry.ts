// Server-side numbers of each serving point: vLLM's /metrics and nvidia-smi, sampled
// while the point runs. The sampler must never slow the load generator: its own one-connection
// client, one scrape at a time, a tick skipped when the previous scrape is still running, and the
// parse kept small (its CPU time is measured and reported).
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { Client } from 'undici';
import { histogramDelta, histogramMean, histogramQuantile, type Histogram } from '../metrics/histogram.js';
import type { MetricMap } from '../results/schema-types.gen.js';
import { GPU_QUERY_ARGS, parseGpuQuery, runNvidiaSmi, type GpuRow } from './nvidia-smi.js';

/** What one /metrics scrape says, summed over engines (data parallel) and models. */
export interface VllmSnapshot {
  /** 0..1, the highest of the engines; V0's gpu_cache_usage_perc when kv_cache_usage_perc is absent. */
  kvCacheUsage: number | null;
  running: number | null;
  waiting: number | null;
  preemptions: number | null;
  promptTokens: number | null;
  generationTokens: number | null;
  /** Prefix-cache counters, in tokens; absent when the server has none (caching off still counts 0). */
  prefixCacheQueries?: number | undefined;
  prefixCacheHits?: number | undefined;
  /** vLLM's per-request phase histograms (queue, prefill, decode, inference), in seconds; absent when not served. */
  phases?: Partial<Record<Phase, Histogram>> | undefined;
}

/** The phases of a finished request as vLLM's FinishedRequestStats splits them. */
export const PHASES = ['queue', 'prefill', 'decode', 'inference'] as const;
export type Phase = (typeof PHASES)[number];

const WANTED = [
  'vllm:kv_cache_usage_perc',
  'vllm:gpu_cache_usage_perc',
  'vllm:num_requests_running',
  'vllm:num_requests_waiting',
  'vllm:num_preemptions',
  'vllm:prompt_tokens',
  'vllm:generation_tokens',
  'vllm:prefix_cache_queries',
  'vllm:prefix_cache_hits',
];
// A sample line of one of the wanted series (with or without `_total`), labels or not.
const WANTED_LINE = new RegExp(`^(?:${WANTED.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})(?:_total)?[{ ]`);

/**
 * Sample name -> values of its series. Only the lines of the series we read reach the parser:
 * a vLLM /metrics is mostly histogram buckets, and skipping them cuts the parse cost several-fold.
 */
function seriesByName(all: string[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const lines = all.filter((l) => WANTED_LINE.test(l));
  // The parser drops a last line that has no newline.
  for (const fam of parsePrometheusTextFormat(`${lines.join('\n')}\n`)) {
    if (fam.type === 'HISTOGRAM' || fam.type === 'SUMMARY') continue;
    for (const s of fam.metrics) {
      const v = Number(s.value);
      if (!Number.isFinite(v)) continue;
      const list = out.get(fam.name);
      if (list) list.push(v);
      else out.set(fam.name, [v]);
    }
  }
  return out;
}

/** Parses vLLM's /metrics text (V1 names, V0 fallbacks). */
export function parseVllmMetrics(text: string): VllmSnapshot {
  const lines = text.split('\n');
  const series = seriesByName(lines);
  const pick = (...names: string[]): number[] | undefined => {
    for (const n of names) {
      const v = series.get(n);
      if (v) return v;
    }
    return undefined;
  };
  const sum = (...names: string[]): number | null => {
    const v = pick(...names);
    return v ? v.reduce((a, b) => a + b, 0) : null;
  };
  const max = (...names: string[]): number | null => {
    const v = pick(...names);
    return v ? Math.max(...v) : null;
  };
  return {
    kvCacheUsage: max('vllm:kv_cache_usage_perc', 'vllm:gpu_cache_usage_perc'),
    running: sum('vllm:num_requests_running'),
    waiting: sum('vllm:num_requests_waiting'),
    preemptions: sum('vllm:num_preemptions_total', 'vllm:num_preemptions'),
    promptTokens: sum('vllm:prompt_tokens_total', 'vllm:prompt_tokens'),
    generationTokens: sum('vllm:generation_tokens_total', 'vllm:generation_tokens'),
    prefixCacheQueries: sum('vllm:prefix_cache_queries_total', 'vllm:prefix_cache_queries') ?? undefined,
    prefixCacheHits: sum('vllm:prefix_cache_hits_total', 'vllm:prefix_cache_hits') ?? undefined,
    phases: phaseHistograms(lines),
  };
}

const PHASE_LINE = /^vllm:request_(queue|prefill|decode|inference)_time_seconds_(bucket|count|sum)(\{[^}]*\})?\s+(\S+)/;
const LE_LABEL = /(?:^|[{,])le="([^"]*)"/;

/**
 * The phase histograms, summed over their series (engines, models). Read here, not by the
 * Prometheus parser: it drops the `_count` and `_sum` of a labelled histogram.
 */
export function phaseHistograms(lines: readonly string[]): Partial<Record<Phase, Histogram>> | undefined {
  const acc = new Map<Phase, { buckets: Map<number, number>; count: number; sum: number }>();
  for (const line of lines) {
    const m = PHASE_LINE.exec(line);
    if (!m) continue;
    const phase = m[1] as Phase;
    const value = Number(m[4]);
    if (Number.isNaN(value)) continue;
    let h = acc.get(phase);
    if (!h) acc.set(phase, (h = { buckets: new Map(), count: 0, sum: 0 }));
    if (m[2] === 'count') h.count += value;
    else if (m[2] === 'sum') h.sum += value;
    else {
      const le = LE_LABEL.exec(m[3] ?? '')?.[1];
      const bound = le === '+Inf' ? Infinity : Number(le);
      if (le !== undefined && !Number.isNaN(bound)) h.buckets.set(bound, (h.buckets.get(bound) ?? 0) + value);
    }
  }
  if (acc.size === 0) return undefined;
  const out: Partial<Record<Phase, Histogram>> = {};
  for (const [phase, h] of acc) out[phase] = { buckets: [...h.buckets].sort((a, b) => a[0] - b[0]), count: h.count, sum: h.sum };
  return out;
}

/**
 * The server's side of a point, from two scrapes: the prefix-cache hit rate (hits / queries; null
 * when nothing was queried, as with caching off: not applicable, not 0) and, per phase, the mean,
 * p50 and p99 in ms (quantiles from the buckets as histogram_quantile reads them). Keys appear only
 * for what the server reports.
 */
export function serverSideFigures(before: VllmSnapshot, after: VllmSnapshot): MetricMap {
  const out: MetricMap = {};
  const q0 = before.prefixCacheQueries;
  const q1 = after.prefixCacheQueries;
  const h0 = before.prefixCacheHits;
  const h1 = after.prefixCacheHits;
  if (q0 !== undefined && q1 !== undefined && h0 !== undefined && h1 !== undefined) {
    const queries = q1 >= q0 ? q1 - q0 : null;
    const hits = h1 >= h0 ? h1 - h0 : null;
    out.prefix_cache_queries = queries;
    out.prefix_cache_hits = hits;
    out.prefix_cache_hit_rate = queries !== null && hits !== null && queries > 0 ? hits / queries : null;
  }
  for (const phase of PHASES) {
    const a = before.phases?.[phase];
    const b = after.phases?.[phase];
    if (!a || !b) continue;
    const d = histogramDelta(a, b);
    const ms = (v: number | null | undefined): number | null => (v === null || v === undefined || !Number.isFinite(v) ? null : v * 1000);
    out[`mean_${phase}_time_ms`] = ms(d && histogramMean(d));
    out[`p50_${phase}_time_ms`] = ms(d && histogramQuantile(0.5, d.buckets));
    out[`p99_${phase}_time_ms`] = ms(d && histogramQuantile(0.99, d.buckets));
  }
  return out;
}

/** One point's scrapes: the one before its load, those taken while it ran, and the one after. */
export interface SnapshotWindow {
  before?: VllmSnapshot | undefined;
  during: VllmSnapshot[];
  after?: VllmSnapshot | undefined;
}

/**
 * Peaks from the scrapes taken while the point ran, and counter deltas from before to after. The
 * scrapes before and after see an idle server, so they count for no peak: with no scrape during
 * the load (a point shorter than the sampling interval), a peak is null ("not sampled"), never 0.
 */
export function summariseSnapshots(w: SnapshotWindow): MetricMap {
  const all = [w.before, ...w.during, w.after].filter((s): s is VllmSnapshot => s !== undefined);
  if (all.length === 0) return {};
  const peak = (f: (s: VllmSnapshot) => number | null): number | null => {
    const v = w.during.map(f).filter((x): x is number => x !== null);
    return v.length ? Math.max(...v) : null;
  };
  const delta = (f: (s: VllmSnapshot) => number | null): number | null => {
    const a = f(all[0]!);
    const b = f(all[all.length - 1]!);
    // A counter that went down was reset (the server restarted): no honest delta.
    return all.length < 2 || a === null || b === null || b < a ? null : b - a;
  };
  const kv = peak((s) => s.kvCacheUsage);
  return {
    // A 0..1 fraction under vLLM's `_perc` name, as vLLM reports it; the report shows it as a percentage.
    peak_kv_cache_usage_perc: kv,
    peak_num_requests_running: peak((s) => s.running),
    peak_num_requests_waiting: peak((s) => s.waiting),
    num_preemptions: delta((s) => s.preemptions),
    prompt_tokens: delta((s) => s.promptTokens),
    generation_tokens: delta((s) => s.generationTokens),
    metrics_samples: w.during.length,
    ...(all.length >= 2 ? serverSideFigures(all[0]!, all[all.length - 1]!) : {}),
  };
}

/** GPU peaks and means of the nvidia-smi samples taken while the point ran (each sample: one row per GPU); null when there were none. */
export function summariseGpuSamples(samples: GpuRow[][]): MetricMap {
  const rows = samples.flat();
  const vals = (f: (r: GpuRow) => number | null): number[] => rows.map(f).filter((x): x is number => x !== null);
  const peak = (v: number[]): number | null => (v.length ? Math.max(...v) : null);
  const mean = (v: number[]): number | null => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : null);
  const util = vals((r) => r.utilizationPct);
  return {
    peak_gpu_util_pct: peak(util),
    mean_gpu_util_pct: mean(util),
    peak_gpu_memory_used_mib: peak(vals((r) => r.memoryUsedMiB)),
    peak_gpu_power_w: peak(vals((r) => r.powerW)),
    mean_gpu_sm_clock_mhz: mean(vals((r) => r.smClockMHz)),
    gpu_samples: samples.length,
  };
}

export interface TelemetryOptions {
  /** Time between samples; 0 disables periodic sampling (marks still scrape /metrics once). */
  intervalMs: number;
  /** Sample nvidia-smi alongside (default true). */
  nvidiaSmi?: boolean;
  signal?: AbortSignal;
  /** Headers for /metrics (the API key). */
  headers?: Record<string, string>;
  /** Environment for nvidia-smi (its PATH). */
  env?: NodeJS.ProcessEnv;
}

export interface TelemetryWindow {
  /** Point telemetry: peaks, means and counter deltas (see docs/operations.md for names). */
  figures: MetricMap;
  /** Why figures are missing, one sentence each (e.g. nvidia-smi absent). */
  notes: string[];
}

export interface SamplerStats {
  scrapes: number;
  /** Ticks skipped because the previous scrape was still running. */
  skipped: number;
  failures: number;
  /** CPU time spent parsing /metrics, µs in total (the sampler's own cost on the load generator's cores). */
  parseCpuMicros: number;
}

export interface TelemetrySampler {
  /** A scrape now, counted as taken while the point runs (skipped when one is in flight). */
  sampleNow(): void;
  /** Figures since the start or the previous mark; the next window starts now. */
  mark(): Promise<TelemetryWindow>;
  /** The last window's figures; sampling stops. */
  stop(): Promise<TelemetryWindow>;
  stats(): SamplerStats;
}

/**
 * Starts sampling `baseUrl`/metrics (and nvidia-smi) every `intervalMs`. Resolves after the first
 * scrape, so counter deltas start from a value taken before the point's load begins.
 */
export async function startTelemetry(baseUrl: string, opts: TelemetryOptions): Promise<TelemetrySampler> {
  const client = new Client(baseUrl, { pipelining: 1, keepAliveTimeout: Math.max(4_000, opts.intervalMs * 4) });
  const requestTimeoutMs = Math.max(2_000, opts.intervalMs * 5);
  const stats: SamplerStats = { scrapes: 0, skipped: 0, failures: 0, parseCpuMicros: 0 };
  const notes = new Set<string>();
  let before: VllmSnapshot | undefined;
  let during: VllmSnapshot[] = [];
  let gpu: GpuRow[][] = [];
  /** nvidia-smi answered at least once: GPU figures are reported (null when not sampled during the load). */
  let gpuSeen = false;
  let metricsBusy: Promise<void> | undefined;
  let gpuBusy: Promise<void> | undefined;
  let gpuOn = opts.nvidiaSmi ?? true;
  let gpuFailures = 0;
  let stopped = false;

  const scrape = async (): Promise<VllmSnapshot | undefined> => {
    try {
      const res = await client.request({
        path: '/metrics',
        method: 'GET',
        headers: opts.headers ?? {},
        signal: AbortSignal.timeout(requestTimeoutMs),
      });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`/metrics answered ${res.statusCode}`);
      const c0 = process.cpuUsage();
      const snap = parseVllmMetrics(text);
      const c = process.cpuUsage(c0);
      stats.parseCpuMicros += c.user + c.system;
      stats.scrapes++;
      if (snap.running === null && snap.kvCacheUsage === null) notes.add('/metrics has no vllm: series (is it a vLLM server?)');
      return snap;
    } catch (err) {
      stats.failures++;
      notes.add(`/metrics could not be read: ${(err as Error).message}`);
      return undefined;
    }
  };

  const sampleGpu = async (): Promise<GpuRow[] | undefined> => {
    const r = await runNvidiaSmi(GPU_QUERY_ARGS, {
      timeoutMs: Math.max(2_000, opts.intervalMs * 5),
      ...(opts.env ? { env: opts.env } : {}),
    });
    if (r.ok) {
      gpuFailures = 0;
      gpuSeen = true;
      return parseGpuQuery(r.stdout);
    }
    notes.add(
      r.missing
        ? 'nvidia-smi not found on PATH: no GPU utilisation, memory, power or clock figures'
        : `${r.message}: GPU figures may be incomplete`,
    );
    if (r.missing || ++gpuFailures >= 3) gpuOn = false;
    return undefined;
  };

  /** A sample taken while the point runs: it counts for the peaks. */
  const sampleDuring = (): void => {
    if (stopped) return;
    if (metricsBusy) stats.skipped++;
    else
      metricsBusy = scrape()
        .then((snap) => void (snap && during.push(snap)))
        .finally(() => (metricsBusy = undefined));
    if (gpuOn && !gpuBusy)
      gpuBusy = sampleGpu()
        .then((rows) => void (rows && gpu.push(rows)))
        .finally(() => (gpuBusy = undefined));
  };

  before = await scrape();
  // The GPU before the load is idle: this sample only tells whether nvidia-smi answers.
  if (gpuOn) await sampleGpu();
  const timer = opts.intervalMs > 0 ? setInterval(sampleDuring, opts.intervalMs) : undefined;
  const onAbort = (): void => {
    if (timer) clearInterval(timer);
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  const closeWindow = async (): Promise<TelemetryWindow> => {
    await metricsBusy;
    await gpuBusy;
    const after = await scrape();
    const figures = { ...summariseSnapshots({ before, during, after }), ...(gpuSeen ? summariseGpuSamples(gpu) : {}) };
    const window: TelemetryWindow = { figures, notes: [...notes] };
    // The closing scrape is the next window's "before".
    before = after;
    during = [];
    gpu = [];
    return window;
  };

  return {
    sampleNow: sampleDuring,
    mark: closeWindow,
    stop: async () => {
      if (timer) clearInterval(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      const w = await closeWindow();
      stopped = true;
      await client.close().catch(() => {});
      return w;
    },
    stats: () => ({ ...stats }),
  };
}

export interface TelemetryHooks {
  /** Starts a sampler for the point (runServingSuite's onPointStart). */
  onPointStart(pointKey: string): Promise<void>;
  /** A scrape now, while the point's load runs (its first token, its last request sent). */
  onLoadMark(): void;
  /** Stops it and stores its figures as the point's `telemetry` (runServingSuite's onPointEnd). */
  onPointEnd(pointKey: string, detail: { point: { telemetry?: MetricMap } }): Promise<void>;
  /** Every note made so far, deduplicated (for environment.telemetry-notes). */
  notes(): string[];
  /** Stops a sampler a cancelled point left running. */
  close(): Promise<void>;
}

/**
 * Telemetry for each point of serving suites, as hooks of the serving runner. The window starts
 * after the point's warm-up. Besides every `intervalMs`, the server is scraped at the load's marks
 * (its first token, its last request sent), so a point shorter than the interval still has peaks.
 * `intervalMs` 0 (server.metrics-interval: 0) disables it.
 */
export function telemetryHooks(baseUrl: string, opts: TelemetryOptions): TelemetryHooks {
  const notes = new Set<string>();
  let current: Promise<TelemetrySampler> | undefined;
  let sampler: TelemetrySampler | undefined;
  const stopCurrent = async (): Promise<TelemetryWindow | undefined> => {
    const s = current;
    current = undefined;
    sampler = undefined;
    if (!s) return undefined;
    const w = await (await s).stop();
    for (const n of w.notes) notes.add(n);
    return w;
  };
  return {
    onPointStart: async () => {
      if (opts.intervalMs <= 0) return;
      await stopCurrent();
      current = startTelemetry(baseUrl, opts);
      sampler = await current;
    },
    onLoadMark: () => sampler?.sampleNow(),
    onPointEnd: async (_key, detail) => {
      const w = await stopCurrent();
      if (w && Object.keys(w.figures).length > 0) detail.point.telemetry = w.figures;
    },
    notes: () => [...notes],
    close: async () => void (await stopCurrent()),
  };
}
