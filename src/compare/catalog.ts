// The metric catalog: every figure we produce, whether higher or lower is better, its unit, its
// family (which default tolerance and noise floor apply) and whether it gates by default.
// Names are vLLM's (`median_ttft_ms`, `output_throughput`); pXX names are matched by pattern.
// Pure data: config/thresholds.ts reads it to validate threshold keys, compare/ to judge.
import type { Direction, MetricFamily, Role } from './types.js';

export interface MetricInfo {
  name: string;
  direction: Direction;
  unit: string; // 'ms' | 's' | 'req/s' | 'tok/s' | '%' | ''
  family: MetricFamily;
  role: Role;
  /** False when the name is not in the catalog: its direction and unit are guessed from the name. */
  known: boolean;
}

type Entry = Omit<MetricInfo, 'name' | 'known'>;

const HIGHER = 'higher-is-better' as const;
const LOWER = 'lower-is-better' as const;

const FIXED: Record<string, Entry> = {
  // Serving throughput (vllm bench serve).
  request_throughput: { direction: HIGHER, unit: 'req/s', family: 'throughput', role: 'gated' },
  output_throughput: { direction: HIGHER, unit: 'tok/s', family: 'throughput', role: 'gated' },
  total_token_throughput: { direction: HIGHER, unit: 'tok/s', family: 'throughput', role: 'gated' },
  // Goodput gates only when the suite sets SLOs (GateSettings.goodputSuites flips it).
  request_goodput: { direction: HIGHER, unit: 'req/s', family: 'throughput', role: 'observed' },
  max_output_tokens_per_s: { direction: HIGHER, unit: 'tok/s', family: 'throughput', role: 'observed' },
  max_concurrent_requests: { direction: HIGHER, unit: '', family: 'count', role: 'observed' },
  rtfx: { direction: HIGHER, unit: '', family: 'throughput', role: 'observed' },
  completed: { direction: HIGHER, unit: '', family: 'count', role: 'observed' },
  failed: { direction: LOWER, unit: '', family: 'count', role: 'observed' },
  total_input_tokens: { direction: HIGHER, unit: '', family: 'count', role: 'observed' },
  total_output_tokens: { direction: HIGHER, unit: '', family: 'count', role: 'observed' },
  duration: { direction: LOWER, unit: 's', family: 'latency', role: 'observed' },
  error_rate: { direction: LOWER, unit: '', family: 'count', role: 'observed' },
  achieved_request_rate: { direction: HIGHER, unit: 'req/s', family: 'count', role: 'observed' },
  send_lag_p50_ms: { direction: LOWER, unit: 'ms', family: 'telemetry', role: 'observed' },
  send_lag_p99_ms: { direction: LOWER, unit: 'ms', family: 'telemetry', role: 'observed' },
  send_lag_max_ms: { direction: LOWER, unit: 'ms', family: 'telemetry', role: 'observed' },
  event_loop_lag_p99_ms: { direction: LOWER, unit: 'ms', family: 'telemetry', role: 'observed' },
  event_loop_lag_max_ms: { direction: LOWER, unit: 'ms', family: 'telemetry', role: 'observed' },
  events_per_read: { direction: LOWER, unit: '', family: 'telemetry', role: 'observed' },
  coalesced_chunk_ratio: { direction: LOWER, unit: '', family: 'telemetry', role: 'observed' },
  prompt_len_mismatched: { direction: LOWER, unit: '', family: 'count', role: 'observed' },
  output_len_short: { direction: LOWER, unit: '', family: 'count', role: 'observed' },
  // Offline: vllm bench latency (converted to ms by results/) and vllm bench throughput (verbatim).
  avg_latency_ms: { direction: LOWER, unit: 'ms', family: 'latency', role: 'gated' },
  num_iters: { direction: HIGHER, unit: '', family: 'count', role: 'observed' },
  requests_per_second: { direction: HIGHER, unit: 'req/s', family: 'throughput', role: 'observed' },
  tokens_per_second: { direction: HIGHER, unit: 'tok/s', family: 'throughput', role: 'gated' },
  elapsed_time: { direction: LOWER, unit: 's', family: 'latency', role: 'observed' },
  elapsed_time_s: { direction: LOWER, unit: 's', family: 'latency', role: 'observed' },
  num_requests: { direction: HIGHER, unit: '', family: 'count', role: 'observed' },
  total_num_tokens: { direction: HIGHER, unit: '', family: 'count', role: 'observed' },
  // Start-up.
  startup_time_s: { direction: LOWER, unit: 's', family: 'startup', role: 'gated' },
  // Telemetry peaks and deltas (server /metrics and nvidia-smi while the point ran).
  peak_kv_cache_usage_perc: { direction: LOWER, unit: '%', family: 'telemetry', role: 'observed' },
  peak_num_requests_running: { direction: HIGHER, unit: '', family: 'telemetry', role: 'observed' },
  peak_num_requests_waiting: { direction: LOWER, unit: '', family: 'telemetry', role: 'observed' },
  num_preemptions: { direction: LOWER, unit: '', family: 'telemetry', role: 'observed' },
  prompt_tokens: { direction: HIGHER, unit: '', family: 'telemetry', role: 'observed' },
  generation_tokens: { direction: HIGHER, unit: '', family: 'telemetry', role: 'observed' },
  peak_gpu_util_pct: { direction: HIGHER, unit: '%', family: 'telemetry', role: 'observed' },
  mean_gpu_util_pct: { direction: HIGHER, unit: '%', family: 'telemetry', role: 'observed' },
  peak_gpu_memory_used_mib: { direction: LOWER, unit: 'MiB', family: 'telemetry', role: 'observed' },
  peak_gpu_power_w: { direction: LOWER, unit: 'W', family: 'telemetry', role: 'observed' },
};

/** Latency-like quantities that come with mean_/median_/std_/min_/max_/pXX_ prefixes. */
const STAT_BASES: Record<string, MetricFamily> = {
  ttft: 'ttft',
  tpot: 'latency',
  itl: 'latency',
  e2el: 'latency',
  latency: 'latency', // offline vllm bench latency
  client_queue_time: 'latency',
  e2el_including_client_queue: 'latency',
};

/** Median TTFT/TPOT/ITL/E2E and offline mean/median latency gate; the rest of the stats are observed. */
const GATED_STATS = new Set(['median_ttft_ms', 'median_tpot_ms', 'median_itl_ms', 'median_e2el_ms', 'mean_latency_ms']);
// client_queue_time is time spent in our own client waiting for a slot: shown, never gated.
const OBSERVED_BASES = new Set(['client_queue_time', 'e2el_including_client_queue']);

const STAT_RE = /^(mean|median|std|min|max|p\d+(?:\.\d+)?)_([a-z0-9_]+?)_ms$/;

/** The catalog's entry for a name; unknown names get a guessed direction and are observed. */
export function metricInfo(name: string): MetricInfo {
  const fixed = FIXED[name];
  if (fixed) return { name, ...fixed, known: true };
  const m = STAT_RE.exec(name);
  if (m) {
    const base = m[2]!;
    const family = STAT_BASES[base];
    if (family) {
      const role: Role = GATED_STATS.has(name) && !OBSERVED_BASES.has(base) ? 'gated' : 'observed';
      return { name, direction: LOWER, unit: 'ms', family, role, known: true };
    }
  }
  return { name, ...guess(name), role: 'observed', known: false };
}

export function isKnownMetric(name: string): boolean {
  return metricInfo(name).known;
}

/** Names to offer in a did-you-mean: the fixed names plus each stat base with the usual prefixes. */
export function catalogNames(): string[] {
  const out = Object.keys(FIXED);
  for (const base of Object.keys(STAT_BASES)) {
    for (const pre of ['mean', 'median', 'std', 'min', 'max', 'p50', 'p90', 'p95', 'p99']) out.push(`${pre}_${base}_ms`);
  }
  return out;
}

function guess(name: string): Pick<MetricInfo, 'direction' | 'unit' | 'family'> {
  if (/throughput|per_s(econd)?$|_per_s_|goodput/.test(name)) return { direction: HIGHER, unit: /tok|token/.test(name) ? 'tok/s' : 'req/s', family: 'throughput' };
  if (name.endsWith('_ms')) return { direction: LOWER, unit: 'ms', family: 'latency' };
  if (name.endsWith('_s')) return { direction: LOWER, unit: 's', family: 'latency' };
  return { direction: LOWER, unit: '', family: 'count' };
}
