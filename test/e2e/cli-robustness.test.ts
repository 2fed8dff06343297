// The run never leaves a server behind, never hangs, and says honestly what happened: the real
// `vllm-perf-gate` binary in its own process, vllm-sim booted through PATH, and each case bounded
// in time, with every process it started killed afterwards whatever the outcome.
//   - killed outright (SIGKILL, as a V8 heap-out-of-memory abort ends it), the gate leaves no server;
//   - a point past its max-duration is stopped, marked invalid, and the sweep goes on;
//   - a cancel ends the process even when the run waits on a read that never returns;
//   - a point shorter than the telemetry interval shows sampled peaks, or "not sampled", never 0;
//   - a point cut short by a server crash says the server crashed;
//   - the demo removes its temporary PATH folder when its baseline run fails.
// VPG_E2E_CLI may point at another build of the CLI (e.g. a bundle of the working tree's src/).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ResultsDocument } from '../../src/results/schema-types.gen.js';
import { validateResults } from '../../src/results/validate.js';
import { groupAlive, signalGroup } from '../../src/server/process-group.js';
import { CANCEL_DEADLINE_MS } from '../../src/server/signals.js';
import {
  BIN,
  cliEnv,
  newCase,
  productReasons,
  readDoc,
  removeCases,
  serverGroups,
  serverLog,
  simProcesses,
  simServer,
  STACK_LINE,
  sweepSuite,
  writeConfig,
  type Case,
  type CliExit,
} from './support.js';

const CLI = process.env.VPG_E2E_CLI ? path.resolve(process.env.VPG_E2E_CLI) : BIN;

/** Everything a case started: gate processes, and the cases whose servers must not survive. */
const gates: ChildProcess[] = [];
const cases: Case[] = [];

afterEach(() => {
  for (const g of gates.splice(0)) if (g.exitCode === null && g.signalCode === null) g.kill('SIGKILL');
  for (const c of cases.splice(0)) for (const pgid of serverGroups(c)) signalGroup(pgid, 'SIGKILL');
});
const tmps: string[] = [];
afterAll(() => {
  removeCases();
  for (const t of tmps.splice(0)) rmSync(t, { recursive: true, force: true });
});

interface Gate {
  child: ChildProcess;
  stderrMatches(re: RegExp, ms: number): Promise<void>;
  /** Resolves with the exit, or with null if the process is still running after `ms`. */
  exit(ms: number): Promise<CliExit | null>;
}

/** `node CLI ...args` in its own process, tracked for cleanup. */
function gate(args: string[], env: NodeJS.ProcessEnv = {}): Gate {
  const child = spawn(process.execPath, [CLI, ...args], { env: cliEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  gates.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  const done = new Promise<CliExit>((resolve) => child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return {
    child,
    stderrMatches: async (re, ms) => {
      const deadline = Date.now() + ms;
      while (!re.test(stderr)) {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the CLI exited before stderr matched ${re}:\n${stderr}`);
        if (Date.now() > deadline) throw new Error(`stderr did not match ${re} within ${ms} ms:\n${stderr}`);
        await sleep(20);
      }
    },
    exit: (ms) => Promise.race([done, sleep(ms).then(() => null)]),
  };
}

/** `vllm-perf-gate run` on a case, to its exit (bounded). */
async function runCase(c: Case, env: NodeJS.ProcessEnv = {}, ms = 60_000): Promise<CliExit> {
  cases.push(c);
  const exit = await gate(['run', '--config', c.config, '--out', c.out], env).exit(ms);
  if (!exit) throw new Error(`the run did not end within ${ms} ms`);
  return exit;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function until(fn: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (fn()) return true;
    await sleep(50);
  }
  return fn();
}

/** The status a shell reports: the exit code, or 128 + the number of the signal that ended the process. */
function shellStatus(exit: CliExit): number | null {
  return exit.code ?? (exit.signal ? 128 + os.constants.signals[exit.signal] : null);
}

function configOf(c: Case, server: string, suites: string[]): string {
  return writeConfig(c, ['version: 1', server, 'suites:', ...suites, ''].join('\n'));
}

function validDoc(c: Case): ResultsDocument {
  const doc = readDoc(c);
  expect(validateResults(doc)).toEqual([]);
  return doc;
}

describe('a fatal end of the gate process leaves no server behind', () => {
  it('SIGKILLed mid-run (as a V8 heap-out-of-memory abort ends it), the gate leaves no server: the watchdog stops its process group within seconds', async () => {
    const c = newCase('killed');
    cases.push(c);
    configOf(c, simServer(c), [sweepSuite({ perPoint: 400 })]);
    const g = gate(['run', '--config', c.config, '--out', c.out]);
    await g.stderrMatches(/server ready at/, 30_000);
    const [pgid, ...more] = serverGroups(c);
    expect(more).toEqual([]);
    expect(groupAlive(pgid!)).toBe(true);
    g.child.kill('SIGKILL');
    expect((await g.exit(5_000))?.signal).toBe('SIGKILL');
    // The server's group has a 5 s shutdown-grace; vllm-sim stops at once on SIGTERM.
    expect(await until(() => !groupAlive(pgid!), 8_000), `process group ${pgid} still running`).toBe(true);
    expect(simProcesses(c)).toEqual([]);
    expect(serverLog(c)).toMatch(
      new RegExp(`watchdog: the gate process ${g.child.pid} ended before stopping the server; SIGTERM to process group ${pgid}`),
    );
  });
});

describe('a point that runs past max-duration', () => {
  it('is stopped, marked invalid with the reason, and the sweep goes on to the next point and ends cleanly', async () => {
    const c = newCase('max-duration');
    configOf(c, simServer(c), [
      sweepSuite({ extra: ['max-duration: 1500ms'] }),
      // All 4 arrive at once, one at a time is let through: 3 wait in the client's queue, never sent.
      '  - name: capped',
      '    kind: serving',
      '    dataset: { type: random, input-len: 32, output-len: 8, num-prompts: 4, seed: 1 }',
      '    request-rates: [inf]',
      '    max-concurrency: 1',
      '    max-duration: 1500ms',
    ]);
    // Every decode step 100x slower: a request of 8 tokens takes ~8 s, far past the 1.5 s limit.
    const t0 = Date.now();
    const exit = await runCase(c, { VLLM_SIM_ARGS: '--sim-slowdown 100' });
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(exit.code, exit.stderr).toBe(1);
    expect(exit.stderr).not.toMatch(STACK_LINE);
    expect(exit.stderr).toMatch(/sweep concurrency=1: still running after max-duration 1500ms; stopped and marked invalid/);
    const doc = validDoc(c);
    expect(doc.status).toBe('complete');
    expect(doc.error).toBeUndefined();
    const reason = 'the point ran past its time limit (max-duration 1500ms) and was stopped before every request finished';
    expect(
      doc.suites[0]!.points.map((p) => ({ key: p.key, valid: p.validity.valid, stopped: p.validity.reasons.includes(reason) })),
    ).toEqual([
      { key: 'concurrency=1', valid: false, stopped: true },
      { key: 'concurrency=2', valid: false, stopped: true },
    ]);
    // What was cut off in flight counts as failed; what was never sent counts for nothing.
    const capped = doc.suites[1]!.points[0]!;
    expect(capped.validity.reasons).toContain(reason);
    expect({ completed: capped.metrics.completed, failed: capped.metrics.failed }).toEqual({ completed: 0, failed: 1 });
    expect(serverLog(c)).toContain('[vllm-perf-gate] server stopped');
    expect(simProcesses(c)).toEqual([]);
  });
});

/**
 * A stand-in for `vllm serve` that is ready by vLLM's rules (/health, /v1/models) and never answers
 * /tokenize: `node hang-server.mjs serve MODEL --host H --port P --served-model-name N`.
 */
const HANG_SERVER = `
import { createServer } from 'node:http';
const argv = process.argv.slice(2);
const opt = (n) => argv[argv.indexOf(n) + 1];
const name = opt('--served-model-name');
console.log('(APIServer pid=' + process.pid + ') INFO ready, /tokenize never answers');
const held = [];
createServer((req, res) => {
  const json = (body) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  if (req.url === '/health') return res.writeHead(200).end();
  if (req.url === '/v1/models') return json({ object: 'list', data: [{ id: name, object: 'model' }] });
  if (req.url === '/version') return json({ version: '0.11.0' });
  if (req.url === '/tokenize') return held.push(res);
  res.writeHead(404).end();
}).listen(Number(opt('--port')), opt('--host'));
`;

describe('a cancel always ends the process', () => {
  it(`SIGTERM while the run waits on a server that never answers: the process ends within ${CANCEL_DEADLINE_MS / 1000} s with status 143, and its server is gone`, async () => {
    const c = newCase('stuck-cancel');
    cases.push(c);
    const script = path.join(c.dir, 'hang-server.mjs');
    writeFileSync(script, HANG_SERVER);
    configOf(
      c,
      [
        'server:',
        `  command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(script)}]`,
        `  model: ${c.model}`,
        '  startup-timeout: 10s',
        '  shutdown-grace: 5s',
      ].join('\n'),
      [
        '  - name: chat',
        '    kind: serving',
        '    endpoint: chat',
        '    dataset: { type: random, input-len: 16, output-len: 4, num-prompts: 2, seed: 1 }',
        '    concurrency: [1]',
      ],
    );
    const g = gate(['run', '--config', c.config, '--out', c.out]);
    // The chat suite asks the server's /tokenize for prompt lengths first: that request never returns.
    await g.stderrMatches(/suite chat: serving, chat endpoint/, 20_000);
    const [pgid] = serverGroups(c);
    expect(groupAlive(pgid!)).toBe(true);
    await sleep(300);
    const t0 = Date.now();
    g.child.kill('SIGTERM');
    const exit = await g.exit(CANCEL_DEADLINE_MS + 5_000);
    expect(exit, 'the gate was still running after SIGTERM').not.toBeNull();
    expect(Date.now() - t0).toBeLessThan(CANCEL_DEADLINE_MS + 3_000);
    expect(shellStatus(exit!), exit!.stderr).toBe(143);
    expect(exit!.stderr).toContain('SIGTERM received: cancelling; stopping the server and writing partial results');
    expect(exit!.stderr).toContain(
      `the run did not stop within ${CANCEL_DEADLINE_MS / 1000} s of SIGTERM (something it waits on does not answer): exiting now, partial results may be missing (SIGKILL to process group ${pgid})`,
    );
    expect(exit!.stderr).not.toMatch(STACK_LINE);
    expect(await until(() => !groupAlive(pgid!), 2_000)).toBe(true);
    expect(simProcesses(c)).toEqual([]);
  });
});

describe('telemetry of points shorter than the sampling interval', () => {
  it('samples the server while the load runs (peaks of the requests seen running), and says "not sampled" rather than 0 when no sample fell within a point', async () => {
    const c = newCase('short-telemetry');
    configOf(c, simServer(c).replace('metrics-interval: 100ms', 'metrics-interval: 10s'), [
      // 16 streams at once, ~100 ms in all: the first token is a moment the server is busy with all 16.
      '  - name: burst',
      '    kind: serving',
      '    dataset: { type: random, input-len: 32, output-len: 8, num-prompts: 16, seed: 1 }',
      '    concurrency: [16]',
      '    prompts-per-concurrency: 1',
      '    ignore-eos: true',
      // One request without streaming: it is over before anything can be sampled.
      '  - name: single',
      '    kind: serving',
      '    stream: false',
      '    dataset: { type: random, input-len: 32, output-len: 8, num-prompts: 1, seed: 1 }',
      '    concurrency: [1]',
      '    prompts-per-concurrency: 1',
      '    ignore-eos: true',
    ]);
    const exit = await runCase(c);
    expect(exit.stderr).not.toMatch(STACK_LINE);
    const doc = validDoc(c);
    const [burst, single] = doc.suites.map((s) => s.points[0]!);
    expect(burst!.metrics.completed).toBe(16);
    expect(burst!.telemetry?.peak_num_requests_running).toBeGreaterThan(0);
    expect(burst!.telemetry?.peak_num_requests_running).toBeLessThanOrEqual(16);
    expect(burst!.telemetry?.generation_tokens).toBe(16 * 8);
    expect(single!.metrics.completed).toBe(1);
    expect(single!.telemetry).toMatchObject({
      peak_num_requests_running: null,
      peak_kv_cache_usage_perc: null,
      metrics_samples: 0,
      generation_tokens: 8,
    });
    // Telemetry per point is in the job summary (summary.md); the comment (report.md) keeps the peaks.
    const report = readFileSync(path.join(c.out, 'summary.md'), 'utf8');
    const perPoint = report.slice(report.indexOf('Telemetry per point'));
    expect(perPoint).toMatch(/\*\*single\*\*[\s\S]*\| concurrency 1 \|[^\n]*not sampled/);
    expect(report).not.toMatch(/Requests running \(`peak_num_requests_running`\) \| \*\*0\*\*/);
  });
});

describe('a point cut short by a server crash', () => {
  it('says the server crashed, not that the run was cancelled', async () => {
    const c = newCase('crash-label');
    configOf(c, simServer(c, { faults: ['crash-after:5'] }), [sweepSuite()]);
    const exit = await runCase(c);
    expect(exit.code, exit.stderr).toBe(1);
    const doc = validDoc(c);
    expect(doc.error?.code).toBe('SERVER_CRASH');
    const second = doc.suites[0]!.points[1]!;
    expect(second.key).toBe('concurrency=2');
    expect(productReasons(second.validity.reasons)).toContain('the server crashed before this point finished');
    expect(second.validity.reasons.join('\n')).not.toContain('cancelled');
    expect(doc.suites[0]!.error?.code).not.toBe('CANCELLED');
    expect(simProcesses(c)).toEqual([]);
  });
});

describe('npm run demo', () => {
  it('removes its temporary PATH folder when the baseline run fails', async () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'vpg-e2e-demo-'));
    tmps.push(tmp);
    const child = spawn(process.execPath, ['scripts/demo.mjs', '--out', path.join(tmp, 'out')], {
      // vllm-sim refuses a VLLM_SIM_ARGS that is not a --sim-* knob: the baseline's first bench fails at once.
      env: { ...cliEnv({ VLLM_SIM_ARGS: '--not-a-sim-knob' }), TMPDIR: tmp },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    gates.push(child);
    let stderr = '';
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    const code = await Promise.race([
      new Promise<number | null>((r) => child.once('close', (c) => r(c))),
      sleep(60_000).then(() => 'timeout' as const),
    ]);
    expect(code, stderr).toBe(1);
    expect(stderr).toContain('the baseline run failed');
    expect(readdirSync(tmp).filter((n) => n.startsWith('vpg-demo-bin-'))).toEqual([]);
  });
});
