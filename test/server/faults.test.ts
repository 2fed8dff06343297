// The server's part of the fault matrix, over real vllm-sim processes found through PATH exactly as
// users run them (`server.command: vllm-sim`).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/clock.js';
import type { Server } from '../../src/config/schema-types.gen.js';
import { isGateError, type GateError } from '../../src/errors.js';
import { bootServer, serverCrashError, type RunningServer } from '../../src/server/boot.js';
import { groupAlive } from '../../src/server/process-group.js';
import { withServer } from '../../src/server/lifecycle.js';
import { startTelemetry, telemetryHooks } from '../../src/server/telemetry.js';
import { runServingSuite } from '../../src/suites/serving.js';
import { pathWithSim } from '../support/sim.js';
import { FIXTURES, killZero, tmpDir, until, virtualClock } from './helpers.js';

const env = (): NodeJS.ProcessEnv => ({ ...process.env, PATH: pathWithSim([FIXTURES]) });
const sim = (simArgs: string[] = [], over: Partial<Server> = {}): Server => ({
  command: 'vllm-sim',
  model: 'Qwen/Qwen2.5-0.5B-Instruct',
  'served-model-name': 'qwen',
  args: ['--max-model-len', '2048', '--sim-startup-s', '0.2', '--sim-time-scale', '0.05', ...simArgs],
  'startup-timeout': '20s',
  'shutdown-grace': '5s',
  ...over,
});

const running: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop('test over', { graceMs: 500 })));
});

async function boot(server: Server): Promise<RunningServer> {
  const s = await bootServer(server, { outDir: tmpDir('vpg-faults-'), env: env(), pollMs: 50 });
  running.push(s);
  return s;
}

async function bootError(
  server: Server,
  onSpawn?: (pgid: number) => void,
  clock?: Clock,
  outDir = tmpDir('vpg-faults-'),
): Promise<GateError> {
  try {
    running.push(
      await bootServer(server, { outDir, env: env(), pollMs: 50, onSpawn: (st) => onSpawn?.(st.pgid), ...(clock ? { clock } : {}) }),
    );
  } catch (err) {
    if (isGateError(err)) return err;
    throw err;
  }
  throw new Error('bootServer resolved; expected a GateError');
}

async function complete(s: RunningServer, maxTokens: number): Promise<{ prompt_tokens: number; completion_tokens: number }> {
  const res = await fetch(`${s.baseUrl}/v1/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: s.servedModelName,
      prompt: 'Explain KV caching in two sentences.',
      max_tokens: maxTokens,
      ignore_eos: true,
    }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { usage: { prompt_tokens: number; completion_tokens: number } }).usage;
}

describe('vllm-sim booted as users boot vLLM', () => {
  it('is ready with its start-up time and version, and teardown leaves no process of its group', async () => {
    const s = await boot(sim());
    expect(s.startupSeconds).toBeGreaterThanOrEqual(0.2);
    expect(s.version).toMatch(/^\d+\.\d+/);
    await complete(s, 4);
    const report = await s.stop('done');
    expect(report?.signal).toBe('SIGTERM');
    expect(groupAlive(s.pgid!)).toBe(false);
    expect(await until(() => killZero(-s.pgid!) === 'ESRCH')).toBe(true);
  });

  it("samples its /metrics: token deltas match the completions' usage, and GPU figures come from the fake nvidia-smi", async () => {
    const s = await boot(sim());
    const t = await startTelemetry(s.baseUrl, { intervalMs: 20, env: env() });
    const usages = [await complete(s, 8)];
    // Three short completions can fall between two 20 ms ticks: one sample is taken while the second runs.
    const second = complete(s, 16);
    t.sampleNow();
    usages.push(await second, await complete(s, 5));
    const w = await t.stop();
    expect(w.figures.prompt_tokens).toBe(usages.reduce((a, u) => a + u.prompt_tokens, 0));
    expect(w.figures.generation_tokens).toBe(29);
    expect(w.figures.num_preemptions).toBe(0);
    expect(w.figures.peak_kv_cache_usage_perc).toBeGreaterThanOrEqual(0);
    expect(w.figures.peak_gpu_util_pct).toBe(87);
    expect(w.figures.peak_gpu_memory_used_mib).toBe(13900);
    expect(w.notes).toEqual([]);
  });
});

describe('fault matrix: the server side', () => {
  it('boot-exit: BOOT_EXIT with the exit code, the log tail and the CUDA out-of-memory hint', async () => {
    let pgid = 0;
    const err = await bootError(sim(['--sim-fault', 'boot-exit']), (p) => (pgid = p));
    expect(err.code).toBe('BOOT_EXIT');
    expect(err.message).toMatch(/the server exited with code 1 during start-up/);
    expect(err.message).toContain('torch.OutOfMemoryError: CUDA out of memory');
    expect(err.hint).toMatch(/GPU ran out of memory/);
    expect(groupAlive(pgid)).toBe(false);
  });

  it('boot-hang: BOOT_TIMEOUT after startup-timeout, and the hung server is gone', async () => {
    let pgid = 0;
    const outDir = tmpDir('vpg-faults-');
    const logPath = path.join(outDir, 'server.log');
    // Time starts once the simulator hangs, however slow the machine is to get it there.
    const hung = until(() => existsSync(logPath) && readFileSync(logPath, 'utf8').includes('Capturing CUDA graphs'), 20_000);
    const err = await bootError(
      sim(['--sim-fault', 'boot-hang'], { 'startup-timeout': '1s' }),
      (p) => (pgid = p),
      virtualClock(0, hung),
      outDir,
    );
    expect(err.code).toBe('BOOT_TIMEOUT');
    expect(err.message).toContain('not ready within 1.0 s');
    expect(err.message).toContain('Capturing CUDA graphs');
    expect(groupAlive(pgid)).toBe(false);
  });

  it('crash-after:N: `exited` resolves after the N-th request and SERVER_CRASH quotes the engine error', async () => {
    const s = await boot(sim(['--sim-fault', 'crash-after:2']));
    await complete(s, 2);
    await complete(s, 2);
    const exit = await s.exited;
    expect(exit).toEqual({ code: 1, signal: null });
    await until(() => s.lastLogLines(5).some((l) => l.includes('EngineDeadError')));
    const err = serverCrashError(s, exit);
    expect(err.code).toBe('SERVER_CRASH');
    expect(err.message).toContain('the server exited with code 1 while the suites ran');
    expect(err.message).toContain('EngineDeadError');
    await s.stop('crashed');
    expect(groupAlive(s.pgid!)).toBe(false);
  });

  it('a wrong flag value: BOOT_EXIT naming the flag', async () => {
    const err = await bootError(sim(['--max-num-seqs', 'many']));
    expect(err.code).toBe('BOOT_EXIT');
    expect(err.message).toContain('exited with code 2');
    expect(err.hint).toMatch(/--max-num-seqs/);
  });
});

describe('withServer', () => {
  it('returns the work’s result and leaves no process of the server behind', async () => {
    let pgid = 0;
    const out = await withServer(sim(), { outDir: tmpDir('vpg-faults-'), env: env(), pollMs: 50 }, async (s) => {
      pgid = s.pgid!;
      return (await complete(s, 3)).completion_tokens;
    });
    expect(out).toBe(3);
    expect(groupAlive(pgid)).toBe(false);
  });

  it('aborts the work with SERVER_CRASH when the server dies mid-run, and throws it after the work settles', async () => {
    let pgid = 0;
    let done = 0;
    let abortedWith: unknown;
    const p = withServer(
      sim(['--sim-fault', 'crash-after:3']),
      { outDir: tmpDir('vpg-faults-'), env: env(), pollMs: 50 },
      async (s, signal) => {
        pgid = s.pgid!;
        while (!signal.aborted) {
          try {
            await complete(s, 2);
            done++;
          } catch {
            // the connection is refused once the server is gone; the abort follows
            await until(() => signal.aborted);
          }
        }
        abortedWith = signal.reason;
        return done;
      },
    );
    const err = await p.then(
      () => undefined,
      (e: unknown) => e as GateError,
    );
    expect(err?.code).toBe('SERVER_CRASH');
    expect(abortedWith).toBe(err);
    expect(done).toBe(3);
    expect(groupAlive(pgid)).toBe(false);
  });

  it('tears the server down when the work throws, and rethrows the work’s error', async () => {
    let pgid = 0;
    await expect(
      withServer(sim(), { outDir: tmpDir('vpg-faults-'), env: env(), pollMs: 50 }, async (s) => {
        pgid = s.pgid!;
        throw new Error('load generator failed');
      }),
    ).rejects.toThrow('load generator failed');
    expect(groupAlive(pgid)).toBe(false);
  });
});

describe('telemetryHooks with the serving runner', () => {
  it('gives every point of a sweep its own telemetry, whose token counts are that point’s requests (its warmup left out)', async () => {
    // Decode steps of ~5 ms: each point lasts long enough to be sampled while it runs.
    const s = await boot(sim(['--sim-time-scale', '1']));
    const hooks = telemetryHooks(s.baseUrl, { intervalMs: 20, env: env() });
    const suite = await runServingSuite(
      {
        name: 'sweep',
        kind: 'serving',
        dataset: { type: 'random', 'input-len': 32, 'output-len': 8, 'num-prompts': 6 },
        concurrency: [1, 2],
        'ignore-eos': true,
        warmup: 2,
      },
      { baseUrl: s.baseUrl, model: s.servedModelName },
      { onPointStart: (k) => hooks.onPointStart(k), onLoadMark: () => hooks.onLoadMark(), onPointEnd: (k, d) => hooks.onPointEnd(k, d) },
    );
    await hooks.close();
    expect(suite.points.map((p) => p.key)).toEqual(['concurrency=1', 'concurrency=2']);
    for (const p of suite.points) {
      expect(p.telemetry?.generation_tokens).toBe(p.metrics.total_output_tokens);
      expect(p.telemetry?.prompt_tokens).toBe(p.metrics.total_input_tokens);
      expect(p.telemetry?.peak_gpu_util_pct).toBe(87);
    }
    expect(hooks.notes()).toEqual([]);
  });
});
