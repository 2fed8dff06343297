// The server runs in a process group of its own, so that teardown reaches every process vLLM
// starts (API server, engine core, workers), not only the one we spawned. The group is found
// through /proc where it exists (zombies do not count: a container's PID 1 may never reap them),
// else through kill(-pgid, 0).
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { systemClock, type Clock } from '../clock.js';
import { watchdogGuard, watchdogRelease } from './watchdog.js';

/** Groups we started and have not seen gone: the last resort kills them when we exit abruptly. */
const ourGroups = new Set<number>();

export interface SpawnInGroupOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** SIGTERM -> SIGKILL grace the watchdog gives the group if we die first (default 30 s). */
  graceMs?: number;
  /** The group's log, where the watchdog notes what it did. */
  logPath?: string;
}

/**
 * Spawns argv in a new process group (the child is its leader: pgid = pid), stdin closed, and
 * registers the group with the watchdog, so that it is stopped even if we die abruptly.
 */
export function spawnInGroup(argv: string[], opts: SpawnInGroupOptions = {}): ChildProcess {
  const [file, ...args] = argv;
  if (!file) throw new Error('empty argv');
  const child = spawn(file, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env, cwd: opts.cwd });
  if (child.pid !== undefined) {
    ourGroups.add(child.pid);
    watchdogGuard(child.pid, {
      ...(opts.graceMs !== undefined ? { graceMs: opts.graceMs } : {}),
      ...(opts.logPath ? { logPath: opts.logPath } : {}),
    });
  }
  return child;
}

/**
 * SIGKILL, synchronously, to every group we started that teardown has not yet seen gone. For the
 * moments there is no time for a grace period: a second Ctrl-C, or our process exiting abruptly.
 * Returns the groups signalled.
 */
export function killOurGroupsNow(): number[] {
  const hit: number[] = [];
  for (const pgid of ourGroups) if (signalGroup(pgid, 'SIGKILL')) hit.push(pgid);
  ourGroups.clear();
  return hit;
}

interface ProcStat {
  pid: number;
  state: string;
  pgrp: number;
  startTicks: number;
}

/** /proc/<pid>/stat, or undefined when gone or unreadable. The command name may hold spaces and parentheses. */
export function readProcStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const close = text.lastIndexOf(')');
  const f = text.slice(close + 2).split(' ');
  return { pid, state: f[0] ?? '?', pgrp: Number(f[2]), startTicks: Number(f[19]) };
}

function hasProc(): boolean {
  try {
    readFileSync('/proc/self/stat');
    return true;
  } catch {
    return false;
  }
}

const PROC = hasProc();

/**
 * Live (non-zombie) processes of the group, from /proc; undefined where /proc does not exist.
 */
export function groupMembers(pgid: number): number[] | undefined {
  if (!PROC) return undefined;
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const st = readProcStat(Number(name));
    if (st && st.pgrp === pgid && st.state !== 'Z' && st.state !== 'X') out.push(st.pid);
  }
  return out;
}

/** Whether any live process of the group is left. */
export function groupAlive(pgid: number): boolean {
  const members = groupMembers(pgid);
  if (members !== undefined) return members.length > 0;
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Sends a signal to the whole group; false when the group is gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

export interface TerminateOptions {
  /** Time between SIGTERM and SIGKILL. */
  graceMs: number;
  /** How long to wait for the group to vanish after SIGKILL before giving up with a warning. */
  killWaitMs?: number;
  pollMs?: number;
  clock?: Clock;
  /** Warnings and what was done, one line each. */
  log?: (line: string) => void;
}

export interface TerminateReport {
  /** Processes of the group when teardown began. */
  pids: number[];
  /** The last signal sent, or null when the group was already gone. */
  signal: 'SIGTERM' | 'SIGKILL' | null;
  /** Whether no process of the group is left. */
  gone: boolean;
  elapsedMs: number;
}

/**
 * SIGTERM to the group, up to `graceMs` for it to exit, then SIGKILL, then wait (bounded) until no
 * process of it is left. Never throws: a group that survives SIGKILL (a process stuck in the
 * kernel) is reported through `log` and in the result.
 */
export async function terminateGroup(pgid: number, opts: TerminateOptions): Promise<TerminateReport> {
  const clock = opts.clock ?? systemClock;
  const log = opts.log ?? (() => {});
  const t0 = clock.monotonicMs();
  const pids = groupMembers(pgid) ?? [pgid];
  const report = (signal: TerminateReport['signal'], gone: boolean): TerminateReport => ({
    pids,
    signal,
    gone,
    elapsedMs: clock.monotonicMs() - t0,
  });
  const gone = (signal: TerminateReport['signal']): TerminateReport => {
    ourGroups.delete(pgid);
    watchdogRelease(pgid);
    return report(signal, true);
  };
  try {
    if (!groupAlive(pgid)) return gone(null);
    signalGroup(pgid, 'SIGTERM');
    if (await waitGone(pgid, opts.graceMs, opts.pollMs ?? 50, clock)) return gone('SIGTERM');
    log(`process group ${pgid} still running ${Math.round(opts.graceMs / 1000)} s after SIGTERM; sending SIGKILL`);
    signalGroup(pgid, 'SIGKILL');
    if (await waitGone(pgid, opts.killWaitMs ?? 10_000, opts.pollMs ?? 50, clock)) return gone('SIGKILL');
    log(
      `warning: process group ${pgid} survived SIGKILL (pids ${(groupMembers(pgid) ?? []).join(', ')}); a process may be stuck in the kernel`,
    );
    return report('SIGKILL', false);
  } catch (err) {
    log(`warning: teardown of process group ${pgid} failed: ${(err as Error).message}`);
    return report(null, !safeAlive(pgid));
  }
}

function safeAlive(pgid: number): boolean {
  try {
    return groupAlive(pgid);
  } catch {
    return true;
  }
}

/** Polls until the group is gone or `ms` have passed; true when gone. */
export async function waitGone(pgid: number, ms: number, pollMs: number, clock: Clock = systemClock): Promise<boolean> {
  const deadline = clock.monotonicMs() + ms;
  for (;;) {
    if (!groupAlive(pgid)) return true;
    if (clock.monotonicMs() >= deadline) return false;
    await clock.sleep(Math.min(pollMs, Math.max(1, deadline - clock.monotonicMs())));
  }
}
