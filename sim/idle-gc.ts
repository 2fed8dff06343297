// Young-generation garbage collection moved into the time between steps. A scavenge stops the
// event loop for 1-6 ms; left to V8 it comes when the young generation is full, which at 1,000
// streams is now and then right at a step's deadline, and the step fires late (bench:sim counts
// those). Between two slices of a step's writes, or after them, when the young generation is over
// half full and the next deadline is far enough away, a minor collection runs there instead. It
// collects what V8 would have collected anyway, a little early, away from the deadline.
import v8 from 'node:v8';
import vm from 'node:vm';

type GcFunction = (options?: { type?: 'minor' | 'major' }) => void;

/** V8's gc(), exposed at run time (no command-line flag needed), or null where that fails. */
function exposeGc(): GcFunction | null {
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as GcFunction) : null;
  } catch {
    return null;
  }
}

/** Young generation this full (used / capacity) is collected in a quiet window. */
const FILL = 0.5;
/** Reading the heap's statistics costs ~10-20 us: at most once per this long. */
const CHECK_EVERY_S = 0.002;

export class IdleScavenger {
  private readonly gc = exposeGc();
  /** How long our scavenges take lately, seconds (the longest, decaying), so a window can fit one. */
  private recent = 0.002;
  private lastCheck = -Infinity;
  scavenges = 0;

  /** Collects the young generation now if it is over half full and `quietS` leaves room for it. */
  maybe(quietS: number, now: () => number): void {
    if (this.gc === null || quietS < 1.5 * this.recent + 0.0005) return;
    const t = now();
    if (t - this.lastCheck < CHECK_EVERY_S) return;
    this.lastCheck = t;
    const young = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    if (!young || young.space_used_size < FILL * (young.space_used_size + young.space_available_size)) return;
    this.gc({ type: 'minor' });
    this.recent = Math.max(now() - t, 0.8 * this.recent);
    this.scavenges++;
  }
}
