// baseline-source: branch. A history file per config on a branch (default perf-baselines), written
// through the contents API with the blob sha it was read at: optimistic concurrency. A writer whose
// sha is stale gets 409 (or 422), re-reads, re-applies its change and tries again, so two nightly
// jobs racing lose nothing. The history keeps the newest `baseline-history` runs.
import type { ResultsDocument } from '../results/schema-types.gen.js';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import { GateError } from '../errors.js';
import { defaultBranchOf, type BaselineStore, type StoreLocation } from './baseline-store.js';
import type { RunContext } from './context.js';
import { apiMessage, httpStatus, type Octokit } from './octokit.js';
import type { Settings } from './settings.js';

export interface BaselineHistory {
  'schema-version': 1;
  'config-id': string;
  /** Oldest first. */
  runs: ResultsDocument[];
}

export interface BranchStore {
  owner: string;
  repo: string;
  branch: string;
  /** Path of the history file on the branch. */
  path: string;
}

/** `<folder>/<config id>.json`; the folder is baseline-path (default `vllm-perf-gate`). */
export function historyPath(configId: string, folder = ''): string {
  const dir = (folder || 'vllm-perf-gate').replace(/^\/+|\/+$/g, '');
  const file = configId.replace(/[^A-Za-z0-9._-]/g, '_') || 'default';
  return `${dir}/${file}.json`;
}

interface Read {
  history: BaselineHistory | null;
  sha: string | undefined;
  branchExists: boolean;
}

function parseHistory(text: string, store: BranchStore): BaselineHistory {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new GateError('INPUT', `The baseline history is not JSON: ${(err as Error).message}`, {
      where: { file: `${store.branch}:${store.path}` },
      hint: 'fix or delete the file on the baseline branch; the next baseline run writes a new one',
    });
  }
  const h = v as Partial<BaselineHistory>;
  if (!h || typeof h !== 'object' || !Array.isArray(h.runs)) {
    throw new GateError('INPUT', 'The baseline history has no "runs" array.', {
      where: { file: `${store.branch}:${store.path}`, path: 'runs' },
      hint: 'fix or delete the file on the baseline branch; the next baseline run writes a new one',
    });
  }
  return { 'schema-version': 1, 'config-id': String(h['config-id'] ?? ''), runs: h.runs };
}

async function readRaw(octokit: Octokit, store: BranchStore): Promise<Read> {
  try {
    const { data } = await octokit.rest.repos.getContent({ owner: store.owner, repo: store.repo, path: store.path, ref: store.branch });
    if (Array.isArray(data) || data.type !== 'file') {
      throw new GateError('INPUT', `${store.path} on ${store.branch} is not a file.`, { where: { file: `${store.branch}:${store.path}` } });
    }
    let text: string;
    if (data.encoding === 'base64' && data.content) text = Buffer.from(data.content, 'base64').toString('utf8');
    else {
      // Above 1 MB the contents API leaves the content out; the blob API has it.
      const blob = await octokit.rest.git.getBlob({ owner: store.owner, repo: store.repo, file_sha: data.sha });
      text = Buffer.from(blob.data.content, 'base64').toString('utf8');
    }
    return { history: parseHistory(text, store), sha: data.sha, branchExists: true };
  } catch (err) {
    if (err instanceof GateError) throw err;
    if (httpStatus(err) === 404) {
      const branchExists = await branchPresent(octokit, store);
      return { history: null, sha: undefined, branchExists };
    }
    if (httpStatus(err) === 403) {
      throw new GateError('GITHUB', `Reading the baseline branch was refused (HTTP 403: ${apiMessage(err)}).`, {
        hint: 'give the job `permissions: { contents: read }` (write in baseline mode)',
        cause: err,
      });
    }
    throw new GateError('GITHUB', `Reading ${store.path} on ${store.branch} failed: ${apiMessage(err)}`, { cause: err });
  }
}

async function branchPresent(octokit: Octokit, store: BranchStore): Promise<boolean> {
  try {
    await octokit.rest.git.getRef({ owner: store.owner, repo: store.repo, ref: `heads/${store.branch}` });
    return true;
  } catch (err) {
    if (httpStatus(err) === 404) return false;
    throw err;
  }
}

/** The stored history, or null when the branch or the file does not exist yet. */
export async function readBranchBaseline(octokit: Octokit, store: BranchStore): Promise<BaselineHistory | null> {
  return (await readRaw(octokit, store)).history;
}

/** Creates the branch from the default branch's head; someone else creating it first is fine. */
async function createBranch(octokit: Octokit, store: BranchStore, defaultBranch: string): Promise<void> {
  const { data } = await octokit.rest.git.getRef({ owner: store.owner, repo: store.repo, ref: `heads/${defaultBranch}` });
  try {
    await octokit.rest.git.createRef({ owner: store.owner, repo: store.repo, ref: `refs/heads/${store.branch}`, sha: data.object.sha });
  } catch (err) {
    if (httpStatus(err) === 422 && /already exists/i.test(apiMessage(err))) return;
    throw err;
  }
}

/** The history with this run added (replacing an earlier copy of the same run id), newest `cap` kept. */
export function appendRun(history: BaselineHistory | null, configId: string, run: ResultsDocument, cap: number): BaselineHistory {
  const runs = (history?.runs ?? []).filter((r) => r.run.id !== run.run.id);
  runs.push(run);
  runs.sort((a, b) => a.run['started-at'].localeCompare(b.run['started-at']));
  return { 'schema-version': 1, 'config-id': configId, runs: runs.slice(Math.max(0, runs.length - cap)) };
}

export interface AppendResult {
  attempts: number;
  runs: number;
  commitSha: string | undefined;
  createdBranch: boolean;
}

export interface AppendOptions {
  defaultBranch: string;
  cap: number;
  configId: string;
  maxAttempts?: number;
  clock?: Clock;
  /** Seeded jitter in [0,1) for the retry backoff. */
  random?: () => number;
}

/** Adds a run to the history on the branch; retries on a concurrent write until it lands. */
export async function appendBranchBaseline(
  octokit: Octokit,
  store: BranchStore,
  run: ResultsDocument,
  o: AppendOptions,
): Promise<AppendResult> {
  const clock = o.clock ?? systemClock;
  const random = o.random ?? Math.random;
  const maxAttempts = o.maxAttempts ?? 8;
  let createdBranch = false;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const read = await readRaw(octokit, store);
    if (!read.branchExists) {
      await createBranch(octokit, store, o.defaultBranch);
      createdBranch = true;
      continue; // re-read: the new branch may already hold a history copied from the default branch
    }
    const next = appendRun(read.history, o.configId, run, o.cap);
    // One line, no indentation: a quarter smaller (30 runs of a one-point sweep: 147 KB, not 201 KB).
    const content = Buffer.from(`${JSON.stringify(next)}\n`, 'utf8').toString('base64');
    try {
      const { data } = await octokit.rest.repos.createOrUpdateFileContents({
        owner: store.owner,
        repo: store.repo,
        path: store.path,
        branch: store.branch,
        message: `vllm-perf-gate: baseline ${o.configId} ${run.run['git-sha']?.slice(0, 12) ?? run.run.id}`,
        content,
        ...(read.sha ? { sha: read.sha } : {}),
      });
      return { attempts: attempt, runs: next.runs.length, commitSha: data.commit.sha, createdBranch };
    } catch (err) {
      const s = httpStatus(err);
      if (s === 409 || s === 422) {
        // Somebody wrote in between: back off a little (jittered, so racers spread out) and redo.
        await clock.sleep(Math.round(20 * attempt * (0.5 + random())));
        continue;
      }
      if (s === 403) {
        throw new GateError('GITHUB', `Writing the baseline was refused (HTTP 403: ${apiMessage(err)}).`, {
          hint: 'baseline mode with baseline-source: branch needs `permissions: { contents: write }`; a protected baseline branch must allow the token to push',
          cause: err,
        });
      }
      throw new GateError('GITHUB', `Writing ${store.path} on ${store.branch} failed: ${apiMessage(err)}`, { cause: err });
    }
  }
  throw new GateError('GITHUB', `Writing the baseline history lost ${maxAttempts} races in a row to other writers.`, {
    hint: 'too many jobs write the same history at once; give each config its own id, or re-run this job',
  });
}

/** The history file of a config on the baseline branch, as the inputs name it. */
export function branchStoreFor(
  settings: Pick<Settings, 'baselineBranch' | 'baselinePath'>,
  ctx: Pick<RunContext, 'owner' | 'repo'>,
  configId: string,
): BranchStore {
  return { owner: ctx.owner, repo: ctx.repo, branch: settings.baselineBranch, path: historyPath(configId, settings.baselinePath) };
}

function whereOnBranch({ settings, ctx, configId }: Pick<StoreLocation, 'settings' | 'ctx' | 'configId'>): string {
  const store = branchStoreFor(settings, ctx, configId);
  return `${store.branch}:${store.path}`;
}

/** `baseline-source: branch`: a history file per config on a branch, appended by baseline runs. */
export const branchStore: BaselineStore = {
  name: 'branch',
  resultsArtifactIsBaseline: false,
  load: async ({ settings, octokit, ctx, configId }) => {
    const history = await readBranchBaseline(octokit, branchStoreFor(settings, ctx, configId));
    if (!history || history.runs.length === 0) return null;
    return { docs: history.runs, source: `branch ${whereOnBranch({ settings, ctx, configId })}` };
  },
  store: async ({ settings, octokit, ctx, configId, doc }) => {
    const store = branchStoreFor(settings, ctx, configId);
    const defaultBranch = await defaultBranchOf(octokit, ctx);
    const r = await appendBranchBaseline(octokit, store, doc, { defaultBranch, cap: settings.baselineHistory, configId });
    const attempts = `${r.attempts} attempt${r.attempts === 1 ? '' : 's'}`;
    return { written: true, detail: `appended to ${store.branch}:${store.path} (${r.runs} runs kept, ${attempts})` };
  },
  describe: (at) => `branch ${whereOnBranch(at)}`,
};
