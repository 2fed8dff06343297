// A cancelled job (SIGINT from the runner or Ctrl-C, SIGTERM from a runner or `kill`) must still
// tear the server down and write its partial results. The first signal aborts the run's
// AbortSignal and runs `onCancel` (teardown, partial results); the process then exits with the
// shell's code for that signal. A second signal exits at once: on GitHub the runner follows SIGINT
// with SIGTERM 7.5 s later, and the action's `post` step finishes the teardown from the saved state.
import { GateError } from '../errors.js';

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
      warn(`${signal} again: exiting now; the server is stopped by the post step (or left for you to stop)`);
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
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    controller,
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
