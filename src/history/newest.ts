// The newest change: are the newest runs off the level of the segment before them? The question a
// nightly job asks after each run, answered by the test built for it.
//
// E-divisive's two-sample t-test weighs 3 new runs against a long history with the pooled variance
// of both sides, and a change this new must pass a p strict enough for being re-tested every night;
// a 5% step at CV 2% (2.5 σ) seldom passes before 5 or 6 runs are in. Here:
//
//   - σ comes from the segment before alone (spikes left out): t = (mean(new) − mean(before)) /
//     (s_before · √(1/m + 1/j)) is Student's t with m − 1 degrees of freedom (exact for normal
//     noise: the new runs' mean and s_before are independent), where a pooled t with 3 points on one
//     side pays for them, and a step among the new runs cannot widen its own yardstick.
//   - One test a night: the newest 3 runs (4 or 5 when a spike among them is left out). Its p is set
//     for the false alarms of that night-by-night scan, measured by `npm run bench:history`.
//   - A change is a level, not one run: a spike among the new runs is left out (judged against the
//     other new runs, see newRunsWithoutSpikes), 3 runs must remain, all on the side the change went,
//     and without the run that moved most the others must still show it. The change must exceed the
//     family's noise floor scaled to m and j runs.
import { incompleteBeta } from '../compare/stats.js';
import { mean, median, relative, robustScale, withoutOutliers } from './robust.js';

/** The most new runs the test looks at: from SHORT_SIDE runs on, e-divisive places the change. */
export const NEWEST_MAX_RUNS = 5;
/** Fewest runs before the new ones: σ from fewer is too loose to say anything at this p. */
export const NEWEST_MIN_BEFORE = 6;

export interface NewestOptions {
  /** Fewest new runs (left after their spikes) that make a change. */
  minSegment: number;
  /** Largest two-sided p of the newest-runs test. */
  pValue: number;
  /** Smallest relative change between two single runs (scaled to the runs compared). */
  floor: number;
  /** The way a regression moves the figures: only changes that way count (one-sided); both when unset. */
  regression?: 'up' | 'down';
}

export interface NewestChange {
  /** Position in xs of the first new run. */
  cut: number;
  before: number;
  after: number;
  change: number;
  pValue: number;
}

/**
 * The change of the newest runs of xs against xs[start..cut), or null when there is none. Whether
 * there is one is the newest `minSegment` runs' test alone (when a spike among them leaves fewer,
 * one more run is taken, up to NEWEST_MAX_RUNS), so the scan costs one test a night, not three:
 * fewer false alarms for the same p. Where it is: of the newest 3 to NEWEST_MAX_RUNS runs, the split
 * whose test is strongest (a step 4 runs back shows in the newest 3 and is placed 4 back).
 */
export function newestChange(xs: readonly number[], start: number, o: NewestOptions): NewestChange | null {
  let found = false;
  let best: NewestChange | null = null;
  for (let j = o.minSegment; j <= NEWEST_MAX_RUNS; j++) {
    const cut = xs.length - j;
    if (cut - start < NEWEST_MIN_BEFORE) break;
    const t = newestTest(xs.slice(start, cut), xs.slice(cut), o.minSegment);
    const need = o.floor * Math.sqrt((1 / t.nBefore + 1 / t.nAfter) / 2);
    const way = o.regression === undefined || (o.regression === 'up' ? t.change > 0 : t.change < 0);
    const passes = way && t.pValue <= o.pValue && Math.abs(t.change) >= need;
    if (!found) {
      if (t.nAfter < o.minSegment) continue; // a spike among them: one run further back
      if (!passes) return null;
      found = true;
    }
    if (passes && (best === null || t.pValue < best.pValue))
      best = { cut, before: t.before, after: t.after, change: t.change, pValue: t.pValue };
  }
  return best && !looksNewer(xs, start, best, o.minSegment) ? best : null;
}

/**
 * Whether a change placed at the newest `min` runs fits better a run later: the newest min − 1 runs
 * against all before them. A step 2 runs old shows in the newest 3 (the run before it low by chance)
 * and would be placed a run early, naming the wrong commits; a night later it is placed right.
 */
function looksNewer(xs: readonly number[], start: number, c: NewestChange, min: number): boolean {
  if (c.cut !== xs.length - min || min < 2) return false;
  const t = newestTest(xs.slice(start, c.cut + 1), xs.slice(c.cut + 1), min - 1);
  const first = xs[c.cut]!;
  const nearerBefore = Math.abs(first - c.before) < Math.abs(first - t.after);
  return nearerBefore && t.pValue < c.pValue && Math.sign(t.change) === Math.sign(c.change);
}

export interface NewestTest {
  before: number;
  after: number;
  change: number;
  nBefore: number;
  nAfter: number;
  /** Two-sided p of t = (mean(after) − mean(before)) / (s_before · √(1/m + 1/j)), df = m − 1. */
  pValue: number;
}

/** The new runs against the runs before them, spikes left out of both, σ from the runs before. */
export function newestTest(before: readonly number[], after: readonly number[], min: number): NewestTest {
  const mb = median(before);
  const ma = median(after);
  const scale = robustScale(before, mb, after, ma);
  const b = withoutOutliers(before, mb, scale, ma);
  const a = newRunsWithoutSpikes(after, scale, mb);
  const meanB = mean(b);
  const meanA = mean(a);
  const out = { before: meanB, after: meanA, change: relative(meanB, meanA), nBefore: b.length, nAfter: a.length, pValue: 1 };
  // Every new run must sit on the side the change went: a change of level moves them all; two
  // spikes and a normal run do not make one.
  const consistent = a.every((x) => (meanA < meanB ? x < meanB : x > meanB));
  if (a.length < min || b.length < 3 || !consistent) return out;
  let ss = 0;
  for (const x of b) ss += (x - meanB) ** 2;
  const df = b.length - 1;
  const se = Math.sqrt((ss / df) * (1 / b.length + 1 / a.length));
  if (se === 0 || !Number.isFinite(se)) return { ...out, pValue: meanA === meanB ? 1 : 0 };
  const pOf = (t: number): number => incompleteBeta(df / (df + t * t), df / 2, 0.5);
  // The change must not hang on one run: without the new run that moved most, the others must
  // still have moved (p ≤ NEW_RUN_SUPPORT_P). A spike just under the spike limit and two ordinary runs fail this.
  const down = meanA < meanB;
  const rest = [...a].sort((x, y) => (down ? y - x : x - y)).slice(0, -1);
  const tRest = (mean(rest) - meanB) / Math.sqrt((ss / df) * (1 / b.length + 1 / rest.length));
  if (pOf(tRest) > NEW_RUN_SUPPORT_P) return out;
  return { ...out, pValue: pOf((meanA - meanB) / se) };
}

/** How much the new runs without the one that moved most must still show the change. */
const NEW_RUN_SUPPORT_P = 0.1;

/**
 * How many robust deviations from the other new runs make a new run a spike: tighter than OUTLIER,
 * as 3 new runs are all the evidence a change has; a run of a real step is that far from the other
 * two about once in 70 (their difference has 1.22 σ), and is then left out, not counted against it.
 */
const NEW_RUN_OUTLIER = 3;

/**
 * The new runs without their spikes: while 3 or more remain, the run farthest from the median of the
 * others goes if it is more than NEW_RUN_OUTLIER robust deviations (scaled to the new runs' level)
 * from it, two at most. Among 3 runs a spike moves the median of all 3 towards itself, and the median
 * of the other two away from the ordinary ones; the median of the two others of the spike does not
 * move, so it is the farthest. A run as far from the level before stays.
 */
function newRunsWithoutSpikes(xs: readonly number[], scale: number, before: number): readonly number[] {
  let kept = [...xs];
  for (let dropped = 0; dropped < 2 && kept.length >= 3; dropped++) {
    let far = -1;
    let farDistance = 0;
    kept.forEach((x, i) => {
      const others = median(kept.filter((_, k) => k !== i));
      // Run noise is relative (a CV): at a level 50% higher, runs spread 50% wider.
      const limit = NEW_RUN_OUTLIER * scale * (before !== 0 ? Math.abs(others / before) : 1);
      const d = Math.abs(x - others) / limit;
      // A run back at the level before is no spike: the new runs are not one level.
      if (d > 1 && d > farDistance && Math.abs(x - before) > limit) {
        far = i;
        farDistance = d;
      }
    });
    if (far < 0) break;
    kept = kept.filter((_, k) => k !== far);
  }
  return kept;
}
