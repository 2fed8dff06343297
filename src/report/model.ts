// One view of a run for the renderers: the gate's verdicts joined with the figures of the results
// documents, per suite and point, so a table cell is one lookup whatever produced it.
import type { GateReport, MetricComparison, MetricVerdict, PointComparison } from '../compare/types.js';
import type { Errors, Point, ResultsDocument, Suite } from '../results/schema-types.gen.js';
import { pointAxis } from './format.js';

export interface Cell {
  current: number | null;
  baseline: number | null;
  change: number | null;
  /** The gate's verdict on this metric; null when the gate did not judge it. */
  verdict: MetricVerdict | null;
  comparison?: MetricComparison;
}

export interface PointView {
  key: string;
  label: string;
  rate: number | 'inf' | null;
  concurrency: number | null;
  valid: boolean;
  invalidReasons: string[];
  verdict: PointComparison['verdict'] | null;
  comparisons: MetricComparison[];
  current?: Point;
  baseline?: Point;
  telemetry: Record<string, number | null>;
  errors?: Errors;
}

export interface SuiteView {
  name: string;
  kind: Suite['kind'];
  description?: string;
  points: PointView[];
  error?: string;
}

export function cellOf(p: PointView, metric: string): Cell {
  const c = p.comparisons.find((m) => m.metric === metric);
  if (c) return { current: c.current, baseline: c.baseline, change: c.change, verdict: c.verdict, comparison: c };
  const current = numberOrNull(p.current?.metrics[metric]);
  const baseline = numberOrNull(p.baseline?.metrics[metric]);
  const change = current !== null && baseline !== null && baseline !== 0 ? (current - baseline) / baseline : null;
  return { current, baseline, change, verdict: null };
}

export function hasMetric(p: PointView, metric: string): boolean {
  const c = cellOf(p, metric);
  return c.current !== null || c.baseline !== null;
}

function numberOrNull(v: number | null | undefined): number | null {
  return typeof v === 'number' && !Number.isNaN(v) ? v : null;
}

/** Suites in the current document's order, then suites only the report or the baseline knows. */
export function buildViews(report: GateReport, current: ResultsDocument | undefined, baselineDoc?: ResultsDocument): SuiteView[] {
  const order: string[] = [];
  const kinds = new Map<string, Suite['kind']>();
  const descriptions = new Map<string, string>();
  const errors = new Map<string, string>();
  const add = (name: string, kind: Suite['kind']): void => {
    if (!kinds.has(name)) {
      order.push(name);
      kinds.set(name, kind);
    }
  };
  for (const s of current?.suites ?? []) {
    add(s.name, s.kind);
    if (s.description) descriptions.set(s.name, s.description);
    if (s.error) errors.set(s.name, s.error.message);
  }
  for (const p of report.points) add(p.suite, p.suiteKind);
  for (const s of baselineDoc?.suites ?? []) add(s.name, s.kind);

  const byKey = new Map<string, GateReport['points'][number]>();
  const keysBySuite = new Map<string, string[]>();
  for (const p of report.points) {
    byKey.set(`${p.suite}\u0000${p.key}`, p);
    const ks = keysBySuite.get(p.suite) ?? [];
    ks.push(p.key);
    keysBySuite.set(p.suite, ks);
  }
  return order.map((name) => {
    const curSuite = current?.suites.find((s) => s.name === name);
    const baseSuite = baselineDoc?.suites.find((s) => s.name === name);
    const seen = new Set<string>();
    const keys: string[] = [];
    const pushKey = (k: string): void => {
      if (!seen.has(k)) {
        seen.add(k);
        keys.push(k);
      }
    };
    for (const p of curSuite?.points ?? []) pushKey(p.key);
    for (const k of keysBySuite.get(name) ?? []) pushKey(k);
    const curByKey = new Map((curSuite?.points ?? []).map((p) => [p.key, p] as const));
    const baseByKey = new Map((baseSuite?.points ?? []).map((p) => [p.key, p] as const));
    // Baseline-only points show up only when the gate reports them (as missing).
    const points = keys.map((key): PointView => {
      const rp = byKey.get(`${name}\u0000${key}`);
      const cp = curByKey.get(key);
      const bp = baseByKey.get(key);
      const axis = pointAxis(cp ?? bp ?? { key });
      const telemetry: Record<string, number | null> = {};
      for (const [k, v] of Object.entries(rp?.telemetry ?? cp?.telemetry ?? {})) telemetry[k] = v ?? null;
      const view: PointView = {
        key,
        label: rp?.label ?? cp?.label ?? key,
        rate: axis.rate,
        concurrency: axis.concurrency,
        valid: rp ? rp.valid : (cp?.validity.valid ?? true),
        invalidReasons: rp ? rp.invalidReasons : (cp?.validity.reasons ?? []),
        verdict: rp?.verdict ?? null,
        comparisons: rp?.metrics ?? [],
        telemetry,
      };
      if (cp) view.current = cp;
      if (bp) view.baseline = bp;
      if (cp?.errors) view.errors = cp.errors;
      return view;
    });
    const view: SuiteView = { name, kind: kinds.get(name) ?? 'serving', points };
    const d = descriptions.get(name);
    if (d) view.description = d;
    const e = errors.get(name);
    if (e) view.error = e;
    return view;
  });
}

/** Whether a serving suite varies the request rate or the concurrency (what its x axis is). */
export function sweepAxis(s: SuiteView): 'rate' | 'concurrency' {
  const rates = new Set(s.points.map((p) => String(p.rate)));
  const concs = new Set(s.points.map((p) => String(p.concurrency)));
  if (concs.size > rates.size) return 'concurrency';
  if (rates.size === 1 && s.points.every((p) => p.concurrency !== null)) return 'concurrency';
  return 'rate';
}

export function axisValue(p: PointView, axis: 'rate' | 'concurrency'): number | 'inf' | null {
  return axis === 'rate' ? p.rate : p.concurrency;
}
