// The JSON bodies the client sends, as vLLM's request functions build them:
// completions {model, prompt, max_tokens, stream, stream_options.include_usage, ignore_eos?, ...},
// chat {model, messages, max_completion_tokens, ...}. Built before a point starts, up to a budget of
// bytes; past it each body is built as its request is sent, so memory does not grow with num-prompts.
import type { RequestSpec } from './client.js';
import type { DatasetEntry, EntryList } from './datasets.js';
import { chatMessages } from './datasets.js';

export interface BodyOptions {
  endpoint: 'completions' | 'chat';
  model: string;
  stream: boolean;
  ignoreEos: boolean;
  temperature?: number | undefined;
  topP?: number | undefined;
  extraBody?: Record<string, unknown> | undefined;
}

export function requestBody(e: DatasetEntry, o: BodyOptions): string {
  const body: Record<string, unknown> = { model: o.model };
  if (o.endpoint === 'chat') {
    body.messages = e.messages ?? chatMessages(typeof e.prompt === 'string' ? e.prompt : e.prompt.join(' '));
    body.max_completion_tokens = e.outputLen;
  } else {
    body.prompt = e.prompt;
    body.max_tokens = e.outputLen;
  }
  body.stream = o.stream;
  if (o.stream) body.stream_options = { include_usage: true };
  if (o.ignoreEos) body.ignore_eos = true;
  if (o.temperature !== undefined) body.temperature = o.temperature;
  if (o.topP !== undefined) body.top_p = o.topP;
  if (o.extraBody) Object.assign(body, o.extraBody);
  return JSON.stringify(body);
}

export function endpointPath(endpoint: 'completions' | 'chat'): string {
  return endpoint === 'chat' ? '/v1/chat/completions' : '/v1/completions';
}

/** Request specs by index: an array, or a list that makes each spec when asked. */
export interface SpecList {
  readonly length: number;
  at(index: number): RequestSpec | undefined;
}

/**
 * Bodies built ahead of a point, at most: 64 MiB holds a default run (1,000 random prompts of 1,024
 * tokens are ~5 MiB) many times over; past it a body costs a few microseconds as it is sent.
 */
export const PREBUILT_BODY_BYTES = 64 * 1024 * 1024;

/** The specs of every entry: the first ones built now (up to `budgetBytes` of bodies), the rest when asked. */
export function requestSpecs(entries: EntryList, o: BodyOptions, budgetBytes = PREBUILT_BODY_BYTES): SpecList {
  const built: RequestSpec[] = [];
  let bytes = 0;
  while (built.length < entries.length && bytes < budgetBytes) {
    const spec = eagerSpec(entries.at(built.length)!, built.length, o);
    bytes += spec.body.length;
    built.push(spec);
  }
  if (built.length === entries.length) return built;
  return {
    length: entries.length,
    at: (i) => (i < built.length ? built[i] : i < entries.length && i >= 0 ? lazySpec(entries.at(i)!, i, o) : undefined),
  };
}

/** The first `n` specs of a list. */
export function firstSpecs(specs: SpecList, n: number): SpecList {
  const length = Math.min(n, specs.length);
  return { length, at: (i) => (i < length ? specs.at(i) : undefined) };
}

function eagerSpec(e: DatasetEntry, i: number, o: BodyOptions): RequestSpec {
  return { body: Buffer.from(requestBody(e, o)), datasetIndex: i, intendedPromptTokens: e.intendedPromptTokens, maxTokens: e.outputLen };
}

/** A spec whose body is built the first time it is read (when the request is written), then kept. */
function lazySpec(e: DatasetEntry, i: number, o: BodyOptions): RequestSpec {
  let body: Buffer | undefined;
  return {
    get body() {
      return (body ??= Buffer.from(requestBody(e, o)));
    },
    datasetIndex: i,
    intendedPromptTokens: e.intendedPromptTokens,
    maxTokens: e.outputLen,
  };
}
