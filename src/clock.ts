// The one clock the code reads time through, so tests can drive it.
// Hot paths (the load loop) read performance.now() directly through `monotonicMs`,
// captured once, to keep them free of indirection.

export interface Clock {
  /** Monotonic milliseconds (performance.now() scale). */
  monotonicMs(): number;
  /** Wall-clock time. */
  wallNow(): Date;
  /** Resolves after ms of this clock's time. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  monotonicMs: () => performance.now(),
  wallNow: () => new Date(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const t = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = (): void => {
        clearTimeout(t);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};
