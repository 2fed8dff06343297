// A history's change points as people read them: a terminal table, Markdown (the job summary and
// the nightly issue), and JSON. Newest first, with the commit range of each change: the last commit
// measured before it .. the first measured after it.
import { metricTitle } from '../catalog/metrics.js';
import type { HistoryAnalysis, HistoryChangePoint } from '../history/index.js';
import { escapeCell, escapeMarkdown, escapeText, inlineCode } from './escape.js';
import { formatChange, formatNumber } from './format.js';

/** The analysis as JSON: runs, change points (newest first) and every series. */
export function historyJson(a: HistoryAnalysis): string {
  return `${JSON.stringify({ runs: a.runs, changePoints: a.changePoints, series: a.series, detection: a.detection }, null, 1)}\n`;
}

/** "30 runs from 2026-01-01 to 2026-01-30, 12 series, 1 change point (1 regression)". */
export function historyHeadline(a: HistoryAnalysis): string {
  const first = a.runs[0];
  const last = a.runs.at(-1);
  const span = first && last ? ` from ${day(first.startedAt)} to ${day(last.startedAt)}` : '';
  const reg = a.changePoints.filter((c) => c.direction === 'regression').length;
  const cps = a.changePoints.length;
  const kinds = cps === 0 ? '' : ` (${plural(reg, 'regression')}, ${plural(cps - reg, 'improvement')})`;
  return `${plural(a.runs.length, 'run')}${span}, ${plural(a.series.length, 'series', 'series')} of gated metrics, ${plural(cps, 'change point')}${kinds}`;
}

/** The short commit range of a change point: `a1b2c3d4e5f6..0f9e8d7c6b5a`, or what is known of it. */
export function commitRange(cp: Pick<HistoryChangePoint, 'commit' | 'commitBefore'>): string {
  const short = (s: string | null): string => (s ? s.slice(0, 12) : '?');
  if (!cp.commit && !cp.commitBefore) return '';
  return `${short(cp.commitBefore)}..${short(cp.commit)}`;
}

/** The figure before and after, with the unit: `1501 → 1380 tok/s`. */
export function beforeAfter(cp: Pick<HistoryChangePoint, 'before' | 'after' | 'unit'>): string {
  return `${formatNumber(cp.before)} → ${formatNumber(cp.after)}${cp.unit ? ` ${cp.unit}` : ''}`;
}

const HEAD = ['first run after', 'suite', 'point', 'metric', 'change', 'before → after', 'commits', 'p'];

function rowOf(cp: HistoryChangePoint): string[] {
  const mark = cp.direction === 'regression' ? 'regression' : 'improvement';
  return [
    `${day(cp.startedAt)} (#${cp.index + 1})`,
    cp.suite,
    cp.label,
    cp.metric,
    `${formatChange(cp.change)} ${mark}`,
    beforeAfter(cp),
    commitRange(cp),
    formatP(cp.pValue),
  ];
}

/** The terminal report: the headline, then a table of change points, newest first. */
export function renderHistoryText(a: HistoryAnalysis, notes: readonly string[] = []): string {
  const lines = [`history: ${historyHeadline(a)}`];
  if (a.changePoints.length > 0) {
    const rows = [HEAD, ...a.changePoints.map((cp) => rowOf(cp).map((c) => escapeText(c, 80)))];
    const widths = HEAD.map((_, i) => Math.max(...rows.map((r) => [...r[i]!].length)));
    lines.push(
      '',
      ...rows.map((r) =>
        r
          .map((c, i) => c + ' '.repeat(widths[i]! - [...c].length))
          .join('  ')
          .trimEnd(),
      ),
    );
  }
  for (const cp of a.changePoints)
    if (cp.setupChanged.length > 0)
      lines.push(
        `note: the setup changed at run #${cp.index + 1} (${cp.setupChanged.map((f) => escapeText(f, 80)).join(', ')}): ${escapeText(cp.metric, 80)} may have moved with it`,
      );
  lines.push(...notes.map((n) => `note: ${escapeText(n, 400)}`));
  lines.push('', detectionLine(a));
  return `${lines.join('\n')}\n`;
}

/** The Markdown report (job summary, issue): the headline and the table, every string escaped. */
export function renderHistoryMarkdown(
  a: HistoryAnalysis,
  o: { title?: string; changePoints?: readonly HistoryChangePoint[]; runUrl?: string } = {},
): string {
  const cps = o.changePoints ?? a.changePoints;
  const out = [`### ${escapeCell(o.title ?? 'Performance history')}`, '', `${escapeCell(historyHeadline(a))}.`];
  if (cps.length > 0) out.push('', changePointTable(cps));
  const setup = cps.filter((c) => c.setupChanged.length > 0);
  for (const cp of setup)
    out.push(
      '',
      `The setup changed at run ${cp.index + 1} (${cp.setupChanged.map((f) => inlineCode(f)).join(', ')}): ${inlineCode(cp.metric)} may have moved with it.`,
    );
  if (o.runUrl) out.push('', `[This run](${o.runUrl})`);
  out.push('', `<sub>${escapeMarkdown(detectionLine(a))}</sub>`);
  return `${out.join('\n')}\n`;
}

/** A Markdown table of change points, newest first. */
export function changePointTable(cps: readonly HistoryChangePoint[]): string {
  const head = ['', 'first run after', 'suite', 'point', 'metric', 'change', 'before → after', 'commits', 'p'];
  const rows = cps.map((cp) => {
    const title = metricTitle(cp.metric);
    return [
      cp.direction === 'regression' ? '🔴' : '🟢',
      `${escapeCell(day(cp.startedAt))} (run ${cp.index + 1})`,
      escapeCell(cp.suite),
      escapeCell(cp.label),
      `${inlineCode(cp.metric)}${title ? ` (${escapeCell(title)})` : ''}`,
      `**${escapeCell(formatChange(cp.change))}**`,
      escapeCell(beforeAfter(cp)),
      commitRange(cp) ? inlineCode(commitRange(cp)) : '',
      escapeCell(formatP(cp.pValue)),
    ];
  });
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function detectionLine(a: HistoryAnalysis): string {
  const d = a.detection;
  const floors = Object.entries(d.noiseFloor)
    .map(([k, v]) => `${k} ${(v * 100).toFixed(0)}%`)
    .join(', ');
  return `Change points: e-divisive means, Student's t-test p ≤ ${d.maxPValue} (a tenth of it with fewer than 6 runs on a side), at least ${d.minSegment} runs a side, noise floors ${floors} (scaled to the segment sizes); invalid points are gaps.`;
}

function formatP(p: number): string {
  return p < 1e-4 ? p.toExponential(0) : p.toPrecision(2);
}

function day(iso: string): string {
  return iso.slice(0, 10);
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
