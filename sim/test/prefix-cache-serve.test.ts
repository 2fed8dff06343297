// vllm-sim's prefix cache over real HTTP: hit rate from vLLM's counters, TTFT, eviction inside the
// KV capacity, POST /reset_prefix_cache (dev mode) and usage.prompt_tokens_details.cached_tokens.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simJs, startSim, type RunningSim } from '../../test/support/sim.js';
import { Rng } from '../rng.js';
import { post, sseData, waitFor } from './helpers.js';

/** A word of three random letters after a space: exactly one token of the simulator's tokenizer. */
function words(rng: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += ' ' + String.fromCharCode(97 + rng.int(26), 97 + rng.int(26), 97 + rng.int(26));
  return s;
}

async function counters(sim: RunningSim): Promise<{ queries: number; hits: number }> {
  const text = await (await fetch(`${sim.url}/metrics`)).text();
  const value = (name: string): number => Number(new RegExp(`^${name}\\{[^}]*\\} (\\S+)$`, 'm').exec(text)![1]);
  return { queries: value('vllm:prefix_cache_queries_total'), hits: value('vllm:prefix_cache_hits_total') };
}

interface Usage {
  prompt_tokens: number;
  prompt_tokens_details?: { cached_tokens: number } | null;
}

/** A streamed completion: client-side TTFT (ms, to the first token chunk) and the final usage. */
async function streamed(sim: RunningSim, prompt: string | number[], maxTokens = 2): Promise<{ ttftMs: number; usage: Usage }> {
  const t0 = performance.now();
  const res = await post(`${sim.url}/v1/completions`, {
    prompt,
    max_tokens: maxTokens,
    ignore_eos: true,
    stream: true,
    stream_options: { include_usage: true },
  });
  const reader = res.body!.getReader();
  let body = '';
  let ttftMs = -1;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    body += Buffer.from(value).toString();
    if (ttftMs < 0 && body.includes('data: {')) ttftMs = performance.now() - t0;
  }
  const chunks = sseData(body)
    .filter((d) => d !== '[DONE]')
    .map((d) => JSON.parse(d) as { choices: unknown[]; usage: Usage | null });
  return { ttftMs, usage: chunks.find((c) => c.choices.length === 0)!.usage! };
}

async function unstreamed(sim: RunningSim, prompt: string | number[]): Promise<Usage> {
  const res = await post(`${sim.url}/v1/completions`, { prompt, max_tokens: 1, ignore_eos: true });
  return ((await res.json()) as { usage: Usage }).usage;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ids = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => from + i);

/**
 * The workload of the issue: 4 shared prefixes of 512 tokens, each prompt one of them plus its own
 * 32-token suffix, next to random prompts of the same 544 tokens. Requests go one at a time.
 */
async function prefixVersusRandom(
  sim: RunningSim,
): Promise<{ hitRate: number; queries: number; hits: number; prefixTtft: number; randomTtft: number }> {
  const rng = new Rng(7);
  const prefixes = Array.from({ length: 4 }, () => words(rng, 512));
  const before = await counters(sim);
  const prefixTtft: number[] = [];
  for (let i = 0; i < 24; i++) prefixTtft.push((await streamed(sim, prefixes[i % 4]! + words(rng, 32))).ttftMs);
  const after = await counters(sim);
  const randomTtft: number[] = [];
  for (let i = 0; i < 24; i++) randomTtft.push((await streamed(sim, words(rng, 544))).ttftMs);
  const queries = after.queries - before.queries;
  const hits = after.hits - before.hits;
  return { hitRate: queries === 0 ? 0 : hits / queries, queries, hits, prefixTtft: median(prefixTtft), randomTtft: median(randomTtft) };
}

// A profile whose prefill is costly enough to see: 40 us per prompt token.
const PREFILL_HEAVY = ['--sim-profile', 'rtx5090-qwen2.5-7b', '--sim-seed', '1'];

describe('a shared-prefix workload (4 prefixes of 512 tokens, 32-token suffixes)', () => {
  it('hits the prefix cache (hit rate from the counters over 0.5) and gets its first token sooner than random prompts of the same length', async () => {
    const sim = await startSim(PREFILL_HEAVY);
    try {
      const r = await prefixVersusRandom(sim);
      // 20 of 24 requests find their 512-token prefix: 20 x 512 / (24 x 544).
      expect(r.hits).toBe(20 * 512);
      expect(r.queries).toBe(24 * 544);
      expect(r.hitRate).toBeGreaterThan(0.5);
      expect(r.prefixTtft).toBeLessThan(0.6 * r.randomTtft);
      expect(await (await fetch(`${sim.url}/metrics`)).text()).toContain('enable_prefix_caching="True"');
    } finally {
      await sim.stop();
    }
  });

  it('with --no-enable-prefix-caching hits nothing: both counters stay 0 (vLLM skips the lookup) and TTFT is that of random prompts', async () => {
    const sim = await startSim([...PREFILL_HEAVY, '--no-enable-prefix-caching']);
    try {
      const r = await prefixVersusRandom(sim);
      expect([r.hits, r.queries, r.hitRate]).toEqual([0, 0, 0]);
      expect(r.prefixTtft).toBeGreaterThan(0.8 * r.randomTtft);
      expect(await (await fetch(`${sim.url}/metrics`)).text()).toContain('enable_prefix_caching="False"');
    } finally {
      await sim.stop();
    }
  });
});

describe('eviction inside a small KV cache (64 blocks of 16 tokens)', () => {
  let sim: RunningSim;
  beforeAll(async () => {
    sim = await startSim(['--num-gpu-blocks-override', '64', '--max-model-len', '1024', '--enable-prompt-tokens-details']);
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('keeps the prefix used most recently and evicts the one freed longest ago when a long prompt needs the room', async () => {
    const a = ids(1000, 320); // 20 blocks
    const b = ids(2000, 320); // 20 blocks
    const c = ids(3000, 720); // 45 blocks: the 23 never used, then the oldest freed
    const cached = async (p: number[]): Promise<number> => (await unstreamed(sim, p)).prompt_tokens_details?.cached_tokens ?? 0;
    expect(await cached(a)).toBe(0);
    expect(await cached(b)).toBe(0);
    // A is found again (all but its last block, which is recomputed for the logits): A is now
    // the most recently used, B the least.
    expect(await cached(a)).toBe(304);
    expect(await cached(c)).toBe(0);
    expect(await cached(a)).toBe(304);
    expect(await cached(b)).toBe(0);
  });
});

describe('POST /reset_prefix_cache', () => {
  it('is not served without VLLM_SERVER_DEV_MODE (404, as vLLM outside dev mode)', async () => {
    const sim = await startSim();
    try {
      const res = await fetch(`${sim.url}/reset_prefix_cache`, { method: 'POST' });
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ detail: 'Not Found' });
    } finally {
      await sim.stop();
    }
  });

  it('fails start-up on a VLLM_SERVER_DEV_MODE that is not an integer, as vLLM reads it with int()', () => {
    const r = spawnSync(process.execPath, [simJs(), 'serve', 'm', '--port', '0', '--sim-startup-s', '0'], {
      encoding: 'utf8',
      timeout: 20_000,
      env: { ...process.env, VLLM_SERVER_DEV_MODE: 'yes' },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("invalid literal for int() with base 10: 'yes'");
  });

  describe('with VLLM_SERVER_DEV_MODE=1', () => {
    let sim: RunningSim;
    beforeAll(async () => {
      process.env.VLLM_SERVER_DEV_MODE = '1';
      try {
        sim = await startSim(['--enable-prompt-tokens-details']);
      } finally {
        delete process.env.VLLM_SERVER_DEV_MODE;
      }
    });
    afterAll(async () => {
      await sim?.stop();
    });
    const prompt = ids(500, 100);

    it('lists the route at start-up with vLLM security warning', () => {
      expect(sim.log()).toContain('Route: /reset_prefix_cache, Methods: POST');
      expect(sim.log()).toContain('SECURITY WARNING: Development endpoints are enabled!');
    });

    it('empties the cache: 200 with an empty body, and the next request finds nothing', async () => {
      await unstreamed(sim, prompt);
      expect((await unstreamed(sim, prompt)).prompt_tokens_details?.cached_tokens).toBe(96);
      const res = await fetch(`${sim.url}/reset_prefix_cache`, { method: 'POST' });
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('');
      const before = await counters(sim);
      expect((await unstreamed(sim, prompt)).prompt_tokens_details ?? null).toBeNull();
      const after = await counters(sim);
      expect([after.queries - before.queries, after.hits - before.hits]).toEqual([100, 0]);
    });

    it('is refused while a request holds KV blocks: still 200 (vLLM does not check), the refusal is in the log, the cache stays', async () => {
      await unstreamed(sim, prompt);
      const running = streamed(sim, ids(9000, 40), 400);
      await waitFor(
        async () => ((await (await fetch(`${sim.url}/load`)).json()) as { server_load: number }).server_load > 0 || undefined,
        'a running request',
      );
      const res = await fetch(`${sim.url}/reset_prefix_cache`, { method: 'POST' });
      expect(res.status).toBe(200);
      await waitFor(
        () => (sim.log().includes('Failed to reset prefix cache because some blocks') ? true : undefined),
        'the refusal in the log',
      );
      await running;
      expect((await unstreamed(sim, prompt)).prompt_tokens_details?.cached_tokens).toBe(96);
    });
  });
});

describe('usage.prompt_tokens_details.cached_tokens', () => {
  const prompt = ids(700, 50);

  it('appears with --enable-prompt-tokens-details when the cache supplied tokens, streamed and not, completions and chat', async () => {
    const sim = await startSim(['--enable-prompt-tokens-details']);
    try {
      // A miss: nothing cached, so vLLM leaves the details out (null in a response, absent in a stream).
      expect((await unstreamed(sim, prompt)).prompt_tokens_details).toBeNull();
      expect((await unstreamed(sim, prompt)).prompt_tokens_details).toEqual({ cached_tokens: 48 });
      expect((await streamed(sim, prompt)).usage.prompt_tokens_details).toEqual({ cached_tokens: 48 });
      const messages = [{ role: 'user', content: 'Tell me about the sea and the sky and the sun, please, in a few words.' }];
      const chat = async (): Promise<Usage> =>
        ((await (await post(`${sim.url}/v1/chat/completions`, { messages, max_tokens: 1 })).json()) as { usage: Usage }).usage;
      const first = await chat();
      expect(first.prompt_tokens_details).toBeNull();
      const second = await chat();
      expect(second.prompt_tokens_details!.cached_tokens).toBe(Math.floor((second.prompt_tokens - 1) / 16) * 16);
    } finally {
      await sim.stop();
    }
  });

  it('never appears without the flag, even on a hit', async () => {
    const sim = await startSim();
    try {
      const before = await counters(sim);
      await unstreamed(sim, prompt);
      expect((await unstreamed(sim, prompt)).prompt_tokens_details).toBeNull();
      const s = await streamed(sim, prompt);
      expect(s.usage).not.toHaveProperty('prompt_tokens_details');
      const after = await counters(sim);
      expect(after.hits - before.hits).toBe(96);
    } finally {
      await sim.stop();
    }
  });
});
