// SLO knee search (a serving suite's `search`): the highest load, a request rate or a concurrency,
// at which a point still meets every bound of the SLO. The search doubles the load from `start`
// while the SLO holds, then bisects between the last load that met it and the first that did not
// until the two are within the tolerance. Each probe is a measured point of its own; the answer is
// the suite's `slo-knee` point, whose one metric the gate judges like any other throughput.
import { sloBoundText, sloMetricOf, SLO_SEARCH_DEFAULTS } from '../config/search.js';
import type { ServingSuite, SloSearch } from '../config/schema-types.gen.js';
import { numPromptsOf } from '../load/datasets.js';
import { servingPointKey, servingPointLabel } from '../results/point-key.js';
import type { Point } from '../results/schema-types.gen.js';
import type { PlannedPoint } from './serving.js';

export type SearchOver = SloSearch['over'];

export interface SearchSpec {
  over: SearchOver;
  /** The upper bound of each metric, by metric name (p99_ttft_ms: 500). */
  slo: Readonly<Record<string, number>>;
  /** Largest relative gap left between the knee and the first load that missed (0.05). */
  tolerance: number;
  start: number;
  max: number;
}

/** What a probe measured. */
export interface ProbeMeasurement {
  metrics: Readonly<Record<string, number | null | undefined>>;
  valid: boolean;
  reasons: readonly string[];
}

/** A bound a probe did not meet; value null: the point did not report the metric. */
export interface SloMiss {
  metric: string;
  value: number | null;
  bound: number;
}

export interface ProbeRecord {
  load: number;
  phase: 'double' | 'bisect';
  met: boolean;
  misses: SloMiss[];
  /** Why the probe was invalid (an invalid probe never meets the SLO). */
  invalid?: string;
}

export type SearchOutcomeKind = 'found' | 'max-reached' | 'start-missed' | 'interrupted';

export interface SearchOutcome {
  outcome: SearchOutcomeKind;
  /** The highest load that met the SLO; null when none did. */
  knee: number | null;
  /** The lowest load above the knee that missed it; null when none was seen. */
  missedAt: number | null;
  probes: ProbeRecord[];
}

/** A measurement function; undefined: the probe was interrupted (a cancel, a crash). */
export type Measure = (load: number, phase: ProbeRecord['phase']) => Promise<ProbeMeasurement | undefined> | ProbeMeasurement | undefined;

/** A bound on the number of probes, so a tolerance of 0 cannot bisect for ever. */
export const MAX_PROBES = 40;
/** With no `max`, doubling stops at start × this (10 doublings), within the schema's bounds of a rate and a concurrency. */
export const DEFAULT_MAX_FACTOR = 1024;
const MAX_RATE = 1_000_000;
const MAX_CONCURRENCY = 16_384;
/** The most requests a point sends (as num-prompts). */
const MAX_REQUESTS = 100_000;

/** The search the config asks for, with its defaults. */
export function searchSpec(cfg: SloSearch): SearchSpec {
  const start = cfg.start ?? SLO_SEARCH_DEFAULTS.start;
  const max = Math.min(cfg.max ?? start * DEFAULT_MAX_FACTOR, cfg.over === 'concurrency' ? MAX_CONCURRENCY : MAX_RATE);
  const slo: Record<string, number> = {};
  for (const [k, v] of Object.entries(cfg.slo)) if (typeof v === 'number') slo[sloMetricOf(k)] = v;
  return {
    over: cfg.over,
    slo,
    tolerance: Number((cfg.tolerance ?? SLO_SEARCH_DEFAULTS.tolerance).replace('%', '')) / 100,
    start: cfg.over === 'concurrency' ? Math.max(1, Math.floor(start)) : start,
    max: cfg.over === 'concurrency' ? Math.max(1, Math.floor(max)) : max,
  };
}

/** Whether a probe meets the SLO: valid, and every named metric reported and within its bound. */
export function sloCheck(slo: SearchSpec['slo'], m: ProbeMeasurement): { met: boolean; misses: SloMiss[] } {
  const misses: SloMiss[] = [];
  for (const [metric, bound] of Object.entries(slo)) {
    const v = m.metrics[metric];
    const value = typeof v === 'number' && Number.isFinite(v) ? v : null;
    if (value === null || value > bound) misses.push({ metric, value, bound });
  }
  return { met: m.valid && misses.length === 0, misses };
}

/**
 * Doubling from `start` while the SLO is met (never past `max`), then bisection between the last
 * load that met it and the first that missed until their gap is within `tolerance` of the lower.
 * Concurrency stays whole: its bisection ends when the two levels are adjacent.
 */
export async function searchKnee(spec: SearchSpec, measure: Measure): Promise<SearchOutcome> {
  const whole = spec.over === 'concurrency';
  const probes: ProbeRecord[] = [];
  const probe = async (load: number, phase: ProbeRecord['phase']): Promise<boolean | undefined> => {
    const m = await measure(load, phase);
    if (!m) return undefined;
    const { met, misses } = sloCheck(spec.slo, m);
    probes.push({ load, phase, met, misses, ...(m.valid ? {} : { invalid: m.reasons[0] ?? 'invalid' }) });
    return met;
  };
  const done = (outcome: SearchOutcomeKind, knee: number | null, missedAt: number | null): SearchOutcome => ({
    outcome,
    knee,
    missedAt,
    probes,
  });

  let load = Math.min(spec.start, spec.max);
  let met = await probe(load, 'double');
  if (met === undefined) return done('interrupted', null, null);
  if (!met) return done('start-missed', null, load);
  let good = load;
  while (load < spec.max) {
    if (probes.length >= MAX_PROBES) return done('found', good, null);
    load = Math.min(load * 2, spec.max);
    met = await probe(load, 'double');
    if (met === undefined) return done('interrupted', good, null);
    if (!met) break;
    good = load;
  }
  if (met) return done('max-reached', good, null);
  let bad = load;
  while (!closeEnough(good, bad, spec.tolerance, whole) && probes.length < MAX_PROBES) {
    const mid = midpoint(good, bad, whole);
    met = await probe(mid, 'bisect');
    if (met === undefined) return done('interrupted', good, bad);
    if (met) good = mid;
    else bad = mid;
  }
  return done('found', good, bad);
}

function closeEnough(good: number, bad: number, tolerance: number, whole: boolean): boolean {
  return (whole && bad - good <= 1) || bad - good <= tolerance * good;
}

/** The middle of the bracket, to 3 significant digits when that stays strictly inside it (rates read better). */
function midpoint(good: number, bad: number, whole: boolean): number {
  if (whole) return Math.floor((good + bad) / 2);
  const mid = (good + bad) / 2;
  const rounded = Number(mid.toPrecision(3));
  return rounded > good && rounded < bad ? rounded : mid;
}

/** The point key of a probe: the key its load would have as a sweep point, marked as a probe. */
export function probeKey(over: SearchOver, load: number, maxConcurrency: number | null): string {
  return `${PROBE_PREFIX}${over === 'concurrency' ? servingPointKey({ concurrency: load }) : servingPointKey({ requestRate: load, maxConcurrency })}`;
}

export function probeLabel(over: SearchOver, load: number, maxConcurrency: number | null): string {
  return `SLO probe, ${over === 'concurrency' ? servingPointLabel({ concurrency: load }) : servingPointLabel({ requestRate: load, maxConcurrency })}`;
}

/** A probe as a planned point of the suite: its load, and the requests a sweep point of that load would send. */
export function probePlan(suite: ServingSuite, spec: SearchSpec, load: number): PlannedPoint {
  const closed = spec.over === 'concurrency';
  const cap = closed ? null : (suite['max-concurrency'] ?? null);
  const ppc = suite['prompts-per-concurrency'];
  return {
    key: probeKey(spec.over, load, cap),
    label: probeLabel(spec.over, load, cap),
    requestRate: closed ? null : load,
    concurrency: closed ? load : cap,
    closed,
    requests: closed && ppc !== undefined ? Math.min(load * ppc, MAX_REQUESTS) : numPromptsOf(suite.dataset),
  };
}

/** A measured probe as the serving runner returns it; `ended`: a cancel or a crash ends the suite. */
export type MeasuredPoint = { point: Point; ended: boolean } | undefined;

/**
 * Runs the search with `measurePoint` measuring each probe as a planned point of the suite, marks
 * each probe point with its step and whether it met the SLO, and returns the `slo-knee` point.
 */
export async function runSearch(
  suite: ServingSuite,
  spec: SearchSpec,
  measurePoint: (pp: PlannedPoint, index: number) => Promise<MeasuredPoint>,
  startedAt: Date,
): Promise<{ knee: Point; outcome: SearchOutcome }> {
  let step = 0;
  const outcome = await searchKnee(spec, async (load) => {
    const done = await measurePoint(probePlan(suite, spec, load), step);
    if (!done) return undefined;
    step++;
    const m: ProbeMeasurement = { metrics: done.point.metrics, valid: done.point.validity.valid, reasons: done.point.validity.reasons };
    done.point['search-probe'] = { step, met: sloCheck(spec.slo, m).met };
    return done.ended ? undefined : m;
  });
  return { knee: kneePoint(spec, outcome, startedAt), outcome };
}

export const PROBE_PREFIX = 'slo-probe:';
export const KNEE_KEY = 'slo-knee';

/** The gated metric of the search: max_rate_under_slo or max_concurrency_under_slo. */
export function kneeMetric(over: SearchOver): string {
  return over === 'concurrency' ? 'max_concurrency_under_slo' : 'max_rate_under_slo';
}

/** "p99 TTFT ≤ 500 ms, p99 TPOT ≤ 50 ms" */
export function sloText(slo: SearchSpec['slo']): string {
  return Object.entries(slo)
    .map(([m, b]) => sloBoundText(m, b))
    .join(', ');
}

function missText(m: SloMiss): string {
  return m.value === null ? `${m.metric} not reported` : `${m.metric} ${fmt(m.value)} > ${fmt(m.bound)}`;
}

function fmt(v: number): string {
  return String(Number(v.toPrecision(4)));
}

function loadText(over: SearchOver, load: number): string {
  return over === 'concurrency' ? `concurrency ${load}` : `${fmt(load)} req/s`;
}

/** Why a probe missed, in words: its failing bounds, or why it was invalid. */
export function probeMissText(p: ProbeRecord): string {
  return p.invalid !== undefined ? `invalid: ${p.invalid}` : p.misses.map(missText).join(', ');
}

/**
 * The search's result as a point: the knee as its gated metric, and the probes in order. No knee
 * (the start load already missed, or the search was interrupted first) makes the point invalid with
 * the reason, so the gate fails instead of passing on a metric that is simply absent.
 */
export function kneePoint(spec: SearchSpec, r: SearchOutcome, startedAt: Date): Point {
  const metric = kneeMetric(spec.over);
  const reasons: string[] = [];
  const first = r.probes[0];
  if (r.outcome === 'start-missed' && first)
    reasons.push(`no load meets the SLO: the start load, ${loadText(spec.over, first.load)}, missed it (${probeMissText(first)})`);
  if (r.outcome === 'interrupted') reasons.push(`the search was interrupted after ${r.probes.length} probe(s)`);
  const missed = r.probes.find((p) => !p.met && p.load === r.missedAt);
  return {
    key: KNEE_KEY,
    // Short: the report shows it beside the metric's title (max rate under SLO).
    label: `SLO ${sloText(spec.slo)}`,
    'request-rate': null,
    concurrency: null,
    metrics: r.knee !== null && r.outcome !== 'interrupted' ? { [metric]: r.knee } : {},
    validity: { valid: reasons.length === 0, reasons },
    'started-at': startedAt.toISOString(),
    search: {
      over: spec.over,
      slo: { ...spec.slo },
      tolerance: spec.tolerance,
      start: spec.start,
      max: spec.max,
      outcome: r.outcome,
      knee: r.knee,
      'missed-at': r.missedAt,
      summary: summaryOf(spec, r, missed),
      probes: r.probes.map((p) => ({
        load: p.load,
        phase: p.phase,
        met: p.met,
        ...(p.met ? {} : { missed: probeMissText(p) }),
        misses: p.misses.map((m) => ({ ...m })),
        ...(p.invalid !== undefined ? { invalid: p.invalid } : {}),
      })),
    },
  };
}

function summaryOf(spec: SearchSpec, r: SearchOutcome, missed: ProbeRecord | undefined): string {
  const n = `${r.probes.length} probe${r.probes.length === 1 ? '' : 's'}`;
  switch (r.outcome) {
    case 'found':
      return `${loadText(spec.over, r.knee!)} meets the SLO${missed ? `; ${loadText(spec.over, missed.load)} does not (${probeMissText(missed)})` : ''} (${n})`;
    case 'max-reached':
      return `${loadText(spec.over, r.knee!)}, the search's max, still meets the SLO: the knee is at least that (${n})`;
    case 'start-missed':
      return `the start load, ${loadText(spec.over, r.probes[0]!.load)}, already misses the SLO (${probeMissText(r.probes[0]!)})`;
    case 'interrupted':
      return `interrupted after ${n}`;
  }
}
