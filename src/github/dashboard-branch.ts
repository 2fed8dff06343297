// Dashboard publishing: the nightly dashboard (history.html) committed to a branch GitHub Pages
// serves (e.g. gh-pages), at `<dashboard-path>/<config id>/index.html`, so several configs share one
// site. Written through the git data API (blob; tree on the head's tree; commit; ref update without
// force): no checkout, and nothing else on the branch is touched. A ref update that is not a fast
// forward (someone pushed in between) re-reads the head and builds the commit again; a missing branch
// is created as an orphan holding only the dashboard. A failure is a notice, never the run's verdict.
import * as core from '@actions/core';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import { describeError, GateError } from '../errors.js';
import type { RunContext } from './context.js';
import { apiMessage, httpStatus, type Octokit } from './octokit.js';
import { writeJobSummary } from './publish.js';
import type { Settings } from './settings.js';

export interface DashboardTarget {
  owner: string;
  repo: string;
  branch: string;
  /** Path of the html file on the branch. */
  path: string;
}

/**
 * `<folder>/<config id>/index.html` (folder `.` is the branch's root). Pages serves the folder's
 * index.html at the folder's URL. A leading `_` or `.` is dropped from the config id: Pages' Jekyll
 * build leaves such folders out of the site.
 */
export function dashboardPath(configId: string, folder = 'vllm-perf-gate'): string {
  const dir = folder.replace(/^[./]+$/, '').replace(/^\/+|\/+$/g, '');
  const id = configId.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[._]+/, '') || 'default';
  return `${dir ? `${dir}/` : ''}${id}/index.html`;
}

/** Where the inputs put this config's dashboard, or null when dashboard-branch is not set. */
export function dashboardTargetFor(
  settings: Pick<Settings, 'dashboardBranch' | 'dashboardPath'>,
  ctx: Pick<RunContext, 'owner' | 'repo'>,
  configId: string,
): DashboardTarget | null {
  if (!settings.dashboardBranch) return null;
  return { owner: ctx.owner, repo: ctx.repo, branch: settings.dashboardBranch, path: dashboardPath(configId, settings.dashboardPath) };
}

/**
 * The page's URL if Pages serves the branch from its root on github.com: a project site is
 * https://OWNER.github.io/REPO/, a `OWNER.github.io` repository is the user site itself. A custom
 * domain or GitHub Enterprise Server serves elsewhere: undefined off github.com.
 */
export function pagesUrl(target: Pick<DashboardTarget, 'owner' | 'repo' | 'path'>, serverUrl = 'https://github.com'): string | undefined {
  if (!/^https:\/\/github\.com\/?$/i.test(serverUrl)) return undefined;
  const owner = target.owner.toLowerCase();
  const site = target.repo.toLowerCase() === `${owner}.github.io` ? '' : `${encodeURIComponent(target.repo)}/`;
  const page = target.path
    .replace(/(^|\/)index\.html$/, '$1')
    .split('/')
    .map(encodeURIComponent)
    .join('/');
  return `https://${owner}.github.io/${site}${page}`;
}

export interface DashboardCommit {
  /** The new commit; null when the branch already held this exact file (nothing committed). */
  commitSha: string | null;
  attempts: number;
  createdBranch: boolean;
}

export interface DashboardCommitOptions {
  /** Names the commit: `vllm-perf-gate: dashboard <config id> <commit>`. */
  configId: string;
  gitSha?: string;
  maxAttempts?: number;
  clock?: Clock;
  /** Seeded jitter in [0,1) for the retry backoff. */
  random?: () => number;
}

/** Thrown when the ref moved under us (another push) or the branch appeared: build the commit again. */
class Raced extends Error {}

async function branchHead(octokit: Octokit, t: DashboardTarget): Promise<{ commit: string; tree: string } | null> {
  let commit: string;
  try {
    const { data } = await octokit.rest.git.getRef({ owner: t.owner, repo: t.repo, ref: `heads/${t.branch}` });
    commit = data.object.sha;
  } catch (err) {
    if (httpStatus(err) === 404) return null;
    throw err;
  }
  const { data } = await octokit.rest.git.getCommit({ owner: t.owner, repo: t.repo, commit_sha: commit });
  return { commit, tree: data.tree.sha };
}

async function moveRef(octokit: Octokit, t: DashboardTarget, sha: string, create: boolean): Promise<void> {
  try {
    if (create) await octokit.rest.git.createRef({ owner: t.owner, repo: t.repo, ref: `refs/heads/${t.branch}`, sha });
    else await octokit.rest.git.updateRef({ owner: t.owner, repo: t.repo, ref: `heads/${t.branch}`, sha, force: false });
  } catch (err) {
    const s = httpStatus(err);
    const msg = apiMessage(err);
    if (s === 409 || (s === 422 && /fast.?forward|already exists|reference does not exist/i.test(msg))) throw new Raced(msg);
    throw err;
  }
}

/**
 * Commits the html at target.path on target.branch, leaving every other file as it is; creates the
 * branch (an orphan: the dashboard alone) when missing. Never forces: a lost race is retried on the
 * new head, up to maxAttempts times. Throws a GateError (403: with the permission that fixes it).
 */
export async function commitDashboard(
  octokit: Octokit,
  t: DashboardTarget,
  html: string,
  o: DashboardCommitOptions,
): Promise<DashboardCommit> {
  const clock = o.clock ?? systemClock;
  const random = o.random ?? Math.random;
  const maxAttempts = o.maxAttempts ?? 8;
  const where = `${t.branch}:${t.path}`;
  const message = `vllm-perf-gate: dashboard ${o.configId}${o.gitSha ? ` ${o.gitSha.slice(0, 12)}` : ''}`;
  try {
    const repo = { owner: t.owner, repo: t.repo };
    const blob = await octokit.rest.git.createBlob({ ...repo, content: Buffer.from(html, 'utf8').toString('base64'), encoding: 'base64' });
    const entry = { path: t.path, mode: '100644' as const, type: 'blob' as const, sha: blob.data.sha };
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const head = await branchHead(octokit, t);
      const tree = await octokit.rest.git.createTree({ ...repo, ...(head ? { base_tree: head.tree } : {}), tree: [entry] });
      if (head && tree.data.sha === head.tree) return { commitSha: null, attempts: attempt, createdBranch: false };
      const commit = await octokit.rest.git.createCommit({ ...repo, message, tree: tree.data.sha, parents: head ? [head.commit] : [] });
      try {
        await moveRef(octokit, t, commit.data.sha, head === null);
        return { commitSha: commit.data.sha, attempts: attempt, createdBranch: head === null };
      } catch (err) {
        if (!(err instanceof Raced)) throw err;
        // Somebody pushed in between: back off a little (jittered, so racers spread out) and redo.
        await clock.sleep(Math.round(20 * attempt * (0.5 + random())));
      }
    }
  } catch (err) {
    if (httpStatus(err) === 403) {
      throw new GateError('GITHUB', `Publishing the dashboard to ${where} was refused (HTTP 403: ${apiMessage(err)}).`, {
        hint: 'dashboard-branch needs `permissions: { contents: write }` on the job, and a protected dashboard branch must allow the token to push; or leave dashboard-branch empty',
        cause: err,
      });
    }
    throw new GateError('GITHUB', `Publishing the dashboard to ${where} failed: ${apiMessage(err)}`, { cause: err });
  }
  throw new GateError('GITHUB', `Publishing the dashboard to ${where} lost ${maxAttempts} races in a row to other pushes.`, {
    hint: 'too many jobs push to that branch at once; re-run this job, or give the dashboards a branch of their own',
  });
}

export type DashboardPublication =
  | { published: true; where: string; url: string | undefined; commit: DashboardCommit }
  | { published: false; where: string; notice: string };

/** commitDashboard, with any failure turned into a notice for the log and the job summary. */
export async function publishDashboard(
  octokit: Octokit,
  t: DashboardTarget,
  html: string,
  o: DashboardCommitOptions & { serverUrl?: string },
): Promise<DashboardPublication> {
  const where = `${t.branch}:${t.path}`;
  try {
    const commit = await commitDashboard(octokit, t, html, o);
    return { published: true, where, url: pagesUrl(t, o.serverUrl), commit };
  } catch (err) {
    return { published: false, where, notice: `The dashboard was not published: ${describeError(err).replace(/\n\s*fix: /, ' Fix: ')}` };
  }
}

/** The nightly step: publish when dashboard-branch is set, and say where in the log and the job summary. */
export async function publishNightlyDashboard(o: {
  octokit: Octokit;
  settings: Pick<Settings, 'dashboardBranch' | 'dashboardPath'>;
  ctx: Pick<RunContext, 'owner' | 'repo' | 'serverUrl'>;
  configId: string;
  html: string;
  gitSha?: string;
}): Promise<DashboardPublication | null> {
  const target = dashboardTargetFor(o.settings, o.ctx, o.configId);
  if (!target) return null;
  const r = await publishDashboard(o.octokit, target, o.html, {
    configId: o.configId,
    serverUrl: o.ctx.serverUrl,
    ...(o.gitSha ? { gitSha: o.gitSha } : {}),
  });
  if (!r.published) {
    core.notice(r.notice);
    await writeJobSummary('', r.notice);
    return r;
  }
  const what = r.commit.commitSha ? `committed ${r.commit.commitSha.slice(0, 12)}` : 'unchanged';
  const created = r.commit.createdBranch ? ', branch created' : '';
  core.info(`dashboard: ${r.where} (${what}${created}, ${r.commit.attempts} attempt${r.commit.attempts === 1 ? '' : 's'})`);
  if (r.url) core.info(`dashboard: ${r.url} (when GitHub Pages serves ${target.branch} from its root)`);
  const link = r.url ? `[${r.url}](${r.url}) (GitHub Pages, from \`${r.where}\`)` : `\`${r.where}\``;
  await writeJobSummary(`\n**Dashboard**: ${link}\n\n`);
  return r;
}
