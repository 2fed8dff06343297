// vLLM's own result files as points of ours: `vllm bench serve --save-result` records (modern and
// legacy), and `vllm bench latency|throughput --output-json` files. Metric names are kept as vLLM
// writes them (they are our names), except offline latency, whose seconds and nested percentiles
// become mean_/median_/std_/pXX_latency_ms like every other latency of ours.
import path from 'node:path';
import { GateError } from '../errors.js';
import { formatKeyPath, type KeyPath } from '../config/key-path.js';
import type { MetricMap, Point, VllmMeta } from './schema-types.gen.js';
import { servingPointKey, servingPointLabel } from './point-key.js';
import { VLLM_AGGREGATE_KEYS, VLLM_HEAD_KEYS, VLLM_OPTIONAL_KEYS, VLLM_RAMP_KEYS, VLLM_RATE_KEYS, parseVllmDate } from './vllm-format.js';

export type VllmRecordKind = 'serve' | 'latency' | 'throughput';

/** One imported measurement: a point of a suite, with when it was taken. */
export interface ImportedPoint {
  suite: string;
  kind: 'serving' | 'latency' | 'throughput';
  source: 'vllm-bench-serve' | 'vllm-bench-latency' | 'vllm-bench-throughput';
  point: Point;
  /** When it was measured (the record's date; the file's mtime for offline files, which have none). */
  time: Date | undefined;
  model: string | null;
}

export interface RecordOrigin {
  file: string;
  /** Line of the record, for JSON-lines files with more than one (kept in vllm-meta). */
  line?: number;
  /** Line where the record starts, named by an error when its key's line is not known. */
  recordLine?: number;
  /** Line of a top-level key of the record, for errors about its value. */
  keyLine?: (key: string) => number | undefined;
  /** Time to use when the record carries none (the file's mtime). */
  fallbackTime?: Date;
}

type Json = Record<string, unknown>;

/** Which vLLM format a parsed JSON value is, if any. */
export function vllmRecordKind(v: unknown): VllmRecordKind | undefined {
  if (!isObject(v)) return undefined;
  if ('request_throughput' in v || ('completed' in v && 'duration' in v && 'total_output_tokens' in v)) return 'serve';
  if ('avg_latency' in v && ('latencies' in v || 'percentiles' in v)) return 'latency';
  if ('elapsed_time' in v && 'requests_per_second' in v) return 'throughput';
  return undefined;
}

/**
 * The suite a vLLM file's records belong to:
 *   1. the record's `label` (vLLM's --label), when set;
 *   2. vLLM CI's file name `{test}_qps_{qps}_concurrency_{mc}.json` -> `{test}`;
 *   3. vLLM's default file name `{label|backend}-{rate}qps[-concurrency{N}]-{model}-{date}.json`
 *      (or `...-ramp-up-...`) -> `{label|backend}`;
 *   4. otherwise the file name without its extension.
 * Characters a suite name cannot hold become `-`.
 */
export function suiteNameFor(file: string, label: unknown): string {
  if (typeof label === 'string' && label.trim() !== '') return sanitize(label);
  const stem = path.basename(file).replace(/\.(jsonl|json)$/i, '');
  const ci = /^(.+)_qps_[^_]+_concurrency_[^_]+$/.exec(stem);
  if (ci) return sanitize(ci[1]!);
  const dflt = /^(.+?)-(?:(?:inf|\d+(?:\.\d+)?)qps(?:-concurrency\d+)?|ramp-up-.+)-.+-\d{8}-\d{6}$/.exec(stem);
  if (dflt) return sanitize(dflt[1]!);
  return sanitize(stem);
}

function sanitize(name: string): string {
  const s = name
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 80);
  return s || 'vllm';
}

const KNOWN_NON_METRIC = new Set<string>([...VLLM_HEAD_KEYS, ...VLLM_RATE_KEYS, ...VLLM_RAMP_KEYS]);

/**
 * Where a bad value of `key` is: the file, the line of the key (else of the record) and the key path.
 * The value itself is never quoted, only its kind: a file handed to us may hold anything.
 */
function badValue(rec: Json, origin: RecordOrigin, key: KeyPath, expected: string, hint: string): GateError {
  const line = origin.keyLine?.(String(key[0])) ?? origin.recordLine ?? origin.line;
  return new GateError('INPUT', `expected ${expected}, got ${kindOf(valueOf(rec, key))}`, {
    where: { file: origin.file, ...(line ? { line } : {}), path: formatKeyPath(key) },
    hint,
  });
}

function kindOf(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return 'a string';
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v}`;
}

/** A `vllm bench serve --save-result` record as a point. Throws GateError INPUT naming the file, line and key. */
export function importServeRecord(rec: Json, origin: RecordOrigin): ImportedPoint {
  const bad = (key: KeyPath, expected: string): GateError =>
    badValue(
      rec,
      origin,
      key,
      expected,
      'this does not look like a file written by `vllm bench serve --save-result`; fix or remove the record',
    );

  const rateRaw = rec.request_rate;
  let rate: number | 'inf';
  if (rateRaw === undefined || rateRaw === 'inf' || rateRaw === null) rate = 'inf';
  else if (typeof rateRaw === 'number' && rateRaw > 0) rate = rateRaw;
  else throw bad(['request_rate'], 'a number > 0 or "inf"');
  const mcRaw = rec.max_concurrency;
  if (mcRaw !== undefined && mcRaw !== null && !(Number.isInteger(mcRaw) && (mcRaw as number) > 0))
    throw bad(['max_concurrency'], 'an integer > 0 or null');
  const maxConcurrency = (mcRaw as number | null | undefined) ?? null;
  for (const k of ['duration', 'completed'] as const) {
    if (typeof rec[k] !== 'number') throw bad([k], 'a number');
  }

  const metrics: MetricMap = {};
  const metadata: Record<string, string> = {};
  for (const [k0, v] of Object.entries(rec)) {
    const k = k0 === 'request_goodput:' ? 'request_goodput' : k0; // legacy benchmark_serving.py's typo
    if (KNOWN_NON_METRIC.has(k)) continue;
    if (typeof v === 'number' || v === null) metrics[k] = v;
    else if (v === 'inf' || v === '-inf')
      metrics[k] = null; // an infinite figure has no use in a comparison
    else if (typeof v === 'string') {
      if (looksLikeMetric(k)) throw bad([k0], 'a number or null');
      metadata[k] = v;
    } else if (looksLikeMetric(k) && !Array.isArray(v)) throw bad([k0], 'a number or null');
    // Arrays (--save-detailed: ttfts, itls, ...) and objects are per-request detail, not figures.
  }
  const completed = rec.completed as number;
  const numPrompts = typeof rec.num_prompts === 'number' ? rec.num_prompts : null;
  if (metrics.failed === undefined && numPrompts !== null) metrics.failed = Math.max(0, numPrompts - completed);
  const failed = metrics.failed ?? 0;

  const meta: VllmMeta = {};
  const str = (k: string): string | null | undefined =>
    typeof rec[k] === 'string' ? (rec[k] as string) : rec[k] === null ? null : undefined;
  if (typeof rec.date === 'string') meta.date = rec.date;
  for (const k of ['endpoint_type', 'backend', 'label', 'model_id', 'tokenizer_id', 'ramp_up_strategy'] as const) {
    const v = str(k);
    if (v !== undefined) meta[k] = v;
  }
  if (numPrompts !== null && Number.isInteger(numPrompts)) meta.num_prompts = numPrompts;
  const b = rec.burstiness;
  if (typeof b === 'number' || b === 'inf' || b === null) meta.burstiness = b;
  for (const k of ['ramp_up_start_rps', 'ramp_up_end_rps'] as const)
    if (typeof rec[k] === 'number' || rec[k] === null) meta[k] = rec[k] as number | null;
  if (Object.keys(metadata).length > 0) meta.metadata = metadata;
  meta.file = origin.file;
  if (origin.line !== undefined) meta.line = origin.line;

  const shape = { requestRate: rate, maxConcurrency };
  const reasons: string[] = [];
  if (completed === 0) reasons.push('no request succeeded');
  const date = typeof rec.date === 'string' ? parseVllmDate(rec.date) : undefined;
  return {
    suite: suiteNameFor(origin.file, rec.label),
    kind: 'serving',
    source: 'vllm-bench-serve',
    time: date ?? origin.fallbackTime,
    model: typeof rec.model_id === 'string' ? rec.model_id : null,
    point: {
      key: servingPointKey(shape),
      label: servingPointLabel(shape),
      'request-rate': rate,
      concurrency: maxConcurrency,
      metrics,
      validity: { valid: reasons.length === 0, reasons },
      errors: { total: failed },
      ...(date ? { 'started-at': date.toISOString() } : {}),
      'vllm-meta': meta,
    },
  };
}

const VLLM_FIGURES = new Set<string>([...VLLM_AGGREGATE_KEYS, ...VLLM_OPTIONAL_KEYS]);

/** Figures vLLM writes as numbers; a string there is a broken file, not a --metadata pair. */
function looksLikeMetric(k: string): boolean {
  return VLLM_FIGURES.has(k) || /^(mean|median|std|p\d+(\.\d+)?)_.+_ms$/.test(k);
}

/** `vllm bench latency --output-json`: seconds and a percentiles map -> milliseconds. */
export function importLatencyRecord(rec: Json, origin: RecordOrigin): ImportedPoint {
  const fail = (key: KeyPath, expected: string): GateError =>
    badValue(rec, origin, key, expected, 'this does not look like a file written by `vllm bench latency --output-json`');
  if (typeof rec.avg_latency !== 'number') throw fail(['avg_latency'], 'a number of seconds');
  const metrics: MetricMap = { mean_latency_ms: rec.avg_latency * 1000 };
  if (typeof rec.std_latency === 'number') metrics.std_latency_ms = rec.std_latency * 1000;
  const pct = rec.percentiles;
  if (pct !== undefined) {
    if (!isObject(pct)) throw fail(['percentiles'], 'a map of percentile -> seconds');
    const ps = Object.keys(pct).sort((a, b) => Number(a) - Number(b));
    for (const p of ps) {
      const v = pct[p];
      if (typeof v !== 'number' || !/^\d+(\.\d+)?$/.test(p))
        throw fail(['percentiles', p], 'a number of seconds under a percentile such as "50"');
      if (p === '50') metrics.median_latency_ms = v * 1000;
    }
    for (const p of ps) metrics[`p${p}_latency_ms`] = (pct[p] as number) * 1000;
  }
  if (Array.isArray(rec.latencies)) metrics.num_iters = rec.latencies.length;
  return offlinePoint('latency', 'vllm-bench-latency', metrics, origin);
}

/** `vllm bench throughput --output-json`: its figures verbatim (tokens_per_second counts prompt + output tokens). */
export function importThroughputRecord(rec: Json, origin: RecordOrigin): ImportedPoint {
  const metrics: MetricMap = {};
  for (const [k, v] of Object.entries(rec)) {
    if (typeof v === 'number' || v === null) metrics[k] = v;
    else if (v === 'inf' || v === '-inf') metrics[k] = null;
  }
  for (const k of ['elapsed_time', 'requests_per_second']) {
    if (typeof metrics[k] !== 'number')
      throw badValue(rec, origin, [k], 'a number', 'this does not look like a file written by `vllm bench throughput --output-json`');
  }
  return offlinePoint('throughput', 'vllm-bench-throughput', metrics, origin);
}

function offlinePoint(
  kind: 'latency' | 'throughput',
  source: ImportedPoint['source'],
  metrics: MetricMap,
  origin: RecordOrigin,
): ImportedPoint {
  return {
    suite: suiteNameFor(origin.file, undefined),
    kind,
    source,
    time: origin.fallbackTime,
    model: null,
    point: {
      key: 'offline',
      label: kind === 'latency' ? 'offline latency' : 'offline throughput',
      'request-rate': null,
      concurrency: null,
      metrics,
      validity: { valid: true, reasons: [] },
      'vllm-meta': { file: origin.file },
    },
  };
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function valueOf(rec: Json, key: KeyPath): unknown {
  let v: unknown = rec;
  for (const k of key) v = isObject(v) ? v[String(k)] : undefined;
  return v;
}
