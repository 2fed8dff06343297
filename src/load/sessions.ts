// Sessions: requests that must go one after another, each after the previous one's answer and a
// think time (a user reading and typing), as a multi-turn chat is. A point keeps `concurrency`
// sessions in flight (a closed loop over sessions, not over requests): when a session ends, the next
// one starts. Every turn's request is built before the point, in session order, so a session is a
// run of consecutive indices in the point's request list.
import type { RequestRecord } from './types.js';

export interface SessionPlan {
  /** The first request index of each session, then the number of requests (sessions + 1 entries). */
  starts: Int32Array;
  /** Wait between an answer and the session's next turn, ms. */
  thinkMs: number;
}

/** How many sessions a plan holds. */
export function sessionCount(plan: SessionPlan): number {
  return plan.starts.length - 1;
}

/** The session of request `index` and its turn in it (0 for the first). */
export function turnOf(plan: SessionPlan, index: number): { session: number; turn: number } {
  const s = plan.starts;
  let lo = 0;
  let hi = s.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (s[mid]! <= index) lo = mid;
    else hi = mid - 1;
  }
  return { session: lo, turn: index - s[lo]! };
}

/**
 * Sends the turns of a plan's sessions, at most `concurrency` sessions at once. A session ends after
 * its last turn, or after a turn that failed (its next turns would answer a conversation the server
 * never saw through); its remaining turns are then not sent.
 */
export class SessionDriver {
  private nextSession = 0;
  private ended = 0;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly plan: SessionPlan,
    private readonly concurrency: number,
    /** Sends request `index`, which was due at `dueMs` (ms since t0). */
    private readonly send: (index: number, dueMs: number) => void,
    /** ms since t0. */
    private readonly now: () => number,
  ) {}

  /** Every session has ended. */
  get over(): boolean {
    return this.ended === sessionCount(this.plan);
  }

  /** The first turns of the first sessions, all due at t0. */
  start(): void {
    const first = Math.min(this.concurrency, sessionCount(this.plan));
    for (let i = 0; i < first; i++) this.send(this.plan.starts[this.nextSession++]!, 0);
  }

  /** A turn's response ended: its session's next turn after the think time, or the next session. */
  onDone(rec: RequestRecord): void {
    const end = rec.endMs ?? this.now();
    const { session } = turnOf(this.plan, rec.index);
    const last = rec.index + 1 >= this.plan.starts[session + 1]!;
    if (!rec.success || last) {
      this.ended++;
      // The next session's first turn was due the moment this one's last bytes arrived.
      if (this.nextSession < sessionCount(this.plan)) this.send(this.plan.starts[this.nextSession++]!, end);
      return;
    }
    const due = end + this.plan.thinkMs;
    const wait = due - this.now();
    if (wait <= 0) return this.send(rec.index + 1, due);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.send(rec.index + 1, due);
    }, wait);
    this.timers.add(timer);
  }

  /** Sends nothing more (a cancel, a time limit, the end of the point). */
  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.nextSession = sessionCount(this.plan);
  }

  /** Turns waiting out a think time. */
  get thinking(): number {
    return this.timers.size;
  }
}
