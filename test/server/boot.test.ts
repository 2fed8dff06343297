import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server as NetServer } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bootServer, type RunningServer } from '../../src/server/boot.js';
import { readServerState } from '../../src/server/state.js';
import { isGateError, type GateError } from '../../src/errors.js';
import { groupAlive } from '../../src/server/process-group.js';
import { freePort } from '../support/sim.js';
import { FAKE_VLLM, fakeServer, killZero, tmpDir, until, virtualClock } from './helpers.js';

const running: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop('test over', { graceMs: 200 })));
});

async function boot(...args: Parameters<typeof bootServer>): Promise<RunningServer> {
  const s = await bootServer(...args);
  running.push(s);
  return s;
}

async function bootError(...args: Parameters<typeof bootServer>): Promise<GateError> {
  try {
    const s = await bootServer(...args);
    running.push(s);
  } catch (err) {
    if (isGateError(err)) return err;
    throw err;
  }
  throw new Error('bootServer resolved; expected a GateError');
}

describe('bootServer', () => {
  it('boots the command in its own process group, waits until /v1/models lists the served name, and reads /version', async () => {
    const outDir = tmpDir();
    const s = await boot(fakeServer([], { 'served-model-name': 'fm' }), { outDir, pollMs: 20 });
    expect(s.servedModelName).toBe('fm');
    expect(s.pgid).toBe(s.pid);
    expect(s.version).toBe('0.0.0-fake');
    expect(s.startupSeconds).toBeGreaterThan(0);
    const models = (await (await fetch(`${s.baseUrl}/v1/models`)).json()) as { data: { id: string }[] };
    expect(models.data[0]!.id).toBe('fm');
    expect(s.argv).toEqual([
      process.execPath,
      FAKE_VLLM,
      'serve',
      'fake/model',
      '--host',
      '127.0.0.1',
      '--port',
      expect.stringMatching(/^\d+$/),
      '--served-model-name',
      'fm',
    ]);
  });

  it('writes the server output to server.log with a timestamp on every line, secrets masked', async () => {
    const outDir = tmpDir();
    const s = await boot(fakeServer([], { env: { HF_TOKEN: 'hf_secret_123' } }), { outDir, pollMs: 20, secrets: ['hf_secret_123'] });
    await s.stop('done');
    const log = readFileSync(path.join(outDir, 'server.log'), 'utf8');
    expect(log).toContain("'hf_token': '***'");
    expect(log).not.toContain('hf_secret_123');
    for (const line of log.trim().split('\n')) expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /);
    expect(s.lastLogLines(50).some((l) => l.includes('Application startup complete.'))).toBe(true);
  });

  it('stop() leaves no process of the group alive, grandchildren included', async () => {
    const s = await boot(fakeServer(['--fake-child']), { outDir: tmpDir(), pollMs: 20 });
    const grandchild = await until(() => s.lastLogLines(20).some((l) => l.includes('engine core pid=')));
    expect(grandchild).toBe(true);
    const gpid = Number(/engine core pid=(\d+)/.exec(s.lastLogLines(20).find((l) => l.includes('engine core'))!)![1]);
    const report = await s.stop('test');
    expect(report?.signal).toBe('SIGTERM');
    expect(report?.pids).toContain(gpid);
    expect(groupAlive(s.pgid!)).toBe(false);
    expect(await until(() => killZero(-s.pgid!) === 'ESRCH')).toBe(true);
    expect(await until(() => killZero(gpid) === 'ESRCH')).toBe(true);
  });

  it('escalates to SIGKILL when the server ignores SIGTERM for the grace period', async () => {
    const s = await boot(fakeServer(['--fake-ignore-term']), { outDir: tmpDir(), pollMs: 20 });
    const report = await s.stop('test', { graceMs: 300 });
    expect(report?.signal).toBe('SIGKILL');
    expect(report?.gone).toBe(true);
    expect(await until(() => killZero(-s.pgid!) === 'ESRCH')).toBe(true);
  });

  it('resolves `exited` when the server dies after it was ready', async () => {
    const s = await boot(fakeServer(), { outDir: tmpDir(), pollMs: 20 });
    process.kill(s.pid!, 'SIGKILL');
    await expect(s.exited).resolves.toEqual({ code: null, signal: 'SIGKILL' });
  });

  it('fails with BOOT_EXIT, the exit code, the last log lines and a CUDA out-of-memory hint when the server exits during start-up', async () => {
    const outDir = tmpDir();
    const err = await bootError(fakeServer(['--fake-mode', 'exit']), { outDir, pollMs: 20 });
    expect(err.code).toBe('BOOT_EXIT');
    expect(err.message).toContain('exited with code 1 during start-up');
    expect(err.message).toContain('torch.OutOfMemoryError: CUDA out of memory');
    expect(err.hint).toMatch(/GPU ran out of memory.*--gpu-memory-utilization/);
    expect(err.where.file).toBe(path.join(outDir, 'server.log'));
  });

  it('blames the OOM killer when the server is SIGKILLed during start-up without a word', async () => {
    const outDir = tmpDir();
    const logPath = path.join(outDir, 'server.log');
    let pid = 0;
    const p = bootError(fakeServer(['--fake-mode', 'hang']), { outDir, pollMs: 20, onSpawn: (st) => (pid = st.pid) });
    await until(() => existsSync(logPath) && readFileSync(logPath, 'utf8').includes('Starting to load model'));
    process.kill(pid, 'SIGKILL');
    const err = await p;
    expect(err.code).toBe('BOOT_EXIT');
    expect(err.message).toContain('the server was killed by SIGKILL during start-up');
    expect(err.hint).toMatch(/OOM killer/);
  });

  it('fails with BOOT_EXIT and an install hint when the command does not exist', async () => {
    const err = await bootError({ command: 'no-such-vllm-binary', model: 'm' }, { outDir: tmpDir(), pollMs: 20 });
    expect(err.code).toBe('BOOT_EXIT');
    expect(err.message).toContain('could not start `no-such-vllm-binary`');
    expect(err.hint).toMatch(/not installed/);
  });

  it('fails with BOOT_TIMEOUT after startup-timeout, quoting the log, and tears the group down', async () => {
    let pgid = 0;
    const err = await bootError(fakeServer(['--fake-mode', 'hang'], { 'startup-timeout': '600ms' }), {
      outDir: tmpDir(),
      pollMs: 20,
      onSpawn: (st) => (pgid = st.pgid),
    });
    expect(err.code).toBe('BOOT_TIMEOUT');
    expect(err.message).toContain('not ready within 0.6 s');
    expect(err.message).toContain('not listening yet');
    expect(err.message).toContain('Starting to load model');
    expect(pgid).toBeGreaterThan(0);
    expect(groupAlive(pgid)).toBe(false);
  });

  it('says which models /v1/models lists when the served name never appears', async () => {
    const outDir = tmpDir();
    const logPath = path.join(outDir, 'server.log');
    // Time starts once the server listens, however slow the machine is to start it.
    const listening = until(() => existsSync(logPath) && readFileSync(logPath, 'utf8').includes('Application startup complete.'), 20_000);
    const err = await bootError(fakeServer(['--fake-mode', 'wrong-name'], { 'startup-timeout': '2s' }), {
      outDir,
      clock: virtualClock(0, listening),
    });
    expect(err.code).toBe('BOOT_TIMEOUT');
    expect(err.message).toContain('/v1/models lists `some-other-model`, not `fake/model`');
  });

  it('prints a progress line every 30 s with the elapsed time and the last log line', async () => {
    const lines: string[] = [];
    const outDir = tmpDir();
    const logPath = path.join(outDir, 'server.log');
    // Time starts once the server has printed its loading line, so that line is the last one.
    const printed = until(() => existsSync(logPath) && readFileSync(logPath, 'utf8').includes('Starting to load model'), 10_000);
    const err = await bootError(fakeServer(['--fake-mode', 'hang'], { 'startup-timeout': '95s' }), {
      outDir,
      clock: virtualClock(0, printed),
      log: (l) => lines.push(l),
    });
    expect(err.code).toBe('BOOT_TIMEOUT');
    const progress = lines.filter((l) => l.startsWith('waiting for the server'));
    expect(progress.map((l) => /(\d+) s so far/.exec(l)?.[1])).toEqual(['30', '60', '90']);
    expect(progress.at(-1)).toContain('last log line: INFO Starting to load model ...');
  });

  it('fails at once with PORT_IN_USE naming the port and the process holding it', async () => {
    const port = await freePort();
    const holder: NetServer = createServer();
    await new Promise<void>((r) => holder.listen(port, '127.0.0.1', () => r()));
    try {
      const outDir = tmpDir();
      let spawned = false;
      const err = await bootError(fakeServer([], { port }), { outDir, onSpawn: () => (spawned = true) });
      expect(err.code).toBe('PORT_IN_USE');
      expect(err.message).toContain(`port ${port} on 127.0.0.1 is already in use by process ${process.pid}`);
      expect(err.hint).toContain('server.port: auto');
      // At once: nothing was started, no model would have been loaded.
      expect(spawned).toBe(false);
      expect(existsSync(path.join(outDir, 'server.log'))).toBe(false);
    } finally {
      holder.close();
    }
  });

  it('writes the post-step state as soon as the server is spawned, and removes it once the server is gone', async () => {
    const statePath = path.join(tmpDir(), 'state', 'server.json');
    const s = await boot(fakeServer(), { outDir: tmpDir(), pollMs: 20, statePath });
    const st = readServerState(statePath);
    expect(st).toMatchObject({ pgid: s.pgid, pid: s.pid, logPath: s.logPath, startedAt: s.startedAt, graceMs: 5000 });
    await s.stop('done');
    expect(existsSync(statePath)).toBe(false);
  });

  it('gives up with CANCELLED when the signal aborts during start-up, leaving no process behind', async () => {
    const ac = new AbortController();
    let pgid = 0;
    const p = bootError(fakeServer(['--fake-mode', 'hang']), {
      outDir: tmpDir(),
      pollMs: 20,
      signal: ac.signal,
      onSpawn: (st) => (pgid = st.pgid),
    });
    await until(() => pgid > 0);
    ac.abort();
    const err = await p;
    expect(err.code).toBe('CANCELLED');
    expect(groupAlive(pgid)).toBe(false);
  });

  it('with server.url boots nothing, still waits for readiness, and stop() leaves the server running', async () => {
    const port = await freePort();
    const ext = spawn(process.execPath, [FAKE_VLLM, 'serve', 'ext/model', '--port', String(port)], { stdio: 'ignore' });
    try {
      const s = await boot(
        { url: `http://127.0.0.1:${port}/`, model: 'ext/model', 'startup-timeout': '10s' },
        { outDir: tmpDir(), pollMs: 20 },
      );
      expect(s.external).toBe(true);
      expect(s.pid).toBeNull();
      expect(s.baseUrl).toBe(`http://127.0.0.1:${port}`);
      expect(s.version).toBe('0.0.0-fake');
      expect(await s.stop('done')).toBeNull();
      expect(killZero(ext.pid!)).toBe('alive');
    } finally {
      ext.kill('SIGKILL');
    }
  });

  it('with server.url and no model, takes the model the server lists', async () => {
    const port = await freePort();
    const ext = spawn(process.execPath, [FAKE_VLLM, 'serve', 'listed/model', '--port', String(port)], { stdio: 'ignore' });
    try {
      const s = await boot({ url: `http://127.0.0.1:${port}`, 'startup-timeout': '10s' }, { outDir: tmpDir(), pollMs: 20 });
      expect(s.servedModelName).toBe('listed/model');
    } finally {
      ext.kill('SIGKILL');
    }
  });

  it('starts nothing when the signal is already aborted', async () => {
    let spawned = false;
    const err = await bootError(fakeServer(), { outDir: tmpDir(), signal: AbortSignal.abort(), onSpawn: () => (spawned = true) });
    expect(err.code).toBe('CANCELLED');
    expect(spawned).toBe(false);
  });
});

describe('bootServer refuses what would make readiness wait on the wrong thing', () => {
  it('fails with CONFIG when server.args sets the port itself, before anything starts', async () => {
    const err = await bootError(fakeServer(['--port', '9999']), { outDir: tmpDir() });
    expect(err.code).toBe('CONFIG');
    expect(err.message).toBe('server.args sets --port, which vllm-perf-gate sets itself');
    expect(err.hint).toBe('remove it from args and set server.port instead');
  });
});
