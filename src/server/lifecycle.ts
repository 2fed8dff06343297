// The server's whole life around the work done with it: boot, run, and teardown whatever happens,
// with a crash of the server turned into an abort of the work and a SERVER_CRASH error.
import { GateError } from '../errors.js';
import type { Server } from '../config/schema-types.gen.js';
import { bootServer, serverCrashError, type BootOptions, type RunningServer } from './boot.js';

export interface WithServerOptions extends BootOptions {
  /** Grace for the final teardown when the run was cancelled (the runner allows ~7.5 s). */
  cancelGraceMs?: number;
}

/** After a cancel, how long to wait for the GPU to be released: the process has little time left (CANCEL_DEADLINE_MS). */
const CANCEL_GPU_WAIT_MS = 2_000;

/**
 * Boots `server`, runs `work` with it and an AbortSignal, and tears the server down afterwards,
 * always. If the server dies while `work` runs, the signal is aborted with a SERVER_CRASH error,
 * and once `work` settles that error is thrown (whatever `work` returned: its results are the
 * caller's to keep as partial). `work`'s own errors are rethrown after teardown.
 */
export async function withServer<T>(
  server: Server,
  opts: WithServerOptions,
  work: (running: RunningServer, signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const running = await bootServer(server, opts);
  const ac = new AbortController();
  const onOuterAbort = (): void => ac.abort(opts.signal?.reason);
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  let crash: GateError | undefined;
  let finished = false;
  void running.exited.then((exit) => {
    if (finished) return;
    crash = serverCrashError(running, exit);
    ac.abort(crash);
  });
  const cancelled = (): boolean => opts.signal?.aborted === true;
  try {
    const result = await work(running, ac.signal);
    if (crash) throw crash;
    return result;
  } catch (err) {
    throw crash ?? err;
  } finally {
    finished = true;
    opts.signal?.removeEventListener('abort', onOuterAbort);
    await running.stop(
      crash ? 'it crashed' : cancelled() ? 'cancelled' : 'the suites are done',
      cancelled() ? { graceMs: opts.cancelGraceMs ?? 5_000, gpuWaitMs: CANCEL_GPU_WAIT_MS } : {},
    );
  }
}
