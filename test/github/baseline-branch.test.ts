import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github.js';
import { createOctokit } from '../../src/github/octokit.js';
import { appendBranchBaseline, historyPath, readBranchBaseline, type BaselineHistory } from '../../src/github/baseline-branch.js';
import { appendBaseline, loadBaseline } from '../../src/github/baseline.js';
import { readSettings } from '../../src/github/settings.js';
import { describeError } from '../../src/errors.js';
import type { ResultsDocument } from '../../src/results/schema-types.gen.js';
import type { RunContext } from '../../src/github/context.js';

let gh: FakeGitHub;
const octokit = () => createOctokit('pat-bot', { GITHUB_API_URL: gh.url });
const store = { owner: 'octo', repo: 'gpu-app', branch: 'perf-baselines', path: historyPath('nightly') };
const opts = { defaultBranch: 'main', cap: 10, configId: 'nightly' };

function doc(id: string, minute: number): ResultsDocument {
  return {
    'schema-version': 1,
    tool: { name: 'vllm-perf-gate', version: '0.1.0' },
    run: {
      id,
      'started-at': new Date(Date.UTC(2026, 10, 20, 3, minute)).toISOString(),
      'config-id': 'nightly',
      'config-hash': 'h',
      'git-sha': `sha-${id}`,
    },
    environment: {},
    suites: [
      {
        name: 's',
        kind: 'serving',
        points: [{ key: 'rate=1', metrics: { output_throughput: minute }, validity: { valid: true, reasons: [] } }],
      },
    ],
    status: 'complete',
  };
}
const stored = (): BaselineHistory => JSON.parse(gh.state.readFile('perf-baselines', store.path) ?? 'null') as BaselineHistory;

beforeAll(async () => {
  gh = await startFakeGitHub({ users: { 'pat-bot': 'perf-bot' } });
});
afterAll(async () => gh.close());
beforeEach(() => {
  gh.state.branches.delete('perf-baselines');
  gh.state.forbidden = [];
  gh.state.beforeNextPut = null;
});

describe('branch baseline store', () => {
  it('reads nothing before the first baseline run, and creates the branch from the default branch on the first write', async () => {
    expect(await readBranchBaseline(octokit(), store)).toBeNull();
    const r = await appendBranchBaseline(octokit(), store, doc('r1', 1), opts);
    expect(r.createdBranch).toBe(true);
    expect(gh.state.branches.has('perf-baselines')).toBe(true);
    expect(stored().runs.map((x) => x.run.id)).toEqual(['r1']);
    expect((await readBranchBaseline(octokit(), store))!.runs.map((x) => x.run.id)).toEqual(['r1']);
  });

  it('a writer whose sha went stale (409) re-reads and retries: the other write is kept', async () => {
    await appendBranchBaseline(octokit(), store, doc('r1', 1), opts);
    gh.state.beforeNextPut = (state) => {
      // Another nightly job lands r2 between our read and our write.
      const h = JSON.parse(state.readFile('perf-baselines', store.path)!) as BaselineHistory;
      h.runs.push(doc('r2', 2));
      state.writeFile('perf-baselines', store.path, JSON.stringify(h));
    };
    const r = await appendBranchBaseline(octokit(), store, doc('r3', 3), opts);
    expect(r.attempts).toBe(2);
    expect(gh.state.requests.some((q) => q.method === 'PUT' && q.status === 409)).toBe(true);
    expect(stored().runs.map((x) => x.run.id)).toEqual(['r1', 'r2', 'r3']);
  });

  it('several writers racing at once lose nothing', async () => {
    await appendBranchBaseline(octokit(), store, doc('r0', 0), opts);
    const results = await Promise.all([1, 2, 3, 4].map((i) => appendBranchBaseline(octokit(), store, doc(`w${i}`, i), opts)));
    expect(
      stored()
        .runs.map((x) => x.run.id)
        .sort(),
    ).toEqual(['r0', 'w1', 'w2', 'w3', 'w4']);
    expect(results.some((r) => r.attempts > 1)).toBe(true);
  });

  it('keeps only the newest baseline-history runs', async () => {
    for (let i = 1; i <= 5; i++) await appendBranchBaseline(octokit(), store, doc(`r${i}`, i), { ...opts, cap: 3 });
    expect(stored().runs.map((x) => x.run.id)).toEqual(['r3', 'r4', 'r5']);
  });

  it('reads a history above the contents API inline limit through the blob API', async () => {
    await appendBranchBaseline(octokit(), store, doc('r1', 1), opts);
    gh.state.contentsInlineLimit = 10;
    try {
      expect((await readBranchBaseline(octokit(), store))!.runs).toHaveLength(1);
      expect(gh.state.requests.some((q) => q.path.includes('/git/blobs/'))).toBe(true);
    } finally {
      gh.state.contentsInlineLimit = 1_000_000;
    }
  });

  it('a refused write says which permission is missing', async () => {
    await appendBranchBaseline(octokit(), store, doc('r1', 1), opts);
    gh.state.forbidden.push({ method: 'PUT', path: /\/contents\// });
    const err = await appendBranchBaseline(octokit(), store, doc('r2', 2), opts).catch((e: unknown) => e);
    expect(describeError(err)).toMatch(/refused \(HTTP 403[\s\S]*fix: .*contents: write/);
  });

  it('appendBaseline writes only in baseline mode, and loadBaseline reads what it wrote', async () => {
    const settings = readSettings((n) => ({ 'baseline-source': 'branch' })[n] ?? '');
    const ctx: RunContext = {
      owner: 'octo',
      repo: 'gpu-app',
      eventName: 'pull_request',
      ref: 'refs/pull/1/merge',
      sha: 'x',
      runId: 1,
      runAttempt: 1,
      serverUrl: 'https://github.com',
      defaultBranch: 'main',
    };
    const gate = await appendBaseline({ mode: 'gate', settings, octokit: octokit(), ctx, doc: doc('g', 1), configId: 'nightly' });
    expect(gate.written).toBe(false);
    expect(gh.state.branches.has('perf-baselines')).toBe(false);
    expect(await loadBaseline({ settings, octokit: octokit(), ctx, configId: 'nightly', workspace: '.', downloadDir: '.' })).toBeNull();
    const base = await appendBaseline({ mode: 'baseline', settings, octokit: octokit(), ctx, doc: doc('b', 2), configId: 'nightly' });
    expect(base.written).toBe(true);
    expect(stored().runs.map((x) => x.run.id)).toEqual(['b']);
    const loaded = await loadBaseline({ settings, octokit: octokit(), ctx, configId: 'nightly', workspace: '.', downloadDir: '.' });
    expect(loaded).toMatchObject({ source: 'branch perf-baselines:vllm-perf-gate/nightly.json' });
    expect(loaded!.docs.map((d) => d.run.id)).toEqual(['b']);
  });
});
