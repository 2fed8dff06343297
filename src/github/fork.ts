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
    '  1. on `pull_request`: run the benchmark with `mode: gate`, `comment: never` and `allow-fork-prs: true` on a runner you',
    '     accept fork code on (an ephemeral one, after a reviewer approves); it uploads the results artifact and posts nothing;',
    "  2. on `workflow_run` of that workflow (the default branch's copy, a token that may comment): `mode: aggregate` with the",
    "     default branch's config re-judges the triggering run's results against the baseline and comments on the PR.",
    'See examples/fork-pr-benchmark.yml and examples/fork-pr-workflow-run.yml. If you trust every fork (a private repository), set `allow-fork-prs: true`.',
  ].join('\n');
}
