// The contract every baseline store keeps, run against each store in BASELINE_STORES through the fake
// GitHub REST API (and Azurite for artifact blobs): a first run finds nothing, a baseline run's
// results are what later runs load, and only baseline mode ever writes.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultsDocument } from '../../src/results/schema-types.gen.js';
import type { RunContext } from '../../src/github/context.js';
import { startAzurite, type RunningAzurite } from '../support/azurite.js';
import { runtimeToken, startFakeGitHub, type FakeGitHub } from '../support/fake-github.js';

type GithubMod = typeof import('../../src/github/index.js');
type Source = 'artifact' | 'branch' | 'file';

let az: RunningAzurite;
let gh: FakeGitHub;
let work: string;
let github: GithubMod;
const saved = { ...process.env };
const FIXTURE = path.join(import.meta.dirname, '../report/fixtures/nightly.baseline.json');

function baselineRun(configId: string): ResultsDocument {
  const doc = JSON.parse(readFileSync(FIXTURE, 'utf8')) as ResultsDocument;
  doc.run.id = `baseline-of-${configId}`;
  doc.run['config-id'] = configId;
  return doc;
}

/** A PR run of the benchmark workflow: the run that loads the baseline. */
function prContext(): RunContext {
  const pr = gh.state.addRun({
    head_sha: '8'.repeat(40),
    head_branch: 'feature',
    event: 'pull_request',
    status: 'in_progress',
    conclusion: null,
  });
  return {
    owner: 'octo',
    repo: 'gpu-app',
    eventName: 'pull_request',
    ref: 'refs/pull/1/merge',
    sha: 's',
    runId: pr.id,
    runAttempt: 1,
    serverUrl: 'https://github.com',
    defaultBranch: 'main',
  };
}

/** How a baseline run's results reach each store outside `store()`, as they do in a real workflow. */
const PUT_THERE: Record<Source, (doc: ResultsDocument, configId: string) => Promise<void>> = {
  artifact: async (doc, configId) => {
    const run = gh.state.addRun({ head_sha: '7'.repeat(40) });
    process.env.ACTIONS_RUNTIME_TOKEN = runtimeToken(run.backendId);
    const dir = path.join(work, `upload-${configId}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'results.json'), JSON.stringify(doc));
    const up = await github.uploadRunArtifacts([path.join(dir, 'results.json')], github.artifactName(configId), { rootDirectory: dir });
    expect(up.uploaded).toBe(true);
  },
  branch: async () => undefined, // written by store() itself
  file: async (doc, configId) => writeFileSync(path.join(work, `${configId}.json`), JSON.stringify(doc)),
};

function settingsFor(source: Source, configId: string): ReturnType<GithubMod['readSettings']> {
  const inputs: Record<string, string> = {
    'github-token': 'pat-1',
    'baseline-source': source,
    ...(source === 'file' ? { 'baseline-path': `${configId}.json` } : {}),
  };
  return github.readSettings((n) => inputs[n] ?? '');
}

beforeAll(async () => {
  az = await startAzurite();
  gh = await startFakeGitHub({ azurite: az, users: { 'pat-1': 'alice' } });
  work = mkdtempSync(path.join(tmpdir(), 'vpg-stores-'));
  // @actions/github reads GITHUB_API_URL when it is first loaded: set it before importing.
  process.env.GITHUB_API_URL = gh.url;
  process.env.ACTIONS_RESULTS_URL = `${gh.url}/`;
  process.env.GITHUB_WORKSPACE = work;
  delete process.env.GITHUB_SERVER_URL;
  github = await import('../../src/github/index.js');
});

afterAll(async () => {
  process.env = saved;
  await gh?.close();
  await az?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('BASELINE_STORES', () => {
  it('has one store for every baseline-source value, named by it', () => {
    for (const source of github.BASELINE_SOURCES) expect(github.BASELINE_STORES[source].name).toBe(source);
    expect(Object.keys(github.BASELINE_STORES).sort()).toEqual([...github.BASELINE_SOURCES].sort());
  });

  it('marks only the artifact store as keeping the results artifact as the baseline', () => {
    const marked = github.BASELINE_SOURCES.filter((s) => github.BASELINE_STORES[s].resultsArtifactIsBaseline);
    expect(marked).toEqual(['artifact']);
  });
});

describe.each(['artifact', 'branch', 'file'] as const)('the %s store', (source) => {
  const configId = `contract-${source}`;
  const at = () => {
    const settings = settingsFor(source, configId);
    const ctx = prContext();
    return { settings, ctx, configId, octokit: github.createOctokit('pat-1', { GITHUB_API_URL: gh.url }) };
  };
  const loadArgs = (a: ReturnType<typeof at>) => ({ ...a, workspace: work, downloadDir: path.join(work, `dl-${source}-${a.ctx.runId}`) });

  it('is the store the settings select', () => {
    expect(github.baselineStoreOf(settingsFor(source, configId)).name).toBe(source);
  });

  it('has no baseline before the first baseline run (a file store says which file is missing)', async () => {
    const a = at();
    const store = github.baselineStoreOf(a.settings);
    if (source === 'file')
      await expect(store.load(loadArgs(a))).rejects.toMatchObject({ code: 'INPUT', message: expect.stringContaining(`${configId}.json`) });
    else expect(await store.load(loadArgs(a))).toBeNull();
    expect(store.describe(a)).toContain(source === 'artifact' ? github.artifactName(configId) : `${configId}.json`);
  });

  it('never writes in gate mode', async () => {
    const a = at();
    const writes = () => gh.state.requests.filter((r) => r.method !== 'GET').length;
    const before = writes();
    const r = await github.appendBaseline({ ...a, mode: 'gate', doc: baselineRun(configId) });
    expect(r).toEqual({ written: false, detail: 'gate mode never writes the baseline' });
    expect(writes()).toBe(before);
  });

  it("loads what a baseline run stored, with the store named in the report's source", async () => {
    const doc = baselineRun(configId);
    const a = at();
    await PUT_THERE[source](doc, configId);
    const stored = await github.appendBaseline({ ...a, mode: 'baseline', doc });
    expect(stored.written).toBe(source === 'branch');
    expect(stored.detail).not.toBe('');

    const loaded = await github.loadBaseline(loadArgs(at()));
    expect(loaded?.docs.map((d) => d.run.id)).toEqual([doc.run.id]);
    expect(loaded?.source).toMatch(
      source === 'artifact' ? /^artifact of run \d+ \(newest\)$/ : new RegExp(`^${source} .*${configId}\\.json$`),
    );
  });
});
