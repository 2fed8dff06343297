// What the action needs to know about the workflow run it is part of, read from @actions/github's
// context (GITHUB_* variables and the event payload) into plain data the rest of github/ takes.
import * as github from '@actions/github';
import type { Octokit } from './octokit.js';

export interface RunContext {
  owner: string;
  repo: string;
  eventName: string;
  /** refs/heads/main, refs/pull/12/merge, ... */
  ref: string;
  sha: string;
  runId: number;
  runAttempt: number;
  serverUrl: string;
  /** The repository's default branch, when the payload says. */
  defaultBranch?: string;
  pullRequest?: {
    number: number;
    headSha: string;
    baseSha: string;
    baseRef: string;
    headRepoFullName: string;
    baseRepoFullName: string;
  };
  workflowRef?: string;
  /** On `workflow_run`: the run that triggered this one (the fork PR's benchmark run). */
  workflowRun?: {
    id: number;
    headSha: string;
    headBranch: string;
    /** Owner of the head repository (the fork's owner for a fork PR). */
    headOwner: string;
    conclusion: string | null;
    /** The event of the triggering run (`pull_request`, `push`, ...). */
    event: string;
    /** PR numbers GitHub attached; empty for fork PRs. */
    pullNumbers: number[];
    /** Base commits of those PRs, by number, when the payload gives them. */
    pullBaseShas: Record<number, string>;
  };
}

/** The PR a report is about, as the API (never an artifact) says. */
export interface PullRequestRef {
  number: number;
  /** Its base commit: the artifact baseline prefers the run of that commit. */
  baseSha: string;
}

interface PayloadLike {
  workflow_run?: {
    id?: number;
    head_sha?: string;
    head_branch?: string;
    conclusion?: string | null;
    event?: string;
    head_repository?: { owner?: { login?: string } } | null;
    pull_requests?: { number?: number; base?: { sha?: string } }[];
  };
  repository?: { default_branch?: string; full_name?: string };
  pull_request?: {
    number?: number;
    head?: { sha?: string; repo?: { full_name?: string } | null };
    base?: { sha?: string; ref?: string; repo?: { full_name?: string } };
  };
}

/** From @actions/github's context; tests pass their own object of the same shape. */
export function readRunContext(
  ctx: Pick<
    typeof github.context,
    'repo' | 'eventName' | 'ref' | 'sha' | 'runId' | 'runAttempt' | 'serverUrl' | 'payload'
  > = github.context,
  env: Record<string, string | undefined> = process.env,
): RunContext {
  const payload = ctx.payload as PayloadLike;
  const out: RunContext = {
    owner: ctx.repo.owner,
    repo: ctx.repo.repo,
    eventName: ctx.eventName,
    ref: ctx.ref,
    sha: ctx.sha,
    runId: ctx.runId,
    runAttempt: ctx.runAttempt,
    serverUrl: ctx.serverUrl,
  };
  const db = payload.repository?.default_branch;
  if (db) out.defaultBranch = db;
  const pr = payload.pull_request;
  if (pr && typeof pr.number === 'number') {
    out.pullRequest = {
      number: pr.number,
      headSha: pr.head?.sha ?? '',
      baseSha: pr.base?.sha ?? '',
      baseRef: pr.base?.ref ?? '',
      headRepoFullName: pr.head?.repo?.full_name ?? '',
      baseRepoFullName: pr.base?.repo?.full_name ?? payload.repository?.full_name ?? `${ctx.repo.owner}/${ctx.repo.repo}`,
    };
  }
  if (env.GITHUB_WORKFLOW_REF) out.workflowRef = env.GITHUB_WORKFLOW_REF;
  const wr = payload.workflow_run;
  if (wr && typeof wr.id === 'number') {
    out.workflowRun = {
      id: wr.id,
      headSha: wr.head_sha ?? '',
      headBranch: wr.head_branch ?? '',
      headOwner: wr.head_repository?.owner?.login ?? '',
      conclusion: wr.conclusion ?? null,
      event: wr.event ?? '',
      pullNumbers: (wr.pull_requests ?? []).map((p) => p.number).filter((n): n is number => typeof n === 'number'),
      pullBaseShas: Object.fromEntries(
        (wr.pull_requests ?? []).filter((p) => typeof p.number === 'number' && p.base?.sha).map((p) => [p.number, p.base!.sha!]),
      ),
    };
  }
  return out;
}

/** https://github.com/o/r/actions/runs/123 */
export function runUrl(ctx: RunContext): string {
  return `${ctx.serverUrl.replace(/\/+$/, '')}/${ctx.owner}/${ctx.repo}/actions/runs/${ctx.runId}`;
}

/**
 * The PR a `workflow_run` was triggered for. GitHub leaves `pull_requests` empty for fork PRs, so the
 * PR is looked up by the head owner and branch (`GET /pulls?head=owner:branch`) and must point at the
 * very commit the run measured: never taken from an artifact the fork wrote.
 */
export async function pullRequestOfWorkflowRun(
  octokit: Octokit,
  ctx: Pick<RunContext, 'owner' | 'repo' | 'workflowRun'>,
): Promise<PullRequestRef | null> {
  const wr = ctx.workflowRun;
  if (!wr) return null;
  const attached = wr.pullNumbers[0];
  if (attached !== undefined) {
    const baseSha =
      wr.pullBaseShas[attached] ??
      (await octokit.rest.pulls.get({ owner: ctx.owner, repo: ctx.repo, pull_number: attached })).data.base.sha;
    return { number: attached, baseSha };
  }
  if (!wr.headOwner || !wr.headBranch || !wr.headSha) return null;
  for await (const page of octokit.paginate.iterator(octokit.rest.pulls.list, {
    owner: ctx.owner,
    repo: ctx.repo,
    state: 'open',
    head: `${wr.headOwner}:${wr.headBranch}`,
    per_page: 100,
  })) {
    const pr = page.data.find((p) => p.head.sha === wr.headSha);
    if (pr) return { number: pr.number, baseSha: pr.base.sha };
  }
  return null;
}

/**
 * The PR this step reports on: the event's own PR, or on `workflow_run` the triggering run's PR
 * (looked up through the API). Null when the run is not about a PR.
 */
export async function pullRequestToReport(octokit: Octokit, ctx: RunContext): Promise<PullRequestRef | null> {
  if (ctx.pullRequest) return { number: ctx.pullRequest.number, baseSha: ctx.pullRequest.baseSha };
  if (ctx.eventName === 'workflow_run') return pullRequestOfWorkflowRun(octokit, ctx);
  return null;
}

/**
 * Whose artifacts aggregate mode reads: on `workflow_run`, the triggering run's (a fork PR's benchmark
 * run; reading them needs a token with `actions: read`); otherwise this run's own (a matrix).
 */
export function artifactSourceRun(
  ctx: RunContext,
  token: string,
): { runId: number; owner: string; repo: string; token: string } | undefined {
  if (ctx.eventName !== 'workflow_run' || !ctx.workflowRun) return undefined;
  return { runId: ctx.workflowRun.id, owner: ctx.owner, repo: ctx.repo, token };
}

/** The artifact's page (of this run, or of `runId`), linked from the comment. */
export function artifactUrl(ctx: RunContext, artifactId: number, runId: number = ctx.runId): string {
  return `${runUrl({ ...ctx, runId })}/artifacts/${artifactId}`;
}
