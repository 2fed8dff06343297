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
    /** PR numbers GitHub attached; empty for fork PRs. */
    pullNumbers: number[];
  };
}

interface PayloadLike {
  workflow_run?: {
    id?: number;
    head_sha?: string;
    head_branch?: string;
    conclusion?: string | null;
    head_repository?: { owner?: { login?: string } } | null;
    pull_requests?: { number?: number }[];
  };
  repository?: { default_branch?: string; full_name?: string };
  pull_request?: {
    number?: number;
    head?: { sha?: string; repo?: { full_name?: string } | null };
    base?: { sha?: string; ref?: string; repo?: { full_name?: string } };
  };
}

/** From @actions/github's context; tests pass their own object of the same shape. */
export function readRunContext(ctx: Pick<typeof github.context, 'repo' | 'eventName' | 'ref' | 'sha' | 'runId' | 'runAttempt' | 'serverUrl' | 'payload'> = github.context, env: Record<string, string | undefined> = process.env): RunContext {
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
      pullNumbers: (wr.pull_requests ?? []).map((p) => p.number).filter((n): n is number => typeof n === 'number'),
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
 * PR is looked up by the head branch and commit: never trusted from an artifact the fork wrote.
 */
export async function pullRequestOfWorkflowRun(octokit: Octokit, ctx: Pick<RunContext, 'owner' | 'repo' | 'workflowRun'>): Promise<number | null> {
  const wr = ctx.workflowRun;
  if (!wr) return null;
  if (wr.pullNumbers.length > 0) return wr.pullNumbers[0]!;
  if (!wr.headOwner || !wr.headBranch || !wr.headSha) return null;
  const { data } = await octokit.rest.pulls.list({ owner: ctx.owner, repo: ctx.repo, state: 'open', head: `${wr.headOwner}:${wr.headBranch}`, per_page: 100 });
  const pr = data.find((p) => p.head.sha === wr.headSha);
  return pr ? pr.number : null;
}

/** The artifact's page, linked from the comment when a section had to be left out. */
export function artifactUrl(ctx: RunContext, artifactId: number): string {
  return `${runUrl(ctx)}/artifacts/${artifactId}`;
}
