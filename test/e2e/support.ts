// Drives the real `vllm-perf-gate` binary (bin/vllm-perf-gate.js -> dist/cli.js) as a user does:
// a YAML file on disk, `vllm-sim` found through PATH, the fake nvidia-smi of test/fixtures first on
// PATH, and every simulator this run starts recognisable by a model name no other test uses.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ResultsDocument } from '../../src/results/schema-types.gen.js';
import { pathWithSim, SHARED_MACHINE_CLIENT } from '../support/sim.js';

/** The CLI under test: the built bin/ (what CI tests), or a private bundle of src/ named by VPG_E2E_CLI. */
export const BIN = path.resolve(process.env.VPG_E2E_CLI ?? 'bin/vllm-perf-gate.js');
export const FIXTURES = path.resolve('test/fixtures');

export interface CliExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliRun {
  child: ChildProcess;
  /** Resolves once stderr matches `re` (rejects if the CLI exits first). */
  stderrMatches(re: RegExp): Promise<void>;
  done: Promise<CliExit>;
}

/** A scratch folder for one case: the config, the output folder, and the unique model name its simulators carry. */
export interface Case {
  dir: string;
  out: string;
  /** Appears in the argv of every vllm-sim this case starts (serve and bench), and nowhere else. */
  model: string;
  config: string;
}

const caseDirs: string[] = [];

export function newCase(prefix: string): Case {
  const dir = mkdtempSync(path.join(os.tmpdir(), `vpg-e2e-${prefix}-`));
  caseDirs.push(dir);
  const tag = randomBytes(5).toString('hex');
  return { dir, out: path.join(dir, 'out'), model: `e2e-${prefix}-${tag}/sim`, config: path.join(dir, 'perf.yml') };
}

/** Removes every case folder made so far (call from afterAll). */
export function removeCases(): void {
  for (const d of caseDirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

export function writeConfig(c: Case, yaml: string): string {
  writeFileSync(c.config, yaml);
  return c.config;
}

/**
 * The server block of a config that boots vllm-sim quickly: 10 ms decode steps (the sim-fast profile
 * at time scale 5), slow enough that a loaded 2-core machine still reads every token chunk on its
 * own, and a 0.3 s start-up. `faults` become repeated --sim-fault flags. Followed by the `client`
 * block of a shared test machine.
 */
export function simServer(c: Case, opts: { faults?: string[]; extra?: string[]; args?: string[]; startupTimeout?: string } = {}): string {
  const faults = opts.faults?.length ? [`    sim-fault: [${opts.faults.map((f) => JSON.stringify(f)).join(', ')}]`] : [];
  return [
    'server:',
    '  command: vllm-sim',
    `  model: ${c.model}`,
    '  args:',
    '    max-model-len: 2048',
    '    sim-startup-s: 0.3',
    '    sim-time-scale: 5',
    '    sim-seed: 1',
    ...faults,
    ...(opts.args ?? []).map((a) => `    ${a}`),
    `  startup-timeout: ${opts.startupTimeout ?? '20s'}`,
    '  shutdown-grace: 5s',
    '  metrics-interval: 100ms',
    ...(opts.extra ?? []).map((l) => `  ${l}`),
    ...SHARED_MACHINE_CLIENT,
  ].join('\n');
}

/** A two-point closed-loop sweep (concurrency 1 and 2) of short random prompts. */
export function sweepSuite(opts: { perPoint?: number; extra?: string[] } = {}): string {
  const n = opts.perPoint ?? 4;
  return [
    '  - name: sweep',
    '    kind: serving',
    `    dataset: { type: random, input-len: 32, output-len: 8, num-prompts: ${2 * n}, seed: 1 }`,
    '    concurrency: [1, 2]',
    `    prompts-per-concurrency: ${n}`,
    '    ignore-eos: true',
    ...(opts.extra ?? []).map((l) => `    ${l}`),
  ].join('\n');
}

export function cliEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: pathWithSim([FIXTURES]), ...extra };
  // The CLI must behave as on a plain terminal or CI, whatever runner starts the tests.
  delete env.GITHUB_ACTIONS;
  delete env.NODE_OPTIONS;
  return env;
}

/** Spawns `node bin/vllm-perf-gate.js ...args` (or another build of the CLI, `bin`) in its own process. */
export function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; bin?: string } = {}): CliRun {
  const child = spawn(process.execPath, [opts.bin ?? BIN, ...args], {
    env: opts.env ?? cliEnv(),
    cwd: opts.cwd ?? process.cwd(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  child.stdout!.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr!.on('data', (b: Buffer) => {
    stderr += b.toString();
    for (const w of waiters.splice(0)) {
      if (w.re.test(stderr)) w.resolve();
      else waiters.push(w);
    }
  });
  const done = new Promise<CliExit>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  const stderrMatches = (re: RegExp): Promise<void> =>
    re.test(stderr)
      ? Promise.resolve()
      : new Promise<void>((resolve, reject) => {
          waiters.push({ re, resolve });
          void done.then(() => reject(new Error(`the CLI exited before stderr matched ${re}:\n${stderr}`)));
        });
  return { child, stderrMatches, done };
}

/** `vllm-perf-gate run --config C --out O`, to its exit. */
export function run(c: Case, env?: NodeJS.ProcessEnv): Promise<CliExit> {
  return runCli(['run', '--config', c.config, '--out', c.out], env ? { env } : {}).done;
}

export function readDoc(c: Case): ResultsDocument {
  return JSON.parse(readFileSync(path.join(c.out, 'results.json'), 'utf8')) as ResultsDocument;
}

export function serverLog(c: Case): string {
  const p = path.join(c.out, 'server.log');
  return existsSync(p) ? readFileSync(p, 'utf8') : '';
}

/** Processes (pid and argv) whose command line carries this case's model name: its simulators, if any survive. */
export function simProcesses(c: Case): string[] {
  const ps = spawnSync('ps', ['-eo', 'pid=,stat=,args='], { encoding: 'utf8' });
  if (ps.status !== 0) throw new Error(`ps failed: ${ps.stderr}`);
  return ps.stdout
    .split('\n')
    .filter((l) => l.includes(c.model))
    .map((l) => l.trim());
}

/**
 * The process group of every server the run spawned (each is spawned as its group's leader), from
 * server.log: the simulator's own `(APIServer pid=N)` and our `server process N exited` lines.
 */
export function serverGroups(c: Case): number[] {
  const log = serverLog(c);
  const pids = [...log.matchAll(/\(APIServer pid=(\d+)\)|\[vllm-perf-gate\] server process (\d+) /g)].map((m) => Number(m[1] ?? m[2]));
  return [...new Set(pids)];
}

/** Whether any process of group `pgid` exists (kill(-pgid, 0)). */
export function groupExists(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Lines of a stack trace, which a user-facing message must not contain. */
export const STACK_LINE = /^\s+at .+[(:]\d+/m;

/**
 * A point's validity reasons other than the load client being starved of CPU ("... (the client
 * could not keep up)", "(the client was saturated ...)", "(the client read late ...)"): those depend
 * on what else a shared 2-core test machine runs, not on the product.
 */
export function productReasons(reasons: readonly string[]): string[] {
  return reasons.filter((r) => !r.includes('(the client'));
}
