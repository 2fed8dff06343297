// Charts of what changed: per sweep, the change vs the baseline of each gated metric that regressed,
// against the sweep axis, with the tolerance drawn as a line. Mermaid `xychart-beta` as GitHub
// renders it; the colours are set in the front matter and read on light and dark backgrounds alike.
import { metricTitle } from '../catalog/metrics.js';
import { escapeCell, mermaidLabel } from './escape.js';
import { sortPoints } from './format.js';
import { axisValue, cellOf, sweepAxis, type SuiteView } from './model.js';
import { isSearchKnee } from './serving.js';

/** Mid-saturation colours: readable on GitHub's white and its dark grey. The tolerance is grey. */
export const TOLERANCE_COLOUR = '#8c8c8c';
export const SERIES_COLOURS = ['#e8590c', '#1c7ed6', '#be4bdb', '#2f9e44', '#e64980', '#1098ad', '#b08800', '#5c7cfa'];
const COLOUR_NAMES = ['orange', 'blue', 'purple', 'green', 'pink', 'teal', 'gold', 'indigo'];

/** A number as Mermaid reads it: plain decimal, no exponent, no thousands separators. */
export function mermaidNumber(v: number): string {
  const r = Math.round(v * 1000) / 1000;
  return Number.isFinite(r) ? r.toFixed(Math.abs(r) >= 100 ? 1 : 3).replace(/\.?0+$/, '') || '0' : '0';
}

/** The percent of a tolerance such as "-5%" or "+10% or +20ms"; null when it has none. */
export function tolerancePercent(tolerance: string): number | null {
  const m = /([+\-−]?)(\d+(?:\.\d+)?)%/.exec(tolerance);
  if (!m) return null;
  return (m[1] === '-' || m[1] === '−' ? -1 : 1) * Number(m[2]);
}

/** The gated metrics that regressed at some point of the suite, grouped by the tolerance they share. */
function regressedByTolerance(s: SuiteView): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const p of s.points) {
    for (const m of p.comparisons) {
      if (m.role !== 'gated' || m.verdict !== 'regressed' || !p.valid) continue;
      const list = groups.get(m.tolerance) ?? [];
      if (!list.includes(m.metric)) list.push(m.metric);
      groups.set(m.tolerance, list);
    }
  }
  return groups;
}

function axisLabels(s: SuiteView): { title: string; xs: string[]; points: SuiteView['points'] } {
  const axis = sweepAxis(s);
  const points = sortPoints(s.points, (p) => axisValue(p, axis)).slice(0, 24);
  const xs = points.map((p) => {
    const v = axisValue(p, axis);
    return `"${v === 'inf' ? 'inf' : v === null ? mermaidLabel(p.label, 12) : mermaidNumber(v)}"`;
  });
  return { title: axis === 'rate' ? 'request rate (req/s)' : 'concurrency', xs, points };
}

/** One chart per tolerance: a line per regressed metric (change in percent) and the tolerance line. */
function changeChart(s: SuiteView, tolerance: string, metrics: string[]): string | null {
  const { title, xs, points } = axisLabels(s);
  const tol = tolerancePercent(tolerance);
  const series = metrics.slice(0, SERIES_COLOURS.length).map((metric) => ({
    metric,
    values: points.map((p) => {
      const c = cellOf(p, metric).change;
      return c === null || !Number.isFinite(c) ? 0 : c * 100;
    }),
  }));
  if (series.length === 0) return null;
  const all = [...series.flatMap((x) => x.values), 0, ...(tol !== null ? [tol] : [])];
  // The y axis always holds 0 (no change) and the tolerance, with a little room around them.
  const pad = Math.max(1, (Math.max(...all) - Math.min(...all)) * 0.1);
  const lo = Math.floor(Math.min(...all) - (Math.min(...all) < 0 ? pad : 0));
  const hi = Math.ceil(Math.max(...all) + (Math.max(...all) > 0 ? pad : 0));
  const palette = [...(tol !== null ? [TOLERANCE_COLOUR] : []), ...series.map((_, i) => SERIES_COLOURS[i]!)];
  const chart = [
    '```mermaid',
    '---',
    'config:',
    '  themeVariables:',
    '    xyChart:',
    `      plotColorPalette: "${palette.join(', ')}"`,
    '---',
    'xychart-beta',
    `  title "${mermaidLabel(s.name, 40)}: change vs baseline, percent"`,
    `  x-axis "${title}" [${xs.join(', ')}]`,
    `  y-axis "change (percent)" ${lo} --> ${hi}`,
    ...(tol !== null ? [`  line [${points.map(() => mermaidNumber(tol)).join(', ')}]`] : []),
    ...series.map((x) => `  line [${x.values.map(mermaidNumber).join(', ')}]`),
    '```',
  ].join('\n');
  const legend = [
    ...(tol !== null ? [`grey: tolerance ${escapeCell(tolerance, 40)}`] : []),
    ...series.map((x, i) => `${COLOUR_NAMES[i]}: ${metricTitle(x.metric) ?? escapeCell(x.metric, 60)}`),
  ];
  return `${chart}\n\n<sub>${legend.join(' · ')}</sub>`;
}

/** The charts of one sweep, or null when nothing gated regressed or the suite has one point. */
export function changeCharts(sweep: SuiteView): string | null {
  // An SLO search's knee is no point on the sweep's axis.
  const s = { ...sweep, points: sweep.points.filter((p) => !isSearchKnee(p)) };
  if (s.kind !== 'serving' || s.points.length < 2) return null;
  const charts = [...regressedByTolerance(s)]
    .map(([tolerance, metrics]) => changeChart(s, tolerance, metrics))
    .filter((c): c is string => c !== null);
  return charts.length > 0 ? charts.join('\n\n') : null;
}
