// What every baseline store (`baseline-source`) answers, as one object per store: a new store is
// one new file implementing BaselineStore, listed once in baseline.ts.
import type { ResultsDocument } from '../results/schema-types.gen.js';
import type { RunContext } from './context.js';
import type { Octokit } from './octokit.js';
import type { BaselineSource, Settings } from './settings.js';

/** Where a store looks: the same for reading, writing and describing. */
export interface StoreLocation {
  settings: Settings;
  octokit: Octokit;
  ctx: RunContext;
  configId: string;
}

export interface LoadArgs extends StoreLocation {
  /** The checkout (GITHUB_WORKSPACE), for a store in the repository. */
  workspace: string;
  /** A scratch folder a downloaded baseline goes into. */
  downloadDir: string;
  /**
   * The run whose workflow's baseline runs count, and the PR base commit preferred, when not this
   * run's: aggregate mode on `workflow_run` judges the triggering (benchmark) run's results.
   */
  judged?: { runId: number; baseSha?: string | undefined };
}

export interface StoreArgs extends StoreLocation {
  /** A complete run of baseline mode. */
  doc: ResultsDocument;
}

export interface LoadedBaseline {
  /** Oldest first; what compareRuns takes as its baseline. */
  docs: ResultsDocument[];
  /** For compareRuns' `source` (the report's baseline line). */
  source: string;
}

/** What storing a baseline-mode run did, for the log. */
export interface StoreResult {
  written: boolean;
  detail: string;
}

export interface BaselineStore {
  /** The `baseline-source` value that selects this store. */
  readonly name: BaselineSource;
  /**
   * Whether this run's uploaded results artifact is itself the baseline of later runs, so that a
   * failed upload in baseline mode must fail the step.
   */
  readonly resultsArtifactIsBaseline: boolean;
  /** The baseline of a config, oldest first; null when the store has none yet (a first run). */
  load(args: LoadArgs): Promise<LoadedBaseline | null>;
  /** Adds a run of baseline mode to the store, or says why this store is not written by the action. */
  store(args: StoreArgs): Promise<StoreResult>;
  /** Where this store keeps the baseline of a config, for log lines. */
  describe(at: Pick<StoreLocation, 'settings' | 'ctx' | 'configId'>): string;
}

/** The default branch: from the event payload, else asked of the API. */
export async function defaultBranchOf(octokit: Octokit, ctx: Pick<RunContext, 'owner' | 'repo' | 'defaultBranch'>): Promise<string> {
  if (ctx.defaultBranch) return ctx.defaultBranch;
  const { data } = await octokit.rest.repos.get({ owner: ctx.owner, repo: ctx.repo });
  return data.default_branch;
}
