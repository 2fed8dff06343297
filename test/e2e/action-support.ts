// Runs the bundled action (dist/index.js) the way the Actions runner does: a fresh `node` process
// per step, inputs as INPUT_* variables, the event as a JSON file, and GITHUB_OUTPUT, GITHUB_STATE
// and GITHUB_STEP_SUMMARY as files the step appends to. `post:` is a second process that gets the
// state main saved as STATE_* variables.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { pathWithSim, SHARED_MACHINE_CLIENT } from '../support/sim.js';

export const DIST_INDEX = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/index.js');
const REPO_ROOT = path.resolve(path.dirname(DIST_INDEX), '..');

/**
 * The action bundled from src/ now, with the options scripts/build.mjs gives dist/index.js, into a
 * private folder: a test of the source as the runner would run it, without touching dist/.
 */
export async function bundleActionFromSource(): Promise<string> {
  const { build } = await import('esbuild');
  const outDir = mkdtempSync(path.join(tmpdir(), 'vpg-action-bundle-'));
  const outfile = path.join(outDir, 'index.js');
  await build({
    absWorkingDir: REPO_ROOT,
    entryPoints: ['src/action.ts'],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    outfile,
    banner: {
      js: "import { createRequire as __vpgCreateRequire } from 'node:module'; const require = __vpgCreateRequire(import.meta.url);",
    },
    legalComments: 'none',
    logLevel: 'error',
  });
  return outfile;
}

/** Every input's default from action.yml, as the runner passes them (expressions such as `${{ github.token }}` left out). */
export function actionDefaults(): Record<string, string> {
  const yml = parseYaml(readFileSync(path.resolve(path.dirname(DIST_INDEX), '../action.yml'), 'utf8')) as {
    inputs: Record<string, { default?: string }>;
  };
  const out: Record<string, string> = {};
  for (const [name, input] of Object.entries(yml.inputs))
    if (input.default !== undefined && !String(input.default).includes('${{')) out[name] = String(input.default);
  return out;
}

/**
 * The smallest config that boots vllm-sim and measures one valid point per suite in about a second:
 * the default sim profile at 5 ms per engine step, 8 short prompts at concurrency 2. Start-up time
 * and TTFT (the noisiest figures on a shared test machine) are observed; a 1.3x slower engine is
 * -23% throughput and +30% TPOT/ITL, far outside the tolerances given here, while two runs of the
 * same engine differ by about 1%. `server` lines are added to the server block.
 */
export function actionConfig(id: string, o: { prompts?: number; suites?: string[]; seed?: number; server?: string[] } = {}): string {
  const prompts = o.prompts ?? 8;
  return [
    'version: 1',
    `id: ${id}`,
    'server:',
    '  command: vllm-sim',
    '  model: sim-model',
    `  args: { sim-startup-s: 0, sim-time-scale: 2.5, sim-seed: ${o.seed ?? 1} }`,
    '  shutdown-grace: 5s',
    ...(o.server ?? []),
    ...SHARED_MACHINE_CLIENT,
    'suites:',
    ...(o.suites ?? ['sweep']).flatMap((name) => [
      `  - name: ${name}`,
      '    kind: serving',
      `    dataset: { type: random, input-len: 32, output-len: 24, num-prompts: ${prompts}, seed: 1 }`,
      '    concurrency: [2]',
      `    prompts-per-concurrency: ${prompts / 2}`,
      '    ignore-eos: true',
    ]),
    'thresholds:',
    '  default: { throughput: "-10%", latency: "+15%" }',
    '  startup_time_s: observe',
    '  median_ttft_ms: observe',
    '',
  ].join('\n');
}

export const OWNER = 'octo';
export const REPO = 'gpu-app';

/** `name<<delimiter\nvalue\ndelimiter` records, as @actions/core writes GITHUB_OUTPUT and GITHUB_STATE. */
export function parseCommandFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i]!);
    if (!m) continue;
    const [, name, delim] = m;
    const value: string[] = [];
    for (i++; i < lines.length && lines[i] !== delim; i++) value.push(lines[i]!);
    out[name!] = value.join('\n');
  }
  return out;
}

export interface Workspace {
  dir: string;
  /** Writes a file relative to the workspace and returns its absolute path. */
  write(rel: string, content: string): string;
}

export function workspace(label: string): Workspace {
  const dir = mkdtempSync(path.join(tmpdir(), `vpg-e2e-${label}-`));
  return {
    dir,
    write(rel, content) {
      const p = path.join(dir, rel);
      mkdirSync(path.dirname(p), { recursive: true });
      writeFileSync(p, content);
      return p;
    },
  };
}

/** A pull_request event payload; `headRepo` other than octo/gpu-app makes it a fork PR. */
export function pullRequestEvent(o: { number: number; headSha: string; baseSha: string; headRepo?: string }): object {
  const full = `${OWNER}/${REPO}`;
  return {
    action: 'synchronize',
    number: o.number,
    repository: { default_branch: 'main', full_name: full },
    pull_request: {
      number: o.number,
      head: { sha: o.headSha, ref: 'feature', repo: { full_name: o.headRepo ?? full } },
      base: { sha: o.baseSha, ref: 'main', repo: { full_name: full } },
    },
  };
}

/**
 * A `workflow_run` (completed) event about run `run` of another workflow; a fork PR's run has its
 * head in the fork and, as GitHub sends it, no `pull_requests`.
 */
export function workflowRunEvent(o: {
  runId: number;
  headSha: string;
  headBranch: string;
  headOwner: string;
  event: string;
  conclusion: string;
}): object {
  return {
    action: 'completed',
    repository: { default_branch: 'main', full_name: `${OWNER}/${REPO}` },
    workflow_run: {
      id: o.runId,
      event: o.event,
      head_sha: o.headSha,
      head_branch: o.headBranch,
      conclusion: o.conclusion,
      head_repository: { full_name: `${o.headOwner}/${REPO}`, owner: { login: o.headOwner } },
      pull_requests: [],
    },
  };
}

export function pushEvent(sha: string): object {
  return { ref: 'refs/heads/main', after: sha, repository: { default_branch: 'main', full_name: `${OWNER}/${REPO}` } };
}

export interface StepSpec {
  ws: Workspace;
  /** Inputs by their action.yml names (`github-token`, `baseline-source`, ...); the others get action.yml's defaults. */
  inputs: Record<string, string>;
  eventName: 'pull_request' | 'push' | 'workflow_run';
  event: object;
  sha: string;
  ref: string;
  runId: number;
  apiUrl: string;
  /** Extra variables: ACTIONS_RUNTIME_TOKEN, VLLM_SIM_ARGS, STATE_*, ... */
  env?: Record<string, string>;
  /** The bundle to run (default dist/index.js; bundleActionFromSource() for the source as it is now). */
  entry?: string;
}

export interface StepFiles {
  output: string;
  state: string;
  summary: string;
}

export interface StepResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** stdout and stderr, interleaved as they came. */
  log: string;
  outputs: Record<string, string>;
  state: Record<string, string>;
  summary: string;
}

/** The environment the runner gives a step; nothing of this process's GITHUB_*, INPUT_* or STATE_* leaks in. */
function stepEnv(spec: StepSpec, files: StepFiles): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(GITHUB_|INPUT_|STATE_|ACTIONS_|RUNNER_)/.test(k) || k === 'VLLM_SIM_ARGS') continue;
    env[k] = v;
  }
  const eventPath = spec.ws.write(`.event-${spec.runId}.json`, JSON.stringify(spec.event));
  const runnerTemp = path.join(spec.ws.dir, '.runner-temp');
  mkdirSync(runnerTemp, { recursive: true });
  Object.assign(env, {
    PATH: pathWithSim(),
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: spec.eventName,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_REPOSITORY: `${OWNER}/${REPO}`,
    GITHUB_REPOSITORY_OWNER: OWNER,
    GITHUB_SHA: spec.sha,
    GITHUB_REF: spec.ref,
    GITHUB_RUN_ID: String(spec.runId),
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_API_URL: spec.apiUrl,
    GITHUB_WORKSPACE: spec.ws.dir,
    RUNNER_TEMP: runnerTemp,
    GITHUB_OUTPUT: files.output,
    GITHUB_STATE: files.state,
    GITHUB_STEP_SUMMARY: files.summary,
  });
  for (const [name, value] of Object.entries({ ...actionDefaults(), ...spec.inputs }))
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  Object.assign(env, spec.env ?? {});
  return env;
}

/** Empty per-step files, as the runner creates them for each step. */
function stepFiles(ws: Workspace, label: string): StepFiles {
  return {
    output: ws.write(`.step-${label}/output`, ''),
    state: ws.write(`.step-${label}/state`, ''),
    summary: ws.write(`.step-${label}/summary`, ''),
  };
}

export interface RunningStep {
  proc: ChildProcess;
  files: StepFiles;
  /** Everything logged so far. */
  log(): string;
  /** Resolves when a line matching `re` has been logged (rejects if the step ends first). */
  waitFor(re: RegExp): Promise<string>;
  done: Promise<StepResult>;
}

let steps = 0;

/** Starts `node dist/index.js` as a step; `done` resolves with what the step left behind. */
export function startStep(spec: StepSpec): RunningStep {
  const files = stepFiles(spec.ws, `${spec.runId}-${++steps}`);
  const proc = spawn(process.execPath, [spec.entry ?? DIST_INDEX], {
    cwd: spec.ws.dir,
    env: stepEnv(spec, files),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const waiters: { re: RegExp; resolve: (line: string) => void; reject: (e: Error) => void }[] = [];
  const onData = (b: Buffer): void => {
    log += b.toString();
    for (const w of [...waiters]) {
      const m = w.re.exec(log);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m[0]);
      }
    }
  };
  proc.stdout!.on('data', onData);
  proc.stderr!.on('data', onData);
  const done = new Promise<StepResult>((resolve) => {
    proc.once('close', (code, signal) => {
      for (const w of waiters.splice(0))
        w.reject(new Error(`the step ended (code ${code}, signal ${signal}) before logging ${w.re}:\n${log}`));
      resolve({
        code,
        signal,
        log,
        outputs: parseCommandFile(readFileSync(files.output, 'utf8')),
        state: parseCommandFile(readFileSync(files.state, 'utf8')),
        summary: readFileSync(files.summary, 'utf8'),
      });
    });
  });
  return {
    proc,
    files,
    log: () => log,
    waitFor: (re) =>
      new Promise<string>((resolve, reject) => {
        const m = re.exec(log);
        if (m) return resolve(m[0]);
        if (proc.exitCode !== null || proc.signalCode !== null)
          return reject(new Error(`the step already ended before logging ${re}:\n${log}`));
        waiters.push({ re, resolve, reject });
      }),
    done,
  };
}

export function runStep(spec: StepSpec): Promise<StepResult> {
  return startStep(spec).done;
}

/** The `post:` step: the same bundle, given main's saved state as STATE_<name>. */
export function runPost(spec: StepSpec, mainState: Record<string, string>): Promise<StepResult> {
  const env: Record<string, string> = { ...(spec.env ?? {}) };
  for (const [k, v] of Object.entries(mainState)) env[`STATE_${k}`] = v;
  return runStep({ ...spec, env });
}

/**
 * Uploads `files` (relative to `root`) as artifact `name` of a run, through the real artifact client
 * and results service protocol in a process of its own, as `actions/upload-artifact` in a workflow
 * would: what any job of a run (a fork's too) can put into it.
 */
export async function uploadArtifactAs(o: {
  resultsUrl: string;
  runtimeToken: string;
  name: string;
  root: string;
  files: string[];
}): Promise<void> {
  const script = [
    "import { DefaultArtifactClient } from '@actions/artifact';",
    'const [name, root, ...files] = process.argv.slice(1);',
    'await new DefaultArtifactClient().uploadArtifact(name, files, root);',
  ].join('\n');
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, ACTIONS_RUNTIME_TOKEN: o.runtimeToken, ACTIONS_RESULTS_URL: o.resultsUrl };
  const args = ['--input-type=module', '-e', script, o.name, o.root, ...o.files.map((f) => path.join(o.root, f))];
  // Not spawnSync: the fake GitHub it talks to answers from this process's event loop.
  const proc = spawn(process.execPath, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const code = await new Promise<number | null>((resolve) => proc.once('close', resolve));
  if (code !== 0) throw new Error(`uploading artifact ${o.name} failed (exit ${code}):\n${out}`);
}

/** Live (not zombie) processes of a process group, as `ps` lists them. */
export function liveGroupMembers(pgid: number): number[] {
  const r = spawnSync('ps', ['-e', '-o', 'pid=,pgid=,stat='], { encoding: 'utf8' });
  return r.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length === 3 && Number(f[1]) === pgid && !f[2]!.startsWith('Z'))
    .map((f) => Number(f[0]));
}

/** The `::error::` and other workflow commands the step printed, by kind. */
export function annotations(log: string, kind: 'error' | 'warning' | 'notice'): string[] {
  return log
    .split('\n')
    .filter((l) => l.startsWith(`::${kind}`))
    .map((l) =>
      l
        .replace(/^::[a-z]+[^:]*::/, '')
        .replace(/%0D/g, '\r')
        .replace(/%0A/g, '\n')
        .replace(/%25/g, '%'),
    );
}

export interface ProxiedRequest {
  method: string;
  /** Path without the query. */
  path: string;
  /** The token in the Authorization header: tells the jobs apart. */
  token: string;
}

export interface ProxyScript {
  /** Resolves when the request may go on to the fake: lets a test order two jobs' requests. */
  before?(req: ProxiedRequest): Promise<void> | void;
  /** Called once the fake has answered, with the status and body. */
  after?(req: ProxiedRequest, status: number, body: string): void;
}

export interface ScriptedProxy {
  url: string;
  close: () => Promise<void>;
}

/**
 * A pass-through HTTP proxy in front of the fake whose script may hold requests back, so that a
 * test can force one interleaving of two jobs (a race) instead of hoping for it.
 */
export async function startScriptedProxy(target: string, script: ProxyScript): Promise<ScriptedProxy> {
  const to = new URL(target);
  const server = createServer((req, res) => {
    const info: ProxiedRequest = {
      method: (req.method ?? 'GET').toUpperCase(),
      path: decodeURIComponent((req.url ?? '/').split('?')[0]!),
      token: /^(?:token|bearer)\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '',
    };
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void Promise.resolve(script.before?.(info)).then(() => {
        const up = httpRequest({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (upRes) => {
          const body: Buffer[] = [];
          upRes.on('data', (c: Buffer) => body.push(c));
          upRes.on('end', () => {
            const text = Buffer.concat(body);
            script.after?.(info, upRes.statusCode ?? 502, text.toString('utf8'));
            const headers = { ...upRes.headers };
            delete headers['transfer-encoding'];
            res.writeHead(upRes.statusCode ?? 502, { ...headers, 'content-length': String(text.length) });
            res.end(text);
          });
        });
        up.on('error', () => res.destroy());
        up.end(Buffer.concat(chunks));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A promise with its resolve, that also settles by itself after `ms` (so a script never hangs a test). */
export function gate(ms = 20_000): { promise: Promise<void>; open: () => void; opened: () => boolean } {
  let open!: () => void;
  let done = false;
  const promise = new Promise<void>((resolve) => {
    open = () => {
      done = true;
      resolve();
    };
    setTimeout(resolve, ms).unref();
  });
  return { promise, open, opened: () => done };
}
