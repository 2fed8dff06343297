import { describe, expect, it } from 'vitest';
import { readSettings, resolveMode } from '../../src/github/settings.js';
import { isForkPullRequest, forkRefusalMessage } from '../../src/github/fork.js';
import { maskSecrets } from '../../src/github/mask.js';
import { readRunContext } from '../../src/github/context.js';
import { describeError } from '../../src/errors.js';

const inputs = (m: Record<string, string>) => (name: string) => m[name] ?? '';

describe('readSettings', () => {
  it('fills every default when no input is given', () => {
    expect(readSettings(inputs({}))).toEqual({
      config: '.github/vllm-perf-gate.yml',
      configs: ['.github/vllm-perf-gate.yml'],
      githubToken: '',
      mode: 'auto',
      baselineSource: 'artifact',
      baselineBranch: 'perf-baselines',
      baselinePath: '',
      baselineHistory: 30,
      failOnRegression: true,
      comment: 'always',
      allowForkPrs: false,
      resultsDir: 'vllm-perf-gate-results',
      historyIssue: true,
      historyIssueLabels: [],
      dashboardBranch: '',
      dashboardPath: 'vllm-perf-gate',
    });
  });

  it('reads the nightly issue inputs: off, and labels by commas or lines', () => {
    expect(readSettings(inputs({ 'history-issue': 'false', 'history-issue-labels': 'perf, nightly\nperf\n' }))).toMatchObject({
      historyIssue: false,
      historyIssueLabels: ['perf', 'nightly'],
    });
    expect(() => readSettings(inputs({ 'history-issue': 'maybe' }))).toThrow(/Input "history-issue" must be true or false; got "maybe"/);
    expect(() => readSettings(inputs({ 'history-issue-labels': 'x'.repeat(51) }))).toThrow(
      /Input "history-issue-labels" must be labels of at most 50 characters/,
    );
  });

  it('takes several configs, one a line, in aggregate mode only', () => {
    const list = 'perf/h100.yml\n  perf/l4.yml  \n\n';
    expect(readSettings(inputs({ mode: 'aggregate', config: list }))).toMatchObject({
      config: 'perf/h100.yml',
      configs: ['perf/h100.yml', 'perf/l4.yml'],
    });
    expect(() => readSettings(inputs({ mode: 'gate', config: list }))).toThrow(
      /Input "config" must be one config file \(several, one a line, only with mode: aggregate\)/,
    );
  });

  it('reads the action inputs from INPUT_* variables through @actions/core', () => {
    const saved = { ...process.env };
    try {
      process.env['INPUT_MODE'] = 'baseline';
      process.env['INPUT_BASELINE-SOURCE'] = 'branch';
      process.env['INPUT_FAIL-ON-REGRESSION'] = 'false';
      process.env['INPUT_COMMENT'] = 'on-change';
      const s = readSettings();
      expect(s).toMatchObject({ mode: 'baseline', baselineSource: 'branch', failOnRegression: false, comment: 'on-change' });
    } finally {
      process.env = saved;
    }
  });

  it.each([
    ['mode', 'gated', /Input "mode" must be one of auto, gate, baseline, aggregate; got "gated"/],
    ['baseline-source', 's3', /Input "baseline-source" must be one of artifact, branch, file/],
    ['comment', 'sometimes', /Input "comment" must be one of always, on-change, never/],
    ['fail-on-regression', 'maybe', /Input "fail-on-regression" must be true or false; got "maybe"/],
    ['allow-fork-prs', 'y', /Input "allow-fork-prs" must be true or false/],
    ['baseline-history', '0', /Input "baseline-history" must be a whole number from 1 to 1000; got "0"/],
    ['baseline-history', '2.5', /Input "baseline-history" must be a whole number/],
    ['baseline-branch', 'a..b', /Input "baseline-branch" must be a branch name/],
  ])('rejects %s: %s with an error naming the input', (name, value, re) => {
    const err = (() => {
      try {
        readSettings(inputs({ [name]: value }));
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(describeError(err)).toMatch(re);
    expect(describeError(err)).toContain(`action inputs (with:): ${name}`);
  });

  it('requires baseline-path for baseline-source: file', () => {
    expect(() => readSettings(inputs({ 'baseline-source': 'file' }))).toThrow(/"baseline-path" is required/);
    expect(readSettings(inputs({ 'baseline-source': 'file', 'baseline-path': 'perf/base.json' })).baselinePath).toBe('perf/base.json');
  });
});

describe('resolveMode', () => {
  const ctx = (eventName: string, ref: string) => ({ eventName, ref, defaultBranch: 'main' });
  it('auto gates pull requests and stores baselines from pushes and schedules on the default branch', () => {
    expect(resolveMode('auto', ctx('pull_request', 'refs/pull/3/merge'))).toBe('gate');
    expect(resolveMode('auto', ctx('push', 'refs/heads/main'))).toBe('baseline');
    expect(resolveMode('auto', ctx('schedule', 'refs/heads/main'))).toBe('baseline');
    expect(resolveMode('auto', ctx('push', 'refs/heads/feature'))).toBe('gate');
    expect(resolveMode('auto', ctx('workflow_dispatch', 'refs/heads/main'))).toBe('gate');
    expect(resolveMode('aggregate', ctx('pull_request', 'refs/pull/3/merge'))).toBe('aggregate');
  });
});

describe('fork safety', () => {
  const payload = (head: string | null) => ({
    repository: { default_branch: 'main', full_name: 'octo/gpu-app' },
    pull_request: {
      number: 3,
      head: { sha: 'h', repo: head === null ? null : { full_name: head } },
      base: { sha: 'b', ref: 'main', repo: { full_name: 'octo/gpu-app' } },
    },
  });
  const ctx = (head: string | null, eventName = 'pull_request') =>
    readRunContext(
      {
        repo: { owner: 'octo', repo: 'gpu-app' },
        eventName,
        ref: 'refs/pull/3/merge',
        sha: 's',
        runId: 9,
        runAttempt: 1,
        serverUrl: 'https://github.com',
        payload: payload(head) as unknown as NonNullable<Parameters<typeof readRunContext>[0]>['payload'],
      },
      {},
    );

  it('tells a fork PR from a same-repository PR', () => {
    expect(isForkPullRequest(ctx('octo/gpu-app'))).toBe(false);
    expect(isForkPullRequest(ctx('mallory/gpu-app'))).toBe(true);
    expect(isForkPullRequest(ctx(null))).toBe(true); // deleted fork
    expect(isForkPullRequest({ ...ctx('mallory/gpu-app'), eventName: 'push' })).toBe(false);
  });

  it('the refusal explains the pull_request + workflow_run pattern and the opt-in', () => {
    const msg = forkRefusalMessage(ctx('mallory/gpu-app'));
    expect(msg).toContain('mallory/gpu-app');
    expect(msg).toContain('workflow_run');
    expect(msg).toContain('allow-fork-prs: true');
  });
});

describe('maskSecrets', () => {
  it('masks each secret and its URL- and JSON-escaped forms, never empty or tiny values', () => {
    const masked: string[] = [];
    maskSecrets(['hf_abc/def"g', '', undefined, 'ab', 'hf_abc/def"g'], (v) => masked.push(v));
    expect(masked).toEqual(['hf_abc/def"g', 'hf_abc%2Fdef%22g', 'hf_abc/def\\"g']);
  });
});
