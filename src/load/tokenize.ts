// Token counts for text prompts. The client has no tokenizer of its own (no model files, no
// downloads), so it asks the server: vLLM's POST /tokenize counts a completions prompt exactly as
// usage.prompt_tokens will (special tokens included) and, given `messages`, after the chat
// template. When the server has no /tokenize, counts are unknown (null): the prompt-length check is
// then skipped and sizes that need a count (sonnet lines, ShareGPT filters) fall back to an
// estimate of 4 bytes per token, said once in the log.
import { request } from 'undici';

export interface ChatMessage {
  role: string;
  content: string;
}

export interface Tokenizer {
  /** Whether counts come from the server (false: estimates or nothing). */
  readonly exact: boolean;
  /** Tokens of a completions prompt, as usage.prompt_tokens counts them. */
  countPrompt(text: string): Promise<number | null>;
  /** Tokens of a chat request's messages after the chat template (with the generation prompt). */
  countChat(messages: ChatMessage[]): Promise<number | null>;
  /** The server's text for token ids (for chat prompts built from token ids); null when it cannot. */
  detokenize(ids: readonly number[]): Promise<string | null>;
}

export interface ServerTokenizerOptions {
  baseUrl: string;
  model: string;
  headers?: Record<string, string>;
  log?: (line: string) => void;
}

/** Asks the server's /tokenize once; returns a tokenizer backed by it, or an estimating one. */
export async function serverTokenizer(opts: ServerTokenizerOptions): Promise<Tokenizer> {
  const base = opts.baseUrl.replace(/\/+$/, '');
  const headers = { 'content-type': 'application/json', ...(opts.headers ?? {}) };
  const post = async (path: string, body: unknown): Promise<Record<string, unknown> | null> => {
    try {
      const res = await request(`${base}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
      const text = await res.body.text();
      if (res.statusCode !== 200) return null;
      return JSON.parse(text) as Record<string, unknown>;
    } catch {
      return null;
    }
  };
  const count = (r: Record<string, unknown> | null): number | null =>
    r && typeof r.count === 'number' ? r.count : r && Array.isArray(r.tokens) ? r.tokens.length : null;

  const probe = count(await post('/tokenize', { model: opts.model, prompt: 'Hello' }));
  if (probe === null) {
    opts.log?.(`note: ${base}/tokenize is unavailable; prompt lengths are estimated (4 bytes per token) and not checked against usage`);
    return estimatingTokenizer();
  }
  return {
    exact: true,
    countPrompt: async (text) => count(await post('/tokenize', { model: opts.model, prompt: text, add_special_tokens: true })),
    countChat: async (messages) => count(await post('/tokenize', { model: opts.model, messages, add_generation_prompt: true })),
    detokenize: async (ids) => {
      const r = await post('/detokenize', { model: opts.model, tokens: ids });
      return r && typeof r.prompt === 'string' ? r.prompt : null;
    },
  };
}

/** No server tokenizer: rough sizes for packing, no counts to check against. */
export function estimatingTokenizer(): Tokenizer & { estimate(text: string): number } {
  const estimate = (text: string): number => Math.max(1, Math.round(Buffer.byteLength(text) / 4));
  return {
    exact: false,
    estimate,
    countPrompt: async () => null,
    countChat: async () => null,
    detokenize: async () => null,
  };
}

/** A count for sizing: the tokenizer's, else the 4-bytes-per-token estimate. */
export async function sizeOf(tok: Tokenizer, text: string): Promise<number> {
  return (await tok.countPrompt(text)) ?? Math.max(1, Math.round(Buffer.byteLength(text) / 4));
}

/** Runs fn over items with at most `limit` at once, keeping order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (x: T, i: number) => Promise<R>): Promise<R[]> {
  return mapRange(items.length, limit, (i) => fn(items[i]!, i));
}

/** Runs fn over 0..n-1 with at most `limit` at once, keeping order (no list of inputs is made). */
export async function mapRange<R>(n: number, limit: number, fn: (i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(n);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      out[i] = await fn(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
  return out;
}
