// vllm-sim speaks vLLM's wire format: checked against the reference captures in ../shared/reference.
import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type RunningSim } from '../../test/support/sim.js';
import { post, reference, shape, sseData } from './helpers.js';

const constructed = reference('sse_completions_and_chat_from_source.txt');
const real = reference('sse_completions_real.txt');

/** The data lines of one section of the reference file (between its '# ----' headers). */
function referenceSection(text: string, header: string): unknown[] {
  const start = text.indexOf(header);
  const rest = text.slice(start + header.length);
  const end = rest.indexOf('# ----');
  const section = end >= 0 ? rest.slice(0, end) : rest;
  return section
    .split('\n')
    .filter((l) => l.startsWith('data: '))
    .map((l) => l.slice(6))
    .map((d) => (d === '[DONE]' ? d : JSON.parse(d)));
}

let sim: RunningSim;
let traceFile: string;
beforeAll(async () => {
  traceFile = path.join(mkdtempSync(path.join(tmpdir(), 'sim-wire-')), 'trace.jsonl');
  sim = await startSim(['--served-model-name', 'served-a', 'served-b', '--max-model-len', '512', '--sim-trace', traceFile], {
    model: 'org/base-model',
  });
});
afterAll(async () => {
  await sim?.stop();
});

async function stream(pathname: string, body: unknown): Promise<unknown[]> {
  const res = await post(`${sim.url}${pathname}`, body);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  return sseData(await res.text()).map((d) => (d === '[DONE]' ? d : JSON.parse(d)));
}

describe('streaming completions', () => {
  it.skipIf(constructed === null)(
    'have the reference chunk shapes in the reference order (token chunks, usage chunk, [DONE])',
    async () => {
      const want = referenceSection(constructed!, '---- /v1/completions, stream=true');
      const got = await stream('/v1/completions', {
        model: 'served-a',
        prompt: 'The capital of France is',
        max_tokens: 2,
        ignore_eos: true,
        stream: true,
        stream_options: { include_usage: true },
      });
      expect(got.map(shape)).toEqual(want.map(shape));
      const [first, last, usage] = got as { choices: { finish_reason: string | null }[]; usage: unknown }[];
      expect(first!.choices[0]!.finish_reason).toBeNull();
      expect(first!.usage).toBeNull();
      expect(last!.choices[0]!.finish_reason).toBe('length');
      expect(usage!.choices).toEqual([]);
      expect(got.at(-1)).toBe('[DONE]');
    },
  );

  it.skipIf(real === null)('match the real capture field for field when no usage is asked for', async () => {
    const want = real!
      .split('\n')
      .filter((l) => l.startsWith('data: {'))
      .map((l) => JSON.parse(l.slice(6)));
    const got = await stream('/v1/completions', {
      model: 'served-a',
      prompt: 'San Francisco is a',
      max_tokens: 7,
      ignore_eos: true,
      stream: true,
    });
    expect(got.at(-1)).toBe('[DONE]');
    expect(got.slice(0, -1).map(shape)).toEqual(want.map(shape));
  });

  it('carry cumulative usage on every token chunk with continuous_usage_stats', async () => {
    const got = (await stream('/v1/completions', {
      prompt: 'a b c',
      max_tokens: 3,
      ignore_eos: true,
      stream: true,
      stream_options: { include_usage: true, continuous_usage_stats: true },
    })) as { usage: { completion_tokens: number; prompt_tokens: number } }[];
    expect(got.slice(0, 3).map((c) => c.usage.completion_tokens)).toEqual([1, 2, 3]);
    expect(got[3]!.usage).toEqual({ prompt_tokens: 3, total_tokens: 6, completion_tokens: 3 });
  });

  it('report in usage the prompt token count /tokenize gives and the number of token chunks sent', async () => {
    const prompt = 'Count me: one, two, three, four.';
    const tok = (await (await post(`${sim.url}/tokenize`, { prompt })).json()) as {
      count: number;
      tokens: number[];
      max_model_len: number;
    };
    const got = (await stream('/v1/completions', {
      prompt,
      max_tokens: 9,
      ignore_eos: true,
      stream: true,
      stream_options: { include_usage: true },
    })) as { choices: unknown[]; usage: { prompt_tokens: number; completion_tokens: number } | null }[];
    const tokenChunks = got.filter((c) => typeof c === 'object' && c.choices.length === 1);
    const usage = got.find((c) => typeof c === 'object' && c.choices.length === 0)!.usage!;
    expect(usage.prompt_tokens).toBe(tok.count);
    expect(usage.completion_tokens).toBe(tokenChunks.length);
    expect(tok.max_model_len).toBe(512);
    const detok = (await (await post(`${sim.url}/detokenize`, { tokens: tok.tokens })).json()) as { prompt: string };
    expect(detok.prompt).toBe(prompt);
  });

  it('accept a prompt given as token ids and count them as prompt tokens', async () => {
    const got = (await stream('/v1/completions', {
      prompt: [11, 22, 33, 44, 55],
      max_tokens: 1,
      stream: true,
      stream_options: { include_usage: true },
    })) as { usage: { prompt_tokens: number } | null }[];
    expect(got[1]!.usage!.prompt_tokens).toBe(5);
  });
});

describe('streaming chat completions', () => {
  it.skipIf(constructed === null)('start with the assistant role chunk and follow the reference shapes', async () => {
    const want = referenceSection(constructed!, '---- /v1/chat/completions, stream=true');
    const got = await stream('/v1/chat/completions', {
      model: 'served-b',
      messages: [{ role: 'user', content: 'Capital of France?' }],
      max_tokens: 2,
      ignore_eos: true,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(got.map(shape)).toEqual(want.map(shape));
    expect((got[0] as { choices: { delta: unknown }[] }).choices[0]!.delta).toEqual({ role: 'assistant', content: '' });
  });
});

describe('non-streaming responses', () => {
  it.skipIf(real === null)('have the real capture fields for completions', async () => {
    const line = real!.split('\n').find((l) => l.startsWith('{"id"'))!;
    const res = await post(`${sim.url}/v1/completions`, { prompt: 'San Francisco is a', max_tokens: 5, ignore_eos: true });
    const body = (await res.json()) as { usage: { completion_tokens: number }; choices: { text: string }[] };
    expect(shape(body)).toEqual(shape(JSON.parse(line)));
    expect(body.usage.completion_tokens).toBe(5);
  });

  it('return a chat completion with the assistant message and usage', async () => {
    const res = await post(`${sim.url}/v1/chat/completions`, {
      messages: [{ role: 'user', content: 'hi' }],
      max_completion_tokens: 4,
      ignore_eos: true,
    });
    const body = (await res.json()) as {
      object: string;
      choices: { message: { role: string }; finish_reason: string }[];
      usage: { completion_tokens: number };
    };
    expect(body.object).toBe('chat.completion');
    expect(body.choices[0]!.message.role).toBe('assistant');
    expect(body.choices[0]!.finish_reason).toBe('length');
    expect(body.usage.completion_tokens).toBe(4);
  });
});

describe('errors', () => {
  const errorShape = {
    error: {
      message: expect.any(String),
      type: expect.any(String),
      param: expect.toSatisfy((p: unknown) => p === null || typeof p === 'string'),
      code: expect.any(Number),
    },
  };
  it('answer bad JSON with 400 in vLLM error shape', async () => {
    const res = await fetch(`${sim.url}/v1/completions`, { method: 'POST', body: '{not json' });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body).toEqual(errorShape);
    expect((body as { error: { code: number } }).error.code).toBe(400);
  });
  it('answer prompt + max_tokens over max_model_len with 400', async () => {
    const res = await post(`${sim.url}/v1/completions`, { prompt: 'hello', max_tokens: 600 });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { message: string; type: string } };
    expect(body).toEqual(errorShape);
    expect(body.error.message).toContain('maximum context length is 512 tokens');
    expect(body.error.type).toBe('BadRequestError');
  });
  it('answer an unknown model with 404 NotFoundError', async () => {
    const res = await post(`${sim.url}/v1/chat/completions`, { model: 'nope', messages: [{ role: 'user', content: 'x' }] });
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { type: string; code: number } };
    expect(body).toEqual(errorShape);
    expect(body.error.type).toBe('NotFoundError');
  });
});

describe('service routes', () => {
  it('list every served model name with root and max_model_len', async () => {
    const body = (await (await fetch(`${sim.url}/v1/models`)).json()) as {
      object: string;
      data: { id: string; root: string; max_model_len: number; owned_by: string }[];
    };
    expect(body.object).toBe('list');
    expect(body.data.map((m) => [m.id, m.root, m.max_model_len, m.owned_by])).toEqual([
      ['served-a', 'org/base-model', 512, 'vllm'],
      ['served-b', 'org/base-model', 512, 'vllm'],
    ]);
  });
  it('answer /health and /ping with 200 and an empty body, /version and /load with JSON', async () => {
    for (const p of ['/health', '/ping']) {
      const res = await fetch(`${sim.url}${p}`);
      expect([p, res.status, await res.text()]).toEqual([p, 200, '']);
    }
    expect(await (await fetch(`${sim.url}/version`)).json()).toEqual({ version: expect.any(String) });
    expect(await (await fetch(`${sim.url}/load`)).json()).toEqual({ server_load: 0 });
  });
});

describe('/metrics', () => {
  it('parses as Prometheus text and carries vLLM names with the model_name label and counts that match the traffic', async () => {
    const before = parsePrometheusTextFormat(await (await fetch(`${sim.url}/metrics`)).text());
    const gen0 = Number(before.find((f) => f.name === 'vllm:generation_tokens_total')!.metrics[0]!.value);
    for (let i = 0; i < 3; i++)
      await (await post(`${sim.url}/v1/completions`, { prompt: 'metrics please', max_tokens: 5, ignore_eos: true })).json();
    const res = await fetch(`${sim.url}/metrics`);
    expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    const families = parsePrometheusTextFormat(await res.text());
    const byName = new Map(families.map((f) => [f.name, f]));
    for (const name of [
      'vllm:num_requests_running',
      'vllm:num_requests_waiting',
      'vllm:kv_cache_usage_perc',
      'vllm:prompt_tokens_total',
      'vllm:generation_tokens_total',
      'vllm:num_preemptions_total',
      'vllm:request_success_total',
      'vllm:time_to_first_token_seconds',
      'vllm:inter_token_latency_seconds',
      'vllm:e2e_request_latency_seconds',
      'vllm:request_queue_time_seconds',
      'vllm:cache_config_info',
    ]) {
      expect(byName.has(name), name).toBe(true);
    }
    expect(byName.get('vllm:time_to_first_token_seconds')!.type).toBe('HISTOGRAM');
    expect(byName.get('vllm:num_requests_running')!.metrics[0]!.labels).toEqual({ model_name: 'served-a' });
    expect(Number(byName.get('vllm:generation_tokens_total')!.metrics[0]!.value) - gen0).toBe(15);
    const success = byName.get('vllm:request_success_total')!.metrics.map((m) => m.labels!.finished_reason);
    expect(success).toEqual(expect.arrayContaining(['stop', 'length', 'abort']));
    expect(Object.keys(byName.get('vllm:time_to_first_token_seconds')!.metrics[0]!.buckets!)).toContain('0.04');
  });
});

describe('trace', () => {
  it('writes one JSON line per finished request with the server-side token times', async () => {
    const res = await post(`${sim.url}/v1/completions`, { prompt: 'trace me', max_tokens: 4, ignore_eos: true });
    const body = (await res.json()) as { id: string };
    const long = (await (await post(`${sim.url}/v1/completions`, { prompt: 'pace me', max_tokens: 40, ignore_eos: true })).json()) as {
      id: string;
    };
    const stepErrorP99Ms = ((await (await fetch(`${sim.url}/sim/stats`)).json()) as { step_error_ms: { p99: number } }).step_error_ms.p99;
    await sim.stop();
    const lines = readFileSync(traceFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const mine = lines.find((l) => l.id === body.id)!;
    expect(Object.keys(mine)).toEqual([
      'id',
      'arrival_s',
      'first_token_s',
      'token_times_s',
      'finish_s',
      'prompt_tokens',
      'output_tokens',
      'finish_reason',
      'queued_s',
      'scheduled_s',
      'queue_time_s',
      'prefill_time_s',
      'decode_time_s',
      'inference_time_s',
      'cached_tokens',
      'preemptions',
    ]);
    const times = mine.token_times_s as number[];
    expect(times).toHaveLength(4);
    expect(mine.first_token_s).toBe(times[0]);
    expect(mine.finish_s).toBe(times[3]);
    expect(times[0]!).toBeGreaterThan(mine.arrival_s as number);
    expect([mine.output_tokens, mine.finish_reason]).toEqual([4, 'length']);
    // Steps run against absolute deadlines: alone on sim-fast a decode step is 2 ms + 10 us,
    // and the median gap between a request's tokens is that step.
    const paced = lines.find((l) => l.id === long.id)!.token_times_s as number[];
    const gaps = paced
      .slice(1)
      .map((t, i) => t - paced[i]!)
      .sort((a, b) => a - b);
    // A busy machine fires the sim's timers late; the sim measures that itself (step_error_ms), and
    // only that much is allowed on top.
    expect(Math.abs(gaps[Math.floor(gaps.length / 2)]! * 1000 - 2.01)).toBeLessThan(0.25 + stepErrorP99Ms);
  });
});
