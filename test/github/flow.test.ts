// The github/ and report/ parts composed the way the action's main step uses them, with the run's
// context read by @actions/github from GITHUB_* variables and an event file, against the fake.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github.js';
import type { ResultsDocument } from '../../src/results/schema-types.gen.js';

let gh: FakeGitHub;
let work: string;
const saved = { ...process.env };
const fixture = (name: string): ResultsDocument =>
  JSON.parse(readFileSync(path.join(import.meta.dirname, '../report/fixtures', name), 'utf8')) as ResultsDocument;

beforeAll(async () => {
  gh = await startFakeGitHub({ users: { 'pat-ci': 'perf-bot' } });
  work = mkdtempSync(path.join(tmpdir(), 'vpg-flow-'));
  const event = {
    repository: { default_branch: 'main', full_name: 'octo/gpu-app' },
    pull_request: {
      number: 5,
      head: { sha: 'h'.repeat(40), repo: { full_name: 'octo/gpu-app' } },
      base: { sha: 'b'.repeat(40), ref: 'main', repo: { full_name: 'octo/gpu-app' } },
    },
  };
  writeFileSync(path.join(work, 'event.json'), JSON.stringify(event));
  Object.assign(process.env, {
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: path.join(work, 'event.json'),
    GITHUB_REPOSITORY: 'octo/gpu-app',
    GITHUB_REF: 'refs/pull/5/merge',
    GITHUB_SHA: 'm'.repeat(40),
    GITHUB_RUN_ID: '4242',
    GITHUB_API_URL: gh.url,
    GITHUB_SERVER_URL: 'https://github.com',
    'INPUT_GITHUB-TOKEN': 'pat-ci',
    'INPUT_BASELINE-SOURCE': 'branch',
    INPUT_COMMENT: 'always',
  });
});

afterAll(async () => {
  process.env = saved;
  await gh.close();
  rmSync(work, { recursive: true, force: true });
});

describe('a PR gate step, composed', () => {
  it('reads settings and context, loads the branch baseline, comments once and updates in place, writes no baseline', async () => {
    // Modules that read the environment when loaded come after it is set.
    const github = await import('../../src/github/index.js');
    const report = await import('../../src/report/index.js');
    const { compareRuns } = await import('../../src/compare/compare.js');
    const { gateSettings } = await import('../../src/compare/settings.js');

    const settings = github.readSettings();
    const ctx = github.readRunContext();
    expect(ctx).toMatchObject({
      owner: 'octo',
      repo: 'gpu-app',
      eventName: 'pull_request',
      runId: 4242,
      defaultBranch: 'main',
      pullRequest: { number: 5 },
    });
    const mode = github.resolveMode(settings.mode, ctx);
    expect(mode).toBe('gate');
    expect(github.isForkPullRequest(ctx)).toBe(false);
    const octokit = github.createOctokit(settings.githubToken);

    // Last night's baseline run wrote the history.
    const seeded = await github.appendBaseline({
      mode: 'baseline',
      settings,
      octokit,
      ctx,
      doc: fixture('nightly.baseline.json'),
      configId: 'nightly',
    });
    expect(seeded.written).toBe(true);

    const current = fixture('nightly.current.json');
    const step = async () => {
      const loaded = await github.loadBaseline({
        settings,
        octokit,
        ctx,
        configId: 'nightly',
        workspace: work,
        downloadDir: path.join(work, 'dl'),
      });
      expect(loaded).not.toBeNull();
      const verdict = compareRuns(loaded!.docs, current, gateSettings({ gate: { 'noise-floor': { ttft: 0.15 } } }), {
        source: loaded!.source,
      });
      const body = report.renderComment(verdict, current, {
        configId: 'nightly',
        runUrl: github.runUrl(ctx),
        baselineDoc: loaded!.docs.at(-1)!,
      });
      const posted = await github.upsertComment(
        octokit,
        { owner: ctx.owner, repo: ctx.repo, issueNumber: ctx.pullRequest!.number },
        report.commentMarker('nightly'),
        body,
        settings.comment,
        { changed: report.hasChanges(verdict) },
      );
      const written = await github.appendBaseline({ mode, settings, octokit, ctx, doc: current, configId: 'nightly' });
      return { verdict, posted, written };
    };

    const first = await step();
    expect(first.verdict.verdict).toBe('fail');
    expect(first.posted).toMatchObject({ action: 'created', author: 'perf-bot' });
    expect(first.written.written).toBe(false);
    const second = await step();
    expect(second.posted).toMatchObject({ action: 'unchanged' });

    expect(gh.state.comments).toHaveLength(1);
    const c = gh.state.comments[0]!;
    expect(c.body.startsWith('<!-- vllm-perf-gate:nightly -->\n## ❌ vLLM performance gate: fail')).toBe(true);
    expect(c.body).toContain('branch perf-baselines\\:vllm-perf-gate/nightly.json'); // \: renders as :
    expect(c.body).toContain('[workflow run](https://github.com/octo/gpu-app/actions/runs/4242)');
    expect(github.artifactUrl(ctx, 77)).toBe('https://github.com/octo/gpu-app/actions/runs/4242/artifacts/77');
    // The gate never touched the stored baseline.
    const history = JSON.parse(gh.state.readFile('perf-baselines', 'vllm-perf-gate/nightly.json')!) as { runs: ResultsDocument[] };
    expect(history.runs.map((r) => r.run.id)).toEqual(['run-1']);
  });
});
