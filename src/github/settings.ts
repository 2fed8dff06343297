// Every input of the action, read in one place into one typed object (as actions/checkout's
// input-helper does). A bad value is an error that names the input, what it got and what it takes.
import * as core from '@actions/core';
import { GateError } from '../errors.js';
import type { RunContext } from './context.js';

export const MODES = ['auto', 'gate', 'baseline', 'aggregate'] as const;
export const BASELINE_SOURCES = ['artifact', 'branch', 'file'] as const;
export const COMMENT_POLICIES = ['always', 'on-change', 'never'] as const;

export type Mode = (typeof MODES)[number];
export type ResolvedMode = Exclude<Mode, 'auto'>;
export type BaselineSource = (typeof BASELINE_SOURCES)[number];
export type CommentPolicy = (typeof COMMENT_POLICIES)[number];

export interface Settings {
  /** Path of the config file, relative to the workspace. */
  config: string;
  /**
   * Every path the `config` input lists, one a line. Aggregate mode judges each results artifact
   * with the config of the same id among these (the checkout's, never the artifact's); the other
   * modes take exactly one.
   */
  configs: string[];
  githubToken: string;
  mode: Mode;
  baselineSource: BaselineSource;
  baselineBranch: string;
  /** branch: folder of the history files on the branch; file: the results file or folder in the repo. */
  baselinePath: string;
  /** Runs kept in a branch history. */
  baselineHistory: number;
  failOnRegression: boolean;
  comment: CommentPolicy;
  allowForkPrs: boolean;
  resultsDir: string;
  /** Baseline mode, branch store: open or update one issue per config when the history shows a new regression. */
  historyIssue: boolean;
  /** Labels of that issue. */
  historyIssueLabels: string[];
  /** Baseline mode, branch store: the branch the dashboard is committed to for GitHub Pages; empty: not published. */
  dashboardBranch: string;
  /** Folder on that branch; a config's dashboard is `<folder>/<config id>/index.html` (`.`: the root). */
  dashboardPath: string;
}

export const DEFAULTS = {
  config: '.github/vllm-perf-gate.yml',
  mode: 'auto',
  'baseline-source': 'artifact',
  'baseline-branch': 'perf-baselines',
  'baseline-path': '',
  'baseline-history': '30',
  'fail-on-regression': 'true',
  comment: 'always',
  'allow-fork-prs': 'false',
  'results-dir': 'vllm-perf-gate-results',
  'history-issue': 'true',
  'history-issue-labels': '',
  'dashboard-branch': '',
  'dashboard-path': 'vllm-perf-gate',
} as const;

/** Reads one input (empty string when unset), as core.getInput does. */
export type InputReader = (name: string) => string;

const coreInput: InputReader = (name) => core.getInput(name);

function bad(input: string, got: string, expected: string, hint?: string): GateError {
  return new GateError('CONFIG', `Input "${input}" must be ${expected}; got "${got}".`, {
    where: { file: 'action inputs (with:)', path: input },
    hint: hint ?? `set \`${input}:\` in the step's \`with:\` to ${expected}, or remove it to use the default`,
  });
}

function oneOf<T extends string>(input: string, value: string, allowed: readonly T[]): T {
  const v = value.trim().toLowerCase();
  if ((allowed as readonly string[]).includes(v)) return v as T;
  throw bad(input, value, `one of ${allowed.join(', ')}`);
}

function bool(input: string, value: string): boolean {
  const v = value.trim().toLowerCase();
  if (['true', 'yes', 'on', '1'].includes(v)) return true;
  if (['false', 'no', 'off', '0'].includes(v)) return false;
  throw bad(input, value, 'true or false');
}

function positiveInt(input: string, value: string, max: number): number {
  const v = value.trim();
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > max) throw bad(input, value, `a whole number from 1 to ${max}`);
  return Number(v);
}

/** Labels, separated by commas or new lines; each at most 50 characters (GitHub's limit). */
function labels(input: string, value: string): string[] {
  const list = value
    .split(/[,\n]/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  for (const l of list) if ([...l].length > 50) throw bad(input, l, 'labels of at most 50 characters, separated by commas or new lines');
  return [...new Set(list)];
}

function isBranchName(b: string): boolean {
  return /^[A-Za-z0-9._/-]+$/.test(b) && !b.includes('..') && !b.startsWith('/') && !b.endsWith('/');
}

/** All inputs, defaulted and checked. `get` is core.getInput unless a test passes its own. */
export function readSettings(get: InputReader = coreInput): Settings {
  const raw = (name: keyof typeof DEFAULTS | 'github-token'): string => {
    const v = get(name).trim();
    if (v !== '') return v;
    return name === 'github-token' ? '' : DEFAULTS[name];
  };
  const configs = raw('config')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const s: Settings = {
    config: configs[0] ?? DEFAULTS.config,
    configs: configs.length > 0 ? configs : [DEFAULTS.config],
    githubToken: raw('github-token'),
    mode: oneOf('mode', raw('mode'), MODES),
    baselineSource: oneOf('baseline-source', raw('baseline-source'), BASELINE_SOURCES),
    baselineBranch: raw('baseline-branch'),
    baselinePath: raw('baseline-path'),
    baselineHistory: positiveInt('baseline-history', raw('baseline-history'), 1000),
    failOnRegression: bool('fail-on-regression', raw('fail-on-regression')),
    comment: oneOf('comment', raw('comment'), COMMENT_POLICIES),
    allowForkPrs: bool('allow-fork-prs', raw('allow-fork-prs')),
    resultsDir: raw('results-dir'),
    historyIssue: bool('history-issue', raw('history-issue')),
    historyIssueLabels: labels('history-issue-labels', raw('history-issue-labels')),
    dashboardBranch: raw('dashboard-branch'),
    dashboardPath: raw('dashboard-path'),
  };
  if (!isBranchName(s.baselineBranch)) {
    throw bad('baseline-branch', s.baselineBranch, 'a branch name (letters, digits, . _ - /)');
  }
  if (s.dashboardBranch !== '' && !isBranchName(s.dashboardBranch)) {
    throw bad('dashboard-branch', s.dashboardBranch, 'a branch name (letters, digits, . _ - /), or empty for none');
  }
  if (s.dashboardBranch !== '' && s.baselineSource !== 'branch') {
    throw new GateError(
      'CONFIG',
      'Input "dashboard-branch" needs baseline-source "branch": the dashboard is drawn from the history stored there.',
      {
        where: { file: 'action inputs (with:)', path: 'dashboard-branch' },
        hint: 'set `baseline-source: branch`, or remove `dashboard-branch:` (history.html is in the results artifact either way)',
      },
    );
  }
  if (s.dashboardPath.split(/[\\/]/).includes('..'))
    throw bad('dashboard-path', s.dashboardPath, 'a folder on the dashboard branch (no ..)');
  if (s.baselineSource === 'file' && s.baselinePath === '') {
    throw new GateError('CONFIG', 'Input "baseline-path" is required when baseline-source is "file".', {
      where: { file: 'action inputs (with:)', path: 'baseline-path' },
      hint: 'set `baseline-path:` to a results file or folder committed to the repository, e.g. `perf/baseline.json`',
    });
  }
  if (s.baselinePath.split(/[\\/]/).includes('..')) throw bad('baseline-path', s.baselinePath, 'a path inside the repository (no ..)');
  if (s.configs.length > 1 && s.mode !== 'aggregate') {
    throw bad('config', s.configs.join(', '), 'one config file (several, one a line, only with mode: aggregate)');
  }
  return s;
}

/**
 * `auto`: gate on pull requests; baseline on push and schedule runs of the default branch (they are
 * what later PRs compare against); gate everywhere else (a feature-branch push is compared, never stored).
 */
export function resolveMode(mode: Mode, ctx: Pick<RunContext, 'eventName' | 'ref' | 'defaultBranch'>): ResolvedMode {
  if (mode !== 'auto') return mode;
  if (ctx.eventName === 'pull_request' || ctx.eventName === 'pull_request_target') return 'gate';
  const onDefault = ctx.defaultBranch !== undefined && ctx.ref === `refs/heads/${ctx.defaultBranch}`;
  if ((ctx.eventName === 'push' || ctx.eventName === 'schedule') && onDefault) return 'baseline';
  return 'gate';
}
