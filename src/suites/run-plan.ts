// Runs every suite of a loaded config and writes one results document: the "run" half of the
// pipeline that both the CLI and the action use (config -> server/load -> suites -> results).
// Offline suites run first, while no server of ours holds the GPU; then serving suites are grouped
// by the server they need, and each group gets one boot, its suites, and a teardown, always.
// Before anything boots, every dataset file is read and checked (a bad one costs no model load).
// Whatever happens (a bad dataset, a crash, a cancel), the points done so far, the environment and
// the server log are written, and the error is recorded in the document.
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { LoadedConfig, Suite as ConfigSuite } from '../config/load.js';
import { serverForSuite } from '../config/load.js';
import { parseDuration } from '../config/duration.js';
import type { Server, ServingSuite } from '../config/schema-types.gen.js';
import { describeError, GateError } from '../errors.js';
import { prepareDatasets } from '../load/dataset-check.js';
import type { DatasetSource } from '../load/dataset-source.js';
import { parsePointKey } from '../results/point-key.js';
import type { Environment, ResultsDocument, RunError, Suite } from '../results/schema-types.gen.js';
import { writeResults, writeVllmServeFiles } from '../results/write.js';
import type { RunningServer } from '../server/boot.js';
import { collectEnvironment } from '../server/environment.js';
import { withServer } from '../server/lifecycle.js';
import { prefixCacheResetter } from '../server/prefix-cache.js';
import { telemetryHooks } from '../server/telemetry.js';
import { runOfflineSuite } from './offline.js';
import { clientLimits } from '../metrics/validity.js';
import { runServingSuite, type ServingProgress } from './serving.js';
import type { LinesAt } from './adaptive.js';
import type { PointEndDetail } from './serving.js';

export const TOOL_NAME = 'vllm-perf-gate';
export const TOOL_VERSION = '0.1.0';

export interface RunPlanOptions {
  outDir: string;
  signal?: AbortSignal;
  log?: (line: string) => void;
  onProgress?: (ev: ServingProgress) => void;
  onPointEnd?: (suite: string, detail: PointEndDetail) => void;
  /** Where the post step finds the running server's process group. */
  statePath?: string;
  /** Only these suite names (confirmation reruns); and only these point keys, when given; `repeat` overrides the suite's. */
  only?: { suite: string; keys?: string[]; repeat?: number }[];
  git?: { sha?: string; ref?: string };
  label?: string;
  env?: NodeJS.ProcessEnv;
  /** The gate's pass/fail lines of a point's metrics by request count, from the baseline (adaptive points stop once decided). */
  decisionLines?: (suite: string, pointKey: string) => LinesAt | undefined;
  /** Adaptive points are never cut below this many requests (a confirmation rerun: the count its first run was judged over). */
  cutFloor?: (suite: string, pointKey: string) => number | undefined;
}

export interface RunPlanResult {
  doc: ResultsDocument;
  resultsPath: string;
  /** The first error that stopped the run early, if any (already recorded in doc.error). */
  error?: GateError;
}

function asGateError(err: unknown): GateError {
  if (err instanceof GateError) return err;
  return new GateError('INTERNAL', describeError(err));
}

function runError(err: GateError): RunError {
  const e: RunError = { code: err.code, message: err.message };
  if (err.hint) e.hint = err.hint;
  const where = [err.where.file, err.where.path].filter(Boolean).join(': ');
  if (where) e.where = where;
  return e;
}

/** Suites of the config in run order, each with the server it needs (undefined for an external-less offline run). */
function plan(loaded: LoadedConfig, only: RunPlanOptions['only']): { suite: ConfigSuite; index: number; server: Server | undefined }[] {
  const picked = loaded.config.suites
    .map((suite, index) => ({ suite, index, server: serverForSuite(loaded.config, suite) }))
    .filter((s) => !only || only.some((o) => o.suite === s.suite.name));
  if (!only) return picked;
  return picked.map((s) => {
    const o = only.find((x) => x.suite === s.suite.name);
    const suite = o?.keys && s.suite.kind === 'serving' ? restrictPoints(s.suite, o.keys) : s.suite;
    return { ...s, suite: o?.repeat !== undefined ? { ...suite, repeat: o.repeat } : suite };
  });
}

/** A serving suite cut down to the given point keys (rate=R / concurrency=C), for confirmation reruns. */
function restrictPoints(suite: ServingSuite, keys: string[]): ServingSuite {
  const shapes = keys.map(parsePointKey).filter((s) => s !== undefined);
  const rates = suite['request-rates']?.filter((r) => shapes.some((s) => s.requestRate === r));
  const conc = suite.concurrency?.filter((c) => shapes.some((s) => s.concurrency === c));
  const out: ServingSuite = { ...suite };
  if (rates && rates.length) out['request-rates'] = rates as ServingSuite['request-rates'];
  if (conc && conc.length) out.concurrency = conc as ServingSuite['concurrency'];
  return out;
}

/** One key per distinct server, so suites sharing a server share a boot. */
function serverKey(server: Server | undefined): string {
  return JSON.stringify(server ?? null);
}

export async function runPlan(loaded: LoadedConfig, opts: RunPlanOptions): Promise<RunPlanResult> {
  const log = opts.log ?? (() => {});
  const outDir = path.resolve(opts.outDir);
  await mkdir(outDir, { recursive: true });
  const startedAt = new Date();
  const steps = plan(loaded, opts.only);
  const results = new Map<number, Suite>();
  let firstError: GateError | undefined;
  let environment: Environment | undefined;
  let telemetryNotes: string[] = [];
  const secrets = loaded.secrets;
  const env = opts.env ?? process.env;
  const signal = opts.signal;

  const record = (err: unknown): GateError => {
    const g = asGateError(err);
    firstError ??= g;
    return g;
  };

  // 0. Datasets, read and checked before any engine starts (an offline bench starts one too).
  let datasets = new Map<number, DatasetSource>();
  try {
    datasets = await prepareDatasets(loaded, { env, suites: steps.map((s) => s.index) });
  } catch (err) {
    const g = record(err);
    for (const s of steps) results.set(s.index, { name: s.suite.name, kind: s.suite.kind, points: [], error: runError(g) });
  }

  // 1. Offline suites, while no server of ours holds the GPU.
  for (const step of steps) {
    if (step.suite.kind === 'serving') continue;
    if (signal?.aborted || firstError) break;
    log(`suite ${step.suite.name}: vllm bench ${step.suite.kind}`);
    try {
      results.set(
        step.index,
        await runOfflineSuite(step.suite, step.server, {
          outDir,
          signal,
          log,
          secrets,
          env,
          cwd: loaded.baseDir,
          graceMs: step.server?.['shutdown-grace'] !== undefined ? parseDuration(step.server['shutdown-grace']) : undefined,
        }),
      );
    } catch (err) {
      const g = record(err);
      results.set(step.index, { name: step.suite.name, kind: step.suite.kind, points: [], error: runError(g) });
    }
  }

  // 2. Serving suites, grouped by server: one boot per group.
  const groups = new Map<string, typeof steps>();
  for (const step of steps) {
    if (step.suite.kind !== 'serving') continue;
    const k = serverKey(step.server);
    groups.set(k, [...(groups.get(k) ?? []), step]);
  }
  for (const group of groups.values()) {
    if (signal?.aborted || firstError) break;
    const server = group[0]?.server;
    if (!server) {
      const g = record(
        new GateError('CONFIG', `suite ${group[0]?.suite.name} needs a server, and the config has none`, {
          where: { file: loaded.file, path: 'server' },
          hint: 'add server.model (to boot vllm serve) or server.url (to use a running server)',
        }),
      );
      for (const s of group) results.set(s.index, { name: s.suite.name, kind: 'serving', points: [], error: runError(g) });
      break;
    }
    const done = new Map<number, Suite>();
    let running: RunningServer | undefined;
    try {
      await withServer(
        server,
        {
          outDir,
          signal,
          log,
          secrets,
          env,
          ...(opts.statePath ? { statePath: opts.statePath } : {}),
        },
        async (r, sig) => {
          running = r;
          log(r.external ? `using the server at ${r.baseUrl}` : `server ready at ${r.baseUrl} after ${r.startupSeconds?.toFixed(1)} s`);
          const intervalMs = parseDuration(server['metrics-interval'] ?? '1s');
          for (const step of group) {
            if (sig.aborted) break;
            const suite = step.suite as ServingSuite;
            const hooks = telemetryHooks(r.baseUrl, { intervalMs, signal: sig, headers: r.headers, env });
            log(`suite ${suite.name}: serving, ${suite.endpoint ?? 'completions'} endpoint`);
            try {
              const res = await runServingSuite(
                suite,
                { baseUrl: r.baseUrl, model: r.servedModelName, tokenizerModel: server.model ?? r.servedModelName, ...apiKey(server, env) },
                {
                  signal: sig,
                  log,
                  datasetBaseDir: loaded.baseDir,
                  ...(datasets.has(step.index) ? { datasetSource: datasets.get(step.index)! } : {}),
                  configPath: `suites[${step.index}]`,
                  clientLimits: clientLimits(loaded.config.client),
                  ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
                  resetPrefixCache: prefixCacheResetter(r.baseUrl, {
                    headers: r.headers,
                    ...(r.external ? {} : { logLines: (n: number) => r.lastLogLines(n) }),
                  }),
                  ...(opts.decisionLines ? { decisionLines: (k: string) => opts.decisionLines!(suite.name, k) } : {}),
                  ...(opts.cutFloor ? { cutFloor: (k: string) => opts.cutFloor!(suite.name, k) } : {}),
                  onPointStart: (k) => hooks.onPointStart(k),
                  onLoadMark: () => hooks.onLoadMark(),
                  onPointEnd: async (k, detail) => {
                    await hooks.onPointEnd(k, detail);
                    opts.onPointEnd?.(suite.name, detail);
                  },
                },
              );
              done.set(step.index, res);
            } finally {
              await hooks.close();
              telemetryNotes = [...new Set([...telemetryNotes, ...hooks.notes()])];
            }
          }
        },
      );
    } catch (err) {
      const g = record(err);
      for (const s of group) {
        const partial = done.get(s.index);
        if (!partial) results.set(s.index, { name: s.suite.name, kind: 'serving', points: [], error: runError(g) });
      }
    }
    for (const [i, s] of done) results.set(i, s);
    environment ??= await collectEnvironment({ server, running: running ?? null, secrets, env, telemetryNotes }).catch(() => undefined);
  }
  if (signal?.aborted && !firstError) record(signal.reason instanceof GateError ? signal.reason : new GateError('CANCELLED', 'cancelled'));

  // A suite's own recorded error (a cancel inside the serving runner) counts as the run's error too.
  for (const s of results.values())
    if (s.error && !firstError) firstError = new GateError((s.error.code as GateError['code']) ?? 'INTERNAL', s.error.message);

  if (!environment) {
    const server = steps.find((s) => s.server)?.server ?? loaded.config.server;
    environment = server ? await collectEnvironment({ server, running: null, secrets, env, telemetryNotes }).catch(() => ({})) : {};
  }

  const suites = steps.map((s) => results.get(s.index)).filter((s): s is Suite => s !== undefined);
  const ran = suites.some((s) => s.points.length > 0);
  let doc: ResultsDocument = {
    'schema-version': 1,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    run: {
      id: randomUUID(),
      'started-at': startedAt.toISOString(),
      'finished-at': new Date().toISOString(),
      'config-id': loaded.configId,
      'config-hash': loaded.configHash,
      'config-path': path.relative(process.cwd(), loaded.file) || loaded.file,
      ...(opts.git?.sha ? { 'git-sha': opts.git.sha } : {}),
      ...(opts.git?.ref ? { 'git-ref': opts.git.ref } : {}),
      ...(opts.label ? { label: opts.label } : {}),
    },
    environment: { ...environment, runner: environment['runner'] ?? env.RUNNER_NAME ?? os.hostname() },
    suites,
    status: firstError ? (ran ? 'partial' : 'failed') : 'complete',
    ...(firstError ? { error: runError(firstError) } : {}),
  };
  doc = await writeVllmServeFiles(outDir, doc);
  const resultsPath = await writeResults(outDir, doc);
  return { doc, resultsPath, ...(firstError ? { error: firstError } : {}) };
}

function apiKey(server: Server, env: NodeJS.ProcessEnv): { apiKey?: string } {
  const name = server['api-key-env'];
  const v = name ? env[name] : undefined;
  return v ? { apiKey: v } : {};
}
