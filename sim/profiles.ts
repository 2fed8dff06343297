// Performance profiles: the parameters of the continuous-batching model, per GPU and model.
// Built-ins are calibrated against published user reports; users may pass a JSON file with the same
// keys (missing keys are taken from the default profile).
import { readFileSync } from 'node:fs';

export interface Profile {
  name: string;
  description: string;
  /** Fixed cost of one engine step (kernel launches, sampling, scheduling), seconds. */
  step_base_s: number;
  /** Cost per sequence in the step's batch, seconds. */
  step_per_seq_s: number;
  /** Cost per prefill token scheduled in the step, seconds. */
  step_per_prefill_token_s: number;
  /** Cost per context token (KV read by attention) of the batch, seconds. */
  step_per_context_token_s: number;
  /** Front-end time from HTTP arrival until the engine can schedule the request, seconds. */
  frontend_base_s: number;
  /** Extra front-end time per request in flight (API server CPU under load), seconds. */
  frontend_per_inflight_s: number;
  /** Exponent of the in-flight count in the front-end delay: per_inflight x n^exp (1 = linear). */
  frontend_inflight_exp: number;
  /** Jitter of the front-end delay (coefficient of variation, log-normal). */
  frontend_cv: number;
  max_num_seqs: number;
  max_num_batched_tokens: number;
  max_model_len: number;
  /** KV cache capacity in tokens at gpu_memory_utilization. */
  kv_cache_tokens: number;
  gpu_memory_utilization: number;
  block_size: number;
  /** Per generated token chance that the model ends (EOS) when ignore_eos is false. */
  eos_hazard: number;
  /** Default per-step jitter (coefficient of variation), overridden by --sim-noise-cv. */
  noise_cv: number;
}

const DEFAULT: Profile = {
  name: 'sim-fast',
  description: 'Default: a small fast model, 2 ms steps, no front-end delay; for tests and dry runs.',
  step_base_s: 0.002,
  step_per_seq_s: 0.00001,
  step_per_prefill_token_s: 0.000002,
  step_per_context_token_s: 0,
  frontend_base_s: 0,
  frontend_per_inflight_s: 0,
  frontend_inflight_exp: 1,
  frontend_cv: 0,
  max_num_seqs: 256,
  max_num_batched_tokens: 2048,
  max_model_len: 4096,
  kv_cache_tokens: 262_144,
  gpu_memory_utilization: 0.9,
  block_size: 16,
  eos_hazard: 0.001,
  noise_cv: 0,
};

export const PROFILES: Record<string, Profile> = {
  'sim-fast': DEFAULT,
  'l4-qwen2.5-0.5b': {
    ...DEFAULT,
    name: 'l4-qwen2.5-0.5b',
    description:
      'Qwen2.5-0.5B-Instruct on one NVIDIA L4, vLLM 0.23 V1, --gpu-memory-utilization 0.6 --max-model-len 8192 (calibrated to a published 256-in/128-out concurrency sweep).',
    step_base_s: 0.00505,
    step_per_seq_s: 0.000066,
    step_per_prefill_token_s: 0.000012,
    step_per_context_token_s: 0,
    // The API server's delay grows like the square root of the requests in flight: the calibration
    // sweep's TTFT rises 10.8, 23, 34, 77, 108 ms from concurrency 1 to 2..32, i.e. ~23 ms x (sqrt(n) - 1).
    frontend_base_s: 0.002,
    frontend_per_inflight_s: 0.02,
    frontend_inflight_exp: 0.55,
    frontend_cv: 0.4,
    max_num_seqs: 256,
    max_num_batched_tokens: 2048,
    max_model_len: 8192,
    kv_cache_tokens: 1_040_000,
    gpu_memory_utilization: 0.6,
    eos_hazard: 0.002,
    noise_cv: 0.12,
  },
  'rtx5090-qwen2.5-7b': {
    ...DEFAULT,
    name: 'rtx5090-qwen2.5-7b',
    description: 'Qwen2.5-7B-Instruct (BF16) on one RTX 5090, vLLM V1 defaults (calibrated to a published chat-client report).',
    step_base_s: 0.0102,
    step_per_seq_s: 0.000093,
    step_per_prefill_token_s: 0.00004,
    step_per_context_token_s: 0,
    frontend_base_s: 0.003,
    frontend_per_inflight_s: 0.0002,
    max_num_seqs: 256,
    max_num_batched_tokens: 2048,
    max_model_len: 32768,
    kv_cache_tokens: 210_000,
    gpu_memory_utilization: 0.9,
    eos_hazard: 0.0002,
    noise_cv: 0.01,
  },
};

export const DEFAULT_PROFILE = DEFAULT.name;

const NUMERIC_KEYS = Object.keys(DEFAULT).filter((k) => typeof (DEFAULT as unknown as Record<string, unknown>)[k] === 'number');

/** A built-in profile by name, or a JSON profile file; throws a readable message otherwise. */
export function loadProfile(nameOrFile: string): Profile {
  const builtin = PROFILES[nameOrFile];
  if (builtin !== undefined) return builtin;
  let text: string;
  try {
    text = readFileSync(nameOrFile, 'utf8');
  } catch {
    throw new Error(`unknown profile '${nameOrFile}': not a built-in (${Object.keys(PROFILES).join(', ')}) nor a readable JSON file`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new Error(`profile file ${nameOrFile} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  return validateProfile(data, nameOrFile);
}

export function validateProfile(data: unknown, where: string): Profile {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new Error(`profile ${where} must be a JSON object`);
  }
  const obj = data as Record<string, unknown>;
  const base: Profile = typeof obj.base === 'string' && PROFILES[obj.base] ? PROFILES[obj.base]! : DEFAULT;
  const out: Record<string, unknown> = {
    ...base,
    name: typeof obj.name === 'string' ? obj.name : where,
    description: typeof obj.description === 'string' ? obj.description : `profile file ${where}`,
  };
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'name' || k === 'description' || k === 'base') continue;
    if (!NUMERIC_KEYS.includes(k)) {
      throw new Error(`profile ${where}: unknown key '${k}' (known: ${NUMERIC_KEYS.join(', ')})`);
    }
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new Error(`profile ${where}: '${k}' must be a non-negative number, got ${JSON.stringify(v)}`);
    }
    out[k] = v;
  }
  return out as unknown as Profile;
}
