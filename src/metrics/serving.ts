// Request records -> the figures of one serving point, named and defined as vLLM's
// `vllm bench serve` defines them (vllm/benchmarks/serve.py
// `calculate_metrics`). Every formula is written once, here, next to its vLLM name. Pure: no I/O.
import { sessionCount, turnOf, type SessionPlan } from '../load/sessions.js';
import type { ClientHealth, RequestRecord } from '../load/types.js';
import type { MetricMap } from '../results/schema-types.gen.js';
import { percentileWord, summarize } from './stats.js';

export interface GoodputSlo {
  ttftMs?: number;
  tpotMs?: number;
  e2elMs?: number;
}

export interface ServingMetricsInput {
  records: readonly RequestRecord[];
  /** benchmark_duration: first dispatch to last completion, ms. */
  durationMs: number;
  /** Percentiles to report (vLLM's --metric-percentiles). */
  percentiles: readonly number[];
  /** Streaming points have TTFT/TPOT/ITL; non-streaming ones only end-to-end latency. */
  stream: boolean;
  goodput?: GoodputSlo | undefined;
  /** The point's configured rate ('inf' or a number), null for a closed loop. */
  requestRate: number | 'inf' | null;
  /** vLLM's --max-concurrency: the cap, or the closed-loop level. Enables client_queue_time. */
  maxConcurrency: number | null;
  /**
   * A closed loop is vLLM's `--request-rate inf --max-concurrency C`: every request arrives at t0 and
   * waits for a slot, so its client queue time is its start.
   */
  closedLoop?: boolean;
  health?: ClientHealth | undefined;
}

/**
 * output_len of one successful request: usage.completion_tokens; when the server sent no usage,
 * the number of token chunks (vLLM re-tokenizes the text there; without a tokenizer, the chunk
 * count is the closest figure the client has).
 */
export function outputLen(r: RequestRecord): number {
  if (r.outputTokens !== null && r.outputTokens > 0) return r.outputTokens;
  return Math.max(r.tokenChunks, 1);
}

/** prompt_len: usage.prompt_tokens when the server reported it, else the intended length. */
export function promptLen(r: RequestRecord): number {
  return r.promptTokens ?? r.intendedPromptTokens ?? 0;
}

/** TPOT = (latency - ttft) / (output_len - 1), only when output_len > 1 (else excluded). */
export function tpotMs(r: RequestRecord): number | null {
  const n = outputLen(r);
  if (n <= 1 || r.latencyMs === null || r.ttftMs === null) return null;
  return (r.latencyMs - r.ttftMs) / (n - 1);
}

/**
 * A request is good when every SLO given holds: ttft <= slo, tpot <= slo (a request of one token
 * has tpot 0 here, as vLLM's all_tpots), e2el <= slo.
 */
export function isGood(r: RequestRecord, slo: GoodputSlo): boolean {
  if (slo.ttftMs !== undefined && !((r.ttftMs ?? r.latencyMs ?? Infinity) <= slo.ttftMs)) return false;
  if (slo.tpotMs !== undefined && !((tpotMs(r) ?? 0) <= slo.tpotMs)) return false;
  if (slo.e2elMs !== undefined && !((r.latencyMs ?? Infinity) <= slo.e2elMs)) return false;
  return true;
}

/**
 * max_output_tokens_per_s: token times approximated as start + ttft, then + each itl (one token per
 * chunk), counted in 1-second bins from the earliest start of a successful request; the fullest bin.
 */
export function maxOutputTokensPerS(ok: readonly RequestRecord[]): number {
  if (ok.length === 0) return 0;
  let minStart = Infinity;
  let maxEnd = -Infinity;
  for (const r of ok) {
    minStart = Math.min(minStart, r.startMs);
    maxEnd = Math.max(maxEnd, r.startMs + (r.latencyMs ?? 0));
  }
  const bins = new Float64Array(Math.ceil((maxEnd - minStart) / 1000) + 1);
  for (const r of ok) {
    if (r.ttftMs === null) continue;
    let t = r.startMs + r.ttftMs;
    addToBin(bins, t - minStart);
    for (const gap of r.itlMs) {
      t += gap;
      addToBin(bins, t - minStart);
    }
  }
  let max = 0;
  for (const v of bins) if (v > max) max = v;
  return max;
}

function addToBin(bins: Float64Array, offsetMs: number): void {
  const b = Math.trunc(offsetMs / 1000);
  if (b >= 0 && b < bins.length) bins[b]! += 1;
}

/**
 * max_concurrent_requests: exact sweep line over the half-open intervals [start, start + latency)
 * of successful requests; at equal times a departure is counted before an arrival.
 */
export function maxConcurrentRequests(ok: readonly RequestRecord[]): number {
  const events: [number, number][] = [];
  for (const r of ok) {
    events.push([r.startMs, 1], [r.startMs + (r.latencyMs ?? 0), -1]);
  }
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let cur = 0;
  let peak = 0;
  for (const [, d] of events) {
    cur += d;
    if (cur > peak) peak = cur;
  }
  return peak;
}

/** The metric map of one point. Keys are vLLM's (`p99_ttft_ms`), plus the client's own health. */
export function servingMetrics(input: ServingMetricsInput): MetricMap {
  const { records, percentiles, stream } = input;
  const durS = input.durationMs / 1000;
  const ok = records.filter((r) => r.success);
  const completed = ok.length;
  const failed = records.length - completed;

  let totalInput = 0;
  let totalOutput = 0;
  const ttfts: number[] = [];
  const tpots: number[] = [];
  const itls: number[] = [];
  const e2els: number[] = [];
  for (const r of ok) {
    totalInput += promptLen(r);
    totalOutput += outputLen(r);
    if (r.latencyMs !== null) e2els.push(r.latencyMs);
    if (!stream) continue;
    if (r.ttftMs !== null) ttfts.push(r.ttftMs);
    const t = tpotMs(r);
    if (t !== null) tpots.push(t);
    for (const g of r.itlMs) itls.push(g);
  }

  const m: MetricMap = {
    duration: durS,
    completed,
    failed,
    total_input_tokens: totalInput,
    total_output_tokens: totalOutput,
    // request_throughput = completed / duration
    request_throughput: durS > 0 ? completed / durS : null,
    // request_goodput = good requests / duration (null without --goodput, as vLLM writes it)
    request_goodput: input.goodput && hasSlo(input.goodput) && durS > 0 ? ok.filter((r) => isGood(r, input.goodput!)).length / durS : null,
    // output_throughput = total_output_tokens / duration
    output_throughput: durS > 0 ? totalOutput / durS : null,
    // total_token_throughput = (total_input_tokens + total_output_tokens) / duration
    total_token_throughput: durS > 0 ? (totalInput + totalOutput) / durS : null,
    max_output_tokens_per_s: stream ? maxOutputTokensPerS(ok) : null,
    max_concurrent_requests: maxConcurrentRequests(ok),
  };

  if (stream) {
    addStats(m, 'ttft', ttfts, percentiles);
    addStats(m, 'tpot', tpots, percentiles);
    addStats(m, 'itl', itls, percentiles);
  }
  // Non-streaming points are read like a hand-rolled chat client's report: latency p50/p95/p99 always present.
  addStats(m, 'e2el', e2els, stream ? percentiles : union(percentiles, [50, 95, 99]), true);

  // client_queue_time = start - arrival (time waiting for a concurrency slot), successful only;
  // e2el_including_client_queue only under a finite rate, as serve.py.
  if (input.maxConcurrency !== null) {
    const queued = (r: RequestRecord): number => (input.closedLoop ? r.startMs : r.startMs - r.arrivalMs);
    addStats(m, 'client_queue_time', ok.map(queued), percentiles);
    if (typeof input.requestRate === 'number' && Number.isFinite(input.requestRate)) {
      addStats(
        m,
        'e2el_including_client_queue',
        ok.map((r) => (r.latencyMs ?? 0) + queued(r)),
        percentiles,
      );
    }
  }

  Object.assign(m, clientFigures(input));
  return m;
}

/**
 * The figures of a point of sessions (not vLLM's serve metrics; its benchmarks/multi_turn tool reports
 * per-turn figures the same way): TTFT of first turns apart from later ones, whose history the
 * server's prefix cache may hold; session duration = first turn's start to last turn's end, think
 * times included, over the sessions whose every turn succeeded; turns per session = successful turns
 * over the sessions that sent one.
 */
export function sessionMetrics(
  records: readonly RequestRecord[],
  plan: SessionPlan,
  percentiles: readonly number[],
  stream: boolean,
): MetricMap {
  const n = sessionCount(plan);
  const ok = new Int32Array(n);
  const started = new Uint8Array(n);
  const first = new Float64Array(n).fill(Infinity);
  const last = new Float64Array(n).fill(-Infinity);
  const firstTtft: number[] = [];
  const laterTtft: number[] = [];
  for (const r of records) {
    const { session, turn } = turnOf(plan, r.index);
    started[session] = 1;
    first[session] = Math.min(first[session]!, r.startMs);
    if (!r.success) continue;
    ok[session]!++;
    last[session] = Math.max(last[session]!, r.endMs ?? r.startMs + (r.latencyMs ?? 0));
    if (stream && r.ttftMs !== null) (turn === 0 ? firstTtft : laterTtft).push(r.ttftMs);
  }
  const durations: number[] = [];
  let turns = 0;
  let sessions = 0;
  for (let s = 0; s < n; s++) {
    if (!started[s]) continue;
    sessions++;
    turns += ok[s]!;
    if (ok[s] === plan.starts[s + 1]! - plan.starts[s]!) durations.push(last[s]! - first[s]!);
  }
  const m: MetricMap = {
    completed_sessions: durations.length,
    mean_turns_per_session: sessions > 0 ? turns / sessions : null,
  };
  addStats(m, 'session_duration', durations, percentiles);
  if (stream) {
    addStats(m, 'first_turn_ttft', firstTtft, percentiles);
    addStats(m, 'later_turns_ttft', laterTtft, percentiles);
  }
  return m;
}

/** Figures about the client and the run's integrity (not vLLM's; read by the validity rules). */
export function clientFigures(input: ServingMetricsInput): MetricMap {
  const { records } = input;
  const n = records.length;
  const ok = records.filter((r) => r.success);
  // A closed loop's first wave is a burst (all due at t0, as rate=inf): only later sends, each due
  // when a slot freed, say whether the client kept up.
  const paced = input.closedLoop && input.maxConcurrency !== null ? records.filter((r) => r.index >= input.maxConcurrency!) : records;
  const lags = summarize(
    paced.map((r) => r.arrivalMs - r.scheduledMs),
    [50, 99],
  );
  let lastArrival = 0;
  for (const r of records) lastArrival = Math.max(lastArrival, r.arrivalMs);
  let itlSamples = 0;
  let coalesced = 0;
  for (const r of ok) {
    itlSamples += r.itlMs.length;
    coalesced += r.coalescedChunks;
  }
  const rate = input.requestRate;
  const h = input.health;
  const writeDelay = summarize(
    records.map((r) => r.startMs - r.dispatchMs),
    [99],
  );
  return {
    error_rate: n > 0 ? (n - ok.length) / n : null,
    send_lag_p50_ms: lags.percentiles.get(50) ?? null,
    send_lag_p99_ms: lags.percentiles.get(99) ?? null,
    send_lag_max_ms: lags.max,
    // The HTTP library's own delay between being handed a request and writing it.
    write_delay_p99_ms: writeDelay.percentiles.get(99) ?? null,
    // The rate the client actually sent at: N over the time of its last dispatch (the schedule puts
    // the last arrival at exactly N/rate, so an on-time client sends at exactly the configured rate).
    achieved_request_rate: typeof rate === 'number' && Number.isFinite(rate) && lastArrival > 0 ? n / (lastArrival / 1000) : null,
    event_loop_lag_p99_ms: h?.eventLoopLagP99Ms ?? null,
    event_loop_lag_max_ms: h?.eventLoopLagMaxMs ?? null,
    events_per_read: h && h.reads > 0 ? h.events / h.reads : null,
    coalesced_chunk_ratio: input.stream && itlSamples > 0 ? coalesced / itlSamples : null,
    prompt_len_mismatched: ok.filter(promptMismatch).length,
    output_len_short: ok.filter((r) => r.outputTokens !== null && r.outputTokens < r.maxTokens).length,
  };
}

/** Server-reported prompt length off the intended one by more than 1%. */
export function promptMismatch(r: RequestRecord): boolean {
  if (r.promptTokens === null || r.intendedPromptTokens === null || r.intendedPromptTokens <= 0) return false;
  return Math.abs(r.promptTokens - r.intendedPromptTokens) / r.intendedPromptTokens > 0.01;
}

function hasSlo(s: GoodputSlo): boolean {
  return s.ttftMs !== undefined || s.tpotMs !== undefined || s.e2elMs !== undefined;
}

function union(a: readonly number[], b: readonly number[]): number[] {
  return [...new Set([...a, ...b])].sort((x, y) => x - y);
}

/** mean_X_ms, median_X_ms, std_X_ms, pP_X_ms (and min/max for latency), in vLLM's key order. */
function addStats(m: MetricMap, name: string, xs: readonly number[], percentiles: readonly number[], minMax = false): void {
  const s = summarize(xs, percentiles);
  m[`mean_${name}_ms`] = s.mean;
  m[`median_${name}_ms`] = s.median;
  m[`std_${name}_ms`] = s.std;
  for (const p of percentiles) m[`p${percentileWord(p)}_${name}_ms`] = s.percentiles.get(p) ?? null;
  if (minMax) {
    m[`min_${name}_ms`] = s.min;
    m[`max_${name}_ms`] = s.max;
  }
}
