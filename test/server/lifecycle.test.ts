// The server's life across processes: a cancelled `main` tears it down and exits with the signal's
// code; a SIGKILLed `main` leaves it to the watchdog, and if the watchdog is gone too, to the
// `post` step, which stops it from the saved state.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { groupAlive, readProcStat, signalGroup } from '../../src/server/process-group.js';
import { readServerState, teardownFromState, writeServerState } from '../../src/server/state.js';
import { cancelExitCode, installCancelHandlers } from '../../src/server/signals.js';
import { WATCHDOG_TAG } from '../../src/server/watchdog.js';
import { FIXTURES, killZero, tmpDir, until } from './helpers.js';

const leftovers: number[] = [];

/** The pid of the watchdog `main` started (its argv carries main's pid and the tag). */
function watchdogOf(mainPid: number): number | undefined {
  const ps = spawnSync('ps', ['-eo', 'pid=,stat=,args='], { encoding: 'utf8' });
  const line = ps.stdout
    .split('\n')
    .find((l) => l.includes(WATCHDOG_TAG) && l.includes(` ${mainPid} ${WATCHDOG_TAG}`) && !/^\s*\d+\s+Z/.test(l));
  return line ? Number(line.trim().split(/\s+/)[0]) : undefined;
}

function killWatchdogOf(mainPid: number): void {
  const dog = watchdogOf(mainPid);
  expect(dog).toBeDefined();
  process.kill(dog!, 'SIGKILL');
}
afterEach(() => {
  for (const pgid of leftovers.splice(0)) signalGroup(pgid, 'SIGKILL');
});

/** Starts test/fixtures/gate-main.ts; resolves with the server's pgid once it printed READY. */
async function startMain(
  outDir: string,
  statePath: string,
  flags: string[] = [],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ main: ChildProcess; pgid: number; exit: Promise<number | null>; status: Promise<number | null>; out: () => string }> {
  const main = spawn(process.execPath, ['--import', 'tsx', path.join(FIXTURES, 'gate-main.ts'), outDir, statePath, ...flags], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  let out = '';
  main.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  main.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    main.once('exit', (code, signal) => r({ code, signal })),
  );
  const exit = ended.then((e) => e.code);
  // What a shell reports: the code, or 128 + the number of the signal that ended the process.
  const status = ended.then((e) => e.code ?? (e.signal ? 128 + os.constants.signals[e.signal] : null));
  const ready = await until(() => /READY \d+/.test(out), 20_000);
  if (!ready) throw new Error(`gate-main never became ready:\n${out}`);
  const pgid = Number(/READY (\d+)/.exec(out)![1]);
  leftovers.push(pgid);
  return { main, pgid, exit, status, out: () => out };
}

describe('cancel (SIGTERM or SIGINT to our own process)', () => {
  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)('on %s stops the server group, writes partial results and exits with %i', async (signal, code) => {
    const outDir = tmpDir();
    const m = await startMain(outDir, path.join(outDir, 'state.json'), ['--fake-child']);
    expect(groupAlive(m.pgid)).toBe(true);
    m.main.kill(signal);
    expect(await m.exit).toBe(code);
    expect(groupAlive(m.pgid)).toBe(false);
    expect(JSON.parse(readFileSync(path.join(outDir, 'partial.json'), 'utf8'))).toEqual({ status: 'partial', cancelledBy: signal });
    expect(m.out()).toContain(`${signal} received: cancelling`);
    expect(readFileSync(path.join(outDir, 'server.log'), 'utf8')).toContain(`stopping the server: cancelled by ${signal}`);
  });

  it('on a second signal during a slow teardown, SIGKILLs the server group and exits at once', async () => {
    const outDir = tmpDir();
    const m = await startMain(outDir, path.join(outDir, 'state.json'), ['--fake-ignore-term'], { ...process.env, GATE_MAIN_GRACE: '60s' });
    m.main.kill('SIGTERM');
    // The server has been asked to stop and ignores it: teardown now waits out its 60 s grace.
    expect(await until(() => readFileSync(path.join(outDir, 'server.log'), 'utf8').includes('ignoring SIGTERM'), 10_000)).toBe(true);
    m.main.kill('SIGINT');
    // Ended by the first signal itself, not process.exit (which could wait on a stuck read): still 143.
    expect(await m.status).toBe(143);
    expect(m.out()).toContain(`SIGINT again: exiting now (SIGKILL to process group ${m.pgid})`);
    expect(await until(() => !groupAlive(m.pgid))).toBe(true);
  });

  it('aborts the signal it hands out with a CANCELLED error, runs the cleanup, then exits with the code', async () => {
    const exits: number[] = [];
    const order: string[] = [];
    const h = installCancelHandlers(async () => void order.push('cleanup'), {
      exit: (c) => void exits.push(c),
      die: (sig) => void exits.push(cancelExitCode(sig)),
      warn: () => {},
    });
    try {
      process.emit('SIGTERM', 'SIGTERM');
      expect(h.signal.aborted).toBe(true);
      expect((h.signal.reason as { code: string }).code).toBe('CANCELLED');
      await until(() => exits.length > 0);
      expect(order).toEqual(['cleanup']);
      expect(exits).toEqual([143]);
      process.emit('SIGINT', 'SIGINT');
      expect(exits).toEqual([143, 143]);
    } finally {
      h.dispose();
    }
    expect(cancelExitCode('SIGINT')).toBe(130);
  });
});

describe('a cancel whose cleanup never finishes', () => {
  it('is ended by the signal itself once the deadline passes, with a line that says so', async () => {
    const died: NodeJS.Signals[] = [];
    const exits: number[] = [];
    const lines: string[] = [];
    const h = installCancelHandlers(() => new Promise<void>(() => {}), {
      exit: (c) => void exits.push(c),
      die: (sig) => void died.push(sig),
      warn: (l) => void lines.push(l),
      deadlineMs: 50,
    });
    try {
      process.emit('SIGINT', 'SIGINT');
      expect(await until(() => died.length > 0, 2_000)).toBe(true);
      expect(died).toEqual(['SIGINT']);
      expect(exits).toEqual([]);
      expect(lines.at(-1)).toBe(
        'the run did not stop within 0.05 s of SIGINT (something it waits on does not answer): exiting now, partial results may be missing',
      );
    } finally {
      h.dispose();
    }
  });
});

describe('a main that dies without a word (SIGKILL, a V8 abort)', () => {
  it('is outlived by its watchdog, which stops the server group and notes it in server.log', async () => {
    const outDir = tmpDir();
    const m = await startMain(outDir, path.join(outDir, 'state.json'), ['--fake-child']);
    expect(watchdogOf(m.main.pid!)).toBeDefined();
    m.main.kill('SIGKILL');
    await m.exit;
    expect(await until(() => !groupAlive(m.pgid), 5_000)).toBe(true);
    const log = (): string => readFileSync(path.join(outDir, 'server.log'), 'utf8');
    expect(log()).toContain(
      `watchdog: the gate process ${m.main.pid} ended before stopping the server; SIGTERM to process group ${m.pgid}`,
    );
    expect(await until(() => log().includes(`watchdog: process group ${m.pgid} stopped`), 2_000)).toBe(true);
    expect(await until(() => watchdogOf(m.main.pid!) === undefined, 3_000)).toBe(true);
  });

  it('escalates to SIGKILL after the grace when the server ignores SIGTERM, and the watchdog then ends', async () => {
    const outDir = tmpDir();
    const m = await startMain(outDir, path.join(outDir, 'state.json'), ['--fake-ignore-term']);
    m.main.kill('SIGKILL');
    await m.exit;
    // gate-main's grace is 500 ms.
    expect(await until(() => !groupAlive(m.pgid), 5_000)).toBe(true);
    expect(readFileSync(path.join(outDir, 'server.log'), 'utf8')).toContain(
      `watchdog: process group ${m.pgid} still running 500 ms after SIGTERM; SIGKILL`,
    );
    expect(await until(() => watchdogOf(m.main.pid!) === undefined, 3_000)).toBe(true);
  });

  it('leaves the watchdog nothing to do when main stopped its server: it ends with main', async () => {
    const outDir = tmpDir();
    const m = await startMain(outDir, path.join(outDir, 'state.json'), ['--fake-child']);
    const dog = watchdogOf(m.main.pid!)!;
    m.main.kill('SIGTERM');
    expect(await m.exit).toBe(143);
    expect(await until(() => killZero(dog) === 'ESRCH' || readProcStat(dog)?.state === 'Z', 3_000)).toBe(true);
    expect(readFileSync(path.join(outDir, 'server.log'), 'utf8')).not.toContain('watchdog:');
  });
});

describe('post-step teardown from state', () => {
  it('stops the server group that a SIGKILLed main left behind (its watchdog killed too)', async () => {
    const outDir = tmpDir();
    const statePath = path.join(outDir, 'state.json');
    const m = await startMain(outDir, statePath, ['--fake-child']);
    killWatchdogOf(m.main.pid!);
    m.main.kill('SIGKILL');
    await m.exit;
    // main and its watchdog are gone without a word; the server lives on in its own group.
    expect(groupAlive(m.pgid)).toBe(true);
    const state = readServerState(statePath)!;
    expect(state.pgid).toBe(m.pgid);
    const lines: string[] = [];
    const res = await teardownFromState(state, { log: (l) => lines.push(l), graceMs: 2000 });
    expect(res.outcome).toBe('terminated');
    expect(groupAlive(m.pgid)).toBe(false);
    expect(await until(() => killZero(-m.pgid) === 'ESRCH')).toBe(true);
    expect(lines[0]).toContain(`stopping the server left running (process group ${m.pgid}`);
  });

  it('escalates to SIGKILL from the post step too when the server ignores SIGTERM', async () => {
    const outDir = tmpDir();
    const statePath = path.join(outDir, 'state.json');
    const m = await startMain(outDir, statePath, ['--fake-ignore-term']);
    killWatchdogOf(m.main.pid!);
    m.main.kill('SIGKILL');
    await m.exit;
    const res = await teardownFromState(readServerState(statePath)!, { graceMs: 300 });
    expect(res.outcome === 'terminated' && res.report.signal).toBe('SIGKILL');
    expect(groupAlive(m.pgid)).toBe(false);
  });

  it('does nothing when the group is already gone', async () => {
    const p = spawn(process.execPath, ['-e', ''], { detached: true, stdio: 'ignore' });
    await new Promise((r) => p.once('exit', r));
    const st = { pgid: p.pid!, pid: p.pid!, startedAt: '2026-01-01T00:00:00Z', logPath: '' };
    expect(await teardownFromState(st)).toEqual({ outcome: 'gone' });
  });

  it('leaves alone a process that took over the PID (its start time differs from the saved one)', async () => {
    const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { detached: true, stdio: 'ignore' });
    leftovers.push(other.pid!);
    await until(() => groupAlive(other.pid!));
    const statePath = path.join(tmpDir(), 's.json');
    writeServerState(statePath, { pgid: other.pid!, pid: other.pid!, startedAt: '2026-01-01T00:00:00Z', logPath: '', leaderStartTicks: 1 });
    const res = await teardownFromState(readServerState(statePath)!);
    expect(res.outcome).toBe('not-ours');
    expect(groupAlive(other.pid!)).toBe(true);
  });

  it('reads no state from a missing or foreign file', () => {
    const dir = tmpDir();
    expect(readServerState(path.join(dir, 'none.json'))).toBeUndefined();
    writeServerState(path.join(dir, 'x.json'), { pgid: 1, pid: 1, startedAt: '', logPath: '' });
    expect(readServerState(path.join(dir, 'x.json'))).toBeUndefined();
    expect(existsSync(path.join(dir, 'x.json'))).toBe(true);
  });
});
