// What the step hands back to the workflow: outputs (the names action.yml declares), the job
// summary and annotations. Thin on purpose: @actions/core does the file formats.
import * as core from '@actions/core';
import type { Annotation } from '../report/annotations.js';
import type { GateReport } from '../compare/types.js';

export interface ActionOutputs {
  verdict: GateReport['verdict'];
  regressions: number;
  improvements: number;
  resultsPath: string;
  reportPath: string;
  commentUrl?: string;
}

/** Sets every output action.yml declares (comment-url empty when no comment was posted). */
export function setActionOutputs(o: ActionOutputs): void {
  core.setOutput('verdict', o.verdict);
  core.setOutput('regressions', String(o.regressions));
  core.setOutput('improvements', String(o.improvements));
  core.setOutput('results-path', o.resultsPath);
  core.setOutput('report-path', o.reportPath);
  core.setOutput('comment-url', o.commentUrl ?? '');
}

/** Gated regressions and improvements of a report, as the outputs count them. */
export function outputCounts(report: GateReport): { regressions: number; improvements: number } {
  let regressions = 0;
  let improvements = 0;
  for (const p of report.points) {
    for (const m of p.metrics) {
      if (m.role !== 'gated') continue;
      if (m.verdict === 'regressed') regressions++;
      if (m.verdict === 'improved') improvements++;
    }
  }
  return { regressions, improvements };
}

/** Appends the report to the job summary; outside Actions (no GITHUB_STEP_SUMMARY) it says so and goes on. */
export async function writeJobSummary(markdown: string, notice?: string): Promise<boolean> {
  if (!process.env.GITHUB_STEP_SUMMARY) {
    core.info('No GITHUB_STEP_SUMMARY (not running in GitHub Actions): the job summary is not written.');
    return false;
  }
  const s = core.summary;
  if (notice) s.addRaw(`> [!NOTE]\n> ${notice.replace(/\n/g, ' ')}\n\n`);
  await s.addRaw(markdown).write();
  return true;
}

export function emitAnnotations(list: Annotation[]): void {
  for (const a of list) {
    const props = a.file ? { title: a.title, file: a.file } : { title: a.title };
    if (a.level === 'error') core.error(a.message, props);
    else if (a.level === 'warning') core.warning(a.message, props);
    else core.notice(a.message, props);
  }
}
