// Artifact upload, download and the artifact baseline lookup through the real @actions/artifact
// client, against the fake results service + REST API and Azurite for the blobs.
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type RunningAzurite } from '../support/azurite.js';
import { runtimeToken, startFakeGitHub, type FakeGitHub, type FakeRun } from '../support/fake-github.js';

type ArtifactsMod = typeof import('../../src/github/artifacts.js');
type BaselineMod = typeof import('../../src/github/baseline-artifact.js');
type OctokitMod = typeof import('../../src/github/octokit.js');
type StoreMod = typeof import('../../src/github/baseline.js');
type SettingsMod = typeof import('../../src/github/settings.js');

let az: RunningAzurite;
let gh: FakeGitHub;
let work: string;
let artifacts: ArtifactsMod;
let baseline: BaselineMod;
let ok: OctokitMod;
let store: StoreMod;
let settingsMod: SettingsMod;
const saved = { ...process.env };

function asRun(run: FakeRun): void {
  process.env.ACTIONS_RUNTIME_TOKEN = runtimeToken(run.backendId);
}

function resultsDir(label: string): string {
  const dir = path.join(work, `out-${label}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'results.json'), JSON.stringify({ from: label }));
  writeFileSync(path.join(dir, 'report.md'), `# report ${label}\n`);
  return dir;
}

async function uploadFor(run: FakeRun, label: string, name = 'vllm-perf-gate-nightly'): Promise<void> {
  asRun(run);
  const dir = resultsDir(label);
  const r = await artifacts.uploadRunArtifacts(
    [path.join(dir, 'results.json'), path.join(dir, 'report.md'), path.join(dir, 'server.log')],
    name,
    { rootDirectory: dir },
  );
  expect(r.uploaded).toBe(true);
}

beforeAll(async () => {
  az = await startAzurite();
  gh = await startFakeGitHub({ azurite: az, users: { 'pat-1': 'alice' } });
  work = mkdtempSync(path.join(tmpdir(), 'vpg-artifacts-'));
  // @actions/github reads GITHUB_API_URL when it is first loaded: set it before importing.
  process.env.GITHUB_API_URL = gh.url;
  process.env.ACTIONS_RESULTS_URL = `${gh.url}/`;
  process.env.GITHUB_WORKSPACE = work;
  delete process.env.GITHUB_SERVER_URL;
  artifacts = await import('../../src/github/artifacts.js');
  baseline = await import('../../src/github/baseline-artifact.js');
  ok = await import('../../src/github/octokit.js');
  store = await import('../../src/github/baseline.js');
  settingsMod = await import('../../src/github/settings.js');
});

afterAll(async () => {
  process.env = saved;
  await gh?.close();
  await az?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('run artifacts', () => {
  it('uploads the files that exist and downloads every results artifact of the run (aggregate mode)', async () => {
    const run = gh.state.addRun({ head_sha: 'c'.repeat(40), status: 'in_progress', conclusion: null });
    await uploadFor(run, 'h100', 'vllm-perf-gate-h100');
    await uploadFor(run, 'l4', 'vllm-perf-gate-l4');
    const stored = gh.state.artifacts.filter((a) => a.runId === run.id);
    expect(stored.map((a) => a.name).sort()).toEqual(['vllm-perf-gate-h100', 'vllm-perf-gate-l4']);
    expect(stored.every((a) => a.finalized && a.size > 0 && a.digest?.startsWith('sha256:'))).toBe(true);

    asRun(run);
    const { downloaded: got, refused } = await artifacts.downloadRunArtifacts({ dir: path.join(work, 'agg') });
    expect(refused).toEqual([]);
    expect(got.map((g) => g.name)).toEqual(['vllm-perf-gate-h100', 'vllm-perf-gate-l4']);
    expect(JSON.parse(readFileSync(path.join(got[0]!.dir, 'results.json'), 'utf8'))).toEqual({ from: 'h100' });
    expect(readFileSync(path.join(got[1]!.dir, 'report.md'), 'utf8')).toBe('# report l4\n');
  });

  it("downloads another run's results artifacts by run id (the workflow_run pattern for fork PRs)", async () => {
    const benchmarkRun = gh.state.addRun({ head_sha: '6'.repeat(40), head_branch: 'faster', event: 'pull_request' });
    await uploadFor(benchmarkRun, 'fork', 'vllm-perf-gate-fork');
    const commentRun = gh.state.addRun({ head_sha: 'c'.repeat(40), event: 'workflow_run', status: 'in_progress', conclusion: null });
    asRun(commentRun); // this run has no artifacts of its own
    const { downloaded: got } = await artifacts.downloadRunArtifacts({
      dir: path.join(work, 'from-run'),
      fromRun: { runId: benchmarkRun.id, owner: 'octo', repo: 'gpu-app', token: 'pat-1' },
    });
    expect(got[0]!.dir).toBe(path.join(work, 'from-run', String(got[0]!.id))); // by id: the uploader chose the name
    expect(got.map((g) => g.name)).toEqual(['vllm-perf-gate-fork']);
    expect(JSON.parse(readFileSync(path.join(got[0]!.dir, 'results.json'), 'utf8'))).toEqual({ from: 'fork' });
  });

  it('outside Actions (no runtime token) warns and goes on', async () => {
    const dir = resultsDir('local');
    const r = await artifacts.uploadRunArtifacts([path.join(dir, 'results.json')], 'vllm-perf-gate-x', { rootDirectory: dir, env: {} });
    expect(r).toMatchObject({ uploaded: false });
    if (!r.uploaded) expect(r.reason).toContain('ACTIONS_RUNTIME_TOKEN');
  });

  it('names artifacts so that any config id is a valid artifact name', () => {
    expect(artifacts.artifactName('a/b:c*?"<x>|\\y')).toBe('vllm-perf-gate-a_b_c____x___y');
  });
});

describe('artifact baseline', () => {
  let older: FakeRun, atBase: FakeRun, newer: FakeRun, newestNoArtifact: FakeRun, failed: FakeRun, pr: FakeRun;
  const base = 'b'.repeat(40);

  beforeAll(async () => {
    const t = (min: number) => new Date(Date.UTC(2026, 10, 10, 12, min)).toISOString();
    older = gh.state.addRun({ head_sha: 'a'.repeat(40), created_at: t(1), head_commit_timestamp: t(0) });
    atBase = gh.state.addRun({ head_sha: base, created_at: t(11), head_commit_timestamp: t(10) });
    newer = gh.state.addRun({ head_sha: 'd'.repeat(40), created_at: t(21), head_commit_timestamp: t(20), event: 'schedule' });
    newestNoArtifact = gh.state.addRun({ head_sha: 'e'.repeat(40), created_at: t(31), head_commit_timestamp: t(30) });
    failed = gh.state.addRun({ head_sha: 'f'.repeat(40), created_at: t(41), head_commit_timestamp: t(40), conclusion: 'failure' });
    pr = gh.state.addRun({
      head_sha: '9'.repeat(40),
      created_at: t(50),
      head_commit_timestamp: t(49),
      head_branch: 'feature',
      event: 'pull_request',
      status: 'in_progress',
      conclusion: null,
    });
    // A main commit between `older` and `atBase` that no run measured.
    gh.state.commits.set('5'.repeat(40), t(5));
    await uploadFor(older, 'older');
    await uploadFor(atBase, 'at-base');
    await uploadFor(newer, 'newer');
    await uploadFor(failed, 'failed');
    expect(newestNoArtifact.id).toBeGreaterThan(0);
  });

  const query = (over: Partial<Parameters<BaselineMod['findArtifactBaseline']>[1]> = {}) => ({
    owner: 'octo',
    repo: 'gpu-app',
    runId: pr.id,
    defaultBranch: 'main',
    artifactName: 'vllm-perf-gate-nightly',
    token: 'pat-1',
    dir: path.join(work, `baseline-${Math.random().toString(36).slice(2)}`),
    ...over,
  });
  const octokit = () => ok.createOctokit('pat-1');
  const from = (dir: string) => (JSON.parse(readFileSync(path.join(dir, 'results.json'), 'utf8')) as { from: string }).from;

  it("for a PR, takes the run of the PR's base commit, not a newer run of main", async () => {
    const b = await baseline.findArtifactBaseline(octokit(), query({ baseSha: base }));
    expect(b).toMatchObject({ runId: atBase.id, match: 'base-commit', headSha: base });
    expect(from(b!.dir)).toBe('at-base');
  });

  it('when no run measured the base commit, takes the newest run before it', async () => {
    const b = await baseline.findArtifactBaseline(octokit(), query({ baseSha: '5'.repeat(40) }));
    expect(b).toMatchObject({ runId: older.id, match: 'before-base-commit' });
    expect(from(b!.dir)).toBe('older');
  });

  it('without a base commit, takes the newest successful run that has the artifact', async () => {
    const b = await baseline.findArtifactBaseline(octokit(), query());
    expect(b).toMatchObject({ runId: newer.id, match: 'newest' });
    expect(from(b!.dir)).toBe('newer');
  });

  it('skips expired artifacts, and lists artifacts once for the repository rather than once per run', async () => {
    const art = gh.state.artifacts.find((a) => a.runId === newer.id && a.name === 'vllm-perf-gate-nightly')!;
    art.expired = true;
    const before = gh.state.requests.length;
    try {
      const b = await baseline.findArtifactBaseline(octokit(), query());
      expect(b).toMatchObject({ runId: atBase.id, match: 'newest' });
    } finally {
      art.expired = false;
    }
    const calls = gh.state.requests.slice(before).map((q) => `${q.method} ${q.path}`);
    expect(calls.filter((c) => c.endsWith('/actions/artifacts'))).toHaveLength(1);
    expect(calls.filter((c) => /\/runs\/\d+\/artifacts$/.test(c))).toHaveLength(0);
  });

  it('finds nothing for a config no run has uploaded yet (a first run)', async () => {
    expect(await baseline.findArtifactBaseline(octokit(), query({ artifactName: 'vllm-perf-gate-other' }))).toBeNull();
  });

  it('says that actions: read is needed when listing runs is refused', async () => {
    gh.state.forbidden.push({ path: /\/actions\/workflows\/.*\/runs$/, times: 1 });
    const err = await baseline.findArtifactBaseline(octokit(), query()).catch((e: unknown) => e as Error);
    expect(String((err as Error).message)).toContain('actions: read');
  });
});

describe('loadBaseline from artifacts', () => {
  it("reads results.json of the PR base commit's artifact into documents for the gate", async () => {
    const fixture = readFileSync(path.join(import.meta.dirname, '../report/fixtures/nightly.baseline.json'), 'utf8');
    const baseSha = '7'.repeat(40);
    const run = gh.state.addRun({ head_sha: baseSha });
    asRun(run);
    const dir = path.join(work, 'out-load');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'results.json'), fixture);
    writeFileSync(path.join(dir, 'verdict.json'), '{"verdict":"pass"}');
    expect(
      (
        await artifacts.uploadRunArtifacts(
          [path.join(dir, 'results.json'), path.join(dir, 'verdict.json')],
          artifacts.artifactName('loadtest'),
        )
      ).uploaded,
    ).toBe(true);

    const pr = gh.state.addRun({
      head_sha: '8'.repeat(40),
      head_branch: 'feature',
      event: 'pull_request',
      status: 'in_progress',
      conclusion: null,
    });
    const settings = settingsMod.readSettings((n) => ({ 'github-token': 'pat-1' })[n] ?? '');
    const loaded = await store.loadBaseline({
      settings,
      octokit: ok.createOctokit('pat-1'),
      ctx: {
        owner: 'octo',
        repo: 'gpu-app',
        eventName: 'pull_request',
        ref: 'refs/pull/1/merge',
        sha: 's',
        runId: pr.id,
        runAttempt: 1,
        serverUrl: 'https://github.com',
        defaultBranch: 'main',
        pullRequest: {
          number: 1,
          headSha: '8'.repeat(40),
          baseSha,
          baseRef: 'main',
          headRepoFullName: 'octo/gpu-app',
          baseRepoFullName: 'octo/gpu-app',
        },
      },
      configId: 'loadtest',
      workspace: work,
      downloadDir: path.join(work, 'dl-load'),
    });
    expect(loaded?.docs.map((d) => d.run.id)).toEqual(['run-1']);
    expect(loaded?.source).toBe(`artifact of run ${run.id} (the PR's base commit)`);
  });
});
