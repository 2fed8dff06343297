// baseline-source: artifact. The baseline is the results artifact of the newest successful run of
// this same workflow on the default branch; for a PR, the newest run at or before the PR's base
// commit when there is one (so main moving on after the PR branched does not count against it).
import { DefaultArtifactClient } from '@actions/artifact';
import path from 'node:path';
import { GateError } from '../errors.js';
import { readResults } from '../results/read.js';
import { RESULTS_FILE } from '../results/write.js';
import { artifactName } from './artifacts.js';
import { defaultBranchOf, type BaselineStore, type LoadArgs, type LoadedBaseline } from './baseline-store.js';
import { apiMessage, httpStatus, type Octokit } from './octokit.js';

export interface ArtifactBaselineQuery {
  owner: string;
  repo: string;
  /** The current run: its workflow is the one searched. */
  runId: number;
  defaultBranch: string;
  /** The PR's base commit, when gating a PR. */
  baseSha?: string;
  artifactName: string;
  /** Token for findBy downloads (needs `actions: read`). */
  token: string;
  /** Where to download the artifact. */
  dir: string;
  /** How many runs to look back at most (default 100). */
  maxRuns?: number;
}

export interface ArtifactBaseline {
  runId: number;
  headSha: string;
  createdAt: string;
  artifactId: number;
  dir: string;
  /** For BaselineInfo.source. */
  source: string;
  /** How the run was picked. */
  match: 'base-commit' | 'before-base-commit' | 'newest';
}

interface RunLite {
  id: number;
  head_sha: string;
  created_at: string;
  head_commit?: { timestamp?: string } | null;
}

function needsActionsRead(err: unknown, what: string): GateError {
  return new GateError(
    'GITHUB',
    `Reading ${what} was refused (HTTP 403: ${apiMessage(err)}). The artifact baseline needs \`actions: read\`.`,
    {
      hint: 'add `permissions: { actions: read, contents: read, pull-requests: write }` to the job, or use `baseline-source: branch`',
      cause: err,
    },
  );
}

async function guard<T>(what: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (err) {
    if (httpStatus(err) === 403) throw needsActionsRead(err, what);
    throw new GateError('GITHUB', `Reading ${what} failed: ${apiMessage(err)}`, { cause: err });
  }
}

/** The runs to try, best first. */
export async function candidateRuns(
  octokit: Octokit,
  q: ArtifactBaselineQuery,
): Promise<{ run: RunLite; match: ArtifactBaseline['match'] }[]> {
  const { data: current } = await guard('the current workflow run', () =>
    octokit.rest.actions.getWorkflowRun({ owner: q.owner, repo: q.repo, run_id: q.runId }),
  );
  const max = q.maxRuns ?? 100;
  const runs: RunLite[] = [];
  await guard('the workflow runs of the default branch', async () => {
    for await (const page of octokit.paginate.iterator(octokit.rest.actions.listWorkflowRuns, {
      owner: q.owner,
      repo: q.repo,
      workflow_id: current.workflow_id,
      branch: q.defaultBranch,
      status: 'success',
      per_page: Math.min(100, max),
    })) {
      for (const r of page.data as unknown as RunLite[]) if (r.id !== q.runId) runs.push(r);
      if (runs.length >= max) break;
    }
  });
  runs.splice(max);
  runs.sort((a, b) => b.created_at.localeCompare(a.created_at) || b.id - a.id);
  if (!q.baseSha) return runs.map((run) => ({ run, match: 'newest' as const }));

  const exact = runs.filter((r) => r.head_sha === q.baseSha).map((run) => ({ run, match: 'base-commit' as const }));
  let baseDate: string | undefined;
  try {
    const { data } = await octokit.rest.repos.getCommit({ owner: q.owner, repo: q.repo, ref: q.baseSha });
    baseDate = data.commit.committer?.date ?? data.commit.author?.date ?? undefined;
  } catch {
    baseDate = undefined; // an unknown base commit: fall back to the newest run
  }
  const before = baseDate
    ? runs
        .filter((r) => r.head_sha !== q.baseSha && (r.head_commit?.timestamp ?? r.created_at) <= baseDate!)
        .map((run) => ({ run, match: 'before-base-commit' as const }))
    : [];
  if (exact.length > 0 || before.length > 0) return [...exact, ...before];
  return runs.map((run) => ({ run, match: 'newest' as const }));
}

interface ArtifactLite {
  id: number;
  name: string;
  expired: boolean;
  workflow_run?: { id?: number | null } | null;
}

/**
 * This config's artifacts across the repository, by run id, newest per run: one paginated listing
 * (`GET /actions/artifacts?name=`) instead of one call per candidate run.
 */
async function artifactsByRun(octokit: Octokit, q: ArtifactBaselineQuery): Promise<Map<number, ArtifactLite>> {
  const byRun = new Map<number, ArtifactLite>();
  const maxPages = Math.ceil((q.maxRuns ?? 100) / 100) + 1;
  await guard(`the artifacts named ${q.artifactName}`, async () => {
    let pages = 0;
    for await (const page of octokit.paginate.iterator(octokit.rest.actions.listArtifactsForRepo, {
      owner: q.owner,
      repo: q.repo,
      name: q.artifactName,
      per_page: 100,
    })) {
      for (const a of page.data as unknown as ArtifactLite[]) {
        const runId = a.workflow_run?.id;
        if (a.expired || a.name !== q.artifactName || typeof runId !== 'number') continue;
        const prev = byRun.get(runId);
        if (!prev || a.id > prev.id) byRun.set(runId, a);
      }
      if (++pages >= maxPages) break;
    }
  });
  return byRun;
}

/** Finds and downloads the baseline artifact; null when no run has one (a first run: no-baseline). */
export async function findArtifactBaseline(octokit: Octokit, q: ArtifactBaselineQuery): Promise<ArtifactBaseline | null> {
  const candidates = await candidateRuns(octokit, q);
  if (candidates.length === 0) return null;
  const arts = await artifactsByRun(octokit, q);
  for (const { run, match } of candidates) {
    const art = arts.get(run.id);
    if (!art) continue;
    try {
      await new DefaultArtifactClient().downloadArtifact(art.id, {
        path: q.dir,
        findBy: { token: q.token, workflowRunId: run.id, repositoryOwner: q.owner, repositoryName: q.repo },
      });
    } catch (err) {
      if (httpStatus(err) === 403 || /\b403\b/.test(String(err))) throw needsActionsRead(err, `artifact ${art.id}`);
      throw new GateError('GITHUB', `Downloading the baseline artifact ${q.artifactName} of run ${run.id} failed: ${apiMessage(err)}`, {
        cause: err,
      });
    }
    return {
      runId: run.id,
      headSha: run.head_sha,
      createdAt: run.created_at,
      artifactId: art.id,
      dir: q.dir,
      source: `artifact of run ${run.id}`,
      match,
    };
  }
  return null;
}

const MATCH_WORDS: Record<ArtifactBaseline['match'], string> = {
  'base-commit': "the PR's base commit",
  'before-base-commit': "before the PR's base commit",
  newest: 'newest',
};

/** The artifact of the run that fits best, downloaded and read; `judged` runs stand in for this one. */
async function loadArtifactBaseline(args: LoadArgs): Promise<LoadedBaseline | null> {
  const { settings, octokit, ctx, configId } = args;
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
  return { docs, source: `artifact of run ${found.runId} (${MATCH_WORDS[found.match]})` };
}

/** `baseline-source: artifact`: each baseline run's own results artifact; nothing else is written. */
export const artifactStore: BaselineStore = {
  name: 'artifact',
  resultsArtifactIsBaseline: true,
  load: loadArtifactBaseline,
  store: async () => ({
    written: false,
    detail: "this run's results artifact is the baseline of later runs (kept as long as the repository keeps artifacts)",
  }),
  describe: ({ configId }) => `the artifact ${artifactName(configId)} of the newest successful run of this workflow on the default branch`,
};
