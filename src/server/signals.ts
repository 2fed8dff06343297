// A cancelled job (SIGINT from the runner or Ctrl-C, SIGTERM from a runner or `kill`) must still
// tear the server down and write its partial results. The first signal aborts the run's
// AbortSignal and runs `onCancel` (teardown, partial results); the process then exits with the
// shell's code for that signal. A second signal exits at once, after a SIGKILL to every process
// group we started that is not gone yet (on GitHub the runner follows SIGINT with SIGTERM 7.5 s
// later; the `post` step then only checks). Exiting any other way kills them too.
// A cancel always ends the process: when `onCancel` has not finished CANCEL_DEADLINE_MS after the
// first signal (something it waits on never answers), the groups are killed and the process ends.
// Those two abrupt exits end the process by the signal itself (the shell still reports 130/143):
// process.exit would wait forever for a read stuck in libuv's thread pool (a FIFO, a hung mount).
import { writeSync } from 'node:fs';
import { GateError } from '../errors.js';
import { killOurGroupsNow } from './process-group.js';

/** How long a cancel may take to stop the server and write partial results before the process is ended anyway. */
export const CANCEL_DEADLINE_MS = 10_000;

export interface CancelHandle {
  /** Aborted on the first signal, with a GateError CANCELLED as its reason. */
  controller: AbortController;
  signal: AbortSignal;
  /** Removes the handlers (the run finished). */
  dispose(): void;
}

/** 130 for SIGINT, 143 for SIGTERM: 128 + the signal number, as shells report it. */
export function cancelExitCode(signal: NodeJS.Signals): number {
  return signal === 'SIGINT' ? 130 : signal === 'SIGTERM' ? 143 : 1;
}

/**
 * Ends the process by `signal` itself, as if no handler were installed: the shell reports 128 + its
 * number. Unlike process.exit, this does not wait for libuv's thread pool, where a read of a FIFO
 * or a hung network mount can block forever. Falls back to process.exit if we are still alive.
 */
export function dieBy(signal: NodeJS.Signals): void {
  process.removeAllListeners(signal);
  try {
    process.kill(process.pid, signal);
  } catch {
    // no permission to signal ourselves: the fallback below
  }
  setTimeout(() => process.exit(cancelExitCode(signal)), 1_000);
}

/** A line to stderr that is written before the next statement runs, whatever stderr is. */
function writeNow(line: string): void {
  try {
    writeSync(2, `${line}\n`);
  } catch {
    // a non-blocking pipe that is full (EAGAIN): queue it instead; a closed one: nothing to tell
    process.stderr.write(`${line}\n`, () => {});
  }
}

export interface CancelHandlerOptions {
  /** How the process ends once `onCancel` is done (default process.exit). */
  exit?: (code: number) => void;
  /** How it ends abruptly: a second signal, or `onCancel` past the deadline (default dieBy). */
  die?: (signal: NodeJS.Signals) => void;
  warn?: (line: string) => void;
  /** Default CANCEL_DEADLINE_MS. */
  deadlineMs?: number;
}

export function installCancelHandlers(
  onCancel: (signal: NodeJS.Signals) => void | Promise<void>,
  opts: CancelHandlerOptions = {},
): CancelHandle {
  const controller = new AbortController();
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  const die = opts.die ?? dieBy;
  const warn = opts.warn ?? writeNow;
  const deadlineMs = opts.deadlineMs ?? CANCEL_DEADLINE_MS;
  let first: NodeJS.Signals | undefined;
  let deadline: NodeJS.Timeout | undefined;
  const handler = (signal: NodeJS.Signals): void => {
    if (first) {
      clearTimeout(deadline);
      const killed = killOurGroupsNow();
      warn(`${signal} again: exiting now${killed.length ? ` (SIGKILL to process group ${killed.join(', ')})` : ''}`);
      die(first);
      return;
    }
    first = signal;
    warn(`${signal} received: cancelling; stopping the server and writing partial results`);
    // Not unref'd: this timer is what ends a cancel that something keeps from finishing.
    deadline = setTimeout(() => {
      const killed = killOurGroupsNow();
      warn(
        `the run did not stop within ${deadlineMs / 1000} s of ${signal} (something it waits on does not answer): exiting now, ` +
          `partial results may be missing${killed.length ? ` (SIGKILL to process group ${killed.join(', ')})` : ''}`,
      );
      die(signal);
    }, deadlineMs);
    controller.abort(new GateError('CANCELLED', `cancelled by ${signal}`));
    void (async () => {
      try {
        await onCancel(signal);
      } catch (err) {
        warn(`warning: cleanup after ${signal} failed: ${(err as Error).message}`);
      }
      clearTimeout(deadline);
      exit(cancelExitCode(signal));
    })();
  };
  // Whatever way we exit (an uncaught error, process.exit from anywhere), no server of ours
  // outlives us: groups teardown has not finished are killed on the way out.
  const onExit = (): void => void killOurGroupsNow();
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  process.on('exit', onExit);
  return {
    controller,
    signal: controller.signal,
    dispose: () => {
      clearTimeout(deadline);
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
      process.off('exit', onExit);
    },
  };
}
