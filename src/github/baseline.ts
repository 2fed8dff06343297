// The baseline store behind `baseline-source`, seen from the action: where to read, and writing only
// in baseline mode (a PR never changes what later PRs are compared against).
import path from 'node:path';
import type { ResultsDocument } from '../results/schema-types.gen.js';
import { readResults } from '../results/read.js';
import { RESULTS_FILE } from '../results/write.js';
import { artifactName } from './artifacts.js';
import { findArtifactBaseline } from './baseline-artifact.js';
import { appendBranchBaseline, historyPath, readBranchBaseline, type AppendResult, type BranchStore } from './baseline-branch.js';
import { resolveFileBaseline } from './baseline-file.js';
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

export interface LoadedBaseline {
  /** Oldest first; what compareRuns takes as its baseline. */
  docs: ResultsDocument[];
  /** For compareRuns' `source` (the report's baseline line). */
  source: string;
}

/**
 * The baseline of this config from the configured store, as results documents; null when the store
 * has none yet (a first run: the gate says no-baseline). Reads `results.json` of an artifact, the
 * history of a branch, or the committed file or folder.
 */
export async function loadBaseline(args: {
  settings: Settings;
  octokit: Octokit;
  ctx: RunContext;
  configId: string;
  /** The checkout (GITHUB_WORKSPACE), for baseline-source: file. */
  workspace: string;
  /** A scratch folder the artifact is downloaded into. */
  downloadDir: string;
  /**
   * The run whose workflow's baseline runs count, and the PR base commit preferred, when not this
   * run's: aggregate mode on `workflow_run` judges the triggering (benchmark) run's results.
   */
  judged?: { runId: number; baseSha?: string | undefined };
}): Promise<LoadedBaseline | null> {
  const { settings, octokit, ctx, configId } = args;
  switch (settings.baselineSource) {
    case 'artifact': {
      const defaultBranch = await defaultBranchOf(octokit, ctx);
      const baseSha = args.judged ? args.judged.baseSha : ctx.pullRequest?.baseSha;
      const found = await findArtifactBaseline(octokit, {
        owner: ctx.owner,
        repo: ctx.repo,
        runId: args.judged?.runId ?? ctx.runId,
        defaultBranch,
        ...(baseSha ? { baseSha } : {}),
        artifactName: artifactName(configId),
        token: settings.githubToken,
        dir: args.downloadDir,
      });
      if (!found) return null;
      const docs = await readResults(path.join(found.dir, RESULTS_FILE));
      const how = found.match === 'base-commit' ? "the PR's base commit" : found.match === 'before-base-commit' ? "before the PR's base commit" : 'newest';
      return { docs, source: `artifact of run ${found.runId} (${how})` };
    }
    case 'branch': {
      const store = branchStoreFor(settings, ctx, configId);
      const history = await readBranchBaseline(octokit, store);
      if (!history || history.runs.length === 0) return null;
      return { docs: history.runs, source: `branch ${store.branch}:${store.path}` };
    }
    case 'file': {
      const abs = resolveFileBaseline(settings.baselinePath, args.workspace);
      return { docs: await readResults(abs), source: `file ${settings.baselinePath}` };
    }
  }
}
