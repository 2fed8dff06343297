// Trust boundaries of the action, tested through the action bundled from src/ as the runner runs
// it (a `node` process per step, INPUT_* variables, an event file), against the fake GitHub over
// real HTTP and Azurite for artifact blobs: a results artifact is untrusted input that aggregate
// mode re-judges itself; the fork PR pattern (pull_request run uploads, workflow_run comments)
// works end to end; names that promise masking are masked; issue references in hostile strings
// do not link.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type RunningAzurite } from '../support/azurite.js';
import { runtimeToken, startFakeGitHub, type FakeComment, type FakeGitHub, type FakeRun } from '../support/fake-github.js';
import type { ResultsDocument } from '../../src/results/schema-types.gen.js';
import {
  actionConfig,
  annotations,
  bundleActionFromSource,
  pullRequestEvent,
  pushEvent,
  runStep,
  uploadArtifactAs,
  workflowRunEvent,
  workspace,
  type StepResult,
  type StepSpec,
  type Workspace,
} from './action-support.js';

const TOKEN = 'ghs_actions_token'; // acts as GITHUB_TOKEN in the fake: comments by github-actions[bot]
const ID = 'trusted-cfg';
const AGGREGATE_MARKER = '<!-- vllm-perf-gate:aggregate:aggregate-run -->';
/** What a hostile uploader would like to see rendered live in the bot's comment. */
const HOSTILE = '#12 GH-13 @octo-org/admins <img src=x onerror=alert(1)> <!-- vllm-perf-gate:victim -->';

let az: RunningAzurite;
let gh: FakeGitHub;
let entry: string;
const cleanup: string[] = [];
/** The baseline run on main, and the results document it stored as its artifact. */
let base: { run: FakeRun; sha: string; doc: ResultsDocument };

const sha = (c: string): string => c.repeat(40);

/** The smallest config that boots vllm-sim (actionConfig), with extra server lines. */
function config(id: string, server: string[] = []): string {
  return actionConfig(id, { server });
}

/** A checkout holding the config at the action's default path. */
function checkout(label: string, text = config(ID)): Workspace {
  const ws = workspace(label);
  cleanup.push(ws.dir);
  ws.write('.github/vllm-perf-gate.yml', text);
  return ws;
}

interface StepOptions {
  ws: Workspace;
  run: FakeRun;
  eventName: StepSpec['eventName'];
  event: object;
  sha: string;
  ref: string;
  inputs?: Record<string, string>;
}

/** Runs the bundled action as a step of `run`; the run then completes as GitHub would mark it. */
async function step(o: StepOptions): Promise<StepResult> {
  const r = await runStep({
    ws: o.ws,
    inputs: { 'github-token': TOKEN, ...o.inputs },
    eventName: o.eventName,
    event: o.event,
    sha: o.sha,
    ref: o.ref,
    runId: o.run.id,
    apiUrl: gh.url,
    env: { ACTIONS_RESULTS_URL: `${gh.url}/`, ACTIONS_RUNTIME_TOKEN: runtimeToken(o.run.backendId) },
    entry,
  });
  o.run.status = 'completed';
  o.run.conclusion = r.code === 0 ? 'success' : 'failure';
  return r;
}

function prRun(headSha: string): FakeRun {
  return gh.state.addRun({ head_sha: headSha, head_branch: 'feature', event: 'pull_request', status: 'in_progress', conclusion: null });
}

/** The gate's verdict as the step itself wrote it (verdict.json next to results.json). */
function ownVerdict(r: StepResult): string {
  return (JSON.parse(readFileSync(join(dirname(r.outputs['results-path']!), 'verdict.json'), 'utf8')) as { verdict: string }).verdict;
}

function withLog(r: StepResult): string {
  return `exit ${r.code}\n${r.log}`;
}

function aggregateComments(pr: number): FakeComment[] {
  return gh.state.comments.filter((c) => c.issue === pr && c.body.includes(AGGREGATE_MARKER));
}

/** Writes files into a fresh folder and uploads them as an artifact of `run`, as a job of that run could. */
async function uploadCrafted(run: FakeRun, name: string, files: Record<string, string>): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'vpg-crafted-'));
  cleanup.push(root);
  for (const [f, text] of Object.entries(files)) writeFileSync(join(root, f), text);
  await uploadArtifactAs({
    resultsUrl: `${gh.url}/`,
    runtimeToken: runtimeToken(run.backendId, `job-${name}`),
    name,
    root,
    files: Object.keys(files),
  });
}

/** A verdict.json that says pass, with counts that would be live HTML, mentions and a marker if rendered raw. */
const LYING_VERDICT = JSON.stringify({
  verdict: 'pass',
  passes: true,
  summary: 'all good',
  counts: {
    regressed: '<img src=x onerror=alert(1)>',
    improved: '@octo-org/admins',
    unchanged: '<!-- vllm-perf-gate:victim -->',
    inconclusive: 0,
    new: 0,
    missing: 0,
    invalid: 0,
  },
  points: [],
  baseline: null,
  fingerprintDiffs: [],
  notes: [],
});

/** The baseline document again as a later run, optionally changed. */
function laterRun(change: (d: ResultsDocument) => void = () => {}): ResultsDocument {
  const d = structuredClone(base.doc);
  d.run.id = `later-${Math.random().toString(36).slice(2)}`;
  d.run['started-at'] = new Date(Date.parse(base.doc.run['started-at']) + 3_600_000).toISOString();
  change(d);
  return d;
}

/** The aggregate job of a matrix run on PR `pr`: judges the artifacts uploaded to `run`. */
function aggregateInRun(run: FakeRun, pr: number, ws: Workspace, inputs: Record<string, string> = {}): Promise<StepResult> {
  return step({
    ws,
    run,
    eventName: 'pull_request',
    event: pullRequestEvent({ number: pr, headSha: run.head_sha, baseSha: base.sha }),
    sha: sha('9'),
    ref: `refs/pull/${pr}/merge`,
    inputs: { mode: 'aggregate', ...inputs },
  });
}

beforeAll(async () => {
  // VPG_ACTION_ENTRY runs these tests against another bundle (e.g. one built from an older commit).
  entry = process.env.VPG_ACTION_ENTRY ?? (await bundleActionFromSource());
  if (!process.env.VPG_ACTION_ENTRY) cleanup.push(dirname(entry));
  az = await startAzurite();
  gh = await startFakeGitHub({ azurite: az });
  // The baseline: a push to main in baseline mode uploads its results artifact. A run the busy
  // machine starved (an invalid point: the run fails) is no baseline; run again, at most 3 times.
  const ws = checkout('baseline');
  for (let attempt = 1; ; attempt++) {
    const s = sha('d');
    const run = gh.state.addRun({ head_sha: s, head_branch: 'main', event: 'push', status: 'in_progress', conclusion: null });
    const r = await step({ ws, run, eventName: 'push', event: pushEvent(s), sha: s, ref: 'refs/heads/main' });
    if (r.code === 0) {
      base = { run, sha: s, doc: JSON.parse(readFileSync(r.outputs['results-path']!, 'utf8')) as ResultsDocument };
      break;
    }
    expect(attempt, `the baseline run failed ${attempt} times\n${withLog(r)}`).toBeLessThan(3);
  }
}, 180_000);

afterAll(async () => {
  await gh?.close();
  await az?.stop();
  for (const d of cleanup) rmSync(d, { recursive: true, force: true });
});

describe('aggregate mode treats a results artifact as untrusted input', () => {
  it("re-judges results.json against its own baseline: an invalid point fails although the artifact's verdict.json says pass", async () => {
    const run = prRun(sha('e'));
    const tampered = laterRun((d) => {
      const p = d.suites[0]!.points[0]!;
      p.label = HOSTILE;
      p.validity = { valid: false, reasons: [HOSTILE] };
    });
    await uploadCrafted(run, `vllm-perf-gate-${ID}`, {
      'results.json': JSON.stringify(tampered),
      'verdict.json': LYING_VERDICT,
      'report.md': `${HOSTILE}\n`,
    });

    const r = await aggregateInRun(run, 31, checkout('agg-tampered'));
    expect(r.code, withLog(r)).toBe(1);
    expect(r.outputs.verdict).toBe('fail');
    expect(r.log).toContain(`${ID}: fail against artifact of run ${base.run.id}`);
    const [c, more] = aggregateComments(31);
    expect(more).toBeUndefined();
    const body = c!.body;
    expect(body).toContain('vLLM performance gate: fail');
    expect(body).toMatch(new RegExp(`\\| <code>${ID}</code> \\| ❌ fail \\| \\d+ \\| \\d+ \\| \\d+ \\| \\d+ \\| 1 \\|`));
    // Nothing of the artifact's own verdict or report, and nothing hostile left active.
    expect(body).not.toContain('all good');
    expect(body.match(/<!--/g)).toEqual(['<!--']);
    expect(body.startsWith(AGGREGATE_MARKER)).toBe(true);
    expect(body).not.toMatch(/<img|onerror=alert\(1\)>/);
    expect(body).not.toContain('@octo-org');
    expect(body).toContain('@\u200bocto-org/admins');
    // Issue references break as mentions do: GitHub links #12 even when written &#35;12.
    expect(body).toContain('&#35;\u200b12');
    expect(body).toContain('GH-\u200b13');
    expect(body.replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))).not.toMatch(/#1[23]|GH-1[23]/);
  });

  it('fails closed on an artifact it cannot judge: a results.json that is not a valid results document, a config id it was not given', async () => {
    const run = prRun(sha('7'));
    const broken = laterRun((d) => {
      (d.suites[0]!.points[0]!.metrics as Record<string, unknown>).output_throughput = 'very fast';
    });
    await uploadCrafted(run, `vllm-perf-gate-${ID}`, { 'results.json': JSON.stringify(broken), 'verdict.json': LYING_VERDICT });
    const stranger = laterRun((d) => (d.run['config-id'] = 'stranger'));
    await uploadCrafted(run, 'vllm-perf-gate-stranger', { 'results.json': JSON.stringify(stranger), 'verdict.json': LYING_VERDICT });

    const r = await aggregateInRun(run, 32, checkout('agg-unjudged'));
    expect(r.code, withLog(r)).toBe(1);
    expect(r.outputs.verdict).toBe('fail');
    const body = aggregateComments(32)[0]!.body;
    expect(body).toContain('### Artifacts not judged (each fails the gate)');
    expect(body).toContain(
      '<code>vllm-perf-gate-trusted-cfg</code>: its results.json is not a valid results document\\: suites\\[0\\].points\\[0\\].metrics.output\\_throughput\\: must be number',
    );
    expect(body).toContain(
      '<code>vllm-perf-gate-stranger</code>: no config given to this step \\(input &#96;config&#96;\\: .github/vllm-perf-gate.yml\\) has the id stranger',
    );
    expect(body).not.toContain('very fast');
    expect(r.summary).toContain('Artifacts not judged');
  });
});

describe('the fork PR pattern: pull_request benchmarks and uploads, workflow_run judges and comments', () => {
  it("comments on the fork's PR with the verdict recomputed from the triggering run's artifact", async () => {
    const pr = 33;
    const head = sha('f');
    gh.state.pulls.push({ number: pr, headOwner: 'mallory', headBranch: 'feature', headSha: head, baseSha: base.sha, state: 'open' });

    // Workflow 1 (examples/fork-pr-benchmark.yml): the fork's code, a read-only token, no comment.
    const benchRun = prRun(head);
    const bench = await step({
      ws: checkout('fork-bench'),
      run: benchRun,
      eventName: 'pull_request',
      event: pullRequestEvent({ number: pr, headSha: head, baseSha: base.sha, headRepo: 'mallory/gpu-app' }),
      sha: sha('8'),
      ref: `refs/pull/${pr}/merge`,
      inputs: { mode: 'gate', comment: 'never', 'allow-fork-prs': 'true', 'fail-on-regression': 'false' },
    });
    expect(bench.code, withLog(bench)).toBe(0);
    expect(gh.state.comments.filter((c) => c.issue === pr)).toEqual([]);
    expect(gh.state.artifacts.some((a) => a.runId === benchRun.id && a.name === `vllm-perf-gate-${ID}` && a.finalized)).toBe(true);

    // Workflow 2 (examples/fork-pr-workflow-run.yml): the default branch's copy, run on workflow_run.
    const commentRun = gh.state.addRun({
      head_sha: base.sha,
      head_branch: 'main',
      event: 'workflow_run',
      workflow_id: 78,
      path: '.github/workflows/perf-fork-comment.yml',
      status: 'in_progress',
      conclusion: null,
    });
    const r = await step({
      ws: checkout('fork-comment'),
      run: commentRun,
      eventName: 'workflow_run',
      event: workflowRunEvent({
        runId: benchRun.id,
        headSha: head,
        headBranch: 'feature',
        headOwner: 'mallory',
        event: 'pull_request',
        conclusion: 'success',
      }),
      sha: base.sha,
      ref: 'refs/heads/main',
      inputs: { mode: 'aggregate' },
    });
    const verdict = ownVerdict(bench); // the same results, config and baseline: the same verdict
    expect(r.outputs.verdict, withLog(r)).toBe(verdict);
    expect(r.code, withLog(r)).toBe(verdict === 'pass' || verdict === 'no-baseline' ? 0 : 1);
    expect(r.log).not.toContain('server ready'); // nothing of the fork's was run here
    expect(
      gh.state.requests.some((q) => q.method === 'GET' && q.path === `/repos/octo/gpu-app/actions/runs/${benchRun.id}/artifacts`),
    ).toBe(true);
    expect(
      gh.state.requests.some((q) => q.path === '/repos/octo/gpu-app/pulls' && q.query.includes(encodeURIComponent('mallory:feature'))),
    ).toBe(true);
    const [c, more] = aggregateComments(pr);
    expect(more).toBeUndefined();
    expect(r.outputs['comment-url']).toBe(`https://github.com/octo/gpu-app/pull/${pr}#issuecomment-${c!.id}`);
    expect(c!.body).toContain(`artifact of run ${base.run.id}`);
    expect(c!.body).toContain(`actions/runs/${benchRun.id}/artifacts/`);
  });

  it('without `actions: read` says which permission to add', async () => {
    const benchRun = prRun(sha('c'));
    gh.state.forbidden.push({ method: 'GET', path: new RegExp(`/actions/runs/${benchRun.id}/artifacts$`) });
    const commentRun = gh.state.addRun({
      head_sha: base.sha,
      head_branch: 'main',
      event: 'workflow_run',
      workflow_id: 78,
      status: 'in_progress',
      conclusion: null,
    });
    const r = await step({
      ws: checkout('fork-comment-403'),
      run: commentRun,
      eventName: 'workflow_run',
      event: workflowRunEvent({
        runId: benchRun.id,
        headSha: sha('c'),
        headBranch: 'other',
        headOwner: 'mallory',
        event: 'pull_request',
        conclusion: 'success',
      }),
      sha: base.sha,
      ref: 'refs/heads/main',
      inputs: { mode: 'aggregate' },
    });
    expect(r.code, withLog(r)).toBe(1);
    expect(annotations(r.log, 'error').join('\n')).toContain('actions: read');
  });
});

describe('secrets', () => {
  it('masks the values of server.env names with KEY, TOKEN, ... as words, and not the figures of flags such as max-num-batched-tokens', async () => {
    const ws = checkout(
      'masking',
      config('masking', ['  env: { MY_KEY: my-key-value-7f3a, WANDB_KEY: wandb-value-9c1e, HF_TOKEN: hf-value-2b8d }']).replace(
        'sim-seed: 1 }',
        'sim-seed: 1, max-num-batched-tokens: 8192 }',
      ),
    );
    const run = prRun(sha('5'));
    const r = await step({
      ws,
      run,
      eventName: 'pull_request',
      event: pullRequestEvent({ number: 34, headSha: sha('5'), baseSha: base.sha }),
      sha: sha('4'),
      ref: 'refs/pull/34/merge',
      inputs: { comment: 'never', 'fail-on-regression': 'false' },
    });
    expect(r.code, withLog(r)).toBe(0);
    const masked = r.log
      .split('\n')
      .filter((l) => l.startsWith('::add-mask::'))
      .map((l) => l.slice('::add-mask::'.length));
    expect(masked).toEqual(expect.arrayContaining(['my-key-value-7f3a', 'wandb-value-9c1e', 'hf-value-2b8d']));
    expect(masked).not.toContain('8192');
    // Masked before the server is booted: no line before the masks can show them.
    expect(r.log.indexOf('::add-mask::wandb-value-9c1e')).toBeLessThan(r.log.indexOf('server ready'));
  });
});
