// A cancelled job (SIGINT from the runner or Ctrl-C, SIGTERM from a runner or `kill`) must still
// tear the server down and write its partial results. The first signal aborts the run's
// AbortSignal and runs `onCancel` (teardown, partial results); the process then exits with the
// shell's code for that signal. A second signal exits at once, after a SIGKILL to every process
// group we started that is not gone yet (on GitHub the runner follows SIGINT with SIGTERM 7.5 s
// later; the `post` step then only checks). Exiting any other way kills them too.
import { GateError } from '../errors.js';
import { killOurGroupsNow } from './process-group.js';

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

export function installCancelHandlers(
  onCancel: (signal: NodeJS.Signals) => void | Promise<void>,
  opts: { exit?: (code: number) => void; warn?: (line: string) => void } = {},
): CancelHandle {
  const controller = new AbortController();
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  const warn = opts.warn ?? ((line: string) => process.stderr.write(`${line}\n`));
  let first: NodeJS.Signals | undefined;
  const handler = (signal: NodeJS.Signals): void => {
    if (first) {
      const killed = killOurGroupsNow();
      warn(`${signal} again: exiting now${killed.length ? ` (SIGKILL to process group ${killed.join(', ')})` : ''}`);
      exit(cancelExitCode(first));
      return;
    }
    first = signal;
    warn(`${signal} received: cancelling; stopping the server and writing partial results`);
    controller.abort(new GateError('CANCELLED', `cancelled by ${signal}`));
    void (async () => {
      try {
        await onCancel(signal);
      } catch (err) {
        warn(`warning: cleanup after ${signal} failed: ${(err as Error).message}`);
      }
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
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
      process.off('exit', onExit);
    },
  };
}
