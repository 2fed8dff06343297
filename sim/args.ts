// Command-line parsing in argparse's manner: `--flag value`, `--flag=value`, boolean flags, and
// errors worded like argparse's. Flags a command does not know are collected (with their value,
// if one follows) so `serve` can accept every other `vllm serve` flag and name it as ignored.
import { parseFault, type FaultSpec } from './faults.js';
import { loadProfile, DEFAULT_PROFILE, type Profile } from './profiles.js';

export class UsageError extends Error {}

type Kind = 'int' | 'float' | 'str' | 'bool' | 'strs' | 'repeat' | 'size';
interface FlagSpec {
  kind: Kind;
  min?: number;
  max?: number;
  /** Exclusive lower bound. */
  above?: number;
}

export interface Parsed {
  positionals: string[];
  values: Map<string, unknown>;
  ignored: string[];
}

export const ENGINE_FLAGS: Record<string, FlagSpec> = {
  model: { kind: 'str' },
  'max-model-len': { kind: 'size', min: 1 },
  'max-num-seqs': { kind: 'int', min: 1 },
  'max-num-batched-tokens': { kind: 'int', min: 1 },
  'gpu-memory-utilization': { kind: 'float', above: 0, max: 1 },
  'tensor-parallel-size': { kind: 'int', min: 1 },
  'enable-chunked-prefill': { kind: 'bool' },
  'enable-prefix-caching': { kind: 'bool' },
  'num-gpu-blocks-override': { kind: 'int', min: 1 },
  'block-size': { kind: 'int', min: 1 },
  'sim-profile': { kind: 'str' },
  'sim-seed': { kind: 'int', min: 0 },
  'sim-time-scale': { kind: 'float', above: 0 },
  'sim-slowdown': { kind: 'float', above: 0 },
  'sim-noise-cv': { kind: 'float', min: 0 },
  'sim-run-cv': { kind: 'float', min: 0 },
  'sim-startup-s': { kind: 'float', min: 0 },
  'sim-fault': { kind: 'repeat' },
  'sim-trace': { kind: 'str' },
};

export const SERVE_FLAGS: Record<string, FlagSpec> = {
  ...ENGINE_FLAGS,
  host: { kind: 'str' },
  port: { kind: 'int', min: 0, max: 65535 },
  'served-model-name': { kind: 'strs' },
  'enable-force-include-usage': { kind: 'bool' },
  'enable-prompt-tokens-details': { kind: 'bool' },
  'disable-log-stats': { kind: 'bool' },
};

export const LATENCY_FLAGS: Record<string, FlagSpec> = {
  ...ENGINE_FLAGS,
  'input-len': { kind: 'int', min: 1 },
  'output-len': { kind: 'int', min: 1 },
  'batch-size': { kind: 'int', min: 1 },
  'num-iters-warmup': { kind: 'int', min: 0 },
  'num-iters': { kind: 'int', min: 1 },
  'output-json': { kind: 'str' },
};

export const THROUGHPUT_FLAGS: Record<string, FlagSpec> = {
  ...ENGINE_FLAGS,
  'input-len': { kind: 'int', min: 1 },
  'output-len': { kind: 'int', min: 1 },
  'num-prompts': { kind: 'int', min: 1 },
  'dataset-path': { kind: 'str' },
  dataset: { kind: 'str' },
  'dataset-name': { kind: 'str' },
  'output-json': { kind: 'str' },
};

const ALIASES: Record<string, string> = { tp: 'tensor-parallel-size', q: 'quantization' };
/** vLLM flags that take no value, so an unknown-but-known one never swallows the next word. */
const VLLM_BOOL_FLAGS = new Set([
  'trust-remote-code',
  'enforce-eager',
  'disable-log-requests',
  'enable-log-requests',
  'enable-log-outputs',
  'enable-auto-tool-choice',
  'disable-custom-all-reduce',
  'enable-lora',
  'enable-expert-parallel',
  'async-scheduling',
  'disable-frontend-multiprocessing',
  'enable-sleep-mode',
  'disable-sliding-window',
  'skip-tokenizer-init',
  'enable-server-load-tracking',
  'disable-fastapi-docs',
  'enable-request-id-headers',
  'use-tqdm-on-load',
  'disable-uvicorn-access-log',
  'return-tokens-as-token-ids',
  'disable-async-output-proc',
  'headless',
  'enable-tokenizer-info-endpoint',
  'disable-cascade-attn',
  'enable-dbo',
  'enable-eplb',
  'disable-detokenize',
  'async-engine',
  'profile',
  'use-beam-search',
]);

const SIZE_SUFFIX: Record<string, number> = { k: 1e3, m: 1e6, g: 1e9, K: 1024, M: 1024 ** 2, G: 1024 ** 3 };
const BOOL_WORDS: Record<string, boolean> = { true: true, false: false, True: true, False: false, '1': true, '0': false };

function convert(name: string, spec: FlagSpec, raw: string): unknown {
  if (spec.kind === 'str' || spec.kind === 'repeat' || spec.kind === 'strs') return raw;
  if (spec.kind === 'bool') {
    const b = BOOL_WORDS[raw];
    if (b === undefined) throw new UsageError(`argument --${name}: expected true or false, got '${raw}'`);
    return b;
  }
  let text = raw.trim();
  let mult = 1;
  // Like vLLM's --max-model-len: 1k = 1000, 1K = 1024 (also m/M, g/G).
  const suffix = spec.kind === 'size' ? SIZE_SUFFIX[text.slice(-1)] : undefined;
  if (suffix !== undefined) {
    mult = suffix;
    text = text.slice(0, -1);
  }
  const n = Math.round(Number(text) * mult * 1e6) / 1e6;
  const integral = spec.kind === 'int' || spec.kind === 'size';
  if (text === '' || !Number.isFinite(n) || (integral && !Number.isInteger(n))) {
    throw new UsageError(`argument --${name}: invalid ${integral ? 'int' : spec.kind} value: '${raw}'`);
  }
  if (spec.min !== undefined && n < spec.min) throw new UsageError(`argument --${name}: must be >= ${spec.min}, got ${raw}`);
  if (spec.max !== undefined && n > spec.max) throw new UsageError(`argument --${name}: must be <= ${spec.max}, got ${raw}`);
  if (spec.above !== undefined && n <= spec.above) throw new UsageError(`argument --${name}: must be > ${spec.above}, got ${raw}`);
  return n;
}

function isFlag(tok: string | undefined): boolean {
  return tok !== undefined && tok.startsWith('-') && tok.length > 1 && Number.isNaN(Number(tok));
}

export function parseArgs(argv: readonly string[], specs: Record<string, FlagSpec>): Parsed {
  const out: Parsed = { positionals: [], values: new Map(), ignored: [] };
  for (let i = 0; i < argv.length; i++) {
    const tok = argv[i]!;
    if (!isFlag(tok)) {
      out.positionals.push(tok);
      continue;
    }
    const eq = tok.indexOf('=');
    let name = (eq >= 0 ? tok.slice(0, eq) : tok).replace(/^--?/, '').replace(/_/g, '-');
    name = ALIASES[name] ?? name;
    let inline = eq >= 0 ? tok.slice(eq + 1) : undefined;
    let negated = false;
    if (!(name in specs) && name.startsWith('no-') && specs[name.slice(3)]?.kind === 'bool') {
      name = name.slice(3);
      negated = true;
    }
    const spec = specs[name];
    if (spec === undefined) {
      // Unknown: accepted and ignored, with its value if one follows.
      if (inline === undefined && !VLLM_BOOL_FLAGS.has(name) && argv[i + 1] !== undefined && !isFlag(argv[i + 1])) {
        out.ignored.push(`--${name} ${argv[i + 1]}`);
        i++;
      } else {
        out.ignored.push(inline === undefined ? `--${name}` : `--${name}=${inline}`);
      }
      continue;
    }
    if (spec.kind === 'bool') {
      let v = true;
      if (inline !== undefined) v = convert(name, spec, inline) as boolean;
      else if (argv[i + 1] !== undefined && argv[i + 1]! in BOOL_WORDS) v = convert(name, spec, argv[++i]!) as boolean;
      out.values.set(name, negated ? !v : v);
      continue;
    }
    if (spec.kind === 'strs') {
      const vals: string[] = [];
      if (inline !== undefined) vals.push(inline);
      else while (argv[i + 1] !== undefined && !isFlag(argv[i + 1])) vals.push(argv[++i]!);
      if (vals.length === 0) throw new UsageError(`argument --${name}: expected at least one argument`);
      out.values.set(name, vals);
      continue;
    }
    if (inline === undefined) {
      const next = argv[i + 1];
      if (next === undefined || isFlag(next)) throw new UsageError(`argument --${name}: expected one argument`);
      inline = next;
      i++;
    }
    const v = convert(name, spec, inline);
    if (spec.kind === 'repeat') {
      const list = (out.values.get(name) as unknown[] | undefined) ?? [];
      list.push(v);
      out.values.set(name, list);
    } else {
      out.values.set(name, v);
    }
  }
  return out;
}

/** The simulator knobs shared by serve and the offline benches. */
export interface SimKnobs {
  profile: Profile;
  seed: number;
  /** --sim-seed was given: the run factor repeats too (else it is drawn fresh at each start). */
  seedGiven: boolean;
  timeScale: number;
  slowdown: number;
  noiseCv: number;
  runCv: number;
  startupS: number;
  faults: FaultSpec[];
  trace: string | null;
}

export interface EngineArgs {
  maxModelLen: number;
  maxNumSeqs: number;
  maxNumBatchedTokens: number;
  gpuMemoryUtilization: number;
  tensorParallelSize: number;
  chunkedPrefill: boolean;
  /** On by default, as in vLLM v1. */
  enablePrefixCaching: boolean;
  blockSize: number;
  numGpuBlocks: number;
}

export function simKnobs(p: Parsed): SimKnobs {
  let profile: Profile;
  try {
    profile = loadProfile((p.values.get('sim-profile') as string | undefined) ?? DEFAULT_PROFILE);
  } catch (e) {
    throw new UsageError(`argument --sim-profile: ${(e as Error).message}`);
  }
  const faults: FaultSpec[] = [];
  for (const f of (p.values.get('sim-fault') as string[] | undefined) ?? []) {
    try {
      faults.push(parseFault(f));
    } catch (e) {
      throw new UsageError(`argument --sim-fault: ${(e as Error).message}`);
    }
  }
  return {
    profile,
    seed: (p.values.get('sim-seed') as number | undefined) ?? 0,
    seedGiven: p.values.has('sim-seed'),
    timeScale: (p.values.get('sim-time-scale') as number | undefined) ?? 1,
    slowdown: (p.values.get('sim-slowdown') as number | undefined) ?? 1,
    noiseCv: (p.values.get('sim-noise-cv') as number | undefined) ?? profile.noise_cv,
    runCv: (p.values.get('sim-run-cv') as number | undefined) ?? 0,
    startupS: (p.values.get('sim-startup-s') as number | undefined) ?? 2,
    faults,
    trace: (p.values.get('sim-trace') as string | undefined) ?? null,
  };
}

/** Engine sizes: flags over the profile; the KV capacity follows --gpu-memory-utilization. */
export function engineArgs(p: Parsed, profile: Profile): EngineArgs {
  const get = <T>(k: string): T | undefined => p.values.get(k) as T | undefined;
  const gmu = get<number>('gpu-memory-utilization') ?? profile.gpu_memory_utilization;
  const blockSize = get<number>('block-size') ?? profile.block_size;
  const tp = get<number>('tensor-parallel-size') ?? 1;
  const kvTokens = (profile.kv_cache_tokens * gmu) / profile.gpu_memory_utilization;
  const numGpuBlocks = get<number>('num-gpu-blocks-override') ?? Math.max(1, Math.floor(kvTokens / blockSize));
  return {
    maxModelLen: get<number>('max-model-len') ?? profile.max_model_len,
    maxNumSeqs: get<number>('max-num-seqs') ?? profile.max_num_seqs,
    maxNumBatchedTokens: get<number>('max-num-batched-tokens') ?? profile.max_num_batched_tokens,
    gpuMemoryUtilization: gmu,
    tensorParallelSize: tp,
    chunkedPrefill: get<boolean>('enable-chunked-prefill') ?? true,
    enablePrefixCaching: get<boolean>('enable-prefix-caching') ?? true,
    blockSize,
    numGpuBlocks,
  };
}
