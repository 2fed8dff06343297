import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github.js';
import { createOctokit } from '../../src/github/octokit.js';
import {
  commitDashboard,
  dashboardPath,
  pagesUrl,
  publishDashboard,
  publishNightlyDashboard,
  type DashboardTarget,
} from '../../src/github/dashboard-branch.js';
import { readSettings } from '../../src/github/settings.js';

let gh: FakeGitHub;
const octokit = () => createOctokit('pat-bot', { GITHUB_API_URL: gh.url });
const target: DashboardTarget = { owner: 'octo', repo: 'gpu-app', branch: 'gh-pages', path: dashboardPath('nightly') };
const html = (n: number) => `<!doctype html><title>history ${n}</title>`;
const files = (branch: string) => [...(gh.state.branches.get(branch)?.files.keys() ?? [])].sort();
const ctx = { owner: 'octo', repo: 'gpu-app', serverUrl: 'https://github.com' };
const noSleep = { clock: { monotonicMs: () => 0, wallNow: () => new Date(0), sleep: async () => undefined }, random: () => 0.5 };

beforeAll(async () => {
  gh = await startFakeGitHub({ users: { 'pat-bot': 'perf-bot' } });
});
afterAll(async () => gh.close());
beforeEach(() => {
  gh.state.branches.delete('gh-pages');
  gh.state.forbidden = [];
  gh.state.onRequest = null;
  gh.state.requests = [];
});

describe('dashboard branch', () => {
  it('puts each config in a folder of its own, and guesses the GitHub Pages URL', () => {
    expect(dashboardPath('nightly')).toBe('vllm-perf-gate/nightly/index.html');
    expect(dashboardPath('h100 / llama', 'perf/')).toBe('perf/h100___llama/index.html');
    expect(dashboardPath('_x', '.')).toBe('x/index.html');
    expect(pagesUrl(target)).toBe('https://octo.github.io/gpu-app/vllm-perf-gate/nightly/');
    expect(pagesUrl({ owner: 'Octo', repo: 'octo.github.io', path: 'a/b.html' })).toBe('https://octo.github.io/a/b.html');
    expect(pagesUrl(target, 'https://ghe.example.com')).toBeUndefined();
    const s = readSettings((n) => ({ 'dashboard-branch': 'gh-pages', 'baseline-source': 'branch' })[n] ?? '');
    expect([s.dashboardBranch, s.dashboardPath]).toEqual(['gh-pages', 'vllm-perf-gate']);
    expect(() => readSettings((n) => ({ 'dashboard-path': '../x' })[n] ?? '')).toThrow(/Input "dashboard-path"/);
    expect(() => readSettings((n) => ({ 'dashboard-branch': 'gh-pages' })[n] ?? '')).toThrow(/needs baseline-source "branch"/);
  });

  it('the first publish creates the branch as an orphan holding the dashboard alone', async () => {
    gh.state.writeFile('main', 'src/app.py', 'print(1)');
    const r = await commitDashboard(octokit(), target, html(1), { configId: 'nightly', gitSha: 'abcdef1234567890' });
    expect(r).toMatchObject({ createdBranch: true, attempts: 1 });
    expect(files('gh-pages')).toEqual(['vllm-perf-gate/nightly/index.html']);
    expect(gh.state.readFile('gh-pages', target.path)).toBe(html(1));
    expect(gh.state.branches.get('gh-pages')!.sha).toBe(r.commitSha);
  });

  it('a later publish changes only its own file; the same html again commits nothing', async () => {
    await commitDashboard(octokit(), target, html(1), { configId: 'nightly' });
    gh.state.writeFile('gh-pages', 'index.html', 'the site');
    const other = { ...target, path: dashboardPath('l4') };
    await commitDashboard(octokit(), other, html(9), { configId: 'l4' });
    const before = gh.state.branches.get('gh-pages')!.sha;
    const r = await commitDashboard(octokit(), target, html(2), { configId: 'nightly' });
    expect(r).toMatchObject({ createdBranch: false, attempts: 1 });
    expect(files('gh-pages')).toEqual(['index.html', 'vllm-perf-gate/l4/index.html', 'vllm-perf-gate/nightly/index.html']);
    expect(gh.state.readFile('gh-pages', target.path)).toBe(html(2));
    expect(gh.state.readFile('gh-pages', other.path)).toBe(html(9));
    expect(gh.state.readFile('gh-pages', 'index.html')).toBe('the site');
    expect(r.commitSha).not.toBe(before);
    const patches = gh.state.requests.filter((q) => q.method === 'PATCH').length;
    const again = await commitDashboard(octokit(), target, html(2), { configId: 'nightly' });
    expect(again.commitSha).toBeNull();
    expect(gh.state.requests.filter((q) => q.method === 'PATCH')).toHaveLength(patches);
  });

  it('a push between our read and our ref update is not overwritten: we rebuild on it and both land', async () => {
    await commitDashboard(octokit(), target, html(1), { configId: 'nightly' });
    let raced = false;
    gh.state.onRequest = (req, state) => {
      if (raced || req.method !== 'PATCH') return;
      raced = true; // another job pushes its own dashboard first
      state.writeFile('gh-pages', 'vllm-perf-gate/other/index.html', 'theirs');
    };
    const r = await commitDashboard(octokit(), target, html(2), { configId: 'nightly', ...noSleep });
    expect(r.attempts).toBe(2);
    expect(gh.state.requests.filter((q) => q.method === 'PATCH').map((q) => q.status)).toEqual([422, 200]);
    expect(gh.state.readFile('gh-pages', 'vllm-perf-gate/other/index.html')).toBe('theirs');
    expect(gh.state.readFile('gh-pages', target.path)).toBe(html(2));
  });

  it('a branch created by someone else between our read and our create is built upon, not replaced', async () => {
    gh.state.onRequest = (req, state) => {
      if (req.method !== 'POST' || req.path !== '/repos/octo/gpu-app/git/refs' || state.branches.has('gh-pages')) return;
      state.branches.set('gh-pages', { sha: state.branches.get('main')!.sha, files: new Map() });
      state.writeFile('gh-pages', 'vllm-perf-gate/l4/index.html', 'theirs');
    };
    const r = await commitDashboard(octokit(), target, html(1), { configId: 'nightly', ...noSleep });
    expect(r).toMatchObject({ attempts: 2, createdBranch: false });
    expect(files('gh-pages')).toEqual(['vllm-perf-gate/l4/index.html', 'vllm-perf-gate/nightly/index.html']);
  });

  it('several publishers at once all land', async () => {
    const ids = ['a', 'b', 'c', 'd'];
    await Promise.all(
      ids.map((id) => commitDashboard(octokit(), { ...target, path: dashboardPath(id) }, html(1), { configId: id, ...noSleep })),
    );
    expect(files('gh-pages')).toEqual(ids.map((id) => dashboardPath(id)));
  });

  it('publishes nothing when dashboard-branch is empty', async () => {
    const settings = { dashboardBranch: '', dashboardPath: 'vllm-perf-gate' };
    const r = await publishNightlyDashboard({ octokit: octokit(), settings, ctx, configId: 'nightly', html: html(1) });
    expect(r).toBeNull();
    expect(gh.state.requests).toEqual([]);
  });

  it('a token without contents: write gets a notice naming the fix, not an error', async () => {
    gh.state.forbidden = [{ method: 'POST', path: /\/git\/blobs$/ }];
    const settings = { dashboardBranch: 'gh-pages', dashboardPath: 'vllm-perf-gate' };
    const nightly = await publishNightlyDashboard({ octokit: octokit(), settings, ctx, configId: 'nightly', html: html(1) });
    expect(nightly).toMatchObject({ published: false });
    gh.state.forbidden = [{ method: 'POST', path: /\/git\/blobs$/ }];
    const r = await publishDashboard(octokit(), target, html(1), { configId: 'nightly' });
    expect(r.published).toBe(false);
    if (r.published) return;
    expect(r.notice).toMatch(
      /^The dashboard was not published: Publishing the dashboard to gh-pages:vllm-perf-gate\/nightly\/index\.html was refused \(HTTP 403/,
    );
    expect(r.notice).toContain('permissions: { contents: write }');
    expect(r.notice).not.toMatch(/\n|at .*\.ts:\d+/);
    expect(gh.state.branches.has('gh-pages')).toBe(false);
  });
});
