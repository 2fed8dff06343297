import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github.js';
import { createOctokit } from '../../src/github/octokit.js';
import { pullRequestOfWorkflowRun, readRunContext, type RunContext } from '../../src/github/context.js';

let gh: FakeGitHub;
beforeAll(async () => {
  gh = await startFakeGitHub();
  gh.state.pulls.push(
    { number: 41, headOwner: 'mallory', headBranch: 'faster', headSha: 'a'.repeat(40), baseSha: '1'.repeat(40), state: 'open' },
    { number: 42, headOwner: 'mallory', headBranch: 'faster', headSha: 'b'.repeat(40), state: 'closed' },
    { number: 43, headOwner: 'eve', headBranch: 'faster', headSha: 'c'.repeat(40), state: 'open' },
  );
});
afterAll(async () => gh.close());

function ctxFor(workflowRun: Record<string, unknown>): RunContext {
  return readRunContext(
    {
      repo: { owner: 'octo', repo: 'gpu-app' },
      eventName: 'workflow_run',
      ref: 'refs/heads/main',
      sha: 's',
      runId: 99,
      runAttempt: 1,
      serverUrl: 'https://github.com',
      payload: { workflow_run: workflowRun } as never,
    },
    {},
  );
}

describe('pullRequestOfWorkflowRun', () => {
  it('finds a fork PR (pull_requests is empty for forks) by its head owner, branch and commit', async () => {
    const ctx = ctxFor({
      id: 5,
      head_sha: 'a'.repeat(40),
      head_branch: 'faster',
      head_repository: { owner: { login: 'mallory' } },
      pull_requests: [],
    });
    expect(ctx.workflowRun).toMatchObject({ id: 5, headOwner: 'mallory', pullNumbers: [] });
    expect(await pullRequestOfWorkflowRun(createOctokit('t', { GITHUB_API_URL: gh.url }), ctx)).toEqual({
      number: 41,
      baseSha: '1'.repeat(40),
    });
  });

  it('finds nothing when the branch has moved on to another commit since the benchmark ran', async () => {
    const ctx = ctxFor({
      id: 6,
      head_sha: 'd'.repeat(40),
      head_branch: 'faster',
      head_repository: { owner: { login: 'mallory' } },
      pull_requests: [],
    });
    expect(await pullRequestOfWorkflowRun(createOctokit('t', { GITHUB_API_URL: gh.url }), ctx)).toBeNull();
  });

  it('uses the PR GitHub attached for a same-repository PR', async () => {
    const ctx = ctxFor({
      id: 7,
      head_sha: 'e'.repeat(40),
      head_branch: 'x',
      pull_requests: [{ number: 12, base: { sha: '2'.repeat(40) } }],
    });
    expect(await pullRequestOfWorkflowRun(createOctokit('t', { GITHUB_API_URL: gh.url }), ctx)).toEqual({
      number: 12,
      baseSha: '2'.repeat(40),
    });
  });
});
