// The nightly history through the action bundled from src/ as the runner runs it (a `node` process
// per step, INPUT_* variables, an event file), against the fake GitHub over real HTTP and vllm-sim:
// baseline mode with baseline-source branch stores the run, finds the change points of the stored
// history, opens ONE issue per config for a regression nobody reported, leaves it alone while
// nothing new appears, and updates it (body and a comment) when a new regression does.
//
// The history is made of the first real nightly run: earlier nights are copies of it with every
// throughput 1.25× higher and every latency 1.25× lower (a regression of 20% landed at night 15),
// written to the branch as earlier baseline runs would have; later nights are real runs again.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/load/rng.js';
import type { ResultsDocument } from '../../src/results/schema-types.gen.js';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github.js';
import { actionConfig, bundleActionFromSource, pushEvent, runStep, workspace, type StepResult, type Workspace } from './action-support.js';

const TOKEN = 'ghs_actions_token'; // the fake treats it as GITHUB_TOKEN: issues by github-actions[bot]
const ID = 'nightly-history';
const HISTORY = `vllm-perf-gate/${ID}.json`;
const MARKER = `<!-- vllm-perf-gate:history:${ID} -->`;
const sha = (i: number): string => i.toString(16).padStart(4, '0').repeat(10);

let gh: FakeGitHub;
let entry: string;
let ws: Workspace;

/** One nightly run on main at commit `s`: baseline mode, branch store, never failing on the gate. */
async function nightly(s: string, inputs: Record<string, string> = {}): Promise<StepResult> {
  const run = gh.state.addRun({ head_sha: s, head_branch: 'main', event: 'push', status: 'in_progress', conclusion: null });
  const r = await runStep({
    ws,
    inputs: { 'github-token': TOKEN, 'baseline-source': 'branch', 'fail-on-regression': 'false', ...inputs },
    eventName: 'push',
    event: pushEvent(s),
    sha: s,
    ref: 'refs/heads/main',
    runId: run.id,
    apiUrl: gh.url,
    entry,
  });
  run.status = 'completed';
  run.conclusion = r.code === 0 ? 'success' : 'failure';
  expect(r.code, `exit ${r.code}\n${r.log}`).toBe(0);
  return r;
}

function stored(): ResultsDocument[] {
  return (JSON.parse(gh.state.readFile('perf-baselines', HISTORY)!) as { runs: ResultsDocument[] }).runs;
}

function store(runs: ResultsDocument[]): void {
  gh.state.writeFile('perf-baselines', HISTORY, JSON.stringify({ 'schema-version': 1, 'config-id': ID, runs }));
}

/** A copy of `doc` as night `i` at `at`: throughputs × level, latencies ÷ level, 1% noise, every point valid. */
function copyAs(doc: ResultsDocument, i: number, at: number, level: number, rng: Rng): ResultsDocument {
  const d = structuredClone(doc);
  d.run.id = `synthetic-${i}`;
  d.run['started-at'] = new Date(at).toISOString();
  d.run['git-sha'] = sha(i);
  for (const s of d.suites) {
    for (const p of s.points) {
      // A good night, whatever the busy test machine made of the real run it copies.
      p.validity = { valid: true, reasons: [] };
      for (const [k, v] of Object.entries(p.metrics)) {
        if (typeof v !== 'number') continue;
        const f = level * (1 + 0.01 * rng.normal());
        if (/throughput|goodput/.test(k)) p.metrics[k] = v * f;
        else if (k.endsWith('_ms')) p.metrics[k] = v / f;
      }
    }
  }
  return d;
}

/**
 * The newest stored run (the real night just run) with `template`'s figures at `level`, its own id,
 * commit and time kept: a busy test machine makes a real run's latencies swing by tens of percent,
 * and only the synthetic nights may carry the history's steps.
 */
function steadyNewest(template: ResultsDocument, level: number, rng: Rng): void {
  const runs = stored();
  const newest = runs.at(-1)!;
  const copy = copyAs(template, 0, Date.parse(newest.run['started-at']), level, rng);
  copy.run = newest.run;
  store([...runs.slice(0, -1), copy]);
}

function ours(): typeof gh.state.issues {
  return gh.state.issues.filter((i) => i.body.includes(MARKER));
}

beforeAll(async () => {
  // VPG_ACTION_ENTRY runs these tests against another bundle (e.g. one built from an older commit).
  entry = process.env.VPG_ACTION_ENTRY ?? (await bundleActionFromSource());
  gh = await startFakeGitHub();
  ws = workspace('history');
  ws.write('.github/vllm-perf-gate.yml', actionConfig(ID));
}, 60_000);

afterAll(async () => {
  await gh?.close();
  if (ws) rmSync(ws.dir, { recursive: true, force: true });
  if (entry && !process.env.VPG_ACTION_ENTRY) rmSync(dirname(entry), { recursive: true, force: true });
});

describe('the nightly history issue', () => {
  it('opens one issue for a regression in the stored history, then updates it only when a new one appears', async () => {
    // Night 1 of the real runs: stored; a history of one run has no change point and opens nothing.
    const first = await nightly(sha(100));
    expect(first.log).toContain(`baseline: appended to perf-baselines:${HISTORY} (1 runs kept`);
    expect(first.log).toContain('history: 1 run from');
    expect(ours()).toEqual([]);
    const real = stored()[0]!;

    // 24 earlier nights: 14 at the old, faster level, then 10 at today's.
    const rng = new Rng(3);
    const t0 = Date.parse(real.run['started-at']);
    const earlier = Array.from({ length: 24 }, (_, i) => copyAs(real, i, t0 - (24 - i) * 86_400_000, i < 14 ? 1.25 : 1, rng));
    store([...earlier, real]);

    // Night 2: the regression at night 15 is new: one issue, labelled, naming what moved and where.
    const second = await nightly(sha(101), { 'history-issue-labels': 'performance, nightly' });
    expect(second.log).toContain(`(26 runs kept`);
    expect(ours()).toHaveLength(1);
    const issue = ours()[0]!;
    expect(issue.title).toBe(`Performance regression in the nightly history of ${ID}`);
    expect(issue.labels).toEqual(['performance', 'nightly']);
    expect(issue.state).toBe('open');
    expect(issue.user.login).toBe('github-actions[bot]');
    const rows = issue.body.split('\n').filter((l) => l.startsWith('| 🔴'));
    const tput = rows.find((l) => l.includes('output\\_throughput'))!;
    expect(tput).toContain('(run 15)');
    expect(tput).toContain('sweep');
    expect(tput).toContain('concurrency');
    expect(tput).toMatch(/\*\*−(19|20|21)\.\d%\*\*/);
    expect(tput).toContain(`<code>${sha(13).slice(0, 12)}..${sha(14).slice(0, 12)}</code>`);
    expect(rows.some((l) => l.includes('median\\_tpot\\_ms') && /\*\*\+2\d\.\d%\*\*/.test(l))).toBe(true);
    const runId = gh.state.runs.at(-1)!.id;
    expect(issue.body).toContain(`[This nightly run](https://github.com/octo/gpu-app/actions/runs/${runId})`);
    expect(second.log).toMatch(
      new RegExp(
        `history: created issue #${issue.number} \\(https://github.com/octo/gpu-app/issues/${issue.number}\\): \\d+ new regressions`,
      ),
    );
    // The job summary says the same, and the dashboard is in the results folder (and so the artifact).
    expect(second.summary).toContain('new regressions in the nightly history');
    expect(second.summary).toContain(`https://github.com/octo/gpu-app/issues/${issue.number}`);
    expect(second.summary).toContain(`<code>${sha(13).slice(0, 12)}..${sha(14).slice(0, 12)}</code>`);
    const html = join(dirname(second.outputs['results-path']!), 'history.html');
    expect(existsSync(html)).toBe(true);
    expect(readFileSync(html, 'utf8')).toContain('"output_throughput"');

    // Night 3: the same change point again: no second issue, no update, no comment.
    const body = issue.body;
    steadyNewest(real, 1, rng);
    const third = await nightly(sha(102));
    expect(third.log).toContain('history: no issue written: no regression that is not reported already');
    expect(ours()).toHaveLength(1);
    expect(issue.body).toBe(body);
    expect(gh.state.comments.filter((c) => c.issue === issue.number)).toEqual([]);

    // Four nights land after night 3 with throughput 30% lower (as a merged slowdown would): night 4
    // finds a new regression and updates the one issue, with a comment that notifies its watchers.
    steadyNewest(real, 1, rng);
    const now = stored();
    const last = now.at(-1)!;
    const slow = Array.from({ length: 4 }, (_, i) => copyAs(last, 200 + i, Date.parse(last.run['started-at']) + i + 1, 0.7, rng));
    store([...now, ...slow]);
    const fourth = await nightly(sha(103));
    expect(fourth.log).toMatch(new RegExp(`history: updated issue #${issue.number} .*: \\d+ new regressions?`));
    expect(ours()).toHaveLength(1);
    expect(issue.body).not.toBe(body);
    const comments = gh.state.comments.filter((c) => c.issue === issue.number);
    expect(comments).toHaveLength(1);
    const newRow = comments[0]!.body.split('\n').find((l) => l.startsWith('| 🔴') && l.includes('output\\_throughput'));
    expect(newRow, `${comments[0]!.body}\n${fourth.log}`).toBeDefined();
    // baseline-history (30) keeps the newest 30 runs: the change is at the first slow night's place among them.
    const kept = stored();
    expect(kept).toHaveLength(30);
    expect(newRow!).toContain(`(run ${kept.findIndex((d) => d.run.id === 'synthetic-200') + 1})`);
    expect(newRow!).toContain(`<code>${sha(102).slice(0, 12)}..${sha(200).slice(0, 12)}</code>`);
    // The body lists both regressions of the history.
    expect(issue.body).toContain(`<code>${sha(13).slice(0, 12)}..${sha(14).slice(0, 12)}</code>`);
    expect(issue.body).toContain(`<code>${sha(102).slice(0, 12)}..${sha(200).slice(0, 12)}</code>`);
  }, 300_000);

  it('history-issue: false writes no issue; the job summary still shows the history; dashboard-branch publishes it', async () => {
    const before = gh.state.issues.length;
    const r = await nightly(sha(104), { 'history-issue': 'false', 'dashboard-branch': 'gh-pages' });
    expect(gh.state.issues).toHaveLength(before);
    expect(r.log).not.toContain('history: no issue written');
    expect(r.summary).toContain('Performance history of nightly-history');
    expect(r.summary).toMatch(/\d+ runs from .*, \d+ change points? \\\(\d+ regressions?, \d+ improvements?\\\)/);
    // The dashboard of the artifact, also on the Pages branch (created for it), and where Pages serves it.
    const page = `vllm-perf-gate/${ID}/index.html`;
    const html = readFileSync(join(dirname(r.outputs['results-path']!), 'history.html'), 'utf8');
    expect(gh.state.readFile('gh-pages', page)).toBe(html);
    expect([...gh.state.branches.get('gh-pages')!.files.keys()]).toEqual([page]);
    expect(r.log).toContain(`dashboard: gh-pages:${page} (committed `);
    expect(r.summary).toContain(`https://octo.github.io/gpu-app/vllm-perf-gate/${ID}/`);
  }, 120_000);
});
