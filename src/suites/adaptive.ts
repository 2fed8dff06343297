// Adaptive points (a serving suite's `stop`): turns the config into the load runner's early-stop
// check, and the run into the results' record of how the point stopped and the intervals reached.
import type { AdaptiveStop as StopConfig } from '../config/schema-types.gen.js';
import { parseDuration } from '../config/duration.js';
import type { EarlyStop, TimedPointRun } from '../load/runner.js';
import {
  PRECISION_METRICS,
  stopDecision,
  type DecisionLine,
  type Interval,
  type PrecisionMetric,
  type StopHow,
  type StopRule,
} from '../metrics/precision.js';
import type { AdaptiveStop } from '../results/schema-types.gen.js';

/** The gate's line of each metric of a point, by metric name. */
export type DecisionLines = Readonly<Record<string, DecisionLine>>;
/** A point's lines for its first N requests; undefined when the baseline has no figures over exactly N. */
export type LinesAt = (requests: number) => DecisionLines | undefined;

/** Intervals are built at this confidence. */
const LEVEL = 0.95;
/**
 * The stop check runs every this many completions (cheap for the load loop, fine-grained enough to
 * stop soon), and a point is cut at, and records its figures over, multiples of it.
 */
export const CHECK_EVERY = 16;

export interface PointStopPlan {
  stopWhen: EarlyStop;
  /** The rule without lines; `linesAt` gives them for a count. */
  rule: StopRule;
  linesAt: LinesAt | undefined;
  /** The metrics the verdict is decided on (those of them with a line). */
  decidedOn: readonly PrecisionMetric[];
  /** What the last check that stopped the point decided, and (decided) which metrics lay beyond their lines. */
  how: StopHow | undefined;
  beyond?: string[];
}

export interface AdaptivePlan {
  forPoint(
    pp: { closed: boolean; concurrency: number | null; requestRate: number | 'inf' | null },
    linesAt: LinesAt | undefined,
    /** Never cut below this many requests (a confirmation rerun: the count its first run was judged over). */
    floor?: number,
  ): PointStopPlan;
}

export function adaptivePlan(cfg: StopConfig, ctx: { stream: boolean; path: string }): AdaptivePlan {
  const margin = Number((cfg.margin ?? '2%').replace('%', '')) / 100;
  const minRequests = cfg['min-requests'] ?? 64;
  const maxMs = cfg['max-duration'] !== undefined ? parseDuration(cfg['max-duration'], { path: `${ctx.path}.max-duration` }) : undefined;
  const latencies: PrecisionMetric[] = ctx.stream ? ['median_ttft_ms', 'median_tpot_ms'] : ['median_e2el_ms'];
  return {
    forPoint(pp, linesAt, floor) {
      // Below saturation an open loop's throughput is the arrival rate, Poisson noise included: not
      // the server's figure to be made precise, so only a closed loop or an unbounded rate watches it.
      const arrivalBound = !pp.closed && typeof pp.requestRate === 'number';
      const metrics: PrecisionMetric[] = cfg.metrics ?? (arrivalBound ? latencies : [...latencies, 'output_throughput']);
      // The verdict is decided on every gated metric an interval can be built for (a regression of
      // any one fails the point), save an arrival-bound point's throughput, or on the ones `metrics` names.
      const decidedOn = cfg.metrics ?? PRECISION_METRICS.filter((m) => !(arrivalBound && m === 'output_throughput'));
      const rule: StopRule = {
        metrics,
        margin,
        minRequests: Math.max(minRequests, floor ?? 0),
        // A closed loop (or a capped rate) starts with C requests at once: their completions are the ramp-up.
        skip: pp.concurrency ?? 0,
        level: LEVEL,
      };
      const plan: PointStopPlan = {
        rule,
        linesAt,
        decidedOn,
        how: undefined,
        stopWhen: {
          every: CHECK_EVERY,
          maxMs,
          // The gate judges a cut point over its first `cutAt` requests: the lines for that count decide.
          check: (completed, cutAt) => {
            const d = stopDecision(completed, ruleAt(plan, cutAt));
            if (d.stop) {
              plan.how = d.how;
              plan.beyond = d.beyond ?? [];
            }
            return d.stop;
          },
        },
      };
      return plan;
    },
  };
}

/** The rule with the gate's lines of the watched metrics for a point of `requests` requests. */
function ruleAt(plan: PointStopPlan, requests: number): StopRule {
  const lines = plan.linesAt?.(requests);
  if (!lines) return plan.rule;
  return {
    ...plan.rule,
    cutAt: requests,
    lines: Object.fromEntries(plan.decidedOn.filter((m) => lines[m]).map((m) => [m, lines[m]!])),
  };
}

/** How a point's run ended, with the intervals over all its records. */
export function adaptiveRecord(plan: PointStopPlan, run: TimedPointRun, planned: number): AdaptiveStop {
  const rule = ruleAt(plan, run.records.length);
  const final = stopDecision(run.records, { ...rule, minRequests: 0 });
  const how: AdaptiveStop['how'] =
    run.earlyEnd === 'check'
      ? (plan.how ?? 'precise')
      : run.earlyEnd === 'time'
        ? 'max-duration'
        : run.aborted
          ? 'interrupted'
          : 'all-requests';
  const intervals: AdaptiveStop['intervals'] = {};
  const lines: Readonly<Record<string, DecisionLine | undefined>> = rule.lines ?? {};
  for (const [m, iv] of Object.entries(final.intervals)) intervals[m] = iv ? intervalRecord(iv, lines[m]) : null;
  return {
    how,
    reason: reasonOf(how, run.records.length, planned, rule, final.intervals, plan.beyond ?? []),
    requests: run.records.length,
    'planned-requests': planned,
    margin: plan.rule.margin,
    intervals,
  };
}

function intervalRecord(iv: Interval, line: DecisionLine | undefined): NonNullable<AdaptiveStop['intervals'][string]> {
  return {
    estimate: iv.estimate,
    low: iv.low,
    high: iv.high,
    'relative-half-width': iv.relHalfWidth,
    batches: iv.batches,
    ...(line ? { line: line.line } : {}),
  };
}

function reasonOf(
  how: AdaptiveStop['how'],
  n: number,
  planned: number,
  rule: StopRule,
  ivs: Record<string, Interval | null>,
  beyond: readonly string[],
): string {
  const widths = Object.entries(ivs)
    .map(([m, iv]) => `${m} ±${iv ? (iv.relHalfWidth * 100).toFixed(1) : '?'}%`)
    .join(', ');
  const pct = `${(rule.margin * 100).toFixed(1).replace(/\.0$/, '')}%`;
  if (how === 'precise') return `stopped after ${n} of ${planned} requests: every interval within ±${pct} (${widths})`;
  // As the check that stopped the point decided it (an interval, or a standing the baseline predicts).
  if (how === 'decided')
    return beyond.length > 0
      ? `stopped after ${n} of ${planned} requests: ${beyond.join(', ')} ${beyond.length === 1 ? 'lies' : 'lie'} wholly beyond the gate's line, so more requests would not change the verdict (${widths})`
      : `stopped after ${n} of ${planned} requests: every metric lies wholly inside the gate's line, so more requests would not change the verdict (${widths})`;
  if (how === 'interrupted') return `interrupted after ${n} of ${planned} requests (${widths})`;
  if (how === 'max-duration') return `stopped at the stop's max-duration after ${n} of ${planned} requests, short of ±${pct} (${widths})`;
  return `sent all ${planned} planned requests without reaching ±${pct} (${widths})`;
}
