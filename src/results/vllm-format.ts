// vLLM's `vllm bench serve --save-result` format, as vllm/benchmarks/serve.py writes it: which
// keys, in which order, which of them Python holds as ints, and how dates and file names are written.
import { servingStatBases, statPercentiles } from '../catalog/metrics.js';
import type { Point, VllmMeta } from './schema-types.gen.js';
import { parsePointKey } from './point-key.js';
import { pythonJsonDumps } from './python-json.js';

/** Identity keys before the metrics; `--metadata` pairs sit between num_prompts and request_rate. */
export const VLLM_HEAD_KEYS = ['date', 'endpoint_type', 'backend', 'label', 'model_id', 'tokenizer_id', 'num_prompts'] as const;
export const VLLM_RATE_KEYS = ['request_rate', 'burstiness', 'max_concurrency'] as const;
export const VLLM_RAMP_KEYS = ['ramp_up_strategy', 'ramp_up_start_rps', 'ramp_up_end_rps'] as const;
/** Aggregate metrics, in file order. */
export const VLLM_AGGREGATE_KEYS = [
  'duration',
  'completed',
  'failed',
  'total_input_tokens',
  'total_output_tokens',
  'request_throughput',
  'request_goodput',
  'output_throughput',
  'total_token_throughput',
  'max_output_tokens_per_s',
  'max_concurrent_requests',
  'rtfx',
] as const;
/** Optional figures written after rtfx when vLLM measured them. */
export const VLLM_OPTIONAL_KEYS = [
  'probe_completed',
  'probe_failed',
  'probe_median_e2el_ms',
  'probe_p99_e2el_ms',
  'probe_max_e2el_ms',
  'spec_decode_acceptance_rate',
  'spec_decode_acceptance_length',
  'spec_decode_num_drafts',
  'spec_decode_draft_tokens',
  'spec_decode_accepted_tokens',
] as const;
/** Per-request metrics with mean/median/std/pXX blocks, in file order (the registry's serving stat bases). */
export const VLLM_PERCENTILE_METRICS: readonly string[] = servingStatBases().map((b) => b.base);
/** Keys Python writes as ints (everything else numeric is a float: 1.0, not 1). */
export const VLLM_INT_KEYS: ReadonlySet<string> = new Set([
  'num_prompts',
  'max_concurrency',
  'completed',
  'failed',
  'total_input_tokens',
  'total_output_tokens',
  'max_concurrent_requests',
  'ramp_up_start_rps',
  'ramp_up_end_rps',
  'probe_completed',
  'probe_failed',
  'spec_decode_num_drafts',
  'spec_decode_draft_tokens',
  'spec_decode_accepted_tokens',
]);

/** Python's datetime.strftime("%Y%m%d-%H%M%S"), in UTC (runners keep UTC). */
export function formatVllmDate(d: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

/** "20250530-194738" -> that time read as UTC (vLLM writes local time without a zone); undefined if malformed. */
export function parseVllmDate(s: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})$/.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, se] = m.map(Number) as number[];
  const t = Date.UTC(y!, mo! - 1, d!, h!, mi!, se!);
  return Number.isNaN(t) ? undefined : new Date(t);
}

/** What a vLLM record says besides the metrics; each given field wins over the point's `vllm-meta`. */
export interface VllmServeMeta {
  /** A Date is written as "%Y%m%d-%H%M%S" (UTC); a string verbatim. Default: the point's, else its started-at, else now. */
  date?: Date | string;
  /** Default: the backend. */
  endpointType?: string | null;
  /** Default: openai (completions). */
  backend?: string | null;
  label?: string | null;
  modelId?: string | null;
  /** Default: the model id. */
  tokenizerId?: string | null;
  /** Default: completed + failed. */
  numPrompts?: number | null;
  /** Default: 1.0. */
  burstiness?: number | 'inf' | null;
  /** vLLM's --metadata pairs. */
  metadata?: Record<string, string>;
}

/**
 * A point as vLLM's modern --save-result writes it: exactly its keys, in its order. The request rate
 * and max_concurrency come from the point key (a closed-loop point is vLLM's request_rate inf with
 * max_concurrency C); metrics are copied by name; figures the point lacks are null (rtfx 0.0).
 */
export function toVllmServeResult(point: Point, meta: VllmServeMeta = {}): Record<string, unknown> {
  const m = point.metrics;
  const vm: VllmMeta = point['vllm-meta'] ?? {};
  const pick = <T>(given: T | undefined, stored: T | undefined, fallback: T): T =>
    given !== undefined ? given : stored !== undefined ? stored : fallback;
  const shape = parsePointKey(point.key);
  const failed = num(m.failed) ?? point.errors?.total ?? 0;
  const completed = num(m.completed);
  const dateIn = meta.date ?? vm.date ?? (point['started-at'] ? new Date(point['started-at']) : new Date());
  const backend = pick(meta.backend, vm.backend, 'openai');
  const modelId = pick(meta.modelId, vm.model_id, null);

  const out: Record<string, unknown> = {
    date: typeof dateIn === 'string' ? dateIn : formatVllmDate(dateIn),
    endpoint_type: pick(meta.endpointType, vm.endpoint_type, backend),
    backend,
    label: pick(meta.label, vm.label, null),
    model_id: modelId,
    tokenizer_id: pick(meta.tokenizerId, vm.tokenizer_id, modelId),
    num_prompts: pick(meta.numPrompts, vm.num_prompts, completed !== undefined ? completed + failed : null),
  };
  for (const [k, v] of Object.entries(meta.metadata ?? vm.metadata ?? {})) if (!(k in out)) out[k] = v;
  const rate = shape ? shape.requestRate : point['request-rate'];
  out.request_rate = rate === null || rate === undefined || rate === 'inf' ? 'inf' : rate;
  out.burstiness = pick(meta.burstiness, vm.burstiness, 1);
  out.max_concurrency = shape ? (shape.concurrency ?? shape.maxConcurrency) : (point.concurrency ?? null);
  if (vm.ramp_up_strategy !== undefined && vm.ramp_up_strategy !== null) {
    out.ramp_up_strategy = vm.ramp_up_strategy;
    out.ramp_up_start_rps = vm.ramp_up_start_rps ?? null;
    out.ramp_up_end_rps = vm.ramp_up_end_rps ?? null;
  }
  for (const k of VLLM_AGGREGATE_KEYS) out[k] = m[k] ?? null;
  out.failed = failed;
  out.rtfx = m.rtfx ?? 0;
  for (const k of VLLM_OPTIONAL_KEYS) if (m[k] !== undefined) out[k] = m[k];
  for (const metric of VLLM_PERCENTILE_METRICS) {
    const pct = statPercentiles(Object.keys(m), metric);
    const has = [`mean_${metric}_ms`, `median_${metric}_ms`, `std_${metric}_ms`].some((k) => m[k] !== undefined) || pct.length > 0;
    if (!has) continue;
    for (const stat of ['mean', 'median', 'std']) out[`${stat}_${metric}_ms`] = m[`${stat}_${metric}_ms`] ?? null;
    for (const p of pct) out[`p${p}_${metric}_ms`] = m[`p${p}_${metric}_ms`] ?? null;
  }
  return out;
}

function num(v: number | null | undefined): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

/** One line, as Python's json.dump(result_json, f) writes it. */
export function dumpVllmResult(record: Record<string, unknown>): string {
  return pythonJsonDumps(record, VLLM_INT_KEYS);
}

/**
 * vLLM CI's file name for a serving point, `{test}_qps_{qps}_concurrency_{mc}.json`
 * (run-performance-benchmarks.sh). mc is the cap or closed-loop level; without one, vLLM CI uses
 * num_prompts, and so do we (from vllm-meta, else completed + failed).
 */
export function vllmResultFileName(suiteName: string, point: Point): string {
  const shape = parsePointKey(point.key);
  const rate = shape ? shape.requestRate : point['request-rate'];
  const qps = rate === null || rate === undefined || rate === 'inf' ? 'inf' : String(rate);
  const completed = num(point.metrics.completed);
  const failed = num(point.metrics.failed) ?? point.errors?.total ?? 0;
  const mc =
    (shape ? (shape.concurrency ?? shape.maxConcurrency) : point.concurrency) ??
    point['vllm-meta']?.num_prompts ??
    (completed !== undefined ? completed + failed : undefined);
  const safe = suiteName.replace(/[^A-Za-z0-9._-]/g, '-');
  return `${safe}_qps_${qps}_concurrency_${mc ?? 'none'}.json`;
}
