// Nightly history: after a baseline run is stored, the stored history (with this run) is analysed
// for change points; its dashboard goes into the run's artifact, and a regression no issue reported
// yet opens ONE issue per config, or updates the open one (its body, and a comment so watchers are
// told). The issue is found by a hidden marker, as the sticky PR comment is; which change points it
// reported is kept in the issue itself (hashes of series and run, no text), so a change point found
// again night after night is reported once, and one placed a run or two off later is the same one.
import { createHash } from 'node:crypto';
import * as core from '@actions/core';
import type { GateSettings } from '../compare/index.js';
import { describeError } from '../errors.js';
import { analyzeHistory, type HistoryAnalysis, type HistoryChangePoint } from '../history/index.js';
import { escapeMarkdown, escapeText, markerId } from '../report/escape.js';
import { changePointTable, historyHeadline, renderHistoryMarkdown } from '../report/history.js';
import { renderHistoryHtml } from '../report/history-html.js';
import type { ResultsDocument } from '../results/schema-types.gen.js';
import { appendRun } from './baseline-branch.js';
import { tokenLogin } from './comment.js';
import { apiMessage, httpStatus, type Octokit } from './octokit.js';
import { writeJobSummary } from './publish.js';
import type { Settings } from './settings.js';

export interface NightlyHistory {
  analysis: HistoryAnalysis;
  /** The dashboard (history.html). */
  html: string;
}

/** The history as the branch now stores it (this run appended, the newest `cap` kept), analysed. */
export function analyzeNightly(o: {
  history: readonly ResultsDocument[];
  doc: ResultsDocument;
  configId: string;
  cap: number;
  gate: GateSettings;
}): NightlyHistory {
  const runs = appendRun({ 'schema-version': 1, 'config-id': o.configId, runs: [...o.history] }, o.configId, o.doc, o.cap).runs;
  const analysis = analyzeHistory(runs, o.gate);
  return { analysis, html: renderHistoryHtml(analysis, { title: `Performance history of ${o.configId}` }) };
}

export function historyIssueMarker(configId: string): string {
  return `<!-- vllm-perf-gate:history:${markerId(configId)} -->`;
}

const REPORTED = '<!-- vllm-perf-gate:reported';
/** Change points a run or two apart are the same change seen on different nights. */
const SAME_WITHIN = 2;
/** Rows of a table in an issue: GitHub takes 65,536 characters of body. */
const MAX_ROWS = 40;

function hash(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 12);
}

/** `<series>:<run>`: which change point an issue reported, with nothing of its text. */
export function reportedKey(cp: Pick<HistoryChangePoint, 'suite' | 'point' | 'metric' | 'runId'>): string {
  return `${hash(JSON.stringify([cp.suite, cp.point, cp.metric]))}:${hash(cp.runId)}`;
}

function reportedKeys(body: string): string[] {
  const line = body.split('\n').find((l) => l.startsWith(REPORTED));
  return line ? [...line.matchAll(/\b([0-9a-f]{12}:[0-9a-f]{12})\b/g)].map((m) => m[1]!) : [];
}

/** The regressions of the analysis that no issue reported yet (none within SAME_WITHIN runs of the same series). */
export function newRegressions(a: HistoryAnalysis, reported: readonly string[]): HistoryChangePoint[] {
  const runAt = new Map(a.runs.map((r) => [hash(r.id), r.index]));
  const seen = reported.map((k) => ({ series: k.slice(0, 12), index: runAt.get(k.slice(13)) }));
  return a.changePoints.filter((cp) => {
    if (cp.direction !== 'regression') return false;
    const series = reportedKey(cp).slice(0, 12);
    return !seen.some((s) => s.series === series && s.index !== undefined && Math.abs(s.index - cp.index) <= SAME_WITHIN);
  });
}

interface FoundIssue {
  number: number;
  url: string;
  body: string;
  open: boolean;
}

/** Our issues for this config (any state), oldest first: issues by the token's user holding the marker. */
async function findIssues(octokit: Octokit, target: IssueTarget, marker: string, author: string): Promise<FoundIssue[]> {
  const out: FoundIssue[] = [];
  for await (const page of octokit.paginate.iterator(octokit.rest.issues.listForRepo, {
    owner: target.owner,
    repo: target.repo,
    state: 'all',
    creator: author,
    per_page: 100,
  })) {
    for (const i of page.data) {
      if (i.pull_request || typeof i.body !== 'string' || !i.body.includes(marker)) continue;
      out.push({ number: i.number, url: i.html_url, body: i.body, open: i.state === 'open' });
    }
  }
  return out.sort((a, b) => a.number - b.number);
}

export interface IssueTarget {
  owner: string;
  repo: string;
}

export type HistoryIssueResult =
  | { action: 'created' | 'updated'; number: number; url: string; fresh: HistoryChangePoint[] }
  | { action: 'none'; reason: string }
  | { action: 'forbidden'; notice: string };

/** The issue's title: plain text (titles render no Markdown). */
export function historyIssueTitle(configId: string): string {
  return `Performance regression in the nightly history of ${escapeText(configId, 100)}`;
}

/** The issue body: the new regressions, every regression of the stored history, and what was reported. */
export function historyIssueBody(
  a: HistoryAnalysis,
  o: { configId: string; fresh: readonly HistoryChangePoint[]; reported: readonly string[]; runUrl: string; dashboardUrl?: string },
): string {
  const all = a.changePoints.filter((c) => c.direction === 'regression');
  const dashboard = o.dashboardUrl
    ? `the [dashboard](${safeUrl(o.dashboardUrl)}) draws every metric over the runs`
    : 'the dashboard, `history.html`, is in its results artifact';
  const lines = [
    historyIssueMarker(o.configId),
    `### Performance regressions in the nightly history of ${escapeMarkdown(o.configId)}`,
    '',
    `[This nightly run](${o.runUrl}) found ${plural(o.fresh.length, 'new regression')} (${dashboard}):`,
    '',
    table(o.fresh),
    '',
    `<details><summary>Every regression in the stored history (${all.length})</summary>`,
    '',
    table(all),
    '',
    '</details>',
    '',
    `<sub>${escapeMarkdown(a.changePoints.length ? 'Each row names the first run after the change; commits are the last one measured before it .. the first after it.' : '')}</sub>`,
    `${REPORTED} ${[...new Set(o.reported)].join(' ')} -->`,
    '',
  ];
  return lines.join('\n');
}

function table(cps: readonly HistoryChangePoint[]): string {
  const shown = changePointTable(cps.slice(0, MAX_ROWS));
  return cps.length > MAX_ROWS ? `${shown}\n\n… and ${cps.length - MAX_ROWS} more.` : shown;
}

/**
 * Opens or updates our issue when the analysis has regressions no issue of ours reported. An open
 * issue is updated (body, and a comment naming the new ones); with none open, a new one is opened.
 * A token that may not write issues gets a notice, not an error.
 */
export async function upsertHistoryIssue(
  octokit: Octokit,
  target: IssueTarget,
  a: HistoryAnalysis,
  o: { configId: string; runUrl: string; labels: readonly string[]; dashboardUrl?: string },
): Promise<HistoryIssueResult> {
  const marker = historyIssueMarker(o.configId);
  try {
    const author = await tokenLogin(octokit);
    const ours = await findIssues(octokit, target, marker, author);
    const reported = ours.flatMap((i) => reportedKeys(i.body));
    const fresh = newRegressions(a, reported);
    if (fresh.length === 0)
      return { action: 'none', reason: reported.length ? 'no regression that is not reported already' : 'no regression in the history' };
    const open = ours.filter((i) => i.open).at(-1);
    const body = historyIssueBody(a, {
      configId: o.configId,
      fresh,
      reported: [...(open ? reportedKeys(open.body) : []), ...fresh.map(reportedKey)],
      runUrl: o.runUrl,
      ...(o.dashboardUrl ? { dashboardUrl: o.dashboardUrl } : {}),
    });
    if (open) {
      await octokit.rest.issues.update({ owner: target.owner, repo: target.repo, issue_number: open.number, body });
      const note = `${marker}\n[This nightly run](${o.runUrl}) found ${plural(fresh.length, 'new regression')}:\n\n${table(fresh)}\n`;
      await octokit.rest.issues.createComment({ owner: target.owner, repo: target.repo, issue_number: open.number, body: note });
      return { action: 'updated', number: open.number, url: open.url, fresh };
    }
    const { data } = await octokit.rest.issues.create({
      owner: target.owner,
      repo: target.repo,
      title: historyIssueTitle(o.configId),
      body,
      ...(o.labels.length ? { labels: [...o.labels] } : {}),
    });
    return { action: 'created', number: data.number, url: data.html_url, fresh };
  } catch (err) {
    if (httpStatus(err) === 403) {
      return {
        action: 'forbidden',
        notice: `The token may not write issues (HTTP 403: ${apiMessage(err)}); the regressions are in the job summary. Give the job \`permissions: { issues: write }\`, or set history-issue: false.`,
      };
    }
    throw err;
  }
}

/** The job summary's history section: the new regressions first, then the whole history's change points. */
export function historySummary(
  a: HistoryAnalysis,
  o: { configId: string; fresh: readonly HistoryChangePoint[]; issueUrl?: string },
): string {
  const head = o.fresh.length
    ? `**${plural(o.fresh.length, 'new regression')} in the nightly history**${o.issueUrl ? ` (reported in ${o.issueUrl})` : ''}:\n\n${table(o.fresh)}\n\n`
    : '';
  return `${head}${renderHistoryMarkdown(a, { title: `Performance history of ${o.configId}` })}`;
}

/**
 * After the run is stored: the issue (unless history-issue is false), the log and the job summary.
 * A failure to write the issue is a warning: the run and the baseline are already done.
 */
export async function reportNightlyHistory(o: {
  octokit: Octokit;
  target: IssueTarget;
  settings: Pick<Settings, 'historyIssue' | 'historyIssueLabels'>;
  configId: string;
  runUrl: string;
  nightly: NightlyHistory;
  /** Where GitHub Pages serves the dashboard, when it was published to a branch. */
  dashboardUrl?: string;
}): Promise<HistoryIssueResult | null> {
  const a = o.nightly.analysis;
  core.info(`history: ${historyHeadline(a)}`);
  let result: HistoryIssueResult | null = null;
  if (o.settings.historyIssue) {
    try {
      result = await upsertHistoryIssue(o.octokit, o.target, a, {
        configId: o.configId,
        runUrl: o.runUrl,
        labels: o.settings.historyIssueLabels,
        ...(o.dashboardUrl ? { dashboardUrl: o.dashboardUrl } : {}),
      });
    } catch (e) {
      core.warning(`history: the regression issue was not written: ${describeError(e)}`);
    }
  }
  if (result?.action === 'created' || result?.action === 'updated')
    core.info(`history: ${result.action} issue #${result.number} (${result.url}): ${plural(result.fresh.length, 'new regression')}`);
  else if (result?.action === 'none') core.info(`history: no issue written: ${result.reason}`);
  else if (result?.action === 'forbidden') core.notice(result.notice);
  const fresh = result?.action === 'created' || result?.action === 'updated' ? result.fresh : [];
  await writeJobSummary(historySummary(a, { configId: o.configId, fresh, ...(result && 'url' in result ? { issueUrl: result.url } : {}) }));
  return result;
}

/** A URL as a Markdown link target: only http(s), and no character that would end the link. */
function safeUrl(url: string): string {
  return /^https?:\/\/[^\s()<>]+$/.test(url) ? url : '#';
}

function plural(n: number, one: string): string {
  return `${n} ${one}${n === 1 ? '' : 's'}`;
}
