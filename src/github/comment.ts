// One sticky comment per PR and config: found by its hidden marker among the comments written by the
// token's own user, created once, then edited in place. A token that may not comment (a fork PR's
// read-only token, missing `pull-requests: write`) is not an error: the report is in the job summary.
import * as core from '@actions/core';
import { GateError } from '../errors.js';
import { apiMessage, httpStatus, type Octokit } from './octokit.js';
import type { CommentPolicy } from './settings.js';

/** The login GITHUB_TOKEN's comments carry; GET /user is refused for that token. */
export const ACTIONS_BOT_LOGIN = 'github-actions[bot]';

export interface CommentTarget {
  owner: string;
  repo: string;
  issueNumber: number;
}

export interface UpsertOptions {
  /** Whether the report has something to say (see report's hasChanges); for `on-change`. */
  changed?: boolean;
  /** Whose comments count as ours; found with GET /user when absent. */
  authorLogin?: string;
}

export type UpsertResult =
  | { action: 'created' | 'updated' | 'unchanged'; id: number; url: string; author: string }
  | { action: 'skipped'; reason: string }
  | { action: 'forbidden'; notice: string };

export interface FoundComment {
  id: number;
  url: string;
  body: string;
}

/** The token's own login, or github-actions[bot] for the Actions token (GET /user is 403 for it). */
export async function tokenLogin(octokit: Octokit): Promise<string> {
  try {
    const { data } = await octokit.rest.users.getAuthenticated();
    return data.login;
  } catch (err) {
    const s = httpStatus(err);
    if (s === 403 || s === 401 || s === 404) return ACTIONS_BOT_LOGIN;
    throw err;
  }
}

/** Our comments carrying this marker, page by page in the API's order (oldest first). */
async function* ourComments(octokit: Octokit, target: CommentTarget, marker: string, author: string): AsyncGenerator<FoundComment> {
  const mine = (login: string | undefined): boolean => !!login && login.toLowerCase() === author.toLowerCase();
  for await (const page of octokit.paginate.iterator(octokit.rest.issues.listComments, {
    owner: target.owner,
    repo: target.repo,
    issue_number: target.issueNumber,
    per_page: 100,
  })) {
    for (const c of page.data) {
      if (mine(c.user?.login) && typeof c.body === 'string' && c.body.includes(marker)) yield { id: c.id, url: c.html_url, body: c.body };
    }
  }
}

/** All of our comments carrying this marker, oldest first: walks every page. */
export async function findComments(octokit: Octokit, target: CommentTarget, marker: string, author: string): Promise<FoundComment[]> {
  const out: FoundComment[] = [];
  for await (const c of ourComments(octokit, target, marker, author)) out.push(c);
  return out.sort((a, b) => a.id - b.id);
}

/**
 * Two jobs of the same config racing on one PR can both find no comment and both create one.
 * After creating, keep the oldest of ours, give it this body, and delete the rest. The other job
 * may have settled first and deleted ours already: then the one left is the one to update.
 */
async function settleDuplicates(
  octokit: Octokit,
  target: CommentTarget,
  marker: string,
  author: string,
  body: string,
  createdId: number,
): Promise<FoundComment | null> {
  const ours = await findComments(octokit, target, marker, author);
  const keep = ours[0];
  if (!keep || (ours.length === 1 && keep.id === createdId)) return null;
  for (const extra of ours.slice(1)) {
    try {
      await octokit.rest.issues.deleteComment({ owner: target.owner, repo: target.repo, comment_id: extra.id });
    } catch (err) {
      if (httpStatus(err) !== 404) throw err; // the other racer deleted it already
    }
  }
  if (keep.id !== createdId && keep.body !== body) {
    const { data } = await octokit.rest.issues.updateComment({ owner: target.owner, repo: target.repo, comment_id: keep.id, body });
    return { id: data.id, url: data.html_url, body };
  }
  return keep;
}

/** Our comment for this marker, if any: walks the pages until it is found (a busy PR has hundreds of comments). */
export async function findComment(octokit: Octokit, target: CommentTarget, marker: string, author: string): Promise<FoundComment | null> {
  // The oldest match wins, so the comment keeps its place in the conversation.
  for await (const c of ourComments(octokit, target, marker, author)) return c;
  return null;
}

function forbiddenNotice(err: unknown): UpsertResult {
  return {
    action: 'forbidden',
    notice:
      `The token may not write pull request comments (HTTP 403: ${apiMessage(err)}). ` +
      'The report is in the job summary instead. To get the comment, give the job `permissions: { pull-requests: write }`; ' +
      'for pull requests from forks the token is always read-only: use the pull_request + workflow_run pattern (see docs/action.md).',
  };
}

/**
 * Creates or updates our comment. `always`: create or update. `on-change`: update an existing one
 * always, create one only when `changed`. `never`: nothing. An unchanged body is not re-sent.
 */
export async function upsertComment(
  octokit: Octokit,
  target: CommentTarget,
  marker: string,
  body: string,
  policy: CommentPolicy,
  opts: UpsertOptions = {},
): Promise<UpsertResult> {
  if (policy === 'never') return { action: 'skipped', reason: 'comment: never' };
  if (!body.includes(marker))
    throw new GateError('INTERNAL', 'the comment body does not contain its marker; it could never be found again');
  try {
    const author = opts.authorLogin ?? (await tokenLogin(octokit));
    const existing = await findComment(octokit, target, marker, author);
    if (existing) {
      if (existing.body === body) return { action: 'unchanged', id: existing.id, url: existing.url, author };
      const { data } = await octokit.rest.issues.updateComment({ owner: target.owner, repo: target.repo, comment_id: existing.id, body });
      return { action: 'updated', id: data.id, url: data.html_url, author };
    }
    if (policy === 'on-change' && !opts.changed) return { action: 'skipped', reason: 'comment: on-change, and nothing changed' };
    const { data } = await octokit.rest.issues.createComment({
      owner: target.owner,
      repo: target.repo,
      issue_number: target.issueNumber,
      body,
    });
    const settled = await settleDuplicates(octokit, target, marker, author, body, data.id);
    if (settled && settled.id !== data.id) return { action: 'updated', id: settled.id, url: settled.url, author };
    return { action: 'created', id: data.id, url: data.html_url, author };
  } catch (err) {
    if (httpStatus(err) === 403) return forbiddenNotice(err);
    throw new GateError('GITHUB', `Could not post the PR comment: ${apiMessage(err)}`, {
      hint:
        httpStatus(err) === 404
          ? 'check that the pull request exists and the token can read the repository'
          : 'see the job summary for the report',
      cause: err,
    });
  }
}

export interface PostedComment {
  /** The comment's URL, when one exists after posting. */
  url?: string;
  /** Why the token could not comment (said as a notice too): for the job summary. */
  notice?: string;
}

/**
 * Posts (or updates) the report comment on a PR, as the action does for one config and in aggregate
 * mode: nothing without a PR or with `comment: never`; a refused token becomes a notice, not a failure.
 */
export async function postReportComment(
  octokit: Octokit,
  target: CommentTarget | null,
  comment: { marker: string; body: string; policy: CommentPolicy; changed: boolean },
): Promise<PostedComment> {
  if (!target || comment.policy === 'never') return {};
  const posted = await upsertComment(octokit, target, comment.marker, comment.body, comment.policy, { changed: comment.changed });
  if (posted.action === 'forbidden') {
    core.notice(posted.notice);
    return { notice: posted.notice };
  }
  return 'url' in posted ? { url: posted.url } : {};
}
