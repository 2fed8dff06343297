// The baseline store behind `baseline-source`, seen from the action: where to read, and writing only
// in baseline mode (a PR never changes what later PRs are compared against). Each store is one
// BaselineStore (baseline-store.ts) in a file of its own; this is the one list of them.
import { artifactStore } from './baseline-artifact.js';
import { branchStore } from './baseline-branch.js';
import { fileStore } from './baseline-file.js';
import type { BaselineStore, LoadArgs, LoadedBaseline, StoreArgs, StoreResult } from './baseline-store.js';
import type { BaselineSource, ResolvedMode, Settings } from './settings.js';

export { defaultBranchOf } from './baseline-store.js';
export type { BaselineStore, LoadArgs, LoadedBaseline, StoreArgs, StoreResult } from './baseline-store.js';
export { branchStoreFor } from './baseline-branch.js';

/** Every store, by the `baseline-source` value that selects it. */
export const BASELINE_STORES: Readonly<Record<BaselineSource, BaselineStore>> = {
  artifact: artifactStore,
  branch: branchStore,
  file: fileStore,
};

/** The store the inputs select. */
export function baselineStoreOf(settings: Pick<Settings, 'baselineSource'>): BaselineStore {
  return BASELINE_STORES[settings.baselineSource];
}

/** Stores a run in the configured store, in baseline mode only. */
export async function appendBaseline(args: StoreArgs & { mode: ResolvedMode }): Promise<StoreResult> {
  if (args.mode !== 'baseline') return { written: false, detail: `${args.mode} mode never writes the baseline` };
  return baselineStoreOf(args.settings).store(args);
}

/**
 * The baseline of this config from the configured store, as results documents; null when the store
 * has none yet (a first run: the gate says no-baseline).
 */
export async function loadBaseline(args: LoadArgs): Promise<LoadedBaseline | null> {
  return baselineStoreOf(args.settings).load(args);
}
