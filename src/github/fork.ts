// A pull request from a fork runs the fork's code and config; on a self-hosted GPU runner that is
// arbitrary code on your machine with your model caches and tokens. Refuse unless told otherwise.
import type { RunContext } from './context.js';

export function isForkPullRequest(ctx: Pick<RunContext, 'eventName' | 'pullRequest' | 'owner' | 'repo'>): boolean {
  if (ctx.eventName !== 'pull_request' && ctx.eventName !== 'pull_request_target') return false;
  const pr = ctx.pullRequest;
  if (!pr) return false;
  const base = pr.baseRepoFullName || `${ctx.owner}/${ctx.repo}`;
  // A deleted fork has no head repo: treat it as a fork.
  return pr.headRepoFullName === '' || pr.headRepoFullName.toLowerCase() !== base.toLowerCase();
}

export function forkRefusalMessage(ctx: Pick<RunContext, 'pullRequest'>): string {
  const from = ctx.pullRequest?.headRepoFullName || 'a deleted fork';
  return [
    `This pull request comes from ${from}, a fork. vllm-perf-gate will not boot a server or run its config: a fork's`,
    'code and config would run on your (self-hosted, GPU) runner with access to its model caches and credentials.',
    'To gate fork PRs safely, split the work in two workflows:',
    '  1. on `pull_request`: run the benchmark with `mode: gate` and `comment: never` on a runner you accept fork code on',
    '     (or after a maintainer approves), and upload the results; its token is read-only, so it posts nothing;',
    '  2. on `workflow_run` of that workflow (runs from the default branch, with a write token): download the results',
    '     artifact of the triggering run and run this action with `mode: aggregate` to compare and comment.',
    'See examples/fork-pr-benchmark.yml and examples/fork-pr-workflow-run.yml. If you trust every fork (a private repository), set `allow-fork-prs: true`.',
  ].join('\n');
}
