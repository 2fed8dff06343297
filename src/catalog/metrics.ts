// The metric registry: everything the project knows of a metric, in one place. For each name the
// gate produces or reads: whether higher or lower is better, its unit, its family (which default
// tolerance and noise floor apply), whether it gates by default, its title in the report and the
// group it is shown with. Names are vLLM's (`median_ttft_ms`, `output_throughput`); the
// mean/median/std/min/max/pXX statistics of a per-request quantity are matched by pattern.
// A leaf: it imports nothing, so config/, results/, compare/ and report/ can all read it.

export type Direction = 'higher-is-better' | 'lower-is-better';
export type MetricFamily = 'throughput' | 'latency' | 'ttft' | 'startup' | 'telemetry' | 'count';
export type Role = 'gated' | 'observed';
/**
 * Where the report shows a metric: throughput and latency in the serving tables, offline in the
 * offline tables, startup on its own line, telemetry among the resource peaks, server (where the
 * server spent a request's time and what its prefix cache saved: not peaks) with telemetry per
 * point and in the TTFT explanation, client-health (the
 * load client's own figures, which judge a point's validity, not the server) never as an observed
 * change, count (the run's other figures) in the details.
 */
export type DisplayGroup = 'throughput' | 'latency' | 'count' | 'client-health' | 'telemetry' | 'server' | 'offline' | 'startup';

export interface MetricInfo {
  name: string;
  direction: Direction;
  unit: string; // 'ms' | 's' | 'req/s' | 'tok/s' | '%' | 'MiB' | 'W' | 'MHz' | ''
  family: MetricFamily;
  /** Whether the metric gates when no threshold says otherwise. */
  role: Role;
  group: DisplayGroup;
  /** The report's name for it (column heads, regression lines); absent: the name itself is shown. */
  title?: string;
  /** False when the name is not in the registry: its direction, unit and family are guessed from the name. */
  known: boolean;
}

type Entry = Omit<MetricInfo, 'name' | 'known'>;

const HIGHER = 'higher-is-better' as const;
const LOWER = 'lower-is-better' as const;

const throughput = (unit: string, role: Role, title?: string): Entry => ({
  direction: HIGHER,
  unit,
  family: 'throughput',
  role,
  group: 'throughput',
  ...(title ? { title } : {}),
});
const count = (direction: Direction, unit = ''): Entry => ({ direction, unit, family: 'count', role: 'observed', group: 'count' });
const clientHealth = (unit: string, family: MetricFamily = 'telemetry'): Entry => ({
  direction: LOWER,
  unit,
  family,
  role: 'observed',
  group: 'client-health',
});
const offline = (direction: Direction, unit: string, family: MetricFamily, role: Role, title?: string): Entry => ({
  direction,
  unit,
  family,
  role,
  group: 'offline',
  ...(title ? { title } : {}),
});
const telemetry = (direction: Direction, unit: string, title?: string, group: DisplayGroup = 'telemetry'): Entry => ({
  direction,
  unit,
  family: 'telemetry',
  role: 'observed',
  group,
  ...(title ? { title } : {}),
});

/** Metrics by exact name. Telemetry is listed in the order the report's resource peaks show it. */
const METRICS: Record<string, Entry> = {
  // Serving throughput (vllm bench serve).
  request_throughput: throughput('req/s', 'gated', 'req/s'),
  output_throughput: throughput('tok/s', 'gated', 'output tok/s'),
  total_token_throughput: throughput('tok/s', 'gated', 'total tok/s'),
  // Goodput gates only when the suite sets SLOs (GateSettings.goodputSuites flips it).
  request_goodput: throughput('req/s', 'observed'),
  max_output_tokens_per_s: throughput('tok/s', 'observed'),
  rtfx: throughput('', 'observed'),
  // A suite's SLO knee search: the highest load at which its points still met the SLO.
  max_rate_under_slo: throughput('req/s', 'gated', 'max rate under SLO'),
  max_concurrency_under_slo: throughput('', 'gated', 'max concurrency under SLO'),
  // The run's counts and figures.
  max_concurrent_requests: count(HIGHER),
  completed: count(HIGHER),
  failed: count(LOWER),
  total_input_tokens: count(HIGHER),
  total_output_tokens: count(HIGHER),
  duration: { direction: LOWER, unit: 's', family: 'latency', role: 'observed', group: 'count' },
  error_rate: count(LOWER),
  // vLLM's optional figures: probe requests and speculative decoding (acceptance rate in percent).
  probe_completed: count(HIGHER),
  probe_failed: count(LOWER),
  probe_median_e2el_ms: { direction: LOWER, unit: 'ms', family: 'latency', role: 'observed', group: 'latency' },
  probe_p99_e2el_ms: { direction: LOWER, unit: 'ms', family: 'latency', role: 'observed', group: 'latency' },
  probe_max_e2el_ms: { direction: LOWER, unit: 'ms', family: 'latency', role: 'observed', group: 'latency' },
  spec_decode_acceptance_rate: count(HIGHER, '%'),
  spec_decode_acceptance_length: count(HIGHER),
  spec_decode_num_drafts: count(HIGHER),
  spec_decode_draft_tokens: count(HIGHER),
  spec_decode_accepted_tokens: count(HIGHER),
  // The load client's own health: read by the validity rules.
  achieved_request_rate: { ...clientHealth('req/s', 'count'), direction: HIGHER },
  send_lag_p50_ms: clientHealth('ms'),
  send_lag_p99_ms: clientHealth('ms'),
  send_lag_max_ms: clientHealth('ms'),
  write_delay_p99_ms: clientHealth('ms'),
  event_loop_lag_p99_ms: clientHealth('ms'),
  event_loop_lag_max_ms: clientHealth('ms'),
  events_per_read: clientHealth(''),
  coalesced_chunk_ratio: clientHealth(''),
  prompt_len_mismatched: clientHealth('', 'count'),
  output_len_short: clientHealth('', 'count'),
  // Offline: vllm bench latency (converted to ms) and vllm bench throughput (verbatim).
  avg_latency_ms: offline(LOWER, 'ms', 'latency', 'gated'),
  num_iters: offline(HIGHER, '', 'count', 'observed'),
  requests_per_second: offline(HIGHER, 'req/s', 'throughput', 'observed', 'req/s'),
  tokens_per_second: offline(HIGHER, 'tok/s', 'throughput', 'gated', 'total tok/s'),
  output_tokens_per_second: offline(HIGHER, 'tok/s', 'throughput', 'observed'),
  elapsed_time: offline(LOWER, 's', 'latency', 'observed', 'elapsed (s)'),
  elapsed_time_s: offline(LOWER, 's', 'latency', 'observed'),
  num_requests: offline(HIGHER, '', 'count', 'observed'),
  total_num_tokens: offline(HIGHER, '', 'count', 'observed'),
  // Start-up.
  startup_time_s: { direction: LOWER, unit: 's', family: 'startup', role: 'gated', group: 'startup', title: 'start-up (s)' },
  // Telemetry: peaks and means of the samples taken while a point ran, counter deltas over it.
  peak_gpu_util_pct: telemetry(HIGHER, '%', 'GPU utilisation'),
  mean_gpu_util_pct: telemetry(HIGHER, '%', 'GPU utilisation (mean)'),
  peak_gpu_memory_used_mib: telemetry(LOWER, 'MiB', 'GPU memory used'),
  peak_gpu_power_w: telemetry(LOWER, 'W', 'GPU power'),
  // A 0..1 fraction under vLLM's `_perc` name: the report shows it as a percentage.
  peak_kv_cache_usage_perc: telemetry(LOWER, '%', 'KV-cache usage'),
  peak_num_requests_running: telemetry(HIGHER, '', 'Requests running'),
  peak_num_requests_waiting: telemetry(LOWER, '', 'Requests waiting'),
  num_preemptions: telemetry(LOWER, '', 'Preemptions'),
  prompt_tokens: telemetry(HIGHER, '', 'Prompt tokens'),
  generation_tokens: telemetry(HIGHER, '', 'Generation tokens'),
  mean_gpu_sm_clock_mhz: telemetry(HIGHER, 'MHz'),
  metrics_samples: telemetry(HIGHER, ''),
  gpu_samples: telemetry(HIGHER, ''),
  // The server's prefix cache over the point (vLLM's counters, in tokens). The hit rate, a 0..1
  // fraction, gates when a threshold names it (it is null when nothing was queried: caching off).
  prefix_cache_hit_rate: telemetry(HIGHER, '', 'Prefix-cache hit rate', 'server'),
  prefix_cache_queries: telemetry(HIGHER, '', 'Prefix-cache queried tokens', 'server'),
  prefix_cache_hits: telemetry(HIGHER, '', 'Prefix-cache hit tokens', 'server'),
  // usage.prompt_tokens_details.cached_tokens summed over the point's requests.
  cached_tokens: count(HIGHER),
  // Sessions (the multi-turn dataset): those whose every turn succeeded, and successful turns per session.
  completed_sessions: { ...count(HIGHER), title: 'sessions completed' },
  mean_turns_per_session: { ...count(HIGHER), title: 'turns per session' },
  // vLLM's per-request phase histograms over the point: where a request's time went, server side.
  ...phaseEntries(),
};

/** mean, p50 and p99 (ms) of vLLM's queue, prefill, decode and inference time histograms. */
function phaseEntries(): Record<string, Entry> {
  const out: Record<string, Entry> = {};
  for (const phase of ['queue', 'prefill', 'decode', 'inference']) {
    for (const stat of ['mean', 'p50', 'p99']) {
      out[`${stat}_${phase}_time_ms`] = telemetry(LOWER, 'ms', `${phase[0]!.toUpperCase()}${phase.slice(1)} time ${stat} (ms)`, 'server');
    }
  }
  return out;
}

/** A per-request quantity vLLM reports as mean_/median_/std_/pXX_<base>_ms (and min_/max_). */
export interface StatBase {
  base: string;
  family: MetricFamily;
  group: 'latency' | 'offline';
  /** Statistics that gate by default (`median` for median_ttft_ms). */
  gated: readonly string[];
  /** Report titles by statistic (`median` -> "TTFT p50 (ms)"); the others are shown by name. */
  titles: Readonly<Record<string, string>>;
  /** How `vllm bench serve` prints it: "Mean TTFT (ms):" rows under a "Time to First Token" header. */
  console?: { short: string; header: string };
}

/** In vLLM's file and console order. */
const STAT_BASES: readonly StatBase[] = [
  {
    base: 'ttft',
    family: 'ttft',
    group: 'latency',
    gated: ['median'],
    titles: { median: 'TTFT p50 (ms)', p95: 'TTFT p95 (ms)' },
    console: { short: 'TTFT', header: 'Time to First Token' },
  },
  {
    base: 'tpot',
    family: 'latency',
    group: 'latency',
    gated: ['median'],
    titles: { median: 'TPOT p50 (ms)', p95: 'TPOT p95 (ms)' },
    console: { short: 'TPOT', header: 'Time per Output Token (excl. 1st token)' },
  },
  {
    base: 'itl',
    family: 'latency',
    group: 'latency',
    gated: ['median'],
    titles: { median: 'ITL p50 (ms)', p95: 'ITL p95 (ms)' },
    console: { short: 'ITL', header: 'Inter-token Latency' },
  },
  {
    base: 'e2el',
    family: 'latency',
    group: 'latency',
    gated: ['median'],
    titles: { median: 'E2E p50 (ms)', p95: 'E2E p95 (ms)' },
    console: { short: 'E2EL', header: 'End-to-end Latency' },
  },
  // Time spent in our own client waiting for a slot: shown, never gated.
  {
    base: 'client_queue_time',
    family: 'latency',
    group: 'latency',
    gated: [],
    titles: {},
    console: { short: 'Client Queue Time', header: 'Client-side Queueing' },
  },
  {
    base: 'e2el_including_client_queue',
    family: 'latency',
    group: 'latency',
    gated: [],
    titles: {},
    console: { short: 'E2EL incl. Client Queue', header: 'Queue-inclusive End-to-end Latency' },
  },
  // Sessions (the multi-turn dataset): TTFT of first and of later turns (whose history the prefix
  // cache may hold), and a session's first start to its last end. Shown, gated only when named.
  {
    base: 'first_turn_ttft',
    family: 'ttft',
    group: 'latency',
    gated: [],
    titles: { median: 'TTFT turn 1 p50 (ms)' },
  },
  {
    base: 'later_turns_ttft',
    family: 'ttft',
    group: 'latency',
    gated: [],
    titles: { median: 'TTFT later turns p50 (ms)' },
  },
  {
    base: 'session_duration',
    family: 'latency',
    group: 'latency',
    gated: [],
    titles: { median: 'session p50 (ms)' },
  },
  // Offline vllm bench latency (avg_latency is written as mean_latency_ms).
  {
    base: 'latency',
    family: 'latency',
    group: 'offline',
    gated: ['mean'],
    titles: { mean: 'mean (ms)', median: 'p50 (ms)', p90: 'p90 (ms)', p99: 'p99 (ms)' },
  },
];

const STAT_RE = /^(mean|median|std|min|max|p\d+(?:\.\d+)?)_([a-z0-9_]+?)_ms$/;

/** The registry's entry for a name; an unknown name gets a guessed direction and is observed. */
export function metricInfo(name: string): MetricInfo {
  const fixed = Object.hasOwn(METRICS, name) ? METRICS[name] : undefined;
  if (fixed) return { name, ...fixed, known: true };
  const m = STAT_RE.exec(name);
  const base = m ? STAT_BASES.find((b) => b.base === m[2]) : undefined;
  if (m && base) {
    const stat = m[1]!;
    const title = base.titles[stat];
    const role: Role = base.gated.includes(stat) ? 'gated' : 'observed';
    return { name, direction: LOWER, unit: 'ms', family: base.family, role, group: base.group, ...(title ? { title } : {}), known: true };
  }
  return { name, ...guess(name), role: 'observed', known: false };
}

export function isKnownMetric(name: string): boolean {
  return metricInfo(name).known;
}

/** The report's title of a metric, if it has one. */
export function metricTitle(name: string): string | undefined {
  return metricInfo(name).title;
}

/** The exact names of one display group, in the registry's order. */
export function metricsInGroup(group: DisplayGroup): string[] {
  return Object.keys(METRICS).filter((k) => METRICS[k]!.group === group);
}

/** The per-request quantities of a serving point (ttft ... e2el_including_client_queue), in vLLM's order. */
export function servingStatBases(): (StatBase & { console: NonNullable<StatBase['console']> })[] {
  return STAT_BASES.filter((b): b is StatBase & { console: NonNullable<StatBase['console']> } => b.console !== undefined);
}

/** The percentiles a metric map holds for one stat base, as vLLM words them (`99`, `99.9`), in numeric order. */
export function statPercentiles(names: Iterable<string>, base: string): string[] {
  const re = new RegExp(`^p(\\d+(?:\\.\\d+)?)_${base}_ms$`);
  return [...names]
    .map((k) => re.exec(k)?.[1])
    .filter((p): p is string => p !== undefined)
    .sort((a, b) => Number(a) - Number(b));
}

/** Names to offer in a did-you-mean: the exact names plus each stat base with the usual prefixes. */
export function catalogNames(): string[] {
  const out = Object.keys(METRICS);
  for (const { base } of STAT_BASES) {
    for (const pre of ['mean', 'median', 'std', 'min', 'max', 'p50', 'p90', 'p95', 'p99']) out.push(`${pre}_${base}_ms`);
  }
  return out;
}

function guess(name: string): Pick<MetricInfo, 'direction' | 'unit' | 'family' | 'group'> {
  if (/throughput|per_s(econd)?$|_per_s_|goodput/.test(name))
    return { direction: HIGHER, unit: /tok|token/.test(name) ? 'tok/s' : 'req/s', family: 'throughput', group: 'throughput' };
  if (name.endsWith('_ms')) return { direction: LOWER, unit: 'ms', family: 'latency', group: 'latency' };
  if (name.endsWith('_s')) return { direction: LOWER, unit: 's', family: 'latency', group: 'latency' };
  return { direction: LOWER, unit: '', family: 'count', group: 'count' };
}
