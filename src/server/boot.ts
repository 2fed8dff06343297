// Boots the engine under test and owns its life: port check, spawn in its own process group, log
// capture, readiness, start-up time, and a teardown that always runs and never throws.
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { systemClock, type Clock } from '../clock.js';
import type { Server } from '../config/schema-types.gen.js';
import { parseDuration } from '../config/duration.js';
import { GateError } from '../errors.js';
import { buildServeArgv, reservedFlagProblem, servedModelName, serverEnv } from './argv.js';
import { hintForLog } from './hints.js';
import { LogCapture } from './log-capture.js';
import { createMasker, type Masker } from './mask.js';
import { waitGpuReleased } from './nvidia-smi.js';
import { assertPortFree, pickFreePort } from './port.js';
import { spawnInGroup, terminateGroup, type TerminateReport } from './process-group.js';
import { connectUrl, probeAgent, probeReady, readVersion } from './readiness.js';
import { stateFor, writeServerState, type ServerState } from './state.js';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunningServer {
  baseUrl: string;
  servedModelName: string;
  /** True for `server.url`: nothing was booted and nothing is torn down. */
  external: boolean;
  /** Null for an external server. */
  pid: number | null;
  pgid: number | null;
  startedAt: string;
  /** Spawn to ready, seconds; null for an external server. */
  startupSeconds: number | null;
  /** GET /version, null when the server does not answer it. */
  version: string | null;
  logPath: string | null;
  /** The argv it was started with, secrets masked; null for an external server. */
  argv: string[] | null;
  /** Headers every request to it needs (the API key, when server.api-key-env is set). */
  headers: Record<string, string>;
  /** Tears the server down (once; later calls return the first result). Never throws. */
  stop(reason: string, opts?: StopOptions): Promise<TerminateReport | null>;
  /** Resolves when the server process exits, for whatever reason; never for an external server. */
  exited: Promise<ExitInfo>;
  lastLogLines(n: number): string[];
}

export interface StopOptions {
  /** SIGTERM -> SIGKILL grace (default server.shutdown-grace). */
  graceMs?: number;
  /** How long to wait for nvidia-smi to stop listing the server's processes (default BootOptions.gpuReleaseTimeoutMs). */
  gpuWaitMs?: number;
}

export interface BootOptions {
  outDir: string;
  signal?: AbortSignal;
  clock?: Clock;
  /** Progress and warnings, one line each (already masked). */
  log?: (line: string) => void;
  /** Values masked in everything printed or written. */
  secrets?: string[];
  /** The runner's environment, under server.env. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Where to write the state the `post` step needs, as soon as the server is spawned. */
  statePath?: string;
  /** Called with that state as soon as the server is spawned (e.g. core.saveState). */
  onSpawn?: (state: ServerState) => void;
  pollMs?: number;
  progressEveryMs?: number;
  gpuReleaseTimeoutMs?: number;
  /** Lines of the log quoted in boot errors. */
  tailLines?: number;
}

/** How often readiness is polled, and a progress line logged while waiting, unless the options say. */
function pollTiming(opts: Pick<BootOptions, 'pollMs' | 'progressEveryMs'>): { pollMs: number; progressEveryMs: number } {
  return { pollMs: opts.pollMs ?? 500, progressEveryMs: opts.progressEveryMs ?? 30_000 };
}

const DEFAULT_STARTUP_TIMEOUT = '20m';
const DEFAULT_GRACE = '30s';

/** Auth headers for a server: `Authorization: Bearer $<api-key-env>` when set. */
export function serverHeaders(server: Server, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const name = server['api-key-env'];
  const key = name ? (server.env?.[name] !== undefined ? String(server.env[name]) : env[name]) : undefined;
  return key ? { authorization: `Bearer ${key}` } : {};
}

/**
 * Boots `server` (or, with `server.url`, waits for the external one) and resolves once it is
 * ready. Fails with GateError PORT_IN_USE, BOOT_EXIT, BOOT_TIMEOUT or CANCELLED; the server's
 * process group is torn down before any of them is thrown.
 */
export async function bootServer(server: Server, opts: BootOptions): Promise<RunningServer> {
  const clock = opts.clock ?? systemClock;
  const log = opts.log ?? (() => {});
  const masker = createMasker(opts.secrets ?? []);
  const env = opts.env ?? process.env;
  const timeoutMs = parseDuration(server['startup-timeout'] ?? DEFAULT_STARTUP_TIMEOUT, { path: 'server.startup-timeout' });
  const graceMs = parseDuration(server['shutdown-grace'] ?? DEFAULT_GRACE, { path: 'server.shutdown-grace' });
  const headers = serverHeaders(server, env);
  if (opts.signal?.aborted) throw new GateError('CANCELLED', 'cancelled before the server was started');

  if (server.url) {
    const asked = server['served-model-name'] ?? server.model;
    return awaitExternal(server.url.replace(/\/+$/, ''), asked, headers, timeoutMs, opts, clock, masker);
  }
  if (!server.model) {
    throw new GateError('CONFIG', 'server.model is required to boot a server', {
      where: { path: 'server.model' },
      hint: 'set server.model to a Hugging Face id or a local path, or server.url for a server that is already running',
    });
  }
  const name = servedModelName(server);

  const reserved = reservedFlagProblem(server.args);
  if (reserved) {
    throw new GateError('CONFIG', `server.args sets ${reserved.flag}, which vllm-perf-gate sets itself`, {
      where: { path: 'server.args' },
      hint: `remove it from args and set ${reserved.instead} instead`,
    });
  }
  const host = server.host ?? '127.0.0.1';
  const port = server.port === undefined || server.port === 'auto' ? await pickFreePort(host) : server.port;
  if (server.port !== undefined && server.port !== 'auto') await assertPortFree(port, host);
  const argv = buildServeArgv(server, port, host);
  const maskedArgv = argv.map(masker);
  const baseUrl = connectUrl(host, port);
  const capture = new LogCapture(path.join(opts.outDir, 'server.log'), { mask: masker });
  capture.line(`[vllm-perf-gate] starting: ${maskedArgv.join(' ')}`);

  const t0 = clock.monotonicMs();
  const startedAt = clock.wallNow();
  let child: ChildProcess;
  try {
    child = spawnInGroup(argv, { env: serverEnv(server, env), graceMs, logPath: capture.path });
  } catch (err) {
    await capture.close();
    throw bootExitError(`could not start \`${maskedArgv[0]}\`: ${masker((err as Error).message)}`, capture, opts.tailLines);
  }
  capture.attach(child.stdout);
  capture.attach(child.stderr);
  const exited = watchExit(child, capture);

  if (child.pid === undefined) {
    const info = await exited;
    await capture.close();
    throw bootExitError(`could not start \`${maskedArgv[0]}\`: ${info.spawnError ?? 'spawn failed'}`, capture, opts.tailLines);
  }
  const pgid = child.pid;
  const state = stateFor(pgid, capture.path, startedAt, graceMs);
  if (opts.statePath) writeServerState(opts.statePath, state);
  opts.onSpawn?.(state);

  let stopping: Promise<TerminateReport | null> | undefined;
  const stop = (reason: string, o: StopOptions = {}): Promise<TerminateReport | null> => {
    stopping ??= (async () => {
      try {
        capture.line(`[vllm-perf-gate] stopping the server: ${reason}`);
        // Teardown waits on the OS, in real time, whatever clock drives the readiness decisions.
        const report = await terminateGroup(pgid, {
          graceMs: o.graceMs ?? graceMs,
          clock: systemClock,
          log: (l) => (capture.line(`[vllm-perf-gate] ${l}`), log(l)),
        });
        const held = await waitGpuReleased(report.pids, { timeoutMs: o.gpuWaitMs ?? opts.gpuReleaseTimeoutMs ?? 60_000 });
        if (held && held.length > 0) log(`warning: nvidia-smi still lists process ${held.join(', ')} of the server on a GPU`);
        capture.line(`[vllm-perf-gate] server stopped (${report.signal ?? 'already exited'}, ${Math.round(report.elapsedMs)} ms)`);
        // Nothing left for the post step to do.
        if (report.gone && opts.statePath) rmSync(opts.statePath, { force: true });
        return report;
      } catch (err) {
        log(`warning: teardown failed: ${(err as Error).message}`);
        return null;
      } finally {
        await capture.close();
      }
    })();
    return stopping;
  };

  const dispatcher = probeAgent();
  try {
    const ready = await waitReady({
      probe: () => probeReady(baseUrl, name, headers, dispatcher),
      exited,
      timeoutMs,
      clock,
      signal: opts.signal,
      ...pollTiming(opts),
      onProgress: (elapsedS, detail) =>
        log(
          `waiting for the server to be ready: ${elapsedS} s so far (${detail}); last log line: ${capture.lastOutputLine() ?? '(none yet)'}`,
        ),
    });
    if (ready.kind === 'exit') {
      await drain(capture);
      await stop('it exited during start-up');
      const how = ready.exit.signal ? `was killed by ${ready.exit.signal}` : `exited with code ${ready.exit.code}`;
      throw bootExitError(
        `the server ${how} during start-up, ${seconds(clock.monotonicMs() - t0)} after it was spawned`,
        capture,
        opts.tailLines,
        ready.exit.signal,
      );
    }
    if (ready.kind === 'timeout') {
      await stop('not ready within server.startup-timeout');
      const tail = capture.lastLines(opts.tailLines ?? 40);
      throw new GateError(
        'BOOT_TIMEOUT',
        `the server was not ready within ${seconds(timeoutMs)} (server.startup-timeout): ${ready.detail}${formatTail(tail, capture.path)}`,
        {
          where: { path: 'server.startup-timeout' },
          hint:
            hintForLog(tail) ??
            'a large model can take longer to load the first time (download, torch.compile, CUDA graphs): raise server.startup-timeout, or cache the weights on the runner',
        },
      );
    }
    if (ready.kind === 'cancelled') {
      await stop('cancelled');
      throw new GateError('CANCELLED', 'cancelled while waiting for the server to start');
    }
    const startupSeconds = (clock.monotonicMs() - t0) / 1000;
    const version = await readVersion(baseUrl, headers, dispatcher);
    capture.line(`[vllm-perf-gate] ready after ${startupSeconds.toFixed(1)} s (version ${version ?? 'unknown'})`);
    return {
      baseUrl,
      servedModelName: name,
      external: false,
      pid: pgid,
      pgid,
      startedAt: startedAt.toISOString(),
      startupSeconds,
      version,
      logPath: capture.path,
      argv: maskedArgv,
      headers,
      stop,
      exited: exited.then(({ code, signal }) => ({ code, signal })),
      lastLogLines: (n) => capture.lastLines(n),
    };
  } catch (err) {
    await stop(`start-up failed`);
    throw err;
  } finally {
    await dispatcher.close().catch(() => {});
  }
}

type ReadyOutcome = { kind: 'ready' } | { kind: 'exit'; exit: ExitInfo } | { kind: 'timeout'; detail: string } | { kind: 'cancelled' };

interface WaitReadyArgs {
  probe: () => Promise<{ ready: boolean; detail: string }>;
  exited?: Promise<ExitInfo>;
  timeoutMs: number;
  clock: Clock;
  signal?: AbortSignal | undefined;
  pollMs: number;
  progressEveryMs: number;
  onProgress: (elapsedS: number, detail: string) => void;
}

/** Polls until ready, the process exits, the timeout passes or the signal aborts; whichever is first. */
export async function waitReady(a: WaitReadyArgs): Promise<ReadyOutcome> {
  const t0 = a.clock.monotonicMs();
  let nextProgress = t0 + a.progressEveryMs;
  let exit: ExitInfo | undefined;
  const wake = new AbortController();
  void a.exited?.then((e) => {
    exit = e;
    wake.abort();
  });
  const onAbort = (): void => wake.abort();
  a.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    let detail = 'not probed yet';
    for (;;) {
      if (exit) return { kind: 'exit', exit };
      if (a.signal?.aborted) return { kind: 'cancelled' };
      const p = await a.probe();
      if (exit) return { kind: 'exit', exit };
      if (p.ready) return { kind: 'ready' };
      detail = p.detail;
      const now = a.clock.monotonicMs();
      if (now - t0 >= a.timeoutMs) return { kind: 'timeout', detail };
      if (now >= nextProgress) {
        a.onProgress(Math.round((now - t0) / 1000), detail);
        nextProgress += a.progressEveryMs * Math.max(1, Math.ceil((now - nextProgress + 1) / a.progressEveryMs));
      }
      await a.clock.sleep(Math.min(a.pollMs, Math.max(1, t0 + a.timeoutMs - now)), wake.signal).catch(() => {});
    }
  } finally {
    a.signal?.removeEventListener('abort', onAbort);
  }
}

async function awaitExternal(
  baseUrl: string,
  asked: string | undefined,
  headers: Record<string, string>,
  timeoutMs: number,
  opts: BootOptions,
  clock: Clock,
  masker: Masker,
): Promise<RunningServer> {
  const log = opts.log ?? (() => {});
  const dispatcher = probeAgent();
  const t0 = clock.monotonicMs();
  let name = asked;
  try {
    const ready = await waitReady({
      probe: async () => {
        const p = await probeReady(baseUrl, asked, headers, dispatcher);
        if (p.ready) name = p.model;
        return p;
      },
      timeoutMs,
      clock,
      signal: opts.signal,
      ...pollTiming(opts),
      onProgress: (s, detail) => log(`waiting for ${masker(baseUrl)} to be ready: ${s} s so far (${detail})`),
    });
    if (ready.kind === 'cancelled') throw new GateError('CANCELLED', 'cancelled while waiting for the server to be ready');
    if (ready.kind !== 'ready') {
      throw new GateError(
        'BOOT_TIMEOUT',
        `the server at ${masker(baseUrl)} was not ready within ${seconds(timeoutMs)}: ${ready.kind === 'timeout' ? ready.detail : ''}`,
        {
          where: { path: 'server.url' },
          hint: 'check that server.url points at a running vLLM server reachable from the runner and that it serves the model named by served-model-name (or model)',
        },
      );
    }
    const version = await readVersion(baseUrl, headers, dispatcher);
    log(`using the server at ${masker(baseUrl)} (ready after ${seconds(clock.monotonicMs() - t0)}; nothing is booted or torn down)`);
    return {
      baseUrl,
      servedModelName: name ?? '',
      external: true,
      pid: null,
      pgid: null,
      startedAt: clock.wallNow().toISOString(),
      startupSeconds: null,
      version,
      logPath: null,
      argv: null,
      headers,
      stop: () => Promise.resolve(null),
      exited: new Promise<ExitInfo>(() => {}),
      lastLogLines: () => [],
    };
  } finally {
    await dispatcher.close().catch(() => {});
  }
}

/** The child's exit (or spawn failure), noted in the log. */
function watchExit(child: ChildProcess, capture: LogCapture): Promise<ExitInfo & { spawnError?: string }> {
  return new Promise((resolve) => {
    child.once('error', (err) => {
      if (child.pid === undefined) {
        capture.line(`[vllm-perf-gate] ${err.message}`);
        resolve({ code: null, signal: null, spawnError: err.message });
      }
    });
    child.once('exit', (code, signal) => {
      capture.line(`[vllm-perf-gate] server process ${child.pid} exited (${signal ? `signal ${signal}` : `code ${code}`})`);
      resolve({ code, signal });
    });
  });
}

/** Lets the last lines of a dead process reach the log (its pipes close just after it exits). */
async function drain(capture: LogCapture): Promise<void> {
  const deadline = performance.now() + 2_000;
  while (!capture.drained && performance.now() < deadline) await systemClock.sleep(10);
}

function bootExitError(message: string, capture: LogCapture, tailLines = 40, signal?: NodeJS.Signals | null): GateError {
  const tail = capture.lastLines(tailLines);
  return new GateError('BOOT_EXIT', `${message}${formatTail(tail, capture.path)}`, {
    where: { file: capture.path },
    hint:
      hintForLog([...tail, message]) ?? (signal === 'SIGKILL' ? OOM_KILLER_HINT : 'read the log above: the server printed why it stopped'),
  });
}

const OOM_KILLER_HINT =
  'SIGKILL without a message is often the kernel OOM killer (host memory, e.g. while loading weights): check dmesg, use a runner with more RAM, or lower --max-num-seqs / --swap-space';

function formatTail(lines: string[], file: string): string {
  if (lines.length === 0) return `\n(${file} is empty)`;
  return `\nlast ${lines.length} line${lines.length === 1 ? '' : 's'} of ${file}:\n${lines.map((l) => `  | ${l}`).join('\n')}`;
}

function seconds(ms: number): string {
  return ms >= 120_000 ? `${(ms / 60_000).toFixed(1)} min` : `${(ms / 1000).toFixed(1)} s`;
}

/** GateError SERVER_CRASH for a server that exited while suites ran, with its last log lines. */
export function serverCrashError(server: RunningServer, exit: ExitInfo, tailLines = 40): GateError {
  const tail = server.lastLogLines(tailLines);
  const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
  return new GateError('SERVER_CRASH', `the server ${how} while the suites ran${formatTail(tail, server.logPath ?? 'server.log')}`, {
    ...(server.logPath ? { where: { file: server.logPath } } : {}),
    hint: hintForLog(tail) ?? (exit.signal === 'SIGKILL' ? OOM_KILLER_HINT : 'read the log above: the server printed why it stopped'),
  });
}
