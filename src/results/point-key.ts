// Point keys: how a point is matched with the same point of the baseline. One scheme for our serving
// runner and for imported vLLM files:
//   rate=4                        open loop at 4 req/s (rate=inf: all requests at once)
//   rate=4,max-concurrency=16     open loop capped at 16 requests in flight (vLLM's --max-concurrency)
//   concurrency=8                 closed loop: exactly 8 requests in flight
//   trace                         a request trace replayed at its own timestamps (trace,max-concurrency=16: capped)
//   offline                       an offline suite (vllm bench latency | throughput)
// Numbers are written as JavaScript writes them (10.0 from Python is `rate=10`).

import type { Point, Suite } from './schema-types.gen.js';

/** The point of `suite` with `key` among a run's suites: how a point is found again in another run. */
export function findPoint(suites: readonly Suite[], suite: string, key: string): Point | undefined {
  return suites.find((s) => s.name === suite)?.points.find((p) => p.key === key);
}

export interface ServingPointShape {
  /** Requests per second, or 'inf'; null/undefined for a closed-loop point. */
  requestRate?: number | 'inf' | null;
  /** Closed-loop level. */
  concurrency?: number | null;
  /** Cap on requests in flight under a request rate. */
  maxConcurrency?: number | null;
  /** A trace replay (its own schedule, no rate), with its time-scale. */
  trace?: { timeScale: number } | undefined;
}

function capSuffix(p: ServingPointShape, sep: string, words: string): string {
  return p.maxConcurrency !== undefined && p.maxConcurrency !== null ? `${sep}${words}${p.maxConcurrency}` : '';
}

export function servingPointKey(p: ServingPointShape): string {
  if (p.trace) return `trace${capSuffix(p, ',', 'max-concurrency=')}`;
  if (p.concurrency !== undefined && p.concurrency !== null) return `concurrency=${p.concurrency}`;
  const rate = p.requestRate === undefined || p.requestRate === null ? 'inf' : formatRate(p.requestRate);
  return p.maxConcurrency !== undefined && p.maxConcurrency !== null ? `rate=${rate},max-concurrency=${p.maxConcurrency}` : `rate=${rate}`;
}

/** The inverse of servingPointKey; undefined for keys of another form (offline, batch=8). */
export function parsePointKey(key: string): Required<Omit<ServingPointShape, 'trace'>> | undefined {
  let m = /^concurrency=(\d+)$/.exec(key);
  if (m) return { requestRate: null, concurrency: Number(m[1]), maxConcurrency: null };
  m = /^rate=(inf|[0-9.e+-]+)(?:,max-concurrency=(\d+))?$/.exec(key);
  if (!m) return undefined;
  const rate = m[1] === 'inf' ? 'inf' : Number(m[1]);
  if (rate !== 'inf' && !Number.isFinite(rate)) return undefined;
  return { requestRate: rate, concurrency: null, maxConcurrency: m[2] === undefined ? null : Number(m[2]) };
}

/** Whether a point key names a trace replay (its own schedule: its mean rate is not its load). */
export function isTraceKey(key: string): boolean {
  return key === 'trace' || key.startsWith('trace,');
}

/** A human label: `4 req/s`, `inf req/s, max concurrency 16`, `concurrency 8`, `trace replay ×2`. */
export function servingPointLabel(p: ServingPointShape): string {
  if (p.trace) return `trace replay ×${p.trace.timeScale}${capSuffix(p, ', ', 'max concurrency ')}`;
  if (p.concurrency !== undefined && p.concurrency !== null) return `concurrency ${p.concurrency}`;
  const rate = `${p.requestRate === undefined || p.requestRate === null ? 'inf' : formatRate(p.requestRate)} req/s`;
  return p.maxConcurrency !== undefined && p.maxConcurrency !== null ? `${rate}, max concurrency ${p.maxConcurrency}` : rate;
}

function formatRate(r: number | 'inf'): string {
  return r === 'inf' || r === Infinity ? 'inf' : String(r);
}
