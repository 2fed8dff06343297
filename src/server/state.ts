// What the action's `post` step needs to tear the server down after `main` was killed (a cancelled
// job, a runner timeout): the process group, written as soon as the server is spawned.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { systemClock, type Clock } from '../clock.js';
import { waitGpuReleased } from './nvidia-smi.js';
import { groupAlive, readProcStat, terminateGroup, type TerminateReport } from './process-group.js';

export interface ServerState {
  pgid: number;
  pid: number;
  /** ISO time of the spawn. */
  startedAt: string;
  logPath: string;
  /** The leader's start time in clock ticks (/proc/<pid>/stat), to tell it from a later process given the same PID. */
  leaderStartTicks?: number;
  /** server.shutdown-grace in ms, so `post` honours it. */
  graceMs?: number;
}

/** Writes the state as JSON (synchronously: it must be on disk before anything can kill us). */
export function writeServerState(file: string, state: ServerState): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(state)}\n`);
}

/** The state written by writeServerState, or undefined when there is none or it is unreadable. */
export function readServerState(file: string): ServerState | undefined {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as Partial<ServerState>;
    if (typeof v.pgid !== 'number' || typeof v.pid !== 'number' || v.pgid <= 1) return undefined;
    return { startedAt: '', logPath: '', ...v } as ServerState;
  } catch {
    return undefined;
  }
}

/** The state of a process just spawned as group leader. */
export function stateFor(pid: number, logPath: string, startedAt: Date, graceMs?: number): ServerState {
  const ticks = readProcStat(pid)?.startTicks;
  return {
    pgid: pid,
    pid,
    startedAt: startedAt.toISOString(),
    logPath,
    ...(ticks !== undefined && Number.isFinite(ticks) ? { leaderStartTicks: ticks } : {}),
    ...(graceMs !== undefined ? { graceMs } : {}),
  };
}

export interface TeardownFromStateOptions {
  graceMs?: number;
  gpuReleaseTimeoutMs?: number;
  clock?: Clock;
  log?: (line: string) => void;
}

export type StateTeardown =
  { outcome: 'gone' } | { outcome: 'not-ours'; detail: string } | { outcome: 'terminated'; report: TerminateReport; gpuHeldBy?: number[] };

/**
 * Tears down the group named by the state, from any process (the `post` step). Does nothing when
 * the group is already gone, or when the PID now belongs to another process that leads its own
 * group (PID reuse). Never throws: problems are logged as warnings.
 */
export async function teardownFromState(state: ServerState, opts: TeardownFromStateOptions = {}): Promise<StateTeardown> {
  const log = opts.log ?? (() => {});
  try {
    if (!groupAlive(state.pgid)) return { outcome: 'gone' };
    if (state.leaderStartTicks !== undefined) {
      const now = readProcStat(state.pid);
      // The kernel gives no process a PID still in use as a group id, so a leader PID held by a
      // process started later means our group ended and this is a stranger's.
      if (now && now.startTicks !== state.leaderStartTicks) {
        const detail = `process ${state.pid} is not the server started at ${state.startedAt} (a later process reused its PID); left alone`;
        log(`warning: ${detail}`);
        return { outcome: 'not-ours', detail };
      }
    }
    log(`stopping the server left running (process group ${state.pgid}, started ${state.startedAt})`);
    const clock = opts.clock ?? systemClock;
    const report = await terminateGroup(state.pgid, { graceMs: opts.graceMs ?? state.graceMs ?? 30_000, clock, log });
    const held = await waitGpuReleased(report.pids, { timeoutMs: opts.gpuReleaseTimeoutMs ?? 60_000, clock });
    if (held && held.length > 0) log(`warning: nvidia-smi still lists process ${held.join(', ')} of the server on a GPU`);
    return { outcome: 'terminated', report, ...(held && held.length > 0 ? { gpuHeldBy: held } : {}) };
  } catch (err) {
    log(`warning: teardown from state failed: ${(err as Error).message}`);
    return { outcome: 'gone' };
  }
}
