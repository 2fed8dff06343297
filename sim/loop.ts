// Drives the engine in real time. Steps are scheduled against absolute monotonic deadlines: the
// next step starts at the previous step's deadline, not when its timer happened to fire, so timer
// lateness never accumulates. A coarse setTimeout gets within ~1.5 ms of the deadline, then
// setImmediate polls (letting I/O run in between) until it is reached.
import { performance } from 'node:perf_hooks';
import type { Engine } from './engine.js';

/** Seconds on the process's monotonic clock. */
export function monoNow(): number {
  return performance.now() / 1000;
}

export const COARSE_MARGIN_S = 0.0015;
/** When a step fires this late, the schedule resynchronises to now instead of catching up. */
const RESYNC_LATE_S = 0.05;
const ERR_RING = 1 << 16;
/** A step this late is kept apart (with its deadline) so its cause can be looked for. */
const LATE_S = 0.0005;
const LATE_RING = 256;

export class RealtimeLoop {
  private armed = false;
  private deadline = 0;
  private inStep = false;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private stopped = false;
  /** True while a step ends and the next is planned (the engine's work, not an I/O callback). */
  inStepWork = false;
  /** Step-timing errors (fire time - deadline, seconds), ring buffer. */
  readonly errors = new Float64Array(ERR_RING);
  errorCount = 0;
  private readonly late = new Float64Array(LATE_RING * 2);
  private lateCount = 0;

  constructor(
    private readonly engine: Engine,
    private readonly now: () => number = monoNow,
  ) {}

  /** Call after adding a request: starts the engine if idle, or wakes it earlier. */
  kick(): void {
    if (this.stopped || this.inStep) return;
    const t = this.now();
    if (!this.armed) {
      this.plan(t);
      return;
    }
    // Idle-waiting for a pending request: re-arm if a newly added one is ready sooner.
    const next = this.engine.nextReadyAt();
    if (next < this.deadline) this.arm(Math.max(next, t));
  }

  /** Seconds until the next step is due (Infinity when none is planned). */
  untilDeadline(): number {
    return this.armed ? this.deadline - this.now() : Infinity;
  }

  stop(): void {
    this.stopped = true;
    this.cancel();
  }

  private plan(t: number): void {
    const d = this.engine.beginStep(t);
    if (d >= 0) {
      this.inStep = true;
      this.arm(t + d);
      return;
    }
    const next = this.engine.nextReadyAt();
    if (next !== Infinity) this.arm(Math.max(next, t));
    else this.armed = false;
  }

  private arm(deadline: number): void {
    this.armed = true;
    this.deadline = deadline;
    this.cancel();
    // Never fire synchronously from here: each step passes through the event loop at least once,
    // so I/O is served even while the loop catches up on a late schedule.
    const rem = deadline - this.now();
    if (rem > COARSE_MARGIN_S) this.timer = setTimeout(this.tick, Math.floor((rem - COARSE_MARGIN_S) * 1000));
    else this.immediate = setImmediate(this.tick);
  }

  /** Drops the pending timer or poll, so only one chain ever waits for the deadline. */
  private cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
  }

  private readonly tick = (): void => {
    this.timer = null;
    this.immediate = null;
    if (this.stopped) return;
    const t = this.now();
    const rem = this.deadline - t;
    if (rem <= 0) {
      this.inStepWork = true;
      try {
        this.fire(t);
      } finally {
        this.inStepWork = false;
      }
    } else if (rem > COARSE_MARGIN_S) {
      this.timer = setTimeout(this.tick, Math.floor((rem - COARSE_MARGIN_S) * 1000));
    } else {
      this.immediate = setImmediate(this.tick);
    }
  };

  private fire(t: number): void {
    const deadline = this.deadline;
    this.armed = false;
    if (this.inStep) {
      this.inStep = false;
      const slot = this.errorCount++ & (ERR_RING - 1);
      this.errors[slot] = t - deadline;
      if (t - deadline > LATE_S) {
        const k = (this.lateCount++ & (LATE_RING - 1)) * 2;
        this.late[k] = deadline;
        this.late[k + 1] = t;
      }
      this.engine.endStep(t);
    }
    const start = t - deadline > RESYNC_LATE_S ? t : deadline;
    this.plan(start);
  }

  resetErrors(): void {
    this.errorCount = 0;
    this.lateCount = 0;
  }

  /** The last steps that fired more than 0.5 ms late: [deadline, fired] pairs, seconds. */
  lateSteps(): [number, number][] {
    const n = Math.min(this.lateCount, LATE_RING);
    return Array.from({ length: n }, (_, i) => [this.late[i * 2]!, this.late[i * 2 + 1]!] as [number, number]);
  }

  /** Step-timing error percentiles over the last steps, in seconds. */
  errorPercentiles(ps: number[]): number[] {
    return ringPercentiles(this.errors, this.errorCount, ps);
  }
}

/** Percentiles (0-100, nearest rank) of the last `count` values written round-robin into `ring`; 0 when empty. */
export function ringPercentiles(ring: Float64Array, count: number, ps: number[]): number[] {
  const n = Math.min(count, ring.length);
  const arr = Array.from(ring.subarray(0, n)).sort((a, b) => a - b);
  return ps.map((p) => (n === 0 ? 0 : arr[Math.min(n - 1, Math.floor((p / 100) * n))]!));
}
