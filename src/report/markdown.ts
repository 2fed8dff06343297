// The PR comment and the job summary: one Markdown document built from sections, so that when it is
// too big for GitHub the least important sections go first (details, charts, telemetry, offline
// tables, then serving tables from the last), each replaced by a pointer to the full report.
import { metricInfo, metricTitle } from '../catalog/metrics.js';
import type { GateReport, MetricComparison } from '../compare/types.js';
import { inconclusiveFigure } from '../compare/confirm.js';
import type { ResultsDocument } from '../results/schema-types.gen.js';
import { assemble, chars, safeUrl, utf8, KEEP, type Section } from './assemble.js';
import { changeCharts } from './charts.js';
import { commentMarker, escapeCell, escapeMarkdown, inlineCode } from './escape.js';
import { LEGEND, RUN_HEADLINE, VERDICT_MARK, formatChange, formatNumber, markFor, telemetryValue, titledTelemetryKeys } from './format.js';
import { countsSentence, gatedChanges, impactLines } from './impact.js';
import { cellOf, type PointView, type SuiteView, buildViews } from './model.js';
import { SERVING_COLUMNS, servingSection } from './serving.js';
import { table } from './table.js';
import { ttftExplainSection } from './ttft-explain.js';

export { table } from './table.js';

/** GitHub refuses comment bodies over 65,536 characters; keep a margin for the marker and notice. */
export const COMMENT_LIMIT = 65_000;
/** The runner drops (not truncates) a step summary over 1 MiB. */
export const SUMMARY_LIMIT_BYTES = 1_000_000;

export interface RenderContext {
  configId: string;
  runUrl?: string;
  artifactUrl?: string;
  baselineDoc?: ResultsDocument;
}

const OFFLINE_LATENCY = ['mean_latency_ms', 'median_latency_ms', 'p90_latency_ms', 'p99_latency_ms'];
const OFFLINE_THROUGHPUT = ['requests_per_second', 'tokens_per_second', 'elapsed_time'];
/** What the tables show is left out of "All other metrics". */
const SHOWN_IN_TABLES = new Set([...SERVING_COLUMNS, ...OFFLINE_LATENCY, ...OFFLINE_THROUGHPUT]);

interface Wording {
  /** "baseline" or the A side's label. */
  base: string;
  cand: string;
}

function cellText(p: PointView, metric: string, w: Wording, withBaseline: boolean): string {
  const c = cellOf(p, metric);
  if (c.current === null && c.baseline === null) return '–';
  const mark = markFor({ verdict: c.verdict, role: c.comparison?.role });
  let text = formatNumber(c.current);
  if (withBaseline && c.change !== null) text += ` (${formatChange(c.change)})`;
  else if (withBaseline && c.current === null && c.baseline !== null) text = `– (${w.base}: ${formatNumber(c.baseline)})`;
  return mark ? `${text} ${mark}` : text;
}

function pointMark(p: PointView): string {
  if (!p.valid) return ` ${VERDICT_MARK.invalid}`;
  return '';
}

const OFFLINE_TABLES = [
  { kind: 'latency', heading: '### Offline latency', cols: OFFLINE_LATENCY },
  { kind: 'throughput', heading: '### Offline throughput', cols: OFFLINE_THROUGHPUT },
] as const;

/** One table per offline kind, a row per point of its suites. */
function offlineSections(views: SuiteView[], w: Wording, withBaseline: boolean): string[] {
  return OFFLINE_TABLES.flatMap(({ kind, heading, cols }) => {
    const suites = views.filter((s) => s.kind === kind);
    if (suites.length === 0) return [];
    const rows = suites.flatMap((s) =>
      s.points.map((p) => [
        escapeCell(s.name, 60) + pointLabelSuffix(s, p) + pointMark(p),
        ...cols.map((c) => cellText(p, c, w, withBaseline)),
      ]),
    );
    return [[heading, '', table(['suite', ...cols.map((c) => metricTitle(c) ?? c)], rows)].join('\n')];
  });
}

function pointLabelSuffix(s: SuiteView, p: PointView): string {
  return s.points.length > 1 ? ` · ${escapeCell(p.label, 40)}` : '';
}

function startupSection(
  views: SuiteView[],
  current: ResultsDocument | undefined,
  baselineDoc: ResultsDocument | undefined,
  w: Wording,
): string | null {
  const items: string[] = [];
  for (const s of views.filter((v) => v.kind === 'startup')) {
    for (const p of s.points) {
      const metrics = new Set([...p.comparisons.map((c) => c.metric), ...Object.keys(p.current?.metrics ?? {})]);
      for (const m of metrics) {
        const c = cellOf(p, m);
        if (c.current === null && c.baseline === null) continue;
        const unit = metricInfo(m).unit && ` ${metricInfo(m).unit}`;
        const name = m === 'startup_time_s' || metrics.size === 1 ? '' : `${inlineCode(m, 60)} `;
        const vs =
          c.baseline !== null
            ? ` (${c.change !== null ? `${formatChange(c.change)} ` : ''}vs ${escapeMarkdown(w.base)} ${formatNumber(c.baseline)}${unit})`
            : '';
        const mark = markFor({ verdict: c.verdict, role: c.comparison?.role });
        items.push(`${name}${formatNumber(c.current)}${unit}${vs}${mark ? ` ${mark}` : ''}`);
      }
    }
  }
  if (items.length === 0) {
    const cur = current?.environment['startup-s'];
    if (cur === undefined || cur === null) return null;
    const base = baselineDoc?.environment['startup-s'];
    const change = base ? (cur - base) / base : null;
    items.push(
      `${formatNumber(cur)} s${change !== null ? ` (${formatChange(change)} vs ${escapeMarkdown(w.base)} ${formatNumber(base)} s)` : ''}`,
    );
  }
  return `**Start-up time** (spawn to ready): ${items.join(' · ')}`;
}

/** Peaks and means come from samples taken while a point ran: null means no sample fell within it. */
const SAMPLED_KEY = /^(peak|mean)_/;
const NOT_SAMPLED = 'not sampled';

/** The resource peaks over the run: the highest value of each telemetry key, and where. */
function telemetrySection(views: SuiteView[], w: Wording): string | null {
  const peaks = new Map<string, { v: number; at: string; base: number | null }>();
  const unsampled = new Set<string>();
  for (const s of views) {
    for (const p of s.points) {
      for (const [k, v] of Object.entries(p.telemetry)) {
        // Only resource peaks: the server's phase times and prefix-cache figures are no peaks.
        if (metricInfo(k).group !== 'telemetry') continue;
        if (v === null && SAMPLED_KEY.test(k)) unsampled.add(k);
        if (v === null || !Number.isFinite(v)) continue;
        const prev = peaks.get(k);
        const bv = p.baseline?.telemetry?.[k];
        const base = typeof bv === 'number' ? Math.max(bv, prev?.base ?? Number.NEGATIVE_INFINITY) : (prev?.base ?? null);
        if (!prev || v > prev.v) peaks.set(k, { v, at: `${s.name} · ${p.label}`, base });
        else prev.base = base;
      }
    }
  }
  const shown = new Set([...peaks.keys(), ...unsampled]);
  if (shown.size === 0) return null;
  const known = titledTelemetryKeys();
  const keys = [...known.filter((k) => shown.has(k)), ...[...shown].filter((k) => !known.includes(k)).sort()];
  const withBase = keys.some((k) => (peaks.get(k)?.base ?? null) !== null);
  const rows = keys.map((k) => {
    const pk = peaks.get(k);
    const title = metricTitle(k);
    const name = title ? `${title} (${inlineCode(k)})` : inlineCode(k);
    if (!pk) return withBase ? [name, NOT_SAMPLED, '', ''] : [name, NOT_SAMPLED, ''];
    const r = [name, `**${telemetryValue(k, pk.v)}**`, escapeCell(pk.at, 80)];
    if (withBase) r.push(telemetryValue(k, pk.base));
    return r;
  });
  const head = ['', 'peak', 'at'];
  if (withBase) head.push(`${escapeMarkdown(w.base)} peak`);
  return ['### Resource peaks over the run', '', table(head, rows, ['l', 'r', 'l', 'r'])].join('\n');
}

function telemetryPointsSection(views: SuiteView[]): string | null {
  const parts: string[] = [];
  for (const s of views) {
    const pts = s.points.filter((p) => Object.keys(p.telemetry).length > 0);
    if (pts.length === 0) continue;
    const keys = [...new Set(pts.flatMap((p) => Object.keys(p.telemetry)))];
    const rows = pts.map((p) => [
      escapeCell(p.label, 40),
      ...keys.map((k) => (p.telemetry[k] === null && SAMPLED_KEY.test(k) ? NOT_SAMPLED : telemetryValue(k, p.telemetry[k]))),
    ]);
    parts.push(`**${escapeCell(s.name, 60)}**\n\n${table(['point', ...keys.map((k) => inlineCode(k, 40))], rows)}`);
  }
  if (parts.length === 0) return null;
  return `<details><summary>Telemetry per point</summary>\n\n${parts.join('\n\n')}\n\n</details>`;
}

/** The client's own health figures (send lag, event-loop lag...): they judge the run's validity, not the server. */
function isClientHealth(metric: string): boolean {
  return metricInfo(metric).group === 'client-health';
}

/** Every metric no table shows; the job summary's only, client health included. */
function otherMetricsSection(views: SuiteView[], w: Wording): string | null {
  const rows: string[][] = [];
  for (const s of views) {
    if (s.kind === 'startup') continue; // shown on its own line
    for (const p of s.points) {
      const names = new Set<string>([...p.comparisons.map((c) => c.metric), ...Object.keys(p.current?.metrics ?? {})]);
      for (const m of [...names].sort()) {
        if (SHOWN_IN_TABLES.has(m)) continue;
        const c = cellOf(p, m);
        if (c.current === null && c.baseline === null) continue;
        rows.push([
          escapeCell(s.name, 40),
          escapeCell(p.label, 40),
          inlineCode(m, 60),
          formatNumber(c.current),
          formatNumber(c.baseline),
          formatChange(c.change),
          c.comparison ? escapeCell(c.comparison.tolerance, 40) : '',
          c.verdict ? `${markFor({ verdict: c.verdict, role: c.comparison?.role })} ${c.verdict}`.trim() : '',
        ]);
      }
    }
  }
  if (rows.length === 0) return null;
  return [
    `<details><summary>All other metrics (${rows.length})</summary>`,
    '',
    table(['suite', 'point', 'metric', 'current', escapeMarkdown(w.base), 'change', 'tolerance', 'verdict'], rows, [
      'l',
      'l',
      'l',
      'r',
      'r',
      'r',
      'l',
      'l',
    ]),
    '',
    '</details>',
  ].join('\n');
}

function metricLine(suite: string, p: { label: string }, m: MetricComparison, w: Wording): string {
  const title = metricTitle(m.metric);
  const unit = m.unit && !(title ?? m.metric).includes(m.unit) ? ` ${escapeMarkdown(m.unit)}` : '';
  const change = m.change !== null ? `${formatChange(m.change)}, ` : '';
  const rerun = m.confirmation
    ? ` Rerun: ${formatNumber(m.confirmation.value)}${unit}, ${m.confirmation.regressedAgain ? 'regressed again' : 'did not regress again'}.`
    : '';
  return (
    `${markFor(m)} **${escapeCell(suite, 60)}** · ${escapeCell(p.label, 40)} · ${title ?? inlineCode(m.metric, 60)}: ` +
    `${formatNumber(m.current)}${unit} vs ${escapeMarkdown(w.base)} ${formatNumber(m.baseline)}${unit} ` +
    `(${change}tolerance ${escapeCell(m.tolerance, 40)}) — ${escapeCell(m.reason, 200)}${rerun}`
  );
}

/** A metric's name in a table: its title, with the suite when the run has several. */
function metricCell(suite: string, metric: string, manySuites: boolean): string {
  const name = metricTitle(metric) ?? inlineCode(metric, 60);
  return manySuites ? `${escapeCell(suite, 30)} · ${name}` : name;
}

/** The first screen's table: only the gated metrics that regressed or improved, regressions first. */
function changesSection(report: GateReport, w: Wording, max: number): string | null {
  const changes = [...gatedChanges(report, 'regressed'), ...gatedChanges(report, 'improved')];
  if (changes.length === 0) return null;
  const manySuites = new Set(report.points.map((p) => p.suite)).size > 1;
  const rows = changes
    .slice(0, max)
    .map(({ p, m }) => [
      `${markFor(m)} ${metricCell(p.suite, m.metric, manySuites)}`,
      escapeCell(p.label, 40),
      formatNumber(m.baseline),
      formatNumber(m.current),
      `**${formatChange(m.change)}**`,
      m.limit !== undefined ? `${formatNumber(m.limit)} (${escapeCell(m.tolerance, 30)})` : escapeCell(m.tolerance, 30),
    ]);
  const more = changes.length > max ? ['', `_…and ${changes.length - max} more in the details below and the job summary._`] : [];
  return [
    table(['gated metric', 'point', escapeMarkdown(w.base), escapeMarkdown(w.cand), 'change', 'limit (tolerance)'], rows, [
      'l',
      'l',
      'r',
      'r',
      'r',
      'r',
    ]),
    ...more,
  ].join('\n');
}

/** The gate's reason for each changed gated metric, folded: the table above has the figures. */
function reasonsSection(report: GateReport, w: Wording, max: number): string | null {
  const changes = [...gatedChanges(report, 'regressed'), ...gatedChanges(report, 'improved')];
  if (changes.length === 0) return null;
  const lines = changes.slice(0, max).map(({ p, m }) => `- ${metricLine(p.suite, p, m, w)}`);
  if (changes.length > max) lines.push(`- …and ${changes.length - max} more in the job summary`);
  return [
    `<details><summary>Why: the gate's reason for each changed gated metric (${changes.length})</summary>`,
    '',
    ...lines,
    '',
    '</details>',
  ].join('\n');
}

/**
 * Gated metrics beyond their tolerance but inside the noise, folded, each with its rerun plan: "p99
 * TTFT at concurrency 8: inconclusive (+6.0% ± 9.0%); 4 repeats would detect a 10% change with 80% power".
 */
function inconclusiveSection(report: GateReport, max: number): string | null {
  const items = report.points.flatMap((p) =>
    p.metrics.filter((m) => m.role === 'gated' && m.verdict === 'inconclusive').map((m) => ({ p, m })),
  );
  if (items.length === 0) return null;
  const manySuites = new Set(report.points.map((p) => p.suite)).size > 1;
  const lines = items.slice(0, max).map(({ p, m }) => {
    const plan = m.plan ? `; ${escapeCell(m.plan.text, 200)}` : '';
    return `- ${metricCell(p.suite, m.metric, manySuites)} at ${escapeCell(p.label, 40)}: inconclusive (${inconclusiveFigure(m)})${plan}`;
  });
  if (items.length > max) lines.push(`- …and ${items.length - max} more in the job summary`);
  return [
    `<details><summary>${items.length} gated metric${items.length === 1 ? '' : 's'} inconclusive: beyond the tolerance, inside the noise; what would settle ${items.length === 1 ? 'it' : 'them'}</summary>`,
    '',
    ...lines,
    '',
    '</details>',
  ].join('\n');
}

/** Observed (not gated) metrics beyond their tolerance, folded; the client's own health is not among them. */
function observedSection(report: GateReport, w: Wording, max: number): string | null {
  const items = report.points.flatMap((p) =>
    p.metrics
      .filter((m) => m.role !== 'gated' && (m.verdict === 'regressed' || m.verdict === 'improved') && !isClientHealth(m.metric))
      .map((m) => ({ p, m })),
  );
  if (items.length === 0) return null;
  const manySuites = new Set(report.points.map((p) => p.suite)).size > 1;
  const rows = items
    .slice(0, max)
    .map(({ p, m }) => [
      `${markFor(m)} ${metricCell(p.suite, m.metric, manySuites)}`,
      escapeCell(p.label, 40),
      formatNumber(m.baseline),
      formatNumber(m.current),
      formatChange(m.change),
      escapeCell(m.tolerance, 30),
    ]);
  return [
    `<details><summary>${items.length} observed (not gated) metric${items.length === 1 ? '' : 's'} beyond tolerance: shown, they do not decide the verdict</summary>`,
    '',
    table(['observed metric', 'point', escapeMarkdown(w.base), escapeMarkdown(w.cand), 'change', 'tolerance'], rows, [
      'l',
      'l',
      'r',
      'r',
      'r',
      'r',
    ]),
    ...(items.length > max ? ['', `_…and ${items.length - max} more in the job summary._`] : []),
    '',
    '</details>',
  ].join('\n');
}

function improvementSummary(report: GateReport, w: Wording, max: number): string | null {
  const rows: string[][] = [];
  for (const p of report.points) {
    for (const m of p.metrics) {
      if (m.role !== 'gated' || m.current === null || m.baseline === null) continue;
      rows.push([
        escapeCell(p.suite, 40),
        escapeCell(p.label, 40),
        metricTitle(m.metric) ?? inlineCode(m.metric, 60),
        formatNumber(m.baseline),
        formatNumber(m.current),
        `${m.verdict === 'improved' || m.verdict === 'regressed' ? '**' : ''}${formatChange(m.change)}${m.verdict === 'improved' || m.verdict === 'regressed' ? '**' : ''} ${VERDICT_MARK[m.verdict]}`.trim(),
      ]);
    }
  }
  if (rows.length === 0) return null;
  const shown = rows.slice(0, max);
  return [
    '### Improvement summary',
    '',
    table(['suite', 'point', 'metric', escapeMarkdown(w.base), escapeMarkdown(w.cand), 'change'], shown, ['l', 'l', 'l', 'r', 'r', 'r']),
    ...(rows.length > max ? ['', `_…and ${rows.length - max} more rows in the full report._`] : []),
  ].join('\n');
}

function invalidSection(views: SuiteView[]): string | null {
  const lines: string[] = [];
  for (const s of views) {
    for (const p of s.points) {
      // A probe of an SLO search may be invalid by design (past the knee): its knee line says so.
      if (p.valid || p.current?.['search-probe']) continue;
      const reasons = p.invalidReasons.length > 0 ? p.invalidReasons.map((r) => escapeCell(r, 200)).join('; ') : 'no reason given';
      let line = `- ${VERDICT_MARK.invalid} **${escapeCell(s.name, 60)}** · ${escapeCell(p.label, 40)}: ${reasons}`;
      const ex = p.errors?.examples?.[0];
      if (ex) line += ` (e.g. ${inlineCode(ex, 120)})`;
      lines.push(line);
    }
  }
  if (lines.length === 0) return null;
  return ['### Invalid points', '', ...lines.slice(0, 30), ...(lines.length > 30 ? [`- …and ${lines.length - 30} more`] : [])].join('\n');
}

function environmentLine(doc: ResultsDocument | undefined): string | null {
  if (!doc) return null;
  const env = doc.environment;
  const fp = env.fingerprint ?? {};
  const parts: string[] = [];
  const gpuName = fp['gpu-name'] ?? env.gpus?.[0]?.name;
  const gpuCount = fp['gpu-count'] ?? env.gpus?.length;
  if (gpuName) parts.push(`${gpuCount ? `${gpuCount}× ` : ''}${escapeCell(gpuName, 80)}`);
  if (env['driver-version']) parts.push(`driver ${escapeCell(env['driver-version'], 40)}`);
  if (env['cuda-version']) parts.push(`CUDA ${escapeCell(env['cuda-version'], 40)}`);
  if (fp['engine-version']) parts.push(`vLLM ${escapeCell(fp['engine-version'], 60)}`);
  if (fp.model) parts.push(`model ${inlineCode(fp.model, 120)}`);
  if (env.runner) parts.push(`runner ${escapeCell(env.runner, 60)}`);
  if (parts.length === 0) return null;
  return `**Environment:** ${parts.join(' · ')}`;
}

/**
 * A baseline read from files given on the command line (`--baseline a.json, b.json`) says nothing to
 * a reviewer: its commit does. A store's source ("branch perf-baselines:...", "artifact run 12") stays.
 */
function isLocalPath(source: string): boolean {
  return source.split(', ').every((p) => /^\S+$/.test(p) && /[/\\]|\.jsonl?$/.test(p));
}

function baselineLine(report: GateReport): string {
  const b = report.baseline;
  if (report.ab)
    return `**A/B:** ${escapeMarkdown(report.ab.candidateLabel)} vs ${escapeMarkdown(report.ab.baselineLabel)}, ${report.ab.rounds} round${report.ab.rounds === 1 ? '' : 's'} interleaved on one machine`;
  if (!b)
    return `**Baseline:** none yet, so nothing was judged. A baseline run (a push or schedule on the default branch) stores one; later runs are compared with it.`;
  const parts: string[] = [];
  if (b.gitSha) parts.push(`commit ${inlineCode(b.gitSha.slice(0, 12))}`);
  if (b.gitRef) parts.push(`on ${inlineCode(b.gitRef.replace(/^refs\/heads\//, ''), 80)}`);
  if (b.startedAt) parts.push(`from ${escapeCell(b.startedAt.slice(0, 10), 20)}`);
  const runs = `${b.runs} run${b.runs === 1 ? '' : 's'}`;
  const known = b.gitSha !== undefined || b.gitRef !== undefined;
  const source = known && isLocalPath(b.source) ? '' : `, ${escapeCell(b.source, 100)}`;
  return `**Baseline:** ${parts.length > 0 ? `${parts.join(' ')} (${runs}${source})` : `${runs}${source}`}`;
}

/** Baseline points this run did not measure, per suite: on the first screen, since they were not judged. */
function missingSection(report: GateReport, max: number): string | null {
  const missing = report.points.filter((p) => p.verdict === 'missing');
  if (missing.length === 0) return null;
  const suites = [...new Set(missing.map((p) => p.suite))];
  const fails = missing.some((p) => p.onMissing !== 'warn');
  const lines = [
    `### ${VERDICT_MARK.missing} Not measured: ${missing.length} baseline point${missing.length === 1 ? '' : 's'}${fails ? '' : ' (gate.on-missing: warn)'}`,
    '',
  ];
  for (const suite of suites.slice(0, max)) {
    const ps = missing.filter((p) => p.suite === suite);
    const whole = report.points.filter((p) => p.suite === suite).every((p) => p.verdict === 'missing');
    const labels =
      ps
        .slice(0, 8)
        .map((p) => escapeCell(p.label, 40))
        .join(', ') + (ps.length > 8 ? `, …and ${ps.length - 8} more` : '');
    const effect = ps.some((p) => p.onMissing !== 'warn') ? 'fails the gate' : 'warning only';
    lines.push(`- **${escapeCell(suite, 60)}**${whole ? ' (not in this run)' : ''}: ${labels} — ${effect}`);
  }
  if (suites.length > max) lines.push(`- …and ${suites.length - max} more suites`);
  return lines.join('\n');
}

function fingerprintSection(report: GateReport, w: Wording): string | null {
  if (report.fingerprintDiffs.length === 0) return null;
  const rows = report.fingerprintDiffs
    .slice(0, 30)
    .map((d) => [escapeCell(d.field, 60), escapeCell(d.baseline, 120), escapeCell(d.current, 120)]);
  const head =
    report.verdict === 'not-comparable' ? '### ⚠️ Not comparable: the environments differ' : '### Environment differences (allowed)';
  const effect =
    report.verdict !== 'not-comparable'
      ? []
      : [
          '',
          report.passes
            ? '_Figures below are for information; gate.on-not-comparable: pass lets the run through unjudged._'
            : '_Figures below are for information only: nothing was judged, and the gate does not pass._',
        ];
  return [head, '', table(['field', escapeMarkdown(w.base), 'current'], rows, ['l', 'l', 'l']), ...effect].join('\n');
}

export interface BuildOptions {
  headingLevel: 2 | 3;
  maxListItems: number;
  maxRowsPerTable: number;
  /**
   * The job summary: every column, every metric (client health included) and telemetry per point.
   * The comment (false) shows what changed and the gated columns, and folds the reasons.
   */
  full: boolean;
}

/** The run's verdict sentence, when the impact lines do not say it already (a regression, a pass). */
function needsSummary(report: GateReport): boolean {
  if (report.fix) return true;
  if (report.verdict === 'pass') return false;
  return !(report.verdict === 'fail' && report.counts.invalid === 0 && gatedChanges(report, 'regressed').length > 0);
}

/** Verdict, an impact sentence per suite, counts and baseline: what a reviewer reads first. */
function headline(report: GateReport, ctx: RenderContext, hashes: string): string {
  const head = RUN_HEADLINE[report.verdict];
  const top: string[] = [`${hashes} ${head.emoji} vLLM performance gate: ${head.word} — ${inlineCode(ctx.configId, 80)}`];
  const impact = impactLines(report);
  if (impact.length > 0) top.push('', ...impact);
  if (needsSummary(report)) {
    top.push('', `> ${escapeCell(report.summary, 500)}`, ...(report.fix ? ['>', `> **Fix:** ${escapeCell(report.fix, 500)}`] : []));
  }
  top.push('', `${countsSentence(report)} · ${baselineLine(report)}`);
  return top.join('\n');
}

/** The environment and the links: context, after the table of changes. */
function contextLines(current: ResultsDocument | undefined, ctx: RenderContext): string | null {
  const lines: string[] = [];
  const env = environmentLine(current);
  if (env) lines.push(env);
  const links: string[] = [];
  if (ctx.runUrl) links.push(`[workflow run](${safeUrl(ctx.runUrl)})`);
  if (ctx.artifactUrl) links.push(`[results artifact](${safeUrl(ctx.artifactUrl)})`);
  if (links.length > 0) lines.push(links.join(' · '));
  return lines.length > 0 ? lines.join('\n\n') : null;
}

/** The sections of one config's report, in display order. */
export function buildSections(report: GateReport, current: ResultsDocument | undefined, ctx: RenderContext, o: BuildOptions): Section[] {
  const w: Wording = report.ab ? { base: report.ab.baselineLabel, cand: report.ab.candidateLabel } : { base: 'baseline', cand: 'current' };
  const withBaseline = report.baseline !== null || report.ab !== undefined;
  const views = buildViews(report, current, ctx.baselineDoc);
  const h = (n: number): string => '#'.repeat(Math.min(6, o.headingLevel + n));
  const fix = (md: string): string => md.replace(/^### /gm, `${h(1)} `);
  const sections: Section[] = [{ md: headline(report, ctx, h(0)), keep: KEEP.always, what: 'headline' }];
  const push = (md: string | null, keep: number, what: string): void => {
    if (md) sections.push({ md: fix(md), keep, what });
  };
  const changes = changesSection(report, w, o.full ? o.maxListItems * 2 : 12);
  push([changes, `<sub>${LEGEND}</sub>`, contextLines(current, ctx)].filter((x) => x !== null).join('\n\n'), KEEP.always, 'changes');
  push(ttftExplainSection(report, views, o.maxListItems), KEEP.always, 'TTFT explained');
  push(fingerprintSection(report, w), KEEP.always, 'environment differences');
  push(missingSection(report, o.maxListItems), KEEP.always, 'points not measured');
  push(invalidSection(views), KEEP.always, 'invalid points');
  push(reasonsSection(report, w, o.maxListItems * 4), KEEP.serving + 1000, 'reasons');
  push(inconclusiveSection(report, o.full ? o.maxListItems * 4 : o.maxListItems), KEEP.serving + 999, 'inconclusive metrics');
  push(observedSection(report, w, o.full ? o.maxListItems * 4 : o.maxListItems * 2), KEEP.details + 1, 'observed changes');
  if (report.ab) push(improvementSummary(report, w, o.maxRowsPerTable), KEEP.serving + 1000, 'improvement summary');
  if (report.notes.length > 0) {
    push(
      ['**Notes**', '', ...report.notes.slice(0, o.maxListItems).map((n) => `- ${escapeCell(n, 300)}`)].join('\n'),
      KEEP.offline + 1,
      'notes',
    );
  }
  const serving = views.filter((s) => s.kind === 'serving');
  serving.forEach((s, i) => {
    const opts = { compact: !o.full, withBaseline, maxRows: o.maxRowsPerTable, baseLabel: w.base };
    // Earlier suites are kept longer than later ones.
    push(servingSection(s, opts), KEEP.serving + (serving.length - i), `the table of ${s.name}`);
    push(changeCharts(s), KEEP.charts, 'charts');
  });
  for (const md of offlineSections(views, w, withBaseline)) push(md, KEEP.offline, 'offline tables');
  push(startupSection(views, current, ctx.baselineDoc, w), KEEP.offline + 2, 'start-up time');
  push(telemetrySection(views, w), KEEP.telemetry, 'resource peaks');
  if (o.full) {
    push(telemetryPointsSection(views), KEEP.telemetryPoints, 'telemetry per point');
    push(otherMetricsSection(views, w), KEEP.details, 'other metrics');
  }
  return sections;
}

/** The sticky PR comment for one config: hidden marker first, under GitHub's 65,536 characters. */
export function renderComment(report: GateReport, current: ResultsDocument, ctx: RenderContext): string {
  const sections = buildSections(report, current, ctx, { headingLevel: 2, maxListItems: 10, maxRowsPerTable: 40, full: false });
  return assemble(`${commentMarker(ctx.configId)}\n`, sections, COMMENT_LIMIT, chars, ctx);
}

/** The job summary: the same report with everything in it, under the runner's 1 MiB. */
export function renderSummary(report: GateReport, current: ResultsDocument, ctx: RenderContext): string {
  const sections = buildSections(report, current, ctx, { headingLevel: 2, maxListItems: 50, maxRowsPerTable: 500, full: true });
  return assemble('', sections, SUMMARY_LIMIT_BYTES, utf8, ctx);
}
