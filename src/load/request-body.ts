// The JSON bodies the client sends, as vLLM's request functions build them (research doc §1.3):
// completions {model, prompt, max_tokens, stream, stream_options.include_usage, ignore_eos?, ...},
// chat {model, messages, max_completion_tokens, ...}. Built once per request before a point starts.
import type { DatasetEntry } from './datasets.js';
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
    body.messages = chatMessages(typeof e.prompt === 'string' ? e.prompt : e.prompt.join(' '));
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
