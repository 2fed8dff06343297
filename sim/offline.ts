// Simulated-time drivers of the engine: `vllm-sim bench latency|throughput` (vLLM's offline
// benches, in-process like vLLM's `LLM` class, so no front-end delay) and the closed-loop serving
// simulation used to calibrate profiles. Time here is the model's own clock: no sleeping, results
// are exact and repeatable for a seed.
import { readFileSync } from 'node:fs';
import { ENGINE_FLAGS, engineArgs, parseArgs, type EngineArgs, type SimKnobs } from './args.js';
import { Engine, EngineRequest, targetLength, type EngineObserver } from './engine.js';
import type { Profile } from './profiles.js';
import { mixSeed, streamRng } from './rng.js';
import { engineConfig } from './setup.js';
import { countTokens } from './tokenizer.js';

/** Steps the engine from time t until nothing is left; returns the end time. */
export function runUntilIdle(engine: Engine, t: number): number {
  for (;;) {
    const d = engine.beginStep(t);
    if (d < 0) {
      const next = engine.nextReadyAt();
      if (next === Infinity) return t;
      t = next;
      continue;
    }
    t += d;
    engine.endStep(t);
  }
}

const noop: EngineObserver = { onToken: () => undefined, onFinish: () => undefined };

function offlineEngine(e: EngineArgs, k: SimKnobs, observer: EngineObserver = noop): Engine {
  const { config } = engineConfig(e, k, 1);
  config.frontendBase = 0;
  config.frontendPerInflight = 0;
  return new Engine(config, observer);
}

function percentile(sorted: readonly number[], p: number): number {
  // numpy's default (linear interpolation), as vLLM's np.percentile.
  if (sorted.length === 0) return 0;
  const x = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(x);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (x - lo);
}

export interface LatencyJson {
  avg_latency: number;
  std_latency: number;
  latencies: number[];
  percentiles: Record<'10' | '25' | '50' | '75' | '90' | '99', number>;
}

export function runLatency(
  e: EngineArgs,
  k: SimKnobs,
  o: { inputLen: number; outputLen: number; batchSize: number; warmupIters: number; iters: number },
): LatencyJson {
  const engine = offlineEngine(e, k);
  let t = 0;
  const latencies: number[] = [];
  for (let it = 0; it < o.warmupIters + o.iters; it++) {
    const start = t;
    for (let b = 0; b < o.batchSize; b++) {
      engine.add(new EngineRequest(`lat-${it}-${b}`, o.inputLen, o.outputLen, o.outputLen, start));
    }
    t = runUntilIdle(engine, start);
    if (it >= o.warmupIters) latencies.push(t - start);
  }
  const avg = latencies.reduce((a, b) => a + b, 0) / latencies.length;
  const std = Math.sqrt(latencies.reduce((a, b) => a + (b - avg) ** 2, 0) / latencies.length);
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    avg_latency: avg,
    std_latency: std,
    latencies,
    percentiles: {
      '10': percentile(sorted, 10),
      '25': percentile(sorted, 25),
      '50': percentile(sorted, 50),
      '75': percentile(sorted, 75),
      '90': percentile(sorted, 90),
      '99': percentile(sorted, 99),
    },
  };
}

export interface ThroughputJson {
  elapsed_time: number;
  num_requests: number;
  total_num_tokens: number;
  requests_per_second: number;
  tokens_per_second: number;
}

interface Shape {
  prompt: number;
  output: number;
}

/** ShareGPT entries as vLLM samples them: seeded shuffle, skip too short/long, first N. */
export function sampleShareGpt(path: string, n: number, seed: number, fixedOutput?: number): Shape[] {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`dataset ${path}: ${(e as Error).message}`, { cause: e });
  }
  if (!Array.isArray(data)) throw new Error(`dataset ${path}: expected a ShareGPT JSON list of {conversations: [...]}`);
  const idx = data.map((_, i) => i);
  const rng = streamRng(seed, 'dataset');
  for (let i = idx.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  const out: Shape[] = [];
  for (const i of idx) {
    if (out.length >= n) break;
    const conv = (data[i] as { conversations?: { value?: unknown }[] } | null)?.conversations;
    if (!Array.isArray(conv) || conv.length < 2) continue;
    const prompt = countTokens(String(conv[0]?.value ?? ''));
    const output = fixedOutput ?? countTokens(String(conv[1]?.value ?? ''));
    if (prompt < 4 || output < 4) continue;
    if (prompt > 1024 || prompt + output > 2048) continue;
    out.push({ prompt, output });
  }
  if (out.length === 0) throw new Error(`dataset ${path}: no usable conversations`);
  return out;
}

export function runThroughput(
  e: EngineArgs,
  k: SimKnobs,
  o: { inputLen?: number; outputLen?: number; numPrompts: number; datasetPath?: string },
): { result: ThroughputJson; promptTokens: number; outputTokens: number; outputTokensPerSecond: number } {
  let shapes: Shape[];
  if (o.datasetPath !== undefined) {
    shapes = sampleShareGpt(o.datasetPath, o.numPrompts, k.seed, o.outputLen);
  } else {
    if (o.inputLen === undefined) throw new Error('dataset: --input-len is required without --dataset-path (random dataset)');
    shapes = Array.from({ length: o.numPrompts }, () => ({ prompt: o.inputLen!, output: o.outputLen ?? 128 }));
  }
  const engine = offlineEngine(e, k);
  let promptTokens = 0;
  let outputTokens = 0;
  shapes.forEach((s, i) => {
    const prompt = Math.min(s.prompt, e.maxModelLen - 1);
    const output = Math.max(1, Math.min(s.output, e.maxModelLen - prompt));
    promptTokens += prompt;
    outputTokens += output;
    engine.add(new EngineRequest(`tp-${i}`, prompt, output, output, 0));
  });
  const elapsed = runUntilIdle(engine, 0);
  return {
    result: {
      elapsed_time: elapsed,
      num_requests: shapes.length,
      total_num_tokens: promptTokens + outputTokens,
      requests_per_second: shapes.length / elapsed,
      tokens_per_second: (promptTokens + outputTokens) / elapsed,
    },
    promptTokens,
    outputTokens,
    outputTokensPerSecond: outputTokens / elapsed,
  };
}

export interface ClosedLoopOptions {
  concurrency: number;
  numRequests: number;
  promptTokens: number;
  maxTokens: number;
  ignoreEos: boolean;
  seed?: number;
  noiseCv?: number;
  slowdown?: number;
}

export interface ClosedLoopResult {
  concurrency: number;
  requests: number;
  outputTokens: number;
  durationS: number;
  outputTokPerS: number;
  reqPerS: number;
  ttftMs: { p50: number; p95: number; mean: number };
  itlMs: { p50: number; p95: number; mean: number };
  e2eMs: { p50: number; p95: number; mean: number };
  preemptions: number;
}

function summary(values: number[]): { p50: number; p95: number; mean: number } {
  const s = [...values].sort((a, b) => a - b);
  return {
    p50: percentile(s, 50) * 1000,
    p95: percentile(s, 95) * 1000,
    mean: (s.reduce((a, b) => a + b, 0) / Math.max(1, s.length)) * 1000,
  };
}

/** Engine flags at their defaults for a profile (what `vllm-sim serve --sim-profile P` would use). */
export function defaultEngineArgs(profile: Profile, argv: string[] = []): EngineArgs {
  return engineArgs(parseArgs(argv, ENGINE_FLAGS), profile);
}

/**
 * A closed-loop client like `vllm bench serve --max-concurrency C --request-rate inf`: C requests
 * start at once and each finished request is replaced at once, until numRequests were sent. Runs
 * the serving model (front-end delay included) in simulated time; client-side figures equal the
 * server-side ones because the simulated network is instantaneous.
 */
export function simulateClosedLoop(profile: Profile, o: ClosedLoopOptions, engineArgv: string[] = []): ClosedLoopResult {
  const seed = o.seed ?? 0;
  const knobs: SimKnobs = {
    profile,
    seed,
    seedGiven: true,
    timeScale: 1,
    slowdown: o.slowdown ?? 1,
    noiseCv: o.noiseCv ?? profile.noise_cv,
    runCv: 0,
    startupS: 0,
    faults: [],
    trace: null,
  };
  const e = defaultEngineArgs(profile, engineArgv);
  const ttft: number[] = [];
  const itl: number[] = [];
  const e2e: number[] = [];
  const prev = new Map<EngineRequest, number>();
  let sent = 0;
  let outputTokens = 0;
  let lastFinish = 0;
  const send = (t: number): void => {
    const u = (mixSeed(seed, sent, 7) + 0.5) / 4294967296;
    const target = targetLength(o.maxTokens, o.ignoreEos, profile.eos_hazard, u);
    engine.add(new EngineRequest(`cl-${sent}`, o.promptTokens, o.maxTokens, target, t));
    sent++;
  };
  const observer: EngineObserver = {
    onToken(r, now) {
      if (r.generated === 1) ttft.push(now - r.arrival);
      else itl.push(now - prev.get(r)!);
      prev.set(r, now);
      outputTokens++;
    },
    onFinish(r, now) {
      prev.delete(r);
      e2e.push(now - r.arrival);
      lastFinish = now;
      if (sent < o.numRequests) send(now);
    },
  };
  const engine = new Engine(engineConfig(e, knobs, 1).config, observer);
  for (let i = 0; i < Math.min(o.concurrency, o.numRequests); i++) send(0);
  runUntilIdle(engine, 0);
  return {
    concurrency: o.concurrency,
    requests: e2e.length,
    outputTokens,
    durationS: lastFinish,
    outputTokPerS: outputTokens / lastFinish,
    reqPerS: e2e.length / lastFinish,
    ttftMs: summary(ttft),
    itlMs: summary(itl),
    e2eMs: summary(e2e),
    preemptions: engine.preemptionsTotal,
  };
}
