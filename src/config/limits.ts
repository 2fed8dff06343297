// Limits no real run needs, beyond the per-key bounds of the schema: what a serving suite makes the
// client hold and wait for as a whole, and durations written as strings (which a JSON Schema
// pattern cannot bound). Each limit sits well above what vLLM's own benchmark and CI suites use;
// past it a run would exhaust the runner's memory or never finish instead of measuring anything.
import { parseDuration } from './duration.js';
import type { KeyPath } from './key-path.js';
import { resolve, validatorAt, type SchemaNode } from './schema.js';
import type { ServingSuite } from './schema-types.gen.js';

/** Requests of one point, as num-prompts allows (concurrency x prompts-per-concurrency may not exceed it). */
export const MAX_REQUESTS_PER_POINT = 100_000;

/**
 * Prompt tokens a serving suite builds before its first point. Measured here at about 10.6 bytes a
 * token (100,000 random prompts of 1,000 token ids: 1.06 GB of heap), so the limit holds prompts
 * to about half a gigabyte: 1,000 prompts of 50k tokens, or 50 of 1M.
 */
export const MAX_PROMPT_TOKENS_PER_SUITE = 50_000_000;

/** How long a point's requests may take to arrive (num-prompts / rate): a day. */
export const MAX_ARRIVAL_SPAN_S = 86_400;

/** Any duration of the config: a day (a Node timer beyond 24.8 days would fire at once). */
export const MAX_DURATION_S = 86_400;

/** vLLM's sharegpt filter keeps prompts of at most 1,024 tokens. */
const SHAREGPT_MAX_PROMPT_TOKENS = 1024;

export interface LimitProblem {
  /** Key path inside the suite (or the config, for durations). */
  key: KeyPath;
  message: string;
  hint: string;
}

/** x rounded up to two significant digits (a rate that is surely enough). */
function ceil2(x: number): number {
  const unit = 10 ** (Math.floor(Math.log10(x)) - 1);
  return Number((Math.ceil(x / unit) * unit).toPrecision(2));
}

function fmt(n: number): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

/** The most requests one point of the suite sends (what the client builds prompts for). */
function requestsPerPoint(s: ServingSuite): number {
  const d = s.dataset;
  // A multi-turn point sends every turn of its sessions, at most num-sessions x max-turns.
  const numPrompts = d.type === 'multi-turn' ? (d['num-sessions'] ?? 100) * (d['max-turns'] ?? 10) : (d['num-prompts'] ?? 1000);
  const ppc = s['prompts-per-concurrency'];
  if (s.concurrency && ppc !== undefined) return Math.max(...s.concurrency) * ppc;
  return numPrompts;
}

/** The longest prompt the dataset makes, in tokens (a fixed prompt is one string shared by all). */
function promptTokens(d: ServingSuite['dataset']): number {
  switch (d.type) {
    case 'random':
      return (d['prefix-len'] ?? 0) + Math.ceil((d['input-len'] ?? 1024) * (1 + (d['range-ratio'] ?? 0)));
    case 'prefix-repetition':
      return (d['prefix-len'] ?? 256) + (d['suffix-len'] ?? 256);
    case 'sonnet':
      return d['input-len'] ?? 550;
    case 'sharegpt':
      return SHAREGPT_MAX_PROMPT_TOKENS;
    case 'fixed':
      return 0;
    // A turn's prompt, its history included, and its answer stay within 2,048 tokens.
    case 'multi-turn':
      return 2048;
    // Lengths are the trace's: each is checked (2^21 at most) when the file is read, and ids are made as sent.
    case 'trace':
      return 0;
  }
}

export function servingLimitProblems(s: ServingSuite): LimitProblem[] {
  const out: LimitProblem[] = [];
  const n = requestsPerPoint(s);
  if (s.concurrency && s['prompts-per-concurrency'] !== undefined && n > MAX_REQUESTS_PER_POINT) {
    out.push({
      key: ['prompts-per-concurrency'],
      message: `concurrency ${Math.max(...s.concurrency)} x prompts-per-concurrency ${s['prompts-per-concurrency']} is ${fmt(n)} requests a point, over the ${fmt(MAX_REQUESTS_PER_POINT)} allowed`,
      hint: `lower prompts-per-concurrency to at most ${Math.floor(MAX_REQUESTS_PER_POINT / Math.max(...s.concurrency))}: vLLM's benchmarks send a few thousand requests a point`,
    });
    return out;
  }
  const tokens = n * promptTokens(s.dataset);
  if (tokens > MAX_PROMPT_TOKENS_PER_SUITE) {
    const byPpc = s.concurrency !== undefined && s['prompts-per-concurrency'] !== undefined;
    const count = byPpc
      ? `${fmt(n)} prompts (concurrency ${Math.max(...s.concurrency!)} x prompts-per-concurrency ${s['prompts-per-concurrency']})`
      : `${fmt(n)} prompts`;
    out.push({
      key: byPpc ? ['prompts-per-concurrency'] : ['dataset', 'num-prompts'],
      message: `${count} of up to ${fmt(promptTokens(s.dataset))} tokens are ${fmt(tokens)} prompt tokens, over the ${fmt(MAX_PROMPT_TOKENS_PER_SUITE)} a suite may build`,
      hint: `send fewer or shorter prompts: every prompt is built before the first point, about 10 bytes a token (${fmt(MAX_PROMPT_TOKENS_PER_SUITE)} tokens are half a gigabyte)`,
    });
  }
  (s['request-rates'] ?? []).forEach((r, i) => {
    if (r === 'inf' || n / r <= MAX_ARRIVAL_SPAN_S) return;
    out.push({
      key: ['request-rates', i],
      message: `at ${r} requests/s the ${fmt(n)} requests of a point take ${fmt(n / r / 3600)} hours to arrive; a point may take at most ${MAX_ARRIVAL_SPAN_S / 3600} hours`,
      hint: `raise the rate to at least ${ceil2(n / MAX_ARRIVAL_SPAN_S)} requests/s or lower num-prompts`,
    });
  });
  return out;
}

const DURATION_POINTER = '/definitions/duration';

/** Durations in `data` (read against the schema node at `pointer`) longer than MAX_DURATION_S. */
export function durationLimitProblems(data: unknown, node: SchemaNode, pointer: string): LimitProblem[] {
  const out: LimitProblem[] = [];
  walkDurations(data, node, pointer, [], (key, value) => {
    if (typeof value !== 'string') return; // a number of seconds is bounded by the schema
    const ms = parseDuration(value);
    if (ms <= MAX_DURATION_S * 1000) return;
    out.push({
      key,
      message: `expected a duration of at most 24h, got ${JSON.stringify(value)}`,
      hint: 'write 24h or less: no start-up, request or bench of a real run takes longer',
    });
  });
  return out;
}

/** Calls `visit` for every value the schema says is a duration, following $refs and the oneOf branch the value matches. */
function walkDurations(
  value: unknown,
  node: SchemaNode,
  pointer: string,
  path: KeyPath,
  visit: (path: KeyPath, value: unknown) => void,
): void {
  const r = resolve(node, pointer);
  if (r.pointer === DURATION_POINTER) return visit(path, value);
  if (r.node.oneOf) {
    const i = r.node.oneOf.findIndex((_, k) => validatorAt(`${r.pointer}/oneOf/${k}`)(value));
    if (i >= 0) walkDurations(value, r.node.oneOf[i]!, `${r.pointer}/oneOf/${i}`, path, visit);
    return;
  }
  if (Array.isArray(value)) {
    if (r.node.items) value.forEach((v, i) => walkDurations(v, r.node.items!, `${r.pointer}/items`, [...path, i], visit));
    return;
  }
  if (value === null || typeof value !== 'object' || !r.node.properties) return;
  for (const [k, v] of Object.entries(value)) {
    const prop = r.node.properties[k];
    if (prop) walkDurations(v, prop, `${r.pointer}/properties/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, [...path, k], visit);
  }
}
