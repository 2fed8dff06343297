// The built-in presets: what each one expands to, and which user report (seed) it reproduces.
// docs/presets.md explains every choice made here; keep the two in step.
import type { LatencySuite, ServingSuite, ThroughputSuite } from './schema-types.gen.js';
import type { ExpandedSuite } from './presets-overrides.js';

export type PresetName = 'vllm-nightly' | 'concurrency-sweep' | 'max-throughput' | 'min-latency' | 'chat-client' | 'prefix-cache';

export interface PresetInput {
  /** Name of the single suite, or the prefix of several (`<base>-serving`, ...). */
  base: string;
  /** ShareGPT file, for presets that need one (already located and checked). */
  sharegptPath?: string;
}

export interface PresetDefinition {
  /** One line for `config --expand` and the docs. */
  summary: string;
  /** The user report it reproduces. */
  seed: string;
  needsShareGPT: boolean;
  build(input: PresetInput): ExpandedSuite[];
  /** Tolerances of metrics the preset gates beyond the defaults, for each of its suites. */
  thresholds?: Record<string, string>;
}

/** vLLM's nightly suite (.buildkite/performance-benchmarks in vLLM's repository: its descriptions and CI suite files). */
function vllmNightly({ base, sharegptPath }: PresetInput): ExpandedSuite[] {
  const path = sharegptPath ?? 'ShareGPT_V3_unfiltered_cleaned_split.json';
  const serving: ServingSuite = {
    name: `${base}-serving`,
    kind: 'serving',
    endpoint: 'completions', // backend "vllm" in serving-tests.json
    dataset: { type: 'sharegpt', path, 'num-prompts': 200, seed: 0 },
    'request-rates': [1, 4, 16, 'inf'],
    burstiness: 1, // Poisson
    seed: 0,
    temperature: 0, // the CI client sends greedy requests
  };
  const latency: LatencySuite = {
    name: `${base}-latency`,
    kind: 'latency',
    args: { 'input-len': 32, 'output-len': 128, 'batch-size': 8, 'num-iters-warmup': 5, 'num-iters': 15 },
  };
  const throughput: ThroughputSuite = {
    name: `${base}-throughput`,
    kind: 'throughput',
    args: { 'dataset-name': 'sharegpt', 'dataset-path': path, 'num-prompts': 200, backend: 'vllm', seed: 0 },
  };
  return [serving, latency, throughput];
}

/** A `vllm bench serve` concurrency sweep: closed loop at fixed max-concurrency, 256 in / 128 out, seed 42. */
function concurrencySweep({ base }: PresetInput): ExpandedSuite[] {
  return [
    {
      name: base,
      kind: 'serving',
      endpoint: 'completions',
      dataset: { type: 'random', 'input-len': 256, 'output-len': 128, seed: 42 },
      concurrency: [1, 2, 4, 8, 16, 32],
      'prompts-per-concurrency': 10,
      'ignore-eos': true,
      seed: 42,
    },
  ];
}

/** genai-bench's "max throughput": saturate the server with a closed loop and read output tok/s. */
function maxThroughput({ base }: PresetInput): ExpandedSuite[] {
  return [
    {
      name: base,
      kind: 'serving',
      endpoint: 'completions',
      dataset: { type: 'random', 'input-len': 128, 'output-len': 256, seed: 0 },
      concurrency: [64, 128, 256],
      'prompts-per-concurrency': 4,
      'ignore-eos': true,
      seed: 0,
    },
  ];
}

/** genai-bench's "min latency": two requests in flight, a handful of requests, end-to-end latency. */
function minLatency({ base }: PresetInput): ExpandedSuite[] {
  return [
    {
      name: base,
      kind: 'serving',
      endpoint: 'completions',
      dataset: { type: 'random', 'input-len': 128, 'output-len': 256, seed: 0 },
      concurrency: [2],
      'prompts-per-concurrency': 5,
      warmup: 2,
      'ignore-eos': true,
      seed: 0,
    },
  ];
}

/** A hand-rolled chat client, fixed short prompt, non-streaming, concurrency 1/4/16. */
function chatClient({ base }: PresetInput): ExpandedSuite[] {
  return [
    {
      name: base,
      kind: 'serving',
      endpoint: 'chat',
      stream: false,
      dataset: { type: 'fixed', prompt: 'Explain KV caching in two sentences.', 'max-tokens': 128 },
      concurrency: [1, 4, 16],
      'prompts-per-concurrency': 5,
      temperature: 0.7,
      'top-p': 0.8,
    },
  ];
}

/**
 * Shared prefixes, as a chat service's system prompts: vLLM's prefix_repetition workload (4 prefixes
 * of 512 tokens, 32-token suffixes) at concurrency 1, 4 and 16, the prefix cache emptied before each
 * point. Where the prefix cache works, most of each prompt is a hit and TTFT is a fraction of that
 * of unshared prompts; a regression in it moves TTFT and prefix_cache_hit_rate together.
 */
function prefixCache({ base }: PresetInput): ExpandedSuite[] {
  return [
    {
      name: base,
      kind: 'serving',
      endpoint: 'completions',
      dataset: {
        type: 'prefix-repetition',
        'prefix-len': 512,
        'suffix-len': 32,
        'num-prefixes': 4,
        'output-len': 64,
        'num-prompts': 64,
        seed: 0,
      },
      concurrency: [1, 4, 16],
      'reset-prefix-cache': 'always',
      'ignore-eos': true,
      seed: 0,
    },
  ];
}

export const PRESETS: Record<PresetName, PresetDefinition> = {
  'vllm-nightly': {
    summary:
      'serving at QPS 1, 4, 16, inf on 200 ShareGPT prompts (Poisson, seed 0); offline latency 32 in / 128 out, batch 8; offline throughput on 200 ShareGPT prompts',
    seed: '001',
    needsShareGPT: true,
    build: vllmNightly,
  },
  'concurrency-sweep': {
    summary:
      'closed loop at concurrency 1, 2, 4, 8, 16, 32; random 256 in / 128 out, ignore-eos, seed 42; 10 requests per concurrency level',
    seed: '003',
    needsShareGPT: false,
    build: concurrencySweep,
  },
  'max-throughput': {
    summary:
      'closed loop at concurrency 64, 128, 256; random 128 in / 256 out, ignore-eos; 4 requests per concurrency level; read output tok/s',
    seed: '002',
    needsShareGPT: false,
    build: maxThroughput,
  },
  'min-latency': {
    summary: 'closed loop at concurrency 2; random 128 in / 256 out, ignore-eos; 10 requests after 2 warm-up requests; read E2E latency',
    seed: '002',
    needsShareGPT: false,
    build: minLatency,
  },
  'chat-client': {
    summary:
      'chat endpoint, non-streaming, one fixed short prompt, max_tokens 128, temperature 0.7, top_p 0.8; concurrency 1, 4, 16 with 5 requests per concurrency level',
    seed: '000',
    needsShareGPT: false,
    build: chatClient,
  },
  'prefix-cache': {
    summary:
      'closed loop at concurrency 1, 4, 16; 64 prompts sharing 4 prefixes of 512 tokens, 32-token suffixes, 64 output tokens (prefix-repetition, seed 0); prefix cache reset before each point; read TTFT and prefix_cache_hit_rate',
    seed: '000',
    needsShareGPT: false,
    build: prefixCache,
    // The hit rate is what the workload exists for: observed by default elsewhere, gated here.
    thresholds: { prefix_cache_hit_rate: '-10%' },
  },
};

export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];
