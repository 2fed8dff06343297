// The gate's pass/fail line of each metric of each point, from the baseline history: the baseline
// value (the mean of its valid runs) moved in its bad direction by what a regression must exceed,
// the larger of the tolerance and the history's noise (judge.ts: the same edge the gate judges by).
// An adaptive point whose interval lies wholly on one side of every line can stop: more requests
// would not change whether the gate passes.
import type { DecisionLine } from '../metrics/precision.js';
import type { MetricMap, Point, ResultsDocument } from '../results/schema-types.gen.js';
import { figuresAt } from './prefix.js';
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
    return (requests) => {
      // Every baseline run needs figures over exactly these requests (the gate compares over them).
      const maps = points.map((p) => figuresAt(p, requests));
      if (maps.some((m) => m === undefined)) return undefined;
      return linesOf(maps as MetricMap[], suite, settings);
    };
  };
}

function linesOf(maps: readonly MetricMap[], suite: string, settings: GateSettings): Record<string, DecisionLine> {
  const values = new Map<string, number[]>();
  for (const metrics of maps)
    for (const [m, v] of Object.entries(metrics)) if (typeof v === 'number') values.set(m, [...(values.get(m) ?? []), v]);
  const out: Record<string, DecisionLine> = {};
  for (const [m, vs] of values) {
    const r = ruleFor(settings, suite, m);
    if (r.role !== 'gated') continue;
    const b = vs.reduce((a, v) => a + v, 0) / vs.length;
    const edge = Math.max(
      toleranceAmount(r.rule, b, r.info.unit),
      noiseOf({ history: vs, current: b }, settings, lookLevel(settings), r.info.family).half,
    );
    const higherIsBetter = r.info.direction === 'higher-is-better';
    out[m] = { baseline: b, line: higherIsBetter ? b - edge : b + edge, higherIsBetter };
  }
  return out;
}
