// The baseline store behind `baseline-source`, seen from the action: where to read, and writing only
// in baseline mode (a PR never changes what later PRs are compared against).
import type { ResultsDocument } from '../results/schema-types.gen.js';
import { appendBranchBaseline, historyPath, type AppendResult, type BranchStore } from './baseline-branch.js';
import type { RunContext } from './context.js';
import type { Octokit } from './octokit.js';
import type { ResolvedMode, Settings } from './settings.js';

/** The default branch: from the event payload, else asked of the API. */
export async function defaultBranchOf(octokit: Octokit, ctx: Pick<RunContext, 'owner' | 'repo' | 'defaultBranch'>): Promise<string> {
  if (ctx.defaultBranch) return ctx.defaultBranch;
  const { data } = await octokit.rest.repos.get({ owner: ctx.owner, repo: ctx.repo });
  return data.default_branch;
}

export function branchStoreFor(settings: Pick<Settings, 'baselineBranch' | 'baselinePath'>, ctx: Pick<RunContext, 'owner' | 'repo'>, configId: string): BranchStore {
  return { owner: ctx.owner, repo: ctx.repo, branch: settings.baselineBranch, path: historyPath(configId, settings.baselinePath) };
}

export type AppendBaselineResult = { written: true; detail: string; branch: AppendResult } | { written: false; detail: string };

export async function appendBaseline(args: {
  mode: ResolvedMode;
  settings: Settings;
  octokit: Octokit;
  ctx: RunContext;
  doc: ResultsDocument;
  configId: string;
}): Promise<AppendBaselineResult> {
  const { mode, settings } = args;
  if (mode !== 'baseline') return { written: false, detail: `${mode} mode never writes the baseline` };
  switch (settings.baselineSource) {
    case 'artifact':
      return { written: false, detail: "this run's results artifact is the baseline of later runs (kept as long as the repository keeps artifacts)" };
    case 'file':
      return { written: false, detail: 'baseline-source: file is read only; commit a new baseline file to change it' };
    case 'branch': {
      const store = branchStoreFor(settings, args.ctx, args.configId);
      const defaultBranch = await defaultBranchOf(args.octokit, args.ctx);
      const r = await appendBranchBaseline(args.octokit, store, args.doc, { defaultBranch, cap: settings.baselineHistory, configId: args.configId });
      return { written: true, detail: `appended to ${store.branch}:${store.path} (${r.runs} runs kept, ${r.attempts} attempt${r.attempts === 1 ? '' : 's'})`, branch: r };
    }
  }
}
