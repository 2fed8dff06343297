// vLLM's wire format for completions and chat completions. The constant parts of every chunk are
// serialised once per request (prefix) or once per process (suffixes), so a token costs one
// string concatenation and one write.
import { OUTPUT_WORDS } from './tokenizer.js';

/** JSON string bodies (already escaped, without quotes) of the output words. */
export const WORD_JSON: readonly string[] = OUTPUT_WORDS.map((w) => JSON.stringify(w).slice(1, -1));

export const DONE_EVENT = 'data: [DONE]\n\n';

export function usageJson(prompt: number, completion: number): string {
  return `{"prompt_tokens":${prompt},"total_tokens":${prompt + completion},"completion_tokens":${completion}}`;
}

/**
 * `prompt_tokens_details` as vLLM's OpenAI server fills it: `{"cached_tokens": N}` with
 * --enable-prompt-tokens-details when the prefix cache supplied N > 0 tokens, else nothing. The
 * callers pass 0 for "nothing".
 */
function tokensDetails(cachedTokens: number): string | null {
  return cachedTokens > 0 ? `{"cached_tokens":${cachedTokens}}` : null;
}

/** Pre-serialised pieces of one request's stream. */
export interface StreamFormat {
  /** Everything up to the token text. */
  head: string;
  /** After the text, for a chunk that is not the last one. */
  mid: string;
  /** After the text of the last token chunk, before the finish reason value. */
  lastMid: string;
  /** Closes a chunk (after "usage":... for completions). */
  tail: string;
  /** Prefix of the usage chunk up to and including "usage":. */
  usageHead: string;
  /** Chat only: the role chunk sent before the first token. */
  roleChunk: string;
}

function envelope(id: string, object: string, created: number, model: string): string {
  return `{"id":${JSON.stringify(id)},"object":"${object}","created":${created},"model":${JSON.stringify(model)}`;
}

export function completionFormat(id: string, created: number, model: string): StreamFormat {
  const env = envelope(id, 'text_completion', created, model);
  return {
    head: `data: ${env},"choices":[{"index":0,"text":"`,
    mid: '","logprobs":null,"finish_reason":null,"stop_reason":null}],"usage":',
    lastMid: '","logprobs":null,"finish_reason":"',
    tail: '}\n\n',
    usageHead: `data: ${env},"choices":[],"usage":`,
    roleChunk: '',
  };
}

export function chatFormat(id: string, created: number, model: string): StreamFormat {
  const env = envelope(id, 'chat.completion.chunk', created, model);
  return {
    head: `data: ${env},"choices":[{"index":0,"delta":{"content":"`,
    mid: '"},"logprobs":null,"finish_reason":null}]',
    lastMid: '"},"logprobs":null,"finish_reason":"',
    tail: '}\n\n',
    usageHead: `data: ${env},"choices":[],"usage":`,
    roleChunk: `data: ${env},"choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]`,
  };
}

/**
 * One token chunk. Completions always carry "usage" (null, or cumulative with
 * continuous_usage_stats); chat chunks carry it only with continuous_usage_stats.
 */
export function tokenChunk(f: StreamFormat, chat: boolean, word: string, finish: string | null, usage: string | null): string {
  if (finish === null) {
    if (chat) return f.head + word + f.mid + (usage === null ? '' : ',"usage":' + usage) + f.tail;
    return f.head + word + f.mid + (usage === null ? 'null' : usage) + f.tail;
  }
  if (chat) {
    return f.head + word + f.lastMid + finish + '","stop_reason":null}]' + (usage === null ? '' : ',"usage":' + usage) + f.tail;
  }
  return f.head + word + f.lastMid + finish + '","stop_reason":null}],"usage":' + (usage === null ? 'null' : usage) + f.tail;
}

export function roleChunk(f: StreamFormat, usage: string | null): string {
  return f.roleChunk + (usage === null ? '' : ',"usage":' + usage) + f.tail;
}

/** The final usage chunk; vLLM serialises it without null fields, so details appear only when set. */
export function usageChunk(f: StreamFormat, prompt: number, completion: number, cachedTokens = 0): string {
  const details = tokensDetails(cachedTokens);
  const usage = usageJson(prompt, completion);
  return f.usageHead + (details === null ? usage : usage.slice(0, -1) + ',"prompt_tokens_details":' + details + '}') + f.tail;
}

export interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: number };
}

const ERROR_TYPES: Record<number, string> = {
  400: 'BadRequestError',
  404: 'NotFoundError',
  405: 'MethodNotAllowed',
  422: 'UnprocessableEntityError',
  429: 'RateLimitError',
  500: 'InternalServerError',
  503: 'ServiceUnavailableError',
};

export function errorBody(status: number, message: string, param: string | null = null): ErrorBody {
  return { error: { message, type: ERROR_TYPES[status] ?? 'Error', param, code: status } };
}

export function completionResponse(
  id: string,
  created: number,
  model: string,
  text: string,
  finish: string,
  prompt: number,
  completion: number,
  cachedTokens = 0,
): string {
  return (
    envelope(id, 'text_completion', created, model) +
    `,"choices":[{"index":0,"text":${JSON.stringify(text)},"logprobs":null,"finish_reason":"${finish}","stop_reason":null,"prompt_logprobs":null}],` +
    `"usage":{"prompt_tokens":${prompt},"total_tokens":${prompt + completion},"completion_tokens":${completion},"prompt_tokens_details":${tokensDetails(cachedTokens) ?? 'null'}},"kv_transfer_params":null}`
  );
}

export function chatResponse(
  id: string,
  created: number,
  model: string,
  text: string,
  finish: string,
  prompt: number,
  completion: number,
  cachedTokens = 0,
): string {
  return (
    envelope(id, 'chat.completion', created, model) +
    `,"choices":[{"index":0,"message":{"role":"assistant","content":${JSON.stringify(text)},"refusal":null,"annotations":null,"audio":null,"function_call":null,"tool_calls":[],"reasoning_content":null},"logprobs":null,"finish_reason":"${finish}","stop_reason":null}],` +
    `"service_tier":null,"system_fingerprint":null,` +
    `"usage":{"prompt_tokens":${prompt},"total_tokens":${prompt + completion},"completion_tokens":${completion},"prompt_tokens_details":${tokensDetails(cachedTokens) ?? 'null'}},"prompt_logprobs":null,"kv_transfer_params":null}`
  );
}
