// `vllm-perf-gate compare` on baselines as users keep them, end to end: the real binary in its own
// process, a run folder written by `vllm-perf-gate run` on vllm-sim (serving, latency and throughput
// suites), folders of run folders (a history), and the junk a history collects: broken JSON, a
// dangling symbolic link, a FIFO, a file nobody may read. Messages name files, lines and keys and
// never quote what a file holds.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODERN_LINE } from '../results/fixtures.js';
import {
  BIN,
  cliEnv,
  newCase,
  removeCases,
  run,
  runCli,
  simServer,
  STACK_LINE,
  sweepSuite,
  writeConfig,
  type Case,
  type CliExit,
} from './support.js';

interface Report {
  verdict: string;
  baseline: { runs: number } | null;
  points: { suite: string; key: string; metrics: { metric: string; baselineRuns: number }[] }[];
}

let c: Case;
let current: string;
const SECRET = 'hf_FILESECRET0123456789';

beforeAll(async () => {
  c = newCase('history');
  writeConfig(
    c,
    [
      'version: 1',
      'id: e2e-history',
      simServer(c),
      'suites:',
      sweepSuite({ perPoint: 2 }),
      '  - name: latency',
      '    kind: latency',
      '    args: { input-len: 16, output-len: 8, batch-size: 2, num-iters-warmup: 1, num-iters: 2 }',
      '  - name: throughput',
      '    kind: throughput',
      '    args: { input-len: 32, output-len: 8, num-prompts: 8 }',
      '',
    ].join('\n'),
  );
  const exit = await run(c);
  expect(exit.stderr).toContain(`results: ${path.join(c.out, 'results.json')}`);
  current = path.join(c.out, 'results.json');
});
afterAll(removeCases);

/** A read that blocks (a FIFO opened for reading waits for a writer) must not outlive the test. */
const DEADLINE_MS = 20_000;

function withDeadline(child: ChildProcess, done: Promise<CliExit>): Promise<CliExit> {
  const timer = setTimeout(() => child.kill('SIGKILL'), DEADLINE_MS);
  return done.finally(() => clearTimeout(timer));
}

function compare(baseline: string[], extra: string[] = []): Promise<CliExit> {
  const r = runCli(['compare', ...baseline.flatMap((b) => ['--baseline', b]), '--current', current, '--format', 'json', ...extra]);
  return withDeadline(r.child, r.done);
}

function report(exit: CliExit): Report {
  expect(exit.stderr).not.toMatch(STACK_LINE);
  expect(exit.code, exit.stderr).not.toBe(2);
  return JSON.parse(exit.stdout) as Report;
}

/**
 * How many baseline runs the metrics of each suite were judged against, 0 left out: a metric the
 * baseline has no figure for, or every metric of a serving point the load client was too starved to
 * measure validly on a busy test machine (an invalid baseline point is no baseline).
 */
function runsPerSuite(r: Report): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const p of r.points) {
    const runs = p.metrics.map((m) => m.baselineRuns).filter((n) => n > 0);
    out[p.suite] = [...new Set([...(out[p.suite] ?? []), ...runs])].sort();
  }
  return out;
}

/** The offline suites, judged against `n` runs, and no serving point against more. */
function expectJudgedAgainst(r: Report, n: number): void {
  const { sweep, ...offline } = runsPerSuite(r);
  expect(offline).toEqual({ latency: [n], throughput: [n], 'server-startup': [n] });
  expect(sweep!.filter((x) => x !== n)).toEqual([]);
}

/** A copy of the run folder at `dest`, as a user keeps a downloaded results artifact. */
function copyRun(dest: string): string {
  cpSync(c.out, dest, { recursive: true });
  return dest;
}

describe('a run folder of ours is one run', () => {
  it('compare --baseline <run folder> reads 1 run: latency.json, throughput.json, vllm/ and verdict.json are parts of it', async () => {
    const r = report(await compare([c.out]));
    expect(r.baseline?.runs).toBe(1);
    expectJudgedAgainst(r, 1);
    // Not even a note: nothing in the folder was skipped, it all belongs to the run.
    expect((await compare([c.out])).stderr).not.toContain('note:');
  });

  it('a folder of two run folders is a history of 2 runs, offline suites included', async () => {
    const h = path.join(c.dir, 'history-2');
    copyRun(path.join(h, 'main-1'));
    copyRun(path.join(h, 'main-2'));
    const r = report(await compare([h]));
    expect(r.baseline?.runs).toBe(2);
    expectJudgedAgainst(r, 2);
  });
});

/** Whether a user other than the owner may run `file`: it and every folder above it are o+x. */
function othersMayRun(file: string): boolean {
  for (let p = file; ; p = path.dirname(p)) {
    if ((statSync(p).mode & 0o001) === 0) return false;
    if (path.dirname(p) === p) return true;
  }
}

/**
 * A node binary an unprivileged user may run: this one, or (when it lies under root's home, as an
 * `npx node@24` install does) the first `node` on PATH that others may run.
 */
function nodeForOthers(): string {
  if (othersMayRun(process.execPath)) return process.execPath;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'node');
    if (existsSync(candidate) && othersMayRun(candidate)) return candidate;
  }
  return process.execPath;
}

/** Runs the CLI as an unprivileged user when the tests run as root (root reads any file). */
function compareAsUser(args: string[], dirs: string[]): Promise<CliExit> {
  const asRoot = process.getuid?.() === 0;
  if (asRoot) for (const d of dirs) chmodSync(d, 0o755);
  const child = spawn(asRoot ? nodeForOthers() : process.execPath, [BIN, 'compare', ...args], {
    env: cliEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  return withDeadline(
    child,
    new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    }),
  );
}

describe('a history skips what it cannot read, names it and says why', () => {
  it('broken JSON, a dangling symlink, a FIFO and an unreadable file are skipped with a note each; the run beside them is judged', async () => {
    const h = path.join(c.dir, 'history-junk');
    copyRun(path.join(h, 'main-1'));
    writeFileSync(path.join(h, 'broken.json'), `{"request_throughput": 1.0,\n  "token": ${SECRET}}\n`);
    symlinkSync(path.join(h, 'deleted.json'), path.join(h, 'dangling.json'));
    await new Promise<void>((resolve, reject) =>
      spawn('mkfifo', [path.join(h, 'pipe.json')]).once('close', (code) =>
        code === 0 ? resolve() : reject(new Error(`mkfifo exited ${code}`)),
      ),
    );
    writeFileSync(path.join(h, 'secret.json'), `{"token": "${SECRET}"}`);
    chmodSync(path.join(h, 'secret.json'), 0o000);
    const exit = await compareAsUser(['--baseline', h, '--current', current, '--format', 'json'], [c.dir, h]);
    const r = report(exit);
    expect(r.baseline?.runs).toBe(1);
    const notes = exit.stderr.split('\n').filter((l) => l.startsWith('note: '));
    expect(notes).toEqual([
      `note: ${h}/broken.json:2:12: skipped, not valid JSON: expected a value (an object, a list, a string in double quotes, a number, true, false or null); a word there can only be true, false or null, found a letter`,
      `note: ${h}/dangling.json: skipped, cannot be read: it does not exist (a symbolic link to a path that does not exist)`,
      `note: ${h}/pipe.json: skipped, cannot be read: not a regular file (a FIFO)`,
      `note: ${h}/secret.json: skipped, cannot be read: permission denied`,
    ]);
    expect(exit.stderr).not.toContain('FILESECRET');
  });

  it('exits 2 when nothing usable is left, listing each file it skipped', async () => {
    const h = path.join(c.dir, 'history-nothing');
    mkdirSync(h);
    writeFileSync(path.join(h, 'broken.json'), `{"request_throughput": ${SECRET}`);
    symlinkSync(path.join(h, 'deleted.json'), path.join(h, 'dangling.json'));
    const exit = await compare([h]);
    expect(exit.code, exit.stderr).toBe(2);
    expect(exit.stderr).toContain(`error: ${h}: no usable results in ${h}: 2 file(s) skipped`);
    expect(exit.stderr).toContain(`  ${h}/broken.json:1:24: skipped, not valid JSON: expected a value`);
    expect(exit.stderr).toContain(
      `  ${h}/dangling.json: skipped, cannot be read: it does not exist (a symbolic link to a path that does not exist)`,
    );
    expect(exit.stderr).not.toContain('FILESECRET');
    expect(exit.stderr).not.toMatch(STACK_LINE);
  });

  it('a broken file given directly is still an error: exit 2 with its line and column and what was expected, never its content', async () => {
    const token = path.join(c.dir, 'token.json');
    writeFileSync(token, `${SECRET}\n`);
    const exit = await compare([token]);
    expect(exit.code, exit.stderr).toBe(2);
    expect(exit.stderr).toContain(
      `error: ${token}:1:1: not valid JSON: expected a value (an object, a list, a string in double quotes, a number, true, false or null)`,
    );
    expect(exit.stderr).toContain('fix: fix the JSON');
    expect(exit.stderr).not.toMatch(/FILESEC|Unexpected token|is not valid JSON/);
  });

  it('a FIFO given directly is refused at once (exit 2), not read', async () => {
    const fifo = path.join(c.dir, 'given.json');
    await new Promise<void>((resolve, reject) =>
      spawn('mkfifo', [fifo]).once('close', (code) => (code === 0 ? resolve() : reject(new Error(`mkfifo exited ${code}`)))),
    );
    const exit = await compare([fifo]);
    expect(exit.signal, 'the CLI blocked reading the FIFO').toBeNull();
    expect(exit.code, exit.stderr).toBe(2);
    expect(exit.stderr).toContain(`error: ${fifo}: cannot be read: not a regular file (a FIFO)`);
  });
});

describe("a string in a vLLM file's figure", () => {
  it('names the file, the line of the key and the key, and not the value (exit 2)', async () => {
    const rec = JSON.parse(MODERN_LINE) as Record<string, unknown>;
    rec.median_ttft_ms = `20 ms ${SECRET}`;
    const text = JSON.stringify(rec, null, 4);
    const file = path.join(c.dir, 'openai-2.0qps-tiny-20260101-120000.json');
    writeFileSync(file, text);
    const line = text.split('\n').findIndex((l) => l.includes('"median_ttft_ms"')) + 1;
    const exit = await compare([file]);
    expect(exit.code, exit.stderr).toBe(2);
    expect(line).toBeGreaterThan(20);
    expect(exit.stderr).toContain(`error: ${file}:${line}: median_ttft_ms: expected a number or null, got a string`);
    expect(exit.stderr).not.toContain('FILESECRET');
  });
});
