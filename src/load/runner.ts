// Runs one point: sends the prepared requests on schedule (open loop, optionally capped) or keeps
// exactly C in flight (closed loop), and returns the raw records. The hot path does no formatting,
// logging or per-token allocation (autocannon's lesson); progress is sampled from counters by a
// timer, never pushed from the loop.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { LoadClient, type ClientOptions, type RequestSpec } from './client.js';
import { SessionDriver, type SessionPlan } from './sessions.js';
import type { PointRun, RequestRecord } from './types.js';

export type LoadShape =
  /** Arrivals at the given offsets (ms from t0); with a cap, at most that many in flight (vLLM's --max-concurrency). */
  | { kind: 'open'; scheduleMs: Float64Array; maxConcurrency: number | null }
  /** Exactly `concurrency` requests in flight until all are sent. */
  | { kind: 'closed'; concurrency: number }
  /** `concurrency` sessions in flight, each sending its turns one after another (src/load/sessions.ts). */
  | { kind: 'sessions'; concurrency: number; plan: SessionPlan };

export interface PointProgress {
  total: number;
  sent: number;
  completed: number;
  failed: number;
  inFlight: number;
  elapsedMs: number;
}

export interface RunPointOptions {
  client: Omit<ClientOptions, 'connections'>;
  /** An array, or a list that makes each spec (and its body) when asked. */
  specs: { readonly length: number; at(index: number): RequestSpec | undefined };
  shape: LoadShape;
  /** Sent (all at once, capped like the point) before t0 and left out of the records. */
  warmup?: readonly RequestSpec[];
  /** Called after the warmup, right before t0 (the server's telemetry starts here, not with the warmup). */
  beforeMeasure?: (() => void | Promise<void>) | undefined;
  signal?: AbortSignal | undefined;
  onProgress?: ((p: PointProgress) => void) | undefined;
  progressIntervalMs?: number;
  /**
   * The point's time limit, warm-up included: past it, nothing more is sent, requests in flight
   * are cancelled, and the run comes back with `timedOut`. Unlimited when absent.
   */
  maxDurationMs?: number | undefined;
  /**
   * Called once when the first response of the measured load arrives (its first token when
   * streaming), and once when its last request has been sent if that is later: moments when the
   * server is busy with the point, for the telemetry to sample.
   */
  onLoadMark?: (() => void) | undefined;
  /** Ends the point early but cleanly (an adaptive point): see `EarlyStop`. */
  stopWhen?: EarlyStop | undefined;
}

/**
 * Every `every` completions, `check` gets the completed records (in completion order) and the count
 * the point would be cut at: as many as have completed (a multiple of `every`). When it answers true
 * the point is cut there: the first N requests sent all finish and count (cancelling them would
 * leave out the slowest ones), while the load goes on exactly as scheduled (requests past the cut,
 * those already in flight included, never recorded) until the last of the N has finished; then the
 * rest are cancelled. So the first N requests of a cut point ran under the same load as the first N of a
 * point that sent them all, and the two can be compared over those N. Sessions (multi-turn) stop
 * sending instead. At `maxMs` after t0 nothing more is sent and what is in flight finishes and counts.
 */
export interface EarlyStop {
  every: number;
  check(completed: readonly RequestRecord[], cutAt: number): boolean;
  maxMs?: number | undefined;
}

/** What ended a point before all its requests were sent: its stop check, or the early stop's time. */
export type EarlyEnd = 'check' | 'time' | null;

/** A point's run, and whether its time limit ended it. */
export interface TimedPointRun extends PointRun {
  timedOut: boolean;
  earlyEnd: EarlyEnd;
}

/** Sockets opened ahead of a point at most (an uncapped rate may need as many as it sends). */
const MAX_PRIMED_SOCKETS = 256;
/** Event-loop delay sampling interval; the histogram's values include it, so it is subtracted. */
const LOOP_RESOLUTION_MS = 5;
/** Below this the sender polls with setImmediate instead of sleeping on a ~1 ms-grained timer. */
const SPIN_WINDOW_MS = 2;
/** How often the first response of a point is looked for (it only sets off a telemetry scrape). */
const MARK_POLL_MS = 5;

export async function runPoint(opts: RunPointOptions): Promise<TimedPointRun> {
  const { specs, shape } = opts;
  const n = specs.length;
  const cap = shape.kind === 'open' ? shape.maxConcurrency : shape.concurrency;
  const connections = Math.min(cap ?? n, Math.max(n, 1));
  const client = new LoadClient({ ...opts.client, connections });
  // The time limit aborts the point as a cancel does; only what is reported differs.
  const limit = new AbortController();
  const limitTimer = opts.maxDurationMs !== undefined ? setTimeout(() => limit.abort(), opts.maxDurationMs) : undefined;
  const signal = opts.signal ? AbortSignal.any([opts.signal, limit.signal]) : limit.signal;
  try {
    await client.prime(Math.min(connections, MAX_PRIMED_SOCKETS));
    if (opts.warmup && opts.warmup.length > 0 && !signal.aborted) await warm(client, opts.warmup, cap, signal);
    if (!signal.aborted) await opts.beforeMeasure?.();
    const run = await measure(client, { ...opts, signal }, n, cap);
    return { ...run, timedOut: run.aborted && limit.signal.aborted && !opts.signal?.aborted };
  } finally {
    clearTimeout(limitTimer);
    await client.close();
  }
}

async function warm(client: LoadClient, warmup: readonly RequestSpec[], cap: number | null, signal: AbortSignal): Promise<void> {
  const limit = Math.max(1, Math.min(cap ?? warmup.length, warmup.length));
  let next = 0;
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    let running = 0;
    const onAbort = (): void => {
      next = warmup.length;
      if (running === 0) resolve();
      else client.cancelAll();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const launch = (): void => {
      while (running < limit && next < warmup.length) {
        const i = next++;
        running++;
        const rec = blankRecord(i, warmup[i]!, 0, 0, performance.now() - t0);
        client.send(warmup[i]!, rec, t0, () => {
          running--;
          if (next >= warmup.length && running === 0) {
            signal.removeEventListener('abort', onAbort);
            resolve();
          } else launch();
        });
      }
    };
    launch();
  });
}

function measure(client: LoadClient, opts: RunPointOptions, n: number, cap: number | null): Promise<PointRun & { earlyEnd: EarlyEnd }> {
  const { specs, shape, signal } = opts;
  const records: RequestRecord[] = new Array(n);
  const queue: RequestRecord[] = [];
  let queueHead = 0;
  let sent = 0;
  let started = 0;
  let inFlight = 0;
  let finished = 0;
  let failed = 0;
  let aborted = false;
  // Adaptive points: completions in order, and why sending stopped early.
  const early = opts.stopWhen;
  const completed: RequestRecord[] = [];
  let earlyEnd: EarlyEnd = null;
  // A cut point: requests from `cutAt` on only keep the load; when `doneBelowCut` reaches it, the point ends.
  let cutAt: number | null = null;
  let doneBelowCut = 0;
  let cutEndMs = 0;
  const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });

  return new Promise<PointRun & { earlyEnd: EarlyEnd }>((resolve) => {
    const t0 = performance.now();
    // A session's next turn is due when its previous answer ended, plus the think time.
    const sessions =
      shape.kind === 'sessions'
        ? new SessionDriver(
            shape.plan,
            shape.concurrency,
            (i, due) => dispatch(i, due),
            () => performance.now() - t0,
          )
        : undefined;
    let progressTimer: NodeJS.Timeout | undefined;
    let scheduleTimer: NodeJS.Timeout | undefined;
    let scheduleImmediate: NodeJS.Immediate | undefined;
    let markTimer: NodeJS.Timeout | undefined;
    let earlyTimer: NodeJS.Timeout | undefined;
    let settled = false;
    // Marks for the telemetry: the first response (events the warm-up read do not count).
    const events0 = client.events;
    let firstSeen = false;
    const lookForFirst = (): void => {
      if (client.events === events0 && finished === 0) return;
      firstSeen = true;
      clearInterval(markTimer);
      if (inFlight > 0) opts.onLoadMark?.();
    };

    const settle = (): void => {
      if (settled) return;
      settled = true;
      const durationMs = cutAt !== null && earlyEnd === 'check' && !aborted ? cutEndMs : performance.now() - t0;
      loop.disable();
      if (progressTimer) clearInterval(progressTimer);
      if (scheduleTimer) clearTimeout(scheduleTimer);
      if (scheduleImmediate) clearImmediate(scheduleImmediate);
      clearInterval(markTimer);
      clearTimeout(earlyTimer);
      sessions?.stop();
      signal?.removeEventListener('abort', onAbort);
      const lag = (v: number): number | null => (loop.count > 0 ? Math.max(0, v / 1e6 - LOOP_RESOLUTION_MS) : null);
      resolve({
        records: records.filter((r) => r !== undefined && (cutAt === null || r.index < cutAt)),
        durationMs,
        t0Ms: t0,
        aborted,
        earlyEnd,
        health: {
          eventLoopLagP99Ms: lag(loop.percentile(99)),
          eventLoopLagMaxMs: lag(loop.max),
          reads: client.reads,
          events: client.events,
        },
      });
    };

    const onDone = (rec: RequestRecord): void => {
      inFlight--;
      finished++;
      if (!rec.success) failed++;
      if (cutAt !== null) {
        if (rec.index < cutAt && ++doneBelowCut === cutAt) endCut();
      } else if (early) {
        completed.push(rec);
        if (earlyEnd === null && completed.length % early.every === 0 && early.check(completed, cutCount(early.every))) {
          if (sessions) stopSending('check');
          else beginCut(cutCount(early.every));
        }
      }
      if (sessions && !aborted && earlyEnd === null) sessions.onDone(rec);
      if (finished === n || sessions?.over || ((aborted || earlyEnd !== null) && inFlight === 0)) return settle();
      if (aborted || earlyEnd !== null || sessions) return;
      if (shape.kind === 'closed') {
        if (sent < n) {
          // The next request was due the moment the last one's final bytes arrived.
          dispatch(sent, rec.endMs ?? performance.now() - t0);
        }
      } else if (queueHead < queue.length) {
        const q = queue[queueHead]!;
        queue[queueHead++] = undefined as unknown as RequestRecord;
        start(q);
      }
    };

    /** Hands a request to the HTTP library; `now` when the caller has just read the clock. */
    const start = (rec: RequestRecord, now = performance.now() - t0): void => {
      rec.startMs = rec.dispatchMs = now;
      inFlight++;
      started++;
      client.send(specs.at(rec.index)!, rec, t0, onDone);
    };

    const dispatch = (i: number, scheduledMs: number): void => {
      const arrival = performance.now() - t0;
      const rec = blankRecord(i, specs.at(i)!, scheduledMs, arrival, arrival);
      records[i] = rec;
      sent++;
      if (cap !== null && shape.kind === 'open' && inFlight >= cap) queue.push(rec);
      else start(rec, arrival);
      if (sent === n && firstSeen && inFlight > 0) opts.onLoadMark?.();
    };

    /** Sends nothing more: clears the schedule and drops queued requests (never sent, so not records). */
    const dropUnsent = (): void => {
      sessions?.stop();
      if (scheduleTimer) clearTimeout(scheduleTimer);
      if (scheduleImmediate) clearImmediate(scheduleImmediate);
      for (let i = queueHead; i < queue.length; i++) delete records[queue[i]!.index];
      queue.length = queueHead;
    };

    const onAbort = (): void => {
      aborted = true;
      dropUnsent();
      if (inFlight === 0) settle();
      else client.cancelAll();
    };

    /** Completed so far, rounded up to a multiple of `every` (at most all): a cut as early as the figures seen allow. */
    const cutCount = (every: number): number => Math.min(n, Math.ceil(completed.length / every) * every);

    /** The adaptive stop: requests below `at` are measured, the rest only keep the load until those finish. */
    const beginCut = (at: number): void => {
      cutAt = at;
      doneBelowCut = completed.filter((r) => r.index < at).length;
      if (doneBelowCut === at) endCut();
    };

    const endCut = (): void => {
      cutEndMs = performance.now() - t0;
      earlyEnd = 'check';
      dropUnsent();
      if (inFlight === 0) settle();
      else client.cancelAll();
    };

    /** The adaptive stop of sessions and the stop at max-duration: the requests in flight finish and count. */
    const stopSending = (why: 'check' | 'time'): void => {
      if (earlyEnd !== null || aborted) return;
      earlyEnd = why;
      dropUnsent();
      if (inFlight === 0) settle();
    };

    loop.enable();
    if (opts.onProgress) {
      const report = (): void =>
        opts.onProgress!({ total: n, sent: started, completed: finished - failed, failed, inFlight, elapsedMs: performance.now() - t0 });
      progressTimer = setInterval(report, opts.progressIntervalMs ?? 250);
    }
    if (signal?.aborted) {
      aborted = true;
      return settle();
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    if (n === 0) return settle();
    if (early?.maxMs !== undefined) earlyTimer = setTimeout(() => stopSending('time'), early.maxMs);
    if (opts.onLoadMark) markTimer = setInterval(lookForFirst, MARK_POLL_MS);

    if (shape.kind === 'sessions') return sessions?.start();
    if (shape.kind === 'closed') {
      const c = Math.min(shape.concurrency, n);
      for (let i = 0; i < c; i++) dispatch(i, 0);
      return;
    }

    // Open loop: sends against absolute times from t0 (never chained sleeps); a late send does not
    // delay the next one. Sleeps on a timer until ~2 ms before a send, then polls with setImmediate,
    // which still lets I/O run between polls, for sub-millisecond accuracy.
    const schedule = shape.scheduleMs;
    let next = 0;
    const tick = (): void => {
      scheduleTimer = undefined;
      scheduleImmediate = undefined;
      if (aborted || earlyEnd !== null) return;
      while (next < n && schedule[next]! <= performance.now() - t0) {
        dispatch(next, schedule[next]!);
        next++;
      }
      if (next >= n) return;
      const wait = schedule[next]! - (performance.now() - t0);
      if (wait > SPIN_WINDOW_MS) scheduleTimer = setTimeout(tick, wait - SPIN_WINDOW_MS + 0.5);
      else scheduleImmediate = setImmediate(tick);
    };
    tick();
  });
}

function blankRecord(index: number, spec: RequestSpec, scheduledMs: number, arrivalMs: number, startMs: number): RequestRecord {
  return {
    index,
    datasetIndex: spec.datasetIndex,
    success: false,
    errorKind: null,
    error: null,
    httpStatus: null,
    scheduledMs,
    arrivalMs,
    dispatchMs: startMs,
    startMs,
    ttftMs: null,
    itlMs: [],
    latencyMs: null,
    endMs: null,
    promptTokens: null,
    intendedPromptTokens: spec.intendedPromptTokens,
    outputTokens: null,
    tokenChunks: 0,
    maxTokens: spec.maxTokens,
    coalescedChunks: 0,
    responseId: null,
  };
}
