// Points measured over different request counts. An adaptive point is cut once its verdict is
// settled, and under a seeded schedule the figures of the first N requests differ from those of
// all of them (the load of that stretch of the schedule differs), so points are compared over the
// same first N requests: the largest N the current point and every baseline point have figures for
// (a point's own count, or one of its prefix figures).
import { findPoint } from '../results/point-key.js';
import type { MetricMap, Point, ResultsDocument } from '../results/schema-types.gen.js';
import type { GateReport, PointComparison } from './types.js';

/** Requests a point measured: vLLM's num_prompts (an adaptive point's count when it was cut). */
export function countOf(p: Point): number | undefined {
  return p['vllm-meta']?.num_prompts ?? undefined;
}

/** A point's figures over its first `requests` requests, when it has them. */
export function figuresAt(p: Point, requests: number): MetricMap | undefined {
  if (countOf(p) === requests) return p.metrics;
  return p['prefix-figures']?.find((f) => f.requests === requests)?.metrics;
}

/**
 * The count to compare points over, or undefined when they are compared whole: no prefix figures on
 * any side, or every point measured the same count, or no count is common to all (then the whole
 * points are the best there is). Points with repeats are compared whole.
 */
export function sharedCount(points: readonly Point[]): number | undefined {
  const [first] = points;
  if (!first || points.length < 2 || points.some((p) => p.repeats) || !points.some((p) => p['prefix-figures'])) return undefined;
  const own = countOf(first);
  if (own === undefined || points.every((p) => countOf(p) === own)) return undefined;
  const counts = [own, ...(first['prefix-figures'] ?? []).map((f) => f.requests)].sort((a, b) => b - a);
  return counts.find((n) => points.every((p) => figuresAt(p, n) !== undefined));
}

/** What the report says of a point compared over its first requests. */
export function comparedOverNote(pc: PointComparison): string {
  return `${pc.suite} · ${pc.label}: compared over the first ${pc.comparedOver} requests of every run, the most they all measured (an adaptive point ends early).`;
}

/** The count each point of a report was judged over (its own, or the shared one): what a confirmation rerun must reach. */
export function judgedCount(report: GateReport, current: ResultsDocument): (suite: string, key: string) => number | undefined {
  return (suite, key) => {
    const pc = report.points.find((p) => p.suite === suite && p.key === key);
    if (pc?.comparedOver !== undefined) return pc.comparedOver;
    const p = findPoint(current.suites, suite, key);
    return p ? countOf(p) : undefined;
  };
}
