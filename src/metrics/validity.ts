// Whether a point's figures can be trusted, with one sentence per reason when not: the run's own
// health (errors, a point ended early) and the signals that the client, not the server, was the
// bottleneck. Invalid is never reported as a pass. Pure: metric map and settings in, verdict out.
import type { Client } from '../config/schema-types.gen.js';
import { parseDuration } from '../config/duration.js';
import type { MetricMap, Validity } from '../results/schema-types.gen.js';

/** Limits of the rules about the benchmark client itself; a config's `client` block sets them. */
export interface ClientLimits {
  /** Achieved send rate must reach this share of the configured rate. */
  minSendRate: number;
  /** Send lag p99 above this means the client could not keep to the schedule. */
  maxSendLagP99Ms: number;
  /** Event-loop delay p99 above this means every timestamp the client took may be this late. */
  maxEventLoopLagP99Ms: number;
  /** Share of token chunks read together with the previous one above which ITL is understated. */
  maxCoalescedChunkRatio: number;
}

/** The defaults, for a runner whose CPU serves the benchmark alone. */
export const DEFAULT_CLIENT_LIMITS: ClientLimits = {
  minSendRate: 0.95,
  maxSendLagP99Ms: 10,
  maxEventLoopLagP99Ms: 10,
  maxCoalescedChunkRatio: 0.1,
};

/** A config's `client` block as limits, its defaults filled in. */
export function clientLimits(cfg: Client | undefined): ClientLimits {
  const dur = (v: number | string | undefined, d: number): number => (v === undefined ? d : parseDuration(v));
  const d = DEFAULT_CLIENT_LIMITS;
  return {
    minSendRate: cfg?.['min-send-rate'] ?? d.minSendRate,
    maxSendLagP99Ms: dur(cfg?.['max-send-lag'], d.maxSendLagP99Ms),
    maxEventLoopLagP99Ms: dur(cfg?.['max-event-loop-lag'], d.maxEventLoopLagP99Ms),
    maxCoalescedChunkRatio: cfg?.['max-coalesced-chunks'] ?? d.maxCoalescedChunkRatio,
  };
}

export interface ValidityInput {
  metrics: MetricMap;
  /** Configured rate; a number enables the send-rate and send-lag rules. Closed loops pass null. */
  requestRate: number | 'inf' | null;
  closedLoop: boolean;
  maxErrorRate: number;
  ignoreEos: boolean;
  stream: boolean;
  /** What ended the point before every request finished, if anything did. */
  stopped?: PointStop;
  /** The client rules' limits (default: DEFAULT_CLIENT_LIMITS). */
  client?: ClientLimits;
}

/** Why a point ended early: the run was cancelled, the server crashed, or the point ran past its time limit. */
export type PointStop = { by: 'cancel' } | { by: 'server-crash' } | { by: 'time-limit'; limitMs: number };

/** The validity reason for a point that ended early. */
export function stopReason(stop: PointStop): string {
  if (stop.by === 'server-crash') return 'the server crashed before this point finished';
  if (stop.by === 'time-limit')
    return `the point ran past its time limit (max-duration ${durationText(stop.limitMs)}) and was stopped before every request finished`;
  return 'the run was cancelled before this point finished';
}

/** A duration as the config writes it: 90s, 20m, 1h, 1500ms. */
export function durationText(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1_000 === 0) return `${ms / 1_000}s`;
  return `${ms}ms`;
}

export function pointValidity(input: ValidityInput): Validity {
  const m = input.metrics;
  const lim = input.client ?? DEFAULT_CLIENT_LIMITS;
  const reasons: string[] = [];
  const num = (k: string): number | null => {
    const v = m[k];
    return typeof v === 'number' && Number.isFinite(v) ? v : null;
  };
  const completed = num('completed') ?? 0;
  const failed = num('failed') ?? 0;
  const total = completed + failed;

  if (input.stopped) reasons.push(stopReason(input.stopped));
  if (completed === 0) reasons.push(total === 0 ? 'no request was sent' : `no request succeeded (${failed} failed)`);

  const errorRate = total > 0 ? failed / total : 0;
  if (completed > 0 && errorRate > input.maxErrorRate) {
    reasons.push(`error rate ${pct(errorRate)} (${failed} of ${total}) is over max-error-rate ${pct(input.maxErrorRate)}`);
  }

  const rate = input.requestRate;
  if (typeof rate === 'number' && Number.isFinite(rate)) {
    const achieved = num('achieved_request_rate');
    if (achieved !== null && achieved < lim.minSendRate * rate) {
      reasons.push(
        `the client sent ${fmt(achieved)} req/s, under ${pct(lim.minSendRate)} of the configured ${fmt(rate)} req/s (the client could not keep up)`,
      );
    }
  }
  if ((typeof rate === 'number' && Number.isFinite(rate)) || input.closedLoop) {
    const lag = num('send_lag_p99_ms');
    if (lag !== null && lag > lim.maxSendLagP99Ms) {
      reasons.push(`send lag p99 is ${fmt(lag)} ms, over ${ms(lim.maxSendLagP99Ms)} (the client could not keep up)`);
    }
  }

  const loopLag = num('event_loop_lag_p99_ms');
  if (loopLag !== null && loopLag > lim.maxEventLoopLagP99Ms) {
    reasons.push(
      `the client's event loop lagged ${fmt(loopLag)} ms at p99, over ${ms(lim.maxEventLoopLagP99Ms)} (the client was saturated; its timestamps are late)`,
    );
  }
  const coalesced = num('coalesced_chunk_ratio');
  if (input.stream && coalesced !== null && coalesced > lim.maxCoalescedChunkRatio) {
    reasons.push(
      `${pct(coalesced)} of token chunks were read together with the previous chunk of their stream (the client read late; ITL is understated)`,
    );
  }

  const short = num('output_len_short') ?? 0;
  if (input.ignoreEos && short > 0) {
    reasons.push(`with ignore-eos, ${short} of ${completed} outputs were shorter than asked`);
  }
  const mismatched = num('prompt_len_mismatched') ?? 0;
  if (mismatched > 0) {
    reasons.push(`${mismatched} of ${completed} prompts differ from their intended length by more than 1% (usage.prompt_tokens)`);
  }
  return { valid: reasons.length === 0, reasons };
}

function pct(x: number): string {
  return `${(x * 100).toFixed(x < 0.1 ? 1 : 0)}%`;
}

/** A limit in ms as the messages have always shown it: "10 ms". */
function ms(x: number): string {
  return `${x} ms`;
}

function fmt(x: number): string {
  return x >= 100 ? x.toFixed(0) : x.toFixed(2);
}
