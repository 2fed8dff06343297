// The bundled action (dist/index.js) run as the Actions runner runs it: a `node` process per step
// with INPUT_* variables and an event file, against a real-HTTP fake of the GitHub REST API and
// of the artifact results service, Azurite for the artifact blobs, and vllm-sim booted from PATH.
// Run `npm run build` first: these tests exercise dist/, not src/.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type RunningAzurite } from '../support/azurite.js';
import { runtimeToken, startFakeGitHub, type FakeComment, type FakeGitHub, type FakeRun } from '../support/fake-github.js';
import type { ResultsDocument } from '../../src/results/schema-types.gen.js';
import {
  actionConfig,
  annotations,
  gate,
  liveGroupMembers,
  pullRequestEvent,
  pushEvent,
  runPost,
  runStep,
  startScriptedProxy,
  startStep,
  workspace,
  type StepResult,
  type StepSpec,
  type Workspace,
} from './action-support.js';

const TOKEN = 'ghs_actions_token'; // not a known user: the fake treats it as GITHUB_TOKEN (comments by github-actions[bot])
const BOT = 'github-actions[bot]';
const marker = (id: string): string => `<!-- vllm-perf-gate:${id} -->`;

let az: RunningAzurite;
let gh: FakeGitHub;
const workspaces: Workspace[] = [];

beforeAll(async () => {
  expect(existsSync(new URL('../../dist/index.js', import.meta.url)), 'dist/index.js is missing: run `npm run build`').toBe(true);
  az = await startAzurite();
  gh = await startFakeGitHub({ azurite: az });
});

afterAll(async () => {
  await gh?.close();
  await az?.stop();
  for (const ws of workspaces) rmSync(ws.dir, { recursive: true, force: true });
});

const sha = (c: string): string => c.repeat(40);

interface Job {
  ws: Workspace;
  run: FakeRun;
  spec: StepSpec;
}

/**
 * One job of the workflow: a run in the fake (so the action can look itself up and upload
 * artifacts under it), a checkout holding the config, and the step's environment.
 */
function job(o: {
  id: string;
  ws?: Workspace;
  event: 'push' | 'pull_request';
  pr?: number;
  headSha?: string;
  baseSha?: string;
  headRepo?: string;
  inputs?: Record<string, string>;
  env?: Record<string, string>;
  prompts?: number;
  /** GITHUB_API_URL, when not the fake itself (a proxy in front of it). */
  apiUrl?: string;
}): Job {
  const ws = o.ws ?? workspace(o.id);
  if (!o.ws) {
    workspaces.push(ws);
    ws.write('.github/vllm-perf-gate.yml', actionConfig(o.id, o.prompts ? { prompts: o.prompts } : {}));
  }
  const headSha = o.headSha ?? sha('a');
  const isPr = o.event === 'pull_request';
  const run = gh.state.addRun({
    head_sha: headSha,
    head_branch: isPr ? 'feature' : 'main',
    event: o.event,
    status: 'in_progress',
    conclusion: null,
  });
  const spec: StepSpec = {
    ws,
    inputs: { 'github-token': TOKEN, ...o.inputs },
    eventName: o.event,
    event: isPr
      ? pullRequestEvent({ number: o.pr ?? 1, headSha, baseSha: o.baseSha ?? sha('b'), ...(o.headRepo ? { headRepo: o.headRepo } : {}) })
      : pushEvent(headSha),
    sha: isPr ? sha('9') : headSha,
    ref: isPr ? `refs/pull/${o.pr ?? 1}/merge` : 'refs/heads/main',
    runId: run.id,
    apiUrl: o.apiUrl ?? gh.url,
    env: { ACTIONS_RESULTS_URL: `${gh.url}/`, ACTIONS_RUNTIME_TOKEN: runtimeToken(run.backendId), ...o.env },
  };
  return { ws, run, spec };
}

/** Runs the job's step; the run then completes as GitHub would mark it. */
async function step(j: Job): Promise<StepResult> {
  const r = await runStep(j.spec);
  j.run.status = 'completed';
  j.run.conclusion = r.code === 0 ? 'success' : 'failure';
  return r;
}

function ours(pr: number, id: string): FakeComment[] {
  return gh.state.comments.filter((c) => c.issue === pr && c.body.includes(marker(id)));
}

function resultsDoc(r: StepResult): ResultsDocument {
  return JSON.parse(readFileSync(r.outputs['results-path']!, 'utf8')) as ResultsDocument;
}

interface Judged {
  verdict: string;
  /** A point was invalid only because this machine starved the benchmark client of CPU. */
  clientStarved: boolean;
  /** Any other reason a point was invalid: always a test failure. */
  otherInvalid: string[];
}

function judged(r: StepResult): Judged {
  const v = JSON.parse(readFileSync(join(dirname(r.outputs['results-path']!), 'verdict.json'), 'utf8')) as {
    verdict: string;
    points: { valid: boolean; invalidReasons: string[] }[];
  };
  const reasons = v.points.filter((p) => !p.valid).flatMap((p) => p.invalidReasons);
  // Validity reasons about our own client end in "(the client ...)", as test/presets/e2e-sim.test.ts filters them.
  const other = reasons.filter((x) => !x.includes('(the client'));
  return { verdict: v.verdict, clientStarved: reasons.length > 0 && other.length === 0, otherInvalid: other };
}

/**
 * The step measured, reached `verdict` and exited with `code`; except that on a machine so busy
 * that the benchmark client itself was starved of CPU, the action rightly calls the point invalid
 * (never a pass) and the verdict is fail. Nothing else excuses a different outcome.
 */
function expectOutcome(r: StepResult, want: { code: 0 | 1; verdict?: string; failOnRegression?: boolean }): Judged {
  const j = judged(r);
  expect(j.otherInvalid, withLog(r)).toEqual([]);
  const starvedFails = j.clientStarved && want.failOnRegression !== false;
  expect(r.code, withLog(r)).toBe(starvedFails ? 1 : want.code);
  if (want.verdict) expect(r.outputs.verdict).toBe(j.clientStarved ? 'fail' : want.verdict);
  return j;
}

/**
 * A baseline step that later steps compare with: run again (as a new run of the same commit) while
 * this machine starved the client, at most three times, so a busy machine does not leave the test
 * without a baseline. Three starved runs in a row fail the test.
 */
async function baselineStep(make: () => Job): Promise<{ job: Job; r: StepResult }> {
  for (let attempt = 1; ; attempt++) {
    const j = make();
    const r = await step(j);
    // A retry may find the starved run stored before it (a branch history keeps it), whose points
    // were all left out: the gate rightly says nothing-compared (and fails) rather than passing what
    // it did not judge. A store that skips a failed run finds no baseline again.
    const retryFoundStarved = attempt > 1 && r.outputs.verdict === 'nothing-compared';
    const want = retryFoundStarved ? ({ code: 1, verdict: 'nothing-compared' } as const) : ({ code: 0, verdict: 'no-baseline' } as const);
    if (!expectOutcome(r, want).clientStarved) return { job: j, r };
    expect(attempt, `the baseline run was starved of CPU ${attempt} times in a row: no valid baseline\n${withLog(r)}`).toBeLessThan(3);
  }
}

/** The step's log when an expectation fails, so a failure says why. */
function withLog(r: StepResult): string {
  return `exit ${r.code}\n${r.log}`;
}

describe('the bundled action on a pull request', () => {
  it('with no baseline says no-baseline, comments once, then updates that comment in place on the next push', async () => {
    const id = 'first-run';
    const first = job({ id, event: 'pull_request', pr: 11 });
    const r1 = await step(first);
    expectOutcome(r1, { code: 0, verdict: 'no-baseline' });
    expect(r1.outputs.regressions).toBe('0');
    expect(resultsDoc(r1).run['config-id']).toBe(id);
    expect(readFileSync(r1.outputs['report-path']!, 'utf8')).toContain(marker(id));
    expect(r1.summary).toContain('vLLM performance gate');
    expect(r1.summary).toContain('none yet');
    const c1 = ours(11, id);
    expect(c1).toHaveLength(1);
    expect(c1[0]!.user.login).toBe(BOT);
    expect(r1.outputs['comment-url']).toBe(`https://github.com/octo/gpu-app/pull/11#issuecomment-${c1[0]!.id}`);
    const firstBody = c1[0]!.body;
    expect(firstBody).toContain(`actions/runs/${first.run.id}`);

    const second = job({ id, ws: first.ws, event: 'pull_request', pr: 11, headSha: sha('c') });
    const r2 = await step(second);
    expectOutcome(r2, { code: 0, verdict: 'no-baseline' });
    const c2 = ours(11, id);
    expect(c2).toHaveLength(1);
    expect(c2[0]!.id).toBe(c1[0]!.id);
    expect(c2[0]!.body).not.toBe(firstBody);
    expect(c2[0]!.body).toContain(`actions/runs/${second.run.id}`);
    expect(r2.outputs['comment-url']).toBe(r1.outputs['comment-url']);
    expect(gh.state.requests.filter((q) => q.method === 'POST' && q.path.endsWith('/issues/11/comments'))).toHaveLength(1);
    expect(gh.state.requests.filter((q) => q.method === 'PATCH' && q.path.endsWith(`/issues/comments/${c1[0]!.id}`))).toHaveLength(1);
  });

  it('two jobs racing to create the comment leave one, and the job that lost reports that one', async () => {
    const id = 'racing-jobs';
    const pr = 15;
    const list = `/repos/octo/gpu-app/issues/${pr}/comments`;
    const created = new Map<string, number>(); // token -> id of the comment its job created
    const loser = (token: string): boolean => created.size === 2 && created.get(token)! > Math.min(...created.values());
    const firstCreateHeld = gate();
    const bothCreating = gate();
    const bothCreated = gate();
    const winnerCleanedUp = gate();
    let creates = 0;
    // The interleaving that hurts: both jobs looked and found no comment, both create one; the
    // job whose comment is older deletes the other's, and only then does the other look again.
    const proxy = await startScriptedProxy(gh.url, {
      before(req) {
        if (req.method === 'POST' && req.path === list) {
          if (++creates === 1) {
            firstCreateHeld.open();
            return bothCreating.promise;
          }
          bothCreating.open();
          return;
        }
        if (req.method === 'GET' && req.path === list && created.has(req.token)) {
          return bothCreated.promise.then(() => (loser(req.token) ? winnerCleanedUp.promise : undefined));
        }
      },
      after(req, status, body) {
        if (req.method === 'POST' && req.path === list && status === 201) {
          created.set(req.token, (JSON.parse(body) as { id: number }).id);
          if (created.size === 2) bothCreated.open();
        }
        if (req.method === 'DELETE' && created.size === 2 && !loser(req.token)) winnerCleanedUp.open();
      },
    });
    try {
      const inputs = (token: string) => ({ 'github-token': token, 'fail-on-regression': 'false' });
      const a = job({ id, event: 'pull_request', pr, apiUrl: proxy.url, inputs: inputs('ghs_job_a') });
      const b = job({ id, event: 'pull_request', pr, apiUrl: proxy.url, inputs: inputs('ghs_job_b') });
      const pendingA = step(a);
      await firstCreateHeld.promise; // job a measured alone; b measures while a waits to create
      const rb = await step(b);
      const ra = await pendingA;
      expectOutcome(ra, { code: 0, failOnRegression: false });
      expectOutcome(rb, { code: 0, failOnRegression: false });
      expect(
        [firstCreateHeld, bothCreating, bothCreated, winnerCleanedUp].map((g) => g.opened()),
        'the race went as scripted',
      ).toEqual([true, true, true, true]);

      const left = ours(pr, id);
      expect(left).toHaveLength(1);
      expect(left[0]!.id).toBe(Math.min(...created.values()));
      const url = `https://github.com/octo/gpu-app/pull/${pr}#issuecomment-${left[0]!.id}`;
      expect({ a: ra.outputs['comment-url'], b: rb.outputs['comment-url'] }).toEqual({ a: url, b: url });
      // The later report (the job that lost) is the one the comment shows.
      const lost = loser('ghs_job_a') ? a : b;
      expect(left[0]!.body).toContain(`actions/runs/${lost.run.id}`);
    } finally {
      await proxy.close();
    }
  });

  it('finds its comment on the second page of a busy PR and updates it, leaving a quoted copy by a person alone', async () => {
    const id = 'busy-pr';
    const pr = 12;
    const at = new Date().toISOString();
    const add = (body: string, login: string, type: 'User' | 'Bot'): FakeComment => {
      const c: FakeComment = { id: gh.state.nextId(), issue: pr, body, user: { login, type }, created_at: at, updated_at: at };
      gh.state.comments.push(c);
      return c;
    };
    for (let i = 0; i < 60; i++) add(`review remark ${i}`, 'alice', 'User');
    const quoted = add(`> ${marker(id)}\n> old numbers, quoted`, 'bob', 'User');
    for (let i = 0; i < 59; i++) add(`review remark ${i}`, 'alice', 'User');
    const mine = add(`${marker(id)}\nstale report`, BOT, 'Bot'); // the 121st: page 2 at 100 a page
    for (let i = 0; i < 30; i++) add(`later remark ${i}`, 'carol', 'User');
    const before = gh.state.comments.filter((c) => c.issue === pr).length;

    const r = await step(job({ id, event: 'pull_request', pr, inputs: { 'fail-on-regression': 'false' } }));
    expect(r.code, withLog(r)).toBe(0);
    expect(gh.state.comments.filter((c) => c.issue === pr)).toHaveLength(before);
    expect(mine.body).not.toContain('stale report');
    expect(mine.body.startsWith(marker(id))).toBe(true);
    expect(quoted.body).toBe(`> ${marker(id)}\n> old numbers, quoted`);
    expect(r.outputs['comment-url']).toContain(`#issuecomment-${mine.id}`);
    const listed = gh.state.requests.filter((q) => q.method === 'GET' && q.path.endsWith(`/issues/${pr}/comments`));
    expect(listed.some((q) => /[?&]page=2\b/.test(q.query))).toBe(true);
  });

  it('when commenting is refused (403) still succeeds, puts the report in the job summary and says why', async () => {
    const id = 'read-only';
    const pr = 13;
    gh.state.forbidden.push({ method: 'POST', path: new RegExp(`/issues/${pr}/comments$`) });
    const r = await step(job({ id, event: 'pull_request', pr, inputs: { 'fail-on-regression': 'false' } }));
    expect(r.code, withLog(r)).toBe(0);
    expect(ours(pr, id)).toHaveLength(0);
    expect(gh.state.requests.some((q) => q.method === 'POST' && q.path.endsWith(`/issues/${pr}/comments`) && q.status === 403)).toBe(true);
    const why = annotations(r.log, 'notice').join('\n');
    expect(why).toMatch(/may not write pull request comments \(HTTP 403/);
    expect(why).toContain('pull-requests: write');
    expect(r.summary).toMatch(/^> \[!NOTE\]\n> The token may not write pull request comments/);
    expect(r.summary).toContain('vLLM performance gate');
    expect(r.outputs['comment-url']).toBe('');
  });

  it("compares with the results artifact of the PR's base commit, uploaded by the baseline run on main", async () => {
    const id = 'artifact-base';
    const base = sha('d');
    const { job: nightly, r: rb } = await baselineStep(() => job({ id, event: 'push', headSha: base }));
    expect(rb.log).toContain("this run's results artifact is the baseline of later runs");
    const stored = gh.state.artifacts.filter((a) => a.runId === nightly.run.id && a.name === `vllm-perf-gate-${id}`);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.finalized && stored[0]!.size > 0).toBe(true);

    const pr = job({ id, ws: nightly.ws, event: 'pull_request', pr: 14, headSha: sha('e'), baseSha: base });
    const r = await step(pr);
    expect(r.log).toContain(`baseline: artifact of run ${nightly.run.id} (the PR's base commit) (1 run(s))`);
    const [c] = ours(14, id);
    expect(c?.body).toContain(`artifact of run ${nightly.run.id}`);
    // The baseline came through the zip download redirect to Azurite.
    expect(gh.state.requests.some((q) => q.path === `/repos/octo/gpu-app/actions/artifacts/${stored[0]!.id}/zip`)).toBe(true);
    // The PR's own results went up as an artifact of its run, too.
    expect(gh.state.artifacts.some((a) => a.runId === pr.run.id && a.name === `vllm-perf-gate-${id}` && a.finalized)).toBe(true);
    const j = expectOutcome(r, { code: 0, verdict: 'pass' });
    if (!j.clientStarved) {
      expect(r.outputs.regressions).toBe('0');
      expect(c?.body).toContain('vLLM performance gate: pass');
    }
  });
});

describe('the bundled action storing baselines on a branch', () => {
  it('retries a history write whose sha went stale (409) and keeps the racing writer’s run', async () => {
    const id = 'branch-race';
    const inputs = { 'baseline-source': 'branch' };
    const path = `vllm-perf-gate/${id}.json`;
    const first = job({ id, event: 'push', headSha: sha('1'), inputs });
    const r1 = await step(first);
    expectOutcome(r1, { code: 0, verdict: 'no-baseline' });
    expect(r1.log).toContain(`baseline: appended to perf-baselines:${path} (1 runs kept, 2 attempts)`); // created the branch, then wrote
    expect(gh.state.branches.has('perf-baselines')).toBe(true);
    const run1 = resultsDoc(r1);

    // Between the second nightly's read and its write, another job lands its own run.
    gh.state.beforeNextPut = (state) => {
      const h = JSON.parse(state.readFile('perf-baselines', path)!) as { runs: ResultsDocument[] };
      const racer = structuredClone(run1);
      racer.run.id = 'racer';
      racer.run['started-at'] = new Date(Date.parse(run1.run['started-at']) + 1).toISOString();
      h.runs.push(racer);
      state.writeFile('perf-baselines', path, JSON.stringify(h));
    };
    const second = job({ id, ws: first.ws, event: 'push', headSha: sha('2'), inputs });
    const r2 = await step(second);
    expect(r2.code === 0 || judged(r2).clientStarved, withLog(r2)).toBe(true);
    expect(gh.state.beforeNextPut).toBeNull();
    expect(gh.state.requests.some((q) => q.method === 'PUT' && q.path.endsWith(path) && q.status === 409)).toBe(true);
    expect(r2.log).toContain(`baseline: appended to perf-baselines:${path} (3 runs kept, 2 attempts)`);
    const history = JSON.parse(gh.state.readFile('perf-baselines', path)!) as { runs: ResultsDocument[] };
    expect(history.runs.map((d) => d.run.id)).toEqual([run1.run.id, 'racer', resultsDoc(r2).run.id]);
  });

  it('fail-on-regression fails the step when the engine is 1.3x slower than the stored baseline', async () => {
    const id = 'slower-engine';
    const inputs = { 'baseline-source': 'branch' };
    let ws: Workspace | undefined;
    const { job: nightly } = await baselineStep(() => {
      const j = job({ id, ws, event: 'push', headSha: sha('3'), inputs });
      ws = j.ws;
      return j;
    });

    const historyPath = `vllm-perf-gate/${id}.json`;
    const kept = (JSON.parse(gh.state.readFile('perf-baselines', historyPath)!) as { runs: ResultsDocument[] }).runs.length;
    const pr = job({
      id,
      ws: nightly.ws,
      event: 'pull_request',
      pr: 16,
      headSha: sha('4'),
      baseSha: sha('3'),
      inputs,
      env: { VLLM_SIM_ARGS: '--sim-slowdown 1.3' },
    });
    const r = await step(pr);
    expect(r.code, withLog(r)).toBe(1);
    expect(r.outputs.verdict).toBe('fail');
    expect(Number(r.outputs.regressions)).toBeGreaterThan(0);
    const errors = annotations(r.log, 'error');
    expect(errors.some((e) => e.startsWith('vLLM performance gate failed:'))).toBe(true);
    expect(r.log).toMatch(/::error title=[^:]*,file=\.github\/vllm-perf-gate\.yml::/);
    const [c] = ours(16, id);
    expect(c?.body).toContain('vLLM performance gate: fail');
    expect(c?.body).toContain('| gated metric | point | baseline | current | change | limit (tolerance) |');
    expect(c?.body).toMatch(/output_throughput|Output tok\/s|output tok\/s/);
    // A PR never writes the baseline, even a failing one.
    const history = JSON.parse(gh.state.readFile('perf-baselines', historyPath)!) as { runs: ResultsDocument[] };
    expect(history.runs).toHaveLength(kept);
  });
});

describe('the bundled action refusing and cleaning up', () => {
  it('refuses a pull request from a fork by default, before booting anything', async () => {
    const id = 'fork-pr';
    const before = gh.state.requests.length;
    const j = job({ id, event: 'pull_request', pr: 17, headRepo: 'mallory/gpu-app' });
    const r = await step(j);
    expect(r.code, withLog(r)).toBe(1);
    expect(r.outputs.verdict).toBe('not-comparable');
    const [err] = annotations(r.log, 'error');
    expect(err).toContain('This pull request comes from mallory/gpu-app, a fork.');
    expect(err).toContain('allow-fork-prs: true');
    expect(r.state.serverStateFile).toBeUndefined(); // no server was ever spawned
    expect(r.log).not.toContain('server ready');
    expect(existsSync(`${j.ws.dir}/vllm-perf-gate-results/results.json`)).toBe(false);
    expect(gh.state.requests.length).toBe(before); // not even the API was asked
  });

  it('a killed main step leaves no server: its watchdog stops it, and post finds nothing left', async () => {
    const j = job({ id: 'killed-main-watchdog', event: 'pull_request', pr: 17, prompts: 400 });
    const main = startStep(j.spec);
    let pgid = 0;
    try {
      await main.waitFor(/server ready at \S+/);
      main.proc.kill('SIGKILL'); // as a V8 heap-out-of-memory abort or the OOM killer ends it: no handler of ours runs
      const r = await main.done;
      pgid = (JSON.parse(readFileSync(r.state.serverStateFile!, 'utf8')) as { pgid: number }).pgid;
      const deadline = Date.now() + 10_000;
      while (liveGroupMembers(pgid).length > 0 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
      expect(liveGroupMembers(pgid), 'the watchdog should have stopped the server').toEqual([]);
      const post = await runPost(j.spec, r.state);
      expect(post.code, withLog(post)).toBe(0);
      expect(post.log).not.toContain('stopping the server left running');
    } finally {
      if (main.proc.exitCode === null && main.proc.signalCode === null) main.proc.kill('SIGKILL');
      if (pgid > 0 && liveGroupMembers(pgid).length > 0) process.kill(-pgid, 'SIGKILL');
    }
  });

  it('post stops the server a killed main step left running when its watchdog was killed too', async () => {
    const id = 'killed-main';
    const j = job({ id, event: 'pull_request', pr: 18, prompts: 400 });
    const main = startStep(j.spec);
    let pgid = 0;
    try {
      await main.waitFor(/server ready at \S+/);
      // A runner lost mid-job, or a kill of the whole process tree: no handler of ours runs, and the
      // watchdog that main started (its argv ends in `<main's pid> vllm-perf-gate-watchdog`) is gone too.
      const ps = spawnSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).stdout.split('\n');
      const dog = ps.find((l) => l.trimEnd().endsWith(` ${main.proc.pid} vllm-perf-gate-watchdog`));
      expect(dog, 'main started no watchdog').toBeDefined();
      process.kill(Number(dog!.trim().split(/\s+/)[0]), 'SIGKILL');
      main.proc.kill('SIGKILL');
      const r = await main.done;
      expect(r.signal).toBe('SIGKILL');
      expect(r.state.isPost).toBe('true');
      const stateFile = r.state.serverStateFile!;
      expect(stateFile).toBeTruthy();
      pgid = (JSON.parse(readFileSync(stateFile, 'utf8')) as { pgid: number }).pgid;
      expect(liveGroupMembers(pgid).length, 'the server should outlive a SIGKILLed main').toBeGreaterThan(0);

      const post = await runPost(j.spec, r.state);
      expect(post.code, withLog(post)).toBe(0);
      expect(post.log).toContain(`stopping the server left running (process group ${pgid}`);
      expect(annotations(post.log, 'error')).toEqual([]);
      expect(liveGroupMembers(pgid)).toEqual([]);
    } finally {
      if (main.proc.exitCode === null && main.proc.signalCode === null) main.proc.kill('SIGKILL');
      if (pgid > 0 && liveGroupMembers(pgid).length > 0) process.kill(-pgid, 'SIGKILL');
    }
  });

  it('post after a main that finished has nothing to stop', async () => {
    const id = 'finished-main';
    const j = job({ id, event: 'pull_request', pr: 19, inputs: { comment: 'never', 'fail-on-regression': 'false' } });
    const r = await step(j);
    expect(r.code, withLog(r)).toBe(0);
    const post = await runPost(j.spec, r.state);
    expect(post.code, withLog(post)).toBe(0);
    expect(post.log).not.toContain('stopping the server');
    expect(annotations(post.log, 'warning')).toEqual([]);
  });
});
