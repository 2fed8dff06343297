// Annotations for the workflow run: one per regressed gated metric or invalid point, at most 10
// (GitHub shows 10 per level per step), the last one saying how many more there are.
import type { GateReport } from '../compare/types.js';
import { escapeText } from './escape.js';
import { METRIC_TITLE, formatChange, formatNumber } from './format.js';

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
  const all: Annotation[] = [];
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
      const title = METRIC_TITLE[m.metric] ?? m.metric;
      all.push({
        level,
        title: `Performance regression: ${escapeText(p.suite, 60)} / ${escapeText(p.label, 40)} / ${escapeText(title, 60)}`,
        message:
          `${escapeText(m.metric, 60)} ${formatNumber(m.current)} vs baseline ${formatNumber(m.baseline)}` +
          `${m.change !== null ? ` (${formatChange(m.change)})` : ''}, tolerance ${escapeText(m.tolerance, 40)}. ${escapeText(m.reason, 300)}`,
      });
    }
  }
  if (report.verdict === 'not-comparable' && all.length < MAX_ANNOTATIONS) {
    all.push({
      level: 'warning',
      title: 'Runs not comparable',
      message: escapeText(report.summary, 300) + (report.fingerprintDiffs.length ? ` (${report.fingerprintDiffs.map((d) => escapeText(d.field, 40)).join(', ')} differ)` : ''),
    });
  }
  let shown = all;
  if (all.length > MAX_ANNOTATIONS) {
    shown = all.slice(0, MAX_ANNOTATIONS - 1);
    shown.push({ level, title: `${all.length - shown.length} more regressions or invalid points`, message: 'See the job summary for the full list.' });
  }
  return opts.file ? shown.map((a) => ({ ...a, file: opts.file })) : shown;
}
