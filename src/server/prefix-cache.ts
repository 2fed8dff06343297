// Emptying the server's prefix cache between points, so a point (or a repeat) is not faster because
// the one before it warmed the cache. vLLM serves POST /reset_prefix_cache only in development mode
// (VLLM_SERVER_DEV_MODE=1; otherwise 404), and answers 200 even when the engine refuses because a
// request still holds blocks: the refusal is only a line in the server's log
// (vllm/v1/core/block_pool.py: "Failed to reset prefix cache because some blocks (N) are not freed
// yet"; success logs "Successfully reset prefix cache"). So the log says what happened, when we
// have it; for a server we did not start the outcome is "unconfirmed".
import { Client } from 'undici';

/**
 * What a reset did: `reset` (the log says so), `refused` (the engine kept its blocks), `unavailable`
 * (404: the server does not serve the route), `unconfirmed` (200, no log to tell), `failed` (another
 * answer or no answer).
 */
export type ResetStatus = 'reset' | 'refused' | 'unavailable' | 'unconfirmed' | 'failed';

export interface ResetOutcome {
  status: ResetStatus;
  /** The log line or the answer behind a status other than `reset`. */
  detail?: string;
}

export interface ResetterOptions {
  headers?: Record<string, string>;
  /** The server's last log lines (oldest first), when we started it; absent for an external server. */
  logLines?: (n: number) => string[];
  /** How long to look for the engine's log line after the answer. */
  logWaitMs?: number;
  /** Tries when the engine refuses (its blocks are freed a moment after the last response). */
  attempts?: number;
}

const SUCCESS = /Successfully reset prefix cache/;
const REFUSED = /Failed to reset prefix cache/;
const LOG_TAIL = 200;

/** Resets the prefix cache of the server at `baseUrl`; once a 404 is seen, later calls answer `unavailable` at once. */
export function prefixCacheResetter(baseUrl: string, opts: ResetterOptions = {}): () => Promise<ResetOutcome> {
  let unavailable: ResetOutcome | undefined;
  return async () => {
    if (unavailable) return unavailable;
    let outcome: ResetOutcome = { status: 'failed' };
    for (let attempt = 1; attempt <= (opts.attempts ?? 3); attempt++) {
      outcome = await resetOnce(baseUrl, opts);
      if (outcome.status === 'unavailable') unavailable = outcome;
      if (outcome.status !== 'refused') break;
      await new Promise((r) => setTimeout(r, 100 * attempt));
    }
    return outcome;
  };
}

async function resetOnce(baseUrl: string, opts: ResetterOptions): Promise<ResetOutcome> {
  const before = opts.logLines?.(LOG_TAIL);
  const client = new Client(baseUrl);
  let status: number;
  let body: string;
  try {
    const res = await client.request({
      path: '/reset_prefix_cache',
      method: 'POST',
      headers: opts.headers ?? {},
      signal: AbortSignal.timeout(10_000),
    });
    status = res.statusCode;
    body = await res.body.text();
  } catch (e) {
    return { status: 'failed', detail: `POST /reset_prefix_cache: ${(e as Error).message}` };
  } finally {
    await client.close().catch(() => {});
  }
  if (status === 404)
    return { status: 'unavailable', detail: 'POST /reset_prefix_cache answered 404 (vLLM serves it with VLLM_SERVER_DEV_MODE=1)' };
  if (status !== 200) return { status: 'failed', detail: `POST /reset_prefix_cache answered ${status}: ${body.slice(0, 200)}` };
  if (!before || !opts.logLines) return { status: 'unconfirmed' };
  return confirmFromLog(before, opts.logLines, opts.logWaitMs ?? 1_000);
}

/** Waits (briefly) for the engine's line about the reset among the log lines that came after `before`. */
async function confirmFromLog(before: string[], logLines: (n: number) => string[], waitMs: number): Promise<ResetOutcome> {
  const deadline = performance.now() + waitMs;
  for (;;) {
    const fresh = newLines(before, logLines(LOG_TAIL));
    const refused = fresh.find((l) => REFUSED.test(l));
    if (refused) return { status: 'refused', detail: refused.trim() };
    if (fresh.some((l) => SUCCESS.test(l))) return { status: 'reset' };
    if (performance.now() >= deadline) return { status: 'unconfirmed', detail: 'the server logged nothing about the reset' };
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The lines of `after` that were not in `before`: both are tails of one log, so `after` is a suffix
 * of `before` (the oldest lines dropped) followed by the new ones. The longest such overlap is taken.
 */
export function newLines(before: readonly string[], after: readonly string[]): string[] {
  for (let skip = 0; skip <= before.length; skip++) {
    const kept = before.length - skip;
    if (kept > after.length) continue;
    let same = true;
    for (let i = 0; i < kept && same; i++) same = before[skip + i] === after[i];
    if (same) return after.slice(kept);
  }
  return [...after];
}
