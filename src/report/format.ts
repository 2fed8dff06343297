// Numbers and verdicts as people read them in benchmark tables: a few significant digits, the
// change in percent with its sign, one mark per verdict.
import { metricInfo, metricsInGroup, metricTitle } from '../catalog/metrics.js';
import type { GateReport, MetricVerdict, PointComparison, RunVerdict } from '../compare/types.js';
import { parsePointKey } from '../results/point-key.js';

/** 3 significant digits at most, at least one decimal under 10 (0.927, 9.41, 94.1, 1147). */
export function formatNumber(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (Number.isInteger(v) && a < 1e15) return String(v);
  if (a >= 1000) return Math.round(v).toString();
  if (a >= 100) return v.toFixed(1).replace(/\.0$/, '');
  if (a >= 10) return v.toFixed(2).replace(/0$/, '').replace(/\.$/, '');
  if (a >= 1) return v.toFixed(2);
  if (a >= 0.01) return v.toFixed(3);
  return v.toPrecision(2);
}

/** Signed percent with one decimal: +2.3%, -10.0%, ±0.0% for zero. */
export function formatChange(change: number | null | undefined): string {
  if (change === null || change === undefined || !Number.isFinite(change)) return '';
  const pct = change * 100;
  if (Math.abs(pct) < 0.05) return '±0.0%';
  return `${pct > 0 ? '+' : '−'}${Math.abs(pct).toFixed(1)}%`;
}

export const VERDICT_MARK: Record<MetricVerdict | 'invalid', string> = {
  regressed: '🔴',
  improved: '🟢',
  unchanged: '',
  inconclusive: '🟡',
  new: '🆕',
  missing: '❔',
  invalid: '⛔',
};

/** An observed metric beyond its tolerance: shown, never gates, so never 🔴 or 🟢. */
export const OBSERVED_MARK = '⚪';

/** The mark of a metric's verdict: 🔴/🟢/🟡 for gated metrics only; ⚪ for an observed change. */
export function markFor(m: { verdict: MetricVerdict | null; role?: 'gated' | 'observed' | undefined }): string {
  if (m.verdict === null) return '';
  if (m.role === 'gated') return VERDICT_MARK[m.verdict];
  return m.verdict === 'regressed' || m.verdict === 'improved' ? OBSERVED_MARK : '';
}

/** What each mark means, under the first table of the comment. */
export const LEGEND =
  '🔴 gated metric regressed · 🟢 gated metric improved · 🟡 inconclusive (beyond tolerance, inside the noise) · ' +
  `${OBSERVED_MARK} observed metric beyond its tolerance (shown, never gates) · ⛔ invalid point`;

export const RUN_HEADLINE: Record<RunVerdict, { emoji: string; word: string }> = {
  pass: { emoji: '✅', word: 'pass' },
  fail: { emoji: '❌', word: 'fail' },
  'no-baseline': { emoji: '🆕', word: 'no baseline' },
  'not-comparable': { emoji: '⚠️', word: 'not comparable' },
  'nothing-compared': { emoji: '⛔', word: 'nothing compared' },
};

/** Whether the report says something changed: what `comment: on-change` creates a comment for. */
export function hasChanges(report: GateReport): boolean {
  const c = report.counts;
  return (
    !report.passes ||
    report.verdict === 'fail' ||
    report.verdict === 'not-comparable' ||
    c.regressed > 0 ||
    c.improved > 0 ||
    c.invalid > 0 ||
    c.missing > 0 ||
    report.points.some((p) => !p.valid)
  );
}

/** A telemetry figure with its unit. KV-cache usage is a 0..1 fraction under vLLM's `_perc` name: shown as percent. */
export function telemetryValue(key: string, v: number | null | undefined): string {
  if (v === null || v === undefined) return '–';
  if (key.endsWith('_usage_perc') && v <= 1) return `${formatNumber(v * 100)} %`;
  const info = metricInfo(key);
  // A unit guessed from an unknown name is not shown.
  const unit = info.known ? info.unit : '';
  return unit ? `${formatNumber(v)} ${unit}` : formatNumber(v);
}

/** Telemetry keys with a title, in the order the report lists resource peaks. */
export function titledTelemetryKeys(): string[] {
  return metricsInGroup('telemetry').filter((k) => metricTitle(k) !== undefined);
}

/** The x value of a serving point: its request rate or concurrency, "inf" for an unbounded rate. */
export function pointAxis(p: { 'request-rate'?: number | 'inf' | null; concurrency?: number | null; key: string }): {
  rate: number | 'inf' | null;
  concurrency: number | null;
} {
  let rate = p['request-rate'] ?? null;
  let concurrency = p.concurrency ?? null;
  // Fall back to the stable key (`rate=4`, `concurrency=8`, `rate=inf,max-concurrency=16`).
  const shape = parsePointKey(p.key);
  if (shape) {
    rate ??= shape.requestRate;
    concurrency ??= shape.concurrency ?? shape.maxConcurrency;
  }
  if (typeof rate === 'number' && !Number.isFinite(rate)) rate = 'inf';
  return { rate, concurrency };
}

export function pointSortValue(axis: number | 'inf' | null): number {
  if (axis === 'inf') return Number.POSITIVE_INFINITY;
  return axis ?? Number.NaN;
}

export function sortPoints<T extends Pick<PointComparison, 'key'>>(points: T[], axisOf: (p: T) => number | 'inf' | null): T[] {
  return [...points].sort((a, b) => {
    const x = pointSortValue(axisOf(a));
    const y = pointSortValue(axisOf(b));
    if (Number.isNaN(x) || Number.isNaN(y)) return a.key.localeCompare(b.key);
    return x - y;
  });
}
