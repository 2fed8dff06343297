// Offline suites: `vllm bench latency` and `vllm bench throughput` (as vLLM's nightly latency and throughput
// tests run them: .buildkite/performance-benchmarks/tests/*.json in vllm-project/vllm), run as a child
// in its own process group while no server of ours holds the GPU (the orchestrator orders them).
// Their --output-json files become points named as vLLM's importer of ours names them, so a
// vLLM CI result imported as a baseline compares with our own run.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { systemClock, type Clock } from '../clock.js';
import type { LatencySuite, OfflineArgs, Server, ThroughputSuite } from '../config/schema-types.gen.js';
import { parseDuration } from '../config/duration.js';
import { GateError } from '../errors.js';
import { meanMetrics } from '../metrics/repeats.js';
import type { MetricMap, Point, Suite } from '../results/schema-types.gen.js';
import { argsToFlags, commandArgv, engineFlags, kebabFlag, serverEnv } from '../server/argv.js';
import { hintForLog } from '../server/hints.js';
import { LogCapture } from '../server/log-capture.js';
import { createMasker } from '../server/mask.js';
import { spawnInGroup, terminateGroup } from '../server/process-group.js';

export type OfflineSuite = LatencySuite | ThroughputSuite;

export interface OfflineOptions {
  outDir: string;
  signal?: AbortSignal;
  log?: (line: string) => void;
  secrets?: string[];
  /** The runner's environment, under server.env. Default process.env. */
  env?: NodeJS.ProcessEnv;
  clock?: Clock;
  /** SIGTERM -> SIGKILL grace when the bench is stopped (timeout, cancel). Default server.shutdown-grace or 30 s. */
  graceMs?: number;
  /** Log lines quoted in errors. */
  tailLines?: number;
  /** Working folder of the bench (the config's folder, so relative dataset paths resolve as in the config). */
  cwd?: string;
  /** How often a "still running" line with the bench's last output goes to `log`. Default 30 s. */
  progressEveryMs?: number;
}

const LATENCY_PERCENTILES = ['10', '25', '50', '75', '90', '99'] as const;
const THROUGHPUT_KEYS = ['elapsed_time', 'num_requests', 'total_num_tokens', 'requests_per_second', 'tokens_per_second'] as const;

/** A suite name as a file name. */
export function fileStem(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '-');
}

function suiteArg(args: OfflineArgs | undefined, name: string): OfflineArgs[string] {
  if (!args) return undefined;
  for (const [k, v] of Object.entries(args)) if (kebabFlag(k) === name) return v;
  return undefined;
}

/**
 * `<command> bench latency|throughput --model M <engine flags of server.args> <suite args> --output-json F`.
 * A `model` in the suite's args replaces the server's; an `output-json` there is ours to set.
 */
export function buildOfflineArgv(suite: OfflineSuite, server: Server | undefined, outputJson: string): string[] {
  const model = suiteArg(suite.args, 'model') ?? server?.model;
  if (model === undefined || model === null || model === false) {
    throw new GateError('CONFIG', `the ${suite.kind} suite \`${suite.name}\` has no model`, {
      hint: 'set server.model, or args.model in the suite',
    });
  }
  const own = Object.fromEntries(Object.entries(suite.args ?? {}).filter(([k]) => !['model', 'output-json'].includes(kebabFlag(k))));
  return [
    ...commandArgv(server?.command),
    'bench',
    suite.kind,
    '--model',
    String(model),
    ...engineFlags(server?.args),
    ...argsToFlags(own),
    '--output-json',
    outputJson,
  ];
}

type Json = Record<string, unknown>;

function missing(file: string, key: string, kind: string): GateError {
  return new GateError('OFFLINE_BENCH', `${file}: \`${key}\` is missing or not a number`, {
    where: { file, path: key },
    hint: `this is not the JSON \`vllm bench ${kind} --output-json\` writes; check that server.command is a vLLM whose bench writes it`,
  });
}

/** vLLM's latency JSON (seconds) -> milliseconds, named as our other latencies are. */
export function latencyMetrics(json: unknown, file: string): MetricMap {
  const rec = (typeof json === 'object' && json !== null ? json : {}) as Json;
  const num = (v: unknown, key: string): number => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw missing(file, key, 'latency');
    return v;
  };
  const m: MetricMap = {
    mean_latency_ms: num(rec.avg_latency, 'avg_latency') * 1000,
    std_latency_ms: num(rec.std_latency, 'std_latency') * 1000,
  };
  const pct = (typeof rec.percentiles === 'object' && rec.percentiles !== null ? rec.percentiles : {}) as Json;
  for (const p of LATENCY_PERCENTILES) {
    const v = num(pct[p], `percentiles.${p}`) * 1000;
    if (p === '50') m.median_latency_ms = v;
    m[`p${p}_latency_ms`] = v;
  }
  if (Array.isArray(rec.latencies)) m.num_iters = rec.latencies.length;
  return m;
}

/**
 * vLLM's throughput JSON, its keys kept (tokens_per_second counts prompt and output tokens), plus
 * output_tokens_per_second when the output length is fixed by the suite (vLLM's throughput bench
 * ignores EOS, so every request makes exactly output-len tokens).
 */
export function throughputMetrics(json: unknown, file: string, args?: OfflineArgs): MetricMap {
  const rec = (typeof json === 'object' && json !== null ? json : {}) as Json;
  const m: MetricMap = {};
  for (const k of THROUGHPUT_KEYS) {
    const v = rec[k];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw missing(file, k, 'throughput');
    m[k] = v;
  }
  const outLen = Number(suiteArg(args, 'output-len'));
  const ratio = Number(suiteArg(args, 'random-range-ratio') ?? 0);
  if (Number.isFinite(outLen) && outLen > 0 && ratio === 0 && m.elapsed_time! > 0) {
    m.output_tokens_per_second = (m.num_requests! * outLen) / m.elapsed_time!;
  }
  return m;
}

/**
 * Runs the suite (`repeat` times) and returns it as a results suite with one point, key `offline`.
 * Throws GateError OFFLINE_BENCH (non-zero exit, timeout, missing or malformed JSON) or CANCELLED;
 * the bench's process group is gone before either is thrown.
 */
export async function runOfflineSuite(suite: OfflineSuite, server: Server | undefined, opts: OfflineOptions): Promise<Suite> {
  const log = opts.log ?? (() => {});
  const clock = opts.clock ?? systemClock;
  const timeoutMs = parseDuration(suite.timeout ?? '30m', { path: `suites.${suite.name}.timeout` });
  const graceMs = opts.graceMs ?? parseDuration(server?.['shutdown-grace'] ?? '30s');
  const repeat = Math.max(1, suite.repeat ?? 1);
  const stem = fileStem(suite.name);
  const masker = createMasker(opts.secrets ?? []);
  const capture = new LogCapture(path.join(opts.outDir, `${stem}.log`), { mask: masker });
  const runs: MetricMap[] = [];
  const startedAt = clock.wallNow().toISOString();
  try {
    for (let r = 1; r <= repeat; r++) {
      if (opts.signal?.aborted) throw new GateError('CANCELLED', `cancelled before the ${suite.kind} suite \`${suite.name}\` ran`);
      const jsonPath = path.join(opts.outDir, repeat === 1 ? `${stem}.json` : `${stem}.r${r}.json`);
      rmSync(jsonPath, { force: true });
      const argv = buildOfflineArgv(suite, server, jsonPath);
      const shown = argv.map(masker).join(' ');
      capture.line(`[vllm-perf-gate] running${repeat > 1 ? ` (repeat ${r}/${repeat})` : ''}: ${shown}`);
      log(`${suite.name}: ${shown}`);
      await runBench(argv, { suite, server, opts, capture, timeoutMs, graceMs, clock });
      if (!existsSync(jsonPath)) {
        throw new GateError('OFFLINE_BENCH', `\`vllm bench ${suite.kind}\` exited 0 but wrote no ${jsonPath}`, {
          where: { file: capture.path },
          hint: 'check that server.command is vLLM (its bench must accept --output-json)',
        });
      }
      let json: unknown;
      try {
        json = JSON.parse(readFileSync(jsonPath, 'utf8'));
      } catch (err) {
        throw new GateError('OFFLINE_BENCH', `${jsonPath} is not JSON: ${(err as Error).message}`, { where: { file: jsonPath } });
      }
      runs.push(suite.kind === 'latency' ? latencyMetrics(json, jsonPath) : throughputMetrics(json, jsonPath, suite.args));
    }
  } finally {
    await capture.close();
  }
  const point: Point = {
    key: 'offline',
    label: offlineLabel(suite),
    'request-rate': null,
    concurrency: null,
    metrics: repeat === 1 ? runs[0]! : meanMetrics(runs),
    ...(repeat > 1 ? { repeats: runs } : {}),
    validity: { valid: true, reasons: [] },
    'started-at': startedAt,
  };
  return { name: suite.name, kind: suite.kind, parameters: { ...(suite.args ?? {}) }, points: [point] };
}

function offlineLabel(suite: OfflineSuite): string {
  if (suite.kind === 'throughput') return 'offline throughput';
  const b = suiteArg(suite.args, 'batch-size');
  return `offline latency, batch ${b ?? 8}`;
}

interface BenchRun {
  suite: OfflineSuite;
  server: Server | undefined;
  opts: OfflineOptions;
  capture: LogCapture;
  timeoutMs: number;
  graceMs: number;
  clock: Clock;
}

/** One bench process: resolves on exit 0; stops its group and throws on failure, timeout or cancel. */
async function runBench(argv: string[], b: BenchRun): Promise<void> {
  const { suite, capture } = b;
  const tail = (): string[] => capture.lastLines(b.opts.tailLines ?? 40);
  const quote = (): string => {
    const t = tail();
    return t.length ? `\nlast ${t.length} lines of ${capture.path}:\n${t.map((l) => `  | ${l}`).join('\n')}` : '';
  };
  let child;
  try {
    child = spawnInGroup(argv, {
      env: serverEnv(b.server ?? {}, b.opts.env ?? process.env),
      graceMs: b.graceMs,
      logPath: capture.path,
      ...(b.opts.cwd ? { cwd: b.opts.cwd } : {}),
    });
  } catch (err) {
    throw new GateError('OFFLINE_BENCH', `could not start \`${argv[0]}\`: ${(err as Error).message}`, {
      hint: hintForLog([(err as Error).message]),
    });
  }
  capture.attach(child.stdout);
  capture.attach(child.stderr);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: string }>((resolve) => {
    child.once('error', (err) => {
      if (child.pid === undefined) resolve({ code: null, signal: null, error: err.message });
    });
    // 'exit', not 'close': a grandchild holding the pipes must not keep us waiting; drained below.
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const pgid = child.pid;
  const stopGroup = async (why: string): Promise<void> => {
    if (pgid === undefined) return;
    capture.line(`[vllm-perf-gate] stopping the bench: ${why}`);
    await terminateGroup(pgid, { graceMs: b.graceMs, clock: systemClock, log: (l) => capture.line(`[vllm-perf-gate] ${l}`) });
  };

  const t0 = performance.now();
  const progress = setInterval(() => {
    const last = capture.lastOutputLine();
    b.opts.log?.(
      `${suite.name}: still running after ${Math.round((performance.now() - t0) / 1000)} s${last ? `; last line: ${last}` : ''}`,
    );
  }, b.opts.progressEveryMs ?? 30_000);
  const timer = new AbortController();
  const timeout = b.clock.sleep(b.timeoutMs, timer.signal).then(
    () => 'timeout' as const,
    () => 'never' as const,
  );
  const cancelled = new Promise<'cancel'>((resolve) => {
    if (b.opts.signal?.aborted) resolve('cancel');
    b.opts.signal?.addEventListener('abort', () => resolve('cancel'), { once: true });
  });
  try {
    const first = await Promise.race([exit, timeout.then((t) => (t === 'timeout' ? t : new Promise<never>(() => {}))), cancelled]);
    if (first === 'timeout') {
      await stopGroup('suite timeout');
      throw new GateError(
        'OFFLINE_BENCH',
        `\`vllm bench ${suite.kind}\` of suite \`${suite.name}\` did not finish within ${b.timeoutMs / 1000} s${quote()}`,
        {
          where: { path: `suites.${suite.name}.timeout` },
          hint: 'raise the suite timeout, or make it smaller (num-prompts, num-iters)',
        },
      );
    }
    if (first === 'cancel') {
      await stopGroup('cancelled');
      throw new GateError('CANCELLED', `cancelled while the ${suite.kind} suite \`${suite.name}\` ran`);
    }
    // The leader is gone; anything it left in its group goes too, then its last lines are read.
    if (pgid !== undefined) await terminateGroup(pgid, { graceMs: b.graceMs, clock: systemClock });
    const drainBy = performance.now() + 2_000;
    while (!capture.drained && performance.now() < drainBy) await systemClock.sleep(10);
    if (first.error !== undefined) {
      throw new GateError('OFFLINE_BENCH', `could not start \`${argv[0]}\`: ${first.error}`, {
        where: { file: capture.path },
        hint: hintForLog([first.error]),
      });
    }
    if (first.code !== 0) {
      const how = first.signal ? `was killed by ${first.signal}` : `exited with code ${first.code}`;
      throw new GateError('OFFLINE_BENCH', `\`vllm bench ${suite.kind}\` of suite \`${suite.name}\` ${how}${quote()}`, {
        where: { file: capture.path },
        hint: hintForLog(tail()) ?? 'read the log above: the bench printed why it stopped',
      });
    }
  } finally {
    clearInterval(progress);
    timer.abort();
  }
}
