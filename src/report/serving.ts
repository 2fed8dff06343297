// The table of a serving sweep, a row per point. The comment shows the gated columns (it has to fit
// GitHub's ~850 px comment column); the job summary shows them all. A non-streaming suite has no
// TTFT, TPOT or ITL: its columns are end-to-end latency, errors and HTTP status counts.
import { metricInfo, metricTitle } from '../catalog/metrics.js';
import { sloBoundText } from '../config/search.js';
import { isTraceKey } from '../results/point-key.js';
import { escapeCell, escapeMarkdown } from './escape.js';
import { formatChange, formatNumber, markFor, sortPoints, VERDICT_MARK } from './format.js';
import { axisValue, cellOf, hasMetric, sweepAxis, type PointView, type SuiteView } from './model.js';
import { table } from './table.js';

/** Every column a streaming sweep can show, in display order. */
const STREAMING = [
  'request_throughput',
  'output_throughput',
  'total_token_throughput',
  'median_ttft_ms',
  'p95_ttft_ms',
  'median_tpot_ms',
  'median_itl_ms',
  'p95_itl_ms',
  'median_e2el_ms',
  'p95_e2el_ms',
];
/** A non-streaming sweep: what a chat client reads. */
const NON_STREAMING = ['request_throughput', 'output_throughput', 'mean_e2el_ms', 'median_e2el_ms', 'p95_e2el_ms', 'p99_e2el_ms'];
/**
 * What a point of sessions (the multi-turn dataset) adds, in a table of its own in the job summary:
 * sessions completed, turns per session, TTFT of first and of later turns, a session's length.
 */
const SESSIONS = [
  'completed_sessions',
  'mean_turns_per_session',
  'median_first_turn_ttft_ms',
  'median_later_turns_ttft_ms',
  'median_session_duration_ms',
  'p99_session_duration_ms',
];
/** The serving metrics the tables show; the rest are in the details. */
export const SERVING_COLUMNS = new Set([...STREAMING, ...NON_STREAMING, ...SESSIONS]);

export interface ServingOptions {
  /** The comment: gated columns only, and the change shown only where it is judged. */
  compact: boolean;
  withBaseline: boolean;
  maxRows: number;
  baseLabel: string;
}

/** A point without TTFT but with end-to-end latency was measured without streaming. */
export function isNonStreaming(s: SuiteView): boolean {
  return !s.points.some((p) => hasMetric(p, 'median_ttft_ms')) && s.points.some((p) => hasMetric(p, 'median_e2el_ms'));
}

/** Whether the gate judged a metric as gated in this suite (or would by default, without a baseline). */
function isGated(s: SuiteView, metric: string): boolean {
  const judged = s.points.flatMap((p) => p.comparisons.filter((m) => m.metric === metric));
  return judged.length > 0 ? judged.some((m) => m.role === 'gated') : metricInfo(metric).role === 'gated';
}

function columns(s: SuiteView, o: ServingOptions): string[] {
  const all = (isNonStreaming(s) ? NON_STREAMING : STREAMING).filter((m, i) => i < 2 || s.points.some((p) => hasMetric(p, m)));
  // A non-streaming table is narrow already: its latency statistics stay in the comment.
  if (!o.compact || isNonStreaming(s)) return all;
  return all.filter((m, i) => i < 2 || isGated(s, m));
}

/** A column head from the registry; a statistic without a title borrows its p50's ("E2E p99 (ms)"). */
export function columnTitle(metric: string): string {
  const t = metricTitle(metric);
  if (t) return t;
  const m = /^(mean|p\d+(?:\.\d+)?)_(\w+)_ms$/.exec(metric);
  const p50 = m ? metricTitle(`median_${m[2]}_ms`) : undefined;
  return p50 && m ? p50.replace('p50', m[1]!) : escapeCell(metric, 40);
}

function cellText(p: PointView, metric: string, o: ServingOptions, showChange: boolean): string {
  const c = cellOf(p, metric);
  if (c.current === null && c.baseline === null) return '–';
  const mark = markFor({ verdict: c.verdict, role: c.comparison?.role });
  if (o.withBaseline && c.current === null && c.baseline !== null) return `– (${escapeMarkdown(o.baseLabel)}: ${formatNumber(c.baseline)})`;
  // A no-break space keeps the mark with its figure when the column is squeezed.
  const value = mark ? `${formatNumber(c.current)}\u00a0${mark}` : formatNumber(c.current);
  if (!o.withBaseline || !showChange || c.change === null) return value;
  // The comment's column is narrow: the change goes on a line of its own rather than widening the cell.
  if (o.compact) return `${value}<br>${formatChange(c.change)}`;
  return `${formatNumber(c.current)} (${formatChange(c.change)})${mark ? ` ${mark}` : ''}`;
}

function pointTitle(p: PointView, axis: 'rate' | 'concurrency'): string {
  const v = isTraceKey(p.key) ? null : axisValue(p, axis);
  const t = v === 'inf' ? 'inf' : v !== null ? formatNumber(v) : escapeCell(p.label, 60);
  return p.valid ? t : `${t} ${VERDICT_MARK.invalid}`;
}

/** "200×5 · 500×1": the HTTP status counts of a point. */
function httpStatus(p: PointView): string {
  const by = p.errors?.['http-status'] ?? p.current?.errors?.['http-status'];
  if (!by || Object.keys(by).length === 0) return '–';
  return Object.entries(by)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([code, n]) => `${escapeCell(code, 8)}×${formatNumber(n)}`)
    .join(' · ');
}

function errorCount(p: PointView): string {
  const total = p.current?.errors?.total;
  if (typeof total === 'number') return formatNumber(total);
  return formatNumber(cellOf(p, 'failed').current);
}

/** The `slo-knee` point of a suite with an SLO search: its answer is a line, not a row of the sweep. */
export function isSearchKnee(p: PointView): boolean {
  return (p.current ?? p.baseline)?.search !== undefined;
}

/** "**max rate under SLO** (p99 TTFT ≤ 500 ms): 12.4 req/s, baseline 14 (−11.4%) 🔴 · 1 ✓ · 2 ✓ · 4 ✗ p99_ttft_ms 812 > 500 …" */
function kneeLine(p: PointView, o: ServingOptions): string {
  const search = (p.current ?? p.baseline)!.search!;
  const metric = search.over === 'concurrency' ? 'max_concurrency_under_slo' : 'max_rate_under_slo';
  const c = cellOf(p, metric);
  const unit = metricInfo(metric).unit ? ` ${metricInfo(metric).unit}` : '';
  const mark = markFor({ verdict: c.verdict, role: c.comparison?.role });
  const value = c.current !== null ? `${formatNumber(c.current)}${unit}` : p.valid ? '–' : `none ${VERDICT_MARK.invalid}`;
  const base =
    o.withBaseline && c.baseline !== null
      ? `, ${escapeMarkdown(o.baseLabel)} ${formatNumber(c.baseline)}${c.change !== null ? ` (${formatChange(c.change)})` : ''}`
      : '';
  const slo = Object.entries(search.slo)
    .flatMap(([m, b]) => (b === undefined ? [] : [sloBoundText(m, b)]))
    .join(', ');
  const head = `**${metricTitle(metric) ?? metric}** (${escapeCell(slo, 200)}): ${value}${base}${mark ? ` ${mark}` : ''}`;
  const why = p.current && !p.valid ? ` — ${escapeCell(p.invalidReasons[0] ?? '', 300)}` : '';
  const probes = p.current?.search?.probes ?? [];
  const trail = probes.length
    ? `<br><sub>${probes.length} probe${probes.length === 1 ? '' : 's'}: ${probes
        .map((x) => `${formatNumber(x.load)} ${x.met ? '✓' : `✗ ${escapeCell(x.missed ?? '', 80)}`}`)
        .join(' · ')}</sub>`
    : '';
  return `${head}${why}${trail}`;
}

/** The session figures of a suite's points of sessions, a row per point; null when it has none. */
function sessionTable(pts: PointView[], axis: 'rate' | 'concurrency', o: ServingOptions): string | null {
  const rows = pts.filter((p) => hasMetric(p, 'completed_sessions')).slice(0, o.maxRows);
  if (rows.length === 0) return null;
  const cols = SESSIONS.filter((m) => rows.some((p) => hasMetric(p, m)));
  const head = [axis === 'rate' ? 'request rate (req/s)' : 'concurrency', ...cols.map(columnTitle)];
  return [
    '**Sessions**',
    '',
    table(
      head,
      rows.map((p) => [pointTitle(p, axis), ...cols.map((c) => cellText(p, c, o, true))]),
    ),
  ].join('\n');
}

export function servingSection(s: SuiteView, o: ServingOptions): string {
  const axis = sweepAxis(s);
  const cols = columns(s, o);
  const nonStreaming = isNonStreaming(s);
  const knees = s.points.filter(isSearchKnee);
  const pts = sortPoints(
    s.points.filter((p) => !isSearchKnee(p)),
    (p) => axisValue(p, axis),
  );
  const head = [axis === 'rate' ? 'request rate (req/s)' : 'concurrency', ...cols.map(columnTitle)];
  if (nonStreaming) head.push('errors', 'HTTP status');
  const rows = pts.slice(0, o.maxRows).map((p) => {
    const cells = cols.map((c) => cellText(p, c, o, !o.compact || isGated(s, c)));
    return [pointTitle(p, axis), ...cells, ...(nonStreaming ? [errorCount(p), httpStatus(p)] : [])];
  });
  const lines = [`### Serving: ${escapeCell(s.name, 80)}${nonStreaming ? ' (non-streaming)' : ''}`];
  if (s.description) lines.push('', escapeCell(s.description, 300));
  if (s.error) lines.push('', `⚠️ ${escapeCell(s.error, 300)}`);
  for (const k of knees) lines.push('', kneeLine(k, o));
  if (rows.length > 0) lines.push('', table(head, rows));
  if (pts.length > o.maxRows) lines.push('', `_…and ${pts.length - o.maxRows} more points in the full report._`);
  // The comment keeps to the sweep; the job summary adds what sessions alone report.
  const sessions = o.compact ? null : sessionTable(pts, axis, o);
  if (sessions) lines.push('', sessions);
  if (o.withBaseline) {
    const how = o.compact
      ? `current, the change vs ${escapeMarkdown(o.baseLabel)} under it; gated metrics, the job summary has every column`
      : `current (change vs ${escapeMarkdown(o.baseLabel)}); medians unless marked`;
    lines.push('', `<sub>Each cell: ${how}.</sub>`);
  }
  return lines.join('\n');
}
