// Small helpers for the simulator's socket tests.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The data payloads of an SSE body, in order. */
export function sseData(body: string): string[] {
  return body
    .split('\n\n')
    .filter((e) => e.startsWith('data: '))
    .map((e) => e.slice('data: '.length));
}

export async function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

export const REFERENCE_DIR = path.resolve('../shared/reference');
export function reference(name: string): string | null {
  const p = path.join(REFERENCE_DIR, name);
  return existsSync(p) ? readFileSync(p, 'utf8') : null;
}

/** Key layout of a JSON value: object keys in order, recursively (arrays by their first element). */
export function shape(v: unknown): unknown {
  if (Array.isArray(v)) return v.length === 0 ? [] : [shape(v[0])];
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = shape(x);
    return Object.keys(out).map((k) => [k, out[k]]);
  }
  return v === null ? null : typeof v;
}

export async function waitFor<T>(fn: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
