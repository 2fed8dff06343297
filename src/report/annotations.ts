// Annotations for the workflow run: first what the gate could not judge (not comparable, nothing
// compared, baseline points not measured), then one per regressed gated metric or invalid point, at
// most 10 (GitHub shows 10 per level per step), the last one saying how many more there are.
import { metricTitle } from '../catalog/metrics.js';
import type { GateReport } from '../compare/types.js';
import { escapeText } from './escape.js';
import { formatChange, formatNumber } from './format.js';

export interface Annotation {
  level: 'error' | 'warning' | 'notice';
  title: string;
  message: string;
  /** The config file, so GitHub shows the annotation on it (the workspace-relative path). */
  file?: string;
}

export const MAX_ANNOTATIONS = 10;

export function annotations(report: GateReport, opts: { failOnRegression?: boolean; file?: string } = {}): Annotation[] {
  const level: Annotation['level'] = opts.failOnRegression === false ? 'warning' : 'error';
  const all: Annotation[] = unjudged(report, level);
  for (const p of report.points) {
    if (!p.valid) {
      all.push({
        level,
        title: `Invalid point: ${escapeText(p.suite, 60)} / ${escapeText(p.label, 40)}`,
        message: p.invalidReasons.map((r) => escapeText(r, 200)).join('; ') || 'the point is invalid',
      });
    }
    for (const m of p.metrics) {
      if (m.verdict !== 'regressed' || m.role !== 'gated') continue;
      const title = metricTitle(m.metric) ?? m.metric;
      all.push({
        level,
        title: `Performance regression: ${escapeText(p.suite, 60)} / ${escapeText(p.label, 40)} / ${escapeText(title, 60)}`,
        message:
          `${escapeText(m.metric, 60)} ${formatNumber(m.current)} vs baseline ${formatNumber(m.baseline)}` +
          `${m.change !== null ? ` (${formatChange(m.change)})` : ''}, tolerance ${escapeText(m.tolerance, 40)}. ${escapeText(m.reason, 300)}`,
      });
    }
  }
  let shown = all;
  if (all.length > MAX_ANNOTATIONS) {
    shown = all.slice(0, MAX_ANNOTATIONS - 1);
    shown.push({
      level,
      title: `${all.length - shown.length} more regressions or invalid points`,
      message: 'See the job summary for the full list.',
    });
  }
  return opts.file ? shown.map((a) => ({ ...a, file: opts.file })) : shown;
}

/** The verdict's own annotation when it judged nothing, and one per suite with points not measured. */
function unjudged(report: GateReport, level: Annotation['level']): Annotation[] {
  const out: Annotation[] = [];
  const fix = report.fix ? ` Fix: ${escapeText(report.fix, 400)}` : '';
  if (report.verdict === 'not-comparable') {
    out.push({ level: report.passes ? 'warning' : level, title: 'Runs not comparable', message: escapeText(report.summary, 300) + fix });
  } else if (report.verdict === 'nothing-compared') {
    out.push({ level, title: 'Nothing compared', message: escapeText(report.summary, 300) + fix });
  }
  const missing = report.points.filter((p) => p.verdict === 'missing');
  // Not comparable and nothing compared are said above; missing points count against pass and fail.
  if (report.verdict !== 'fail' && report.verdict !== 'pass') return out;
  for (const suite of [...new Set(missing.map((p) => p.suite))]) {
    const ps = missing.filter((p) => p.suite === suite);
    const fails = ps.some((p) => p.onMissing !== 'warn');
    out.push({
      level: fails ? level : 'warning',
      title: `Not measured: ${escapeText(suite, 60)}`,
      message:
        `${ps.length} baseline point${ps.length === 1 ? '' : 's'} of ${escapeText(suite, 60)} not measured by this run: ${ps
          .slice(0, 5)
          .map((p) => escapeText(p.label, 40))
          .join(', ')}${ps.length > 5 ? ', …' : ''}.` + (fails ? fix : ' Allowed by gate.on-missing: warn.'),
    });
  }
  return out;
}
