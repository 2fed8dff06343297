// The gate's pass/fail line of each metric of each point, from the baseline history: the baseline
// value (the mean of its valid runs) moved in its bad direction by what a regression must exceed,
// the larger of the tolerance and the history's noise (judge.ts: the same edge the gate judges by).
// Lines are per request count (the gate compares over the same first N requests), and each says
// what the baseline runs show of how a run's standing moves from N requests to all of theirs, so
// an adaptive point can stop once more requests would not change the verdict.
import type { DecisionLine } from '../metrics/precision.js';
import type { MetricMap, Point, ResultsDocument } from '../results/schema-types.gen.js';
import { countOf, figuresAt } from './prefix.js';
import { sampleSd, tQuantile } from './stats.js';
import { mean } from '../metrics/stats.js';
import { noiseOf, toleranceAmount } from './judge.js';
import { lookLevel, ruleFor, type GateSettings } from './settings.js';

/** Gated metrics' lines of a point (suite and key of this run) over its first N requests; undefined with no baseline for the point. */
export type DecisionLinesOf = (suite: string, key: string) => ((requests: number) => Record<string, DecisionLine> | undefined) | undefined;

export function decisionLines(baseline: readonly ResultsDocument[], settings: GateSettings): DecisionLinesOf {
  const renamed = (name: string): string => settings.suiteMap[name] ?? name;
  return (suite, key) => {
    const points: Point[] = [];
    for (const doc of baseline)
      for (const s of doc.suites)
        if (renamed(s.name) === suite) for (const p of s.points) if (p.key === key && p.validity.valid) points.push(p);
    if (points.length === 0) return undefined;
    // The most requests every baseline run measured: what the verdict over fewer is set against.
    const counts = points.map(countOf);
    const most = counts.every((n) => n !== undefined) ? Math.min(...(counts as number[])) : undefined;
    const finalMaps = most !== undefined ? points.map((p) => figuresAt(p, most)) : [];
    const finals = finalMaps.every((m) => m !== undefined) ? linesOf(finalMaps as MetricMap[], suite, settings) : undefined;
    return (requests) => {
      // Every baseline run needs figures over exactly these requests (the gate compares over them).
      const maps = points.map((p) => figuresAt(p, requests));
      if (maps.some((m) => m === undefined)) return undefined;
      const lines = linesOf(maps as MetricMap[], suite, settings);
      if (finals && most !== undefined && requests < most && points.length >= 3)
        for (const [m, line] of Object.entries(lines)) {
          const final = finals[m];
          const moves = maps.map((here, j) => standing(finalMaps[j]!, m, final) - standing(here!, m, line));
          if (final && moves.every(Number.isFinite))
            line.toFinal = {
              lineRatio: final.line / final.baseline,
              half: tQuantile(1 - (1 - STOP_LEVEL) / 2, moves.length - 1) * sampleSd(moves) * Math.sqrt(1 + 1 / moves.length),
            };
        }
      return lines;
    };
  };
}

/** The stop's prediction of the final verdict is at this level (a wrong one costs power, not a false alarm). */
const STOP_LEVEL = 0.95;

/** A run's figure over its baseline's mean (NaN when either is missing). */
function standing(metrics: MetricMap, metric: string, line: DecisionLine | undefined): number {
  const v = metrics[metric];
  return typeof v === 'number' && line && line.baseline !== 0 ? v / line.baseline : NaN;
}

function linesOf(maps: readonly MetricMap[], suite: string, settings: GateSettings): Record<string, DecisionLine> {
  const values = new Map<string, number[]>();
  for (const metrics of maps)
    for (const [m, v] of Object.entries(metrics)) if (typeof v === 'number') values.set(m, [...(values.get(m) ?? []), v]);
  const out: Record<string, DecisionLine> = {};
  for (const [m, vs] of values) {
    const r = ruleFor(settings, suite, m);
    if (r.role !== 'gated') continue;
    const b = mean(vs)!;
    const edge = Math.max(
      toleranceAmount(r.rule, b, r.info.unit),
      noiseOf({ history: vs, current: b }, settings, lookLevel(settings), r.info.family).half,
    );
    const higherIsBetter = r.info.direction === 'higher-is-better';
    out[m] = { baseline: b, line: higherIsBetter ? b - edge : b + edge, higherIsBetter };
  }
  return out;
}
