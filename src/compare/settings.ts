// What the gate needs from the config: parsed thresholds, the `gate:` section with its defaults, and
// which suites set goodput SLOs. `ruleFor` resolves one metric of one suite to a role and tolerance.
import type { Gate } from '../config/schema-types.gen.js';
import { BUILTIN_DEFAULTS, parseThresholds, type ParsedThresholds, type Tolerance } from '../config/thresholds.js';
import { metricInfo, type MetricFamily, type MetricInfo, type Role } from '../catalog/metrics.js';
import type { OnMissing } from './types.js';

export type NoiseFloors = Record<'throughput' | 'latency' | 'ttft' | 'startup', number>;

export interface GateSettings {
  thresholds: ParsedThresholds;
  /** Level of every interval, default 0.99. */
  confidence: number;
  /** Smallest relative change that can count against a one-run baseline, per family. */
  noiseFloor: NoiseFloors;
  confirmRegressions: boolean;
  /** gate.power: the power rerun plans aim for, default 0.8. */
  power: number;
  /** gate.rerun-inconclusive: rerun inconclusive points up to this many repeats in all; null: no rerun. */
  rerunInconclusive: { maxRepeats: number } | null;
  allowFingerprintMismatch: boolean;
  /** gate.on-not-comparable: whether a not-comparable run fails the gate or passes it unjudged. */
  onNotComparable: 'fail' | 'pass';
  /** gate.on-missing, and per suite gate.suites.<name>.on-missing (baseline suite names). */
  onMissing: OnMissing;
  onMissingSuites: Record<string, OnMissing>;
  /** Baseline suite name -> this run's name (gate.suite-map, the CLI's --suite-map). */
  suiteMap: Record<string, string>;
  /** Suites that set goodput SLOs: their request_goodput gates. */
  goodputSuites: string[];
}

/** The schema's defaults for the `gate:` section. */
export const DEFAULT_CONFIDENCE = 0.99;
export const DEFAULT_POWER = 0.8;
export const DEFAULT_NOISE_FLOOR: NoiseFloors = { throughput: 0.03, latency: 0.05, ttft: 0.3, startup: 0.2 };

/** Settings from the parsed config parts; anything absent takes the schema's default. */
export function gateSettings(input: { thresholds?: ParsedThresholds; gate?: Gate; goodputSuites?: readonly string[] } = {}): GateSettings {
  const g = input.gate ?? {};
  return {
    thresholds: input.thresholds ?? parseThresholds(undefined, { path: 'thresholds' }),
    confidence: g.confidence ?? DEFAULT_CONFIDENCE,
    noiseFloor: { ...DEFAULT_NOISE_FLOOR, ...definedOnly(g['noise-floor'] ?? {}) },
    confirmRegressions: g['confirm-regressions'] ?? false,
    power: g.power ?? DEFAULT_POWER,
    rerunInconclusive: g['rerun-inconclusive'] ? { maxRepeats: g['rerun-inconclusive']['max-repeats'] } : null,
    allowFingerprintMismatch: g['allow-fingerprint-mismatch'] ?? false,
    onNotComparable: g['on-not-comparable'] ?? 'fail',
    onMissing: g['on-missing'] ?? 'fail',
    onMissingSuites: perSuiteOnMissing(g.suites ?? {}),
    suiteMap: definedOnly(g['suite-map'] ?? {}) as Record<string, string>,
    goodputSuites: [...(input.goodputSuites ?? [])],
  };
}

/** What a baseline point of `suite` that this run did not measure does: the suite's setting, else gate.on-missing. */
export function onMissingFor(settings: GateSettings, suite: string): OnMissing {
  return settings.onMissingSuites[suite] ?? settings.onMissing;
}

function perSuiteOnMissing(suites: NonNullable<Gate['suites']>): Record<string, OnMissing> {
  const out: Record<string, OnMissing> = {};
  for (const [name, s] of Object.entries(suites)) if (s?.['on-missing']) out[name] = s['on-missing'];
  return out;
}

export interface ResolvedRule {
  info: MetricInfo;
  role: Role;
  /** The tolerance the metric is judged by (for observed metrics too: they get verdicts, not gates). */
  rule: Tolerance;
  /** Whether a threshold named this metric (suite or top level). */
  explicit: boolean;
}

/**
 * Role and tolerance of `metric` in `suite`. The first of: the suite's sentence, the top-level
 * sentence, the family default. "observe" and "gate" set the role and take the tolerance from the
 * next layer down; a sentence with an amount gates the metric (naming a metric is asking to gate it).
 */
export function ruleFor(settings: GateSettings, suite: string, metric: string): ResolvedRule {
  const info = metricInfo(metric);
  let role: Role = info.role;
  if (metric === 'request_goodput' && settings.goodputSuites.includes(suite)) role = 'gated';
  const layers = [settings.thresholds.suites[suite]?.[metric], settings.thresholds.metrics[metric]].filter(
    (t): t is Tolerance => t !== undefined,
  );
  const familyDefault = defaultFor(settings, info.family);
  if (familyDefault?.mode === 'observe') role = 'observed';
  const top = layers[0];
  if (top) role = top.mode === 'observe' ? 'observed' : 'gated';
  const rule = layers.find((t) => t.mode === 'rule') ?? (familyDefault?.mode === 'rule' ? familyDefault : undefined) ?? fallbackRule(info);
  return { info, role, rule, explicit: top !== undefined };
}

function defaultFor(settings: GateSettings, family: MetricFamily): Tolerance | undefined {
  const d = settings.thresholds.defaults;
  if (family === 'throughput') return d.throughput;
  if (family === 'latency' || family === 'ttft') return d.latency;
  if (family === 'startup') return d.startup;
  return undefined;
}

/** Counts and telemetry have no family default: a 10% line in their bad direction, for the report. */
function fallbackRule(info: MetricInfo): Tolerance {
  const sign = info.direction === 'higher-is-better' ? '-' : '+';
  if (info.family === 'throughput' || info.family === 'latency' || info.family === 'ttft' || info.family === 'startup') {
    const builtin = BUILTIN_DEFAULTS[info.family === 'ttft' ? 'latency' : info.family];
    return { text: builtin, mode: 'rule', sign, relative: Number(builtin.slice(1, -1)) / 100, path: '' };
  }
  return { text: `${sign}10%`, mode: 'rule', sign, relative: 0.1, path: '' };
}

/**
 * The level each look is judged at. Alone, `confidence`. With confirm-regressions the first run and
 * the rerun are two independent looks that must both see a regression, so they share the level:
 * each is judged at 1 − √(1 − confidence) (0.90 for 0.99), and noise passes both about as often as
 * it would pass one look at `confidence`.
 */
export function lookLevel(settings: GateSettings): number {
  return settings.confirmRegressions ? 1 - Math.sqrt(1 - settings.confidence) : settings.confidence;
}

/** The noise floor of a family; families without one (counts, telemetry) have 0. */
export function noiseFloorFor(settings: GateSettings, family: MetricFamily): number {
  return family === 'throughput' || family === 'latency' || family === 'ttft' || family === 'startup' ? settings.noiseFloor[family] : 0;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
