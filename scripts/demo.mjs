// npm run demo: the whole gate on vllm-sim, through the production path (the bundled CLI, which
// boots `vllm-sim` from PATH exactly as it boots `vllm`).
//   1. a "nightly" run on the main branch stores the baseline;
//   2. a "pull request" run of an engine build that is 15% slower (VLLM_SIM_ARGS stands for the
//      new build: the server's flags, and so the run's fingerprint, do not change) is judged
//      against it, and the PR comment the Action would post is printed.
// The demo succeeds when the gate fails that PR.
//   npm run demo [-- --out DIR]   (default out/demo)
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { out: { type: 'string' } } });
const bin = mkdtempSync(path.join(tmpdir(), 'vpg-demo-bin-'));
// The temporary PATH folder goes however the demo ends: success, a failed step, an error, Ctrl-C.
process.on('exit', () => rmSync(bin, { recursive: true, force: true }));
process.on('SIGINT', () => process.exit(130));
process.on('SIGTERM', () => process.exit(143));
symlinkSync(path.join(root, 'bin', 'vllm-sim.js'), path.join(bin, 'vllm-sim'));
const out = path.resolve(values.out ?? path.join(root, 'out', 'demo'));
// Only the demo's own folders are cleared: --out may name a folder that holds other things.
for (const d of ['baseline', 'pr']) rmSync(path.join(out, d), { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const cli = path.join(root, 'bin', 'vllm-perf-gate.js');
const config = path.join(root, 'examples', 'demo.yml');
const env = { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` };

function step(title, args, extraEnv = {}) {
  process.stderr.write(`\n\u001b[1m== ${title}\u001b[0m\n$ vllm-perf-gate ${args.join(' ')}\n`);
  const r = spawnSync(process.execPath, [cli, ...args], {
    cwd: root,
    env: { ...env, ...extraEnv },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return r.status ?? 1;
}

const base = step('1/2 nightly run on main: the baseline', ['run', '--config', config, '--out', path.join(out, 'baseline')]);
if (base !== 0) {
  process.stderr.write(`\nthe baseline run failed (exit ${base}); see ${path.join(out, 'baseline')}\n`);
  process.exit(1);
}
const pr = step(
  '2/2 pull request: an engine build 15% slower, judged against the baseline (the PR comment follows)',
  [
    'run',
    '--config',
    config,
    '--out',
    path.join(out, 'pr'),
    '--baseline',
    path.join(out, 'baseline', 'results.json'),
    '--format',
    'markdown',
  ],
  { VLLM_SIM_ARGS: '--sim-slowdown 1.15' },
);
const verdict = JSON.parse(readFileSync(path.join(out, 'pr', 'verdict.json'), 'utf8'));
process.stderr.write(
  `\nverdict: ${verdict.verdict} (${verdict.summary})\nresults, server logs, vLLM-format files and the report are in ${path.relative(process.cwd(), out) || out}/\n`,
);
if (pr === 1 && verdict.verdict === 'fail') {
  process.stderr.write('The gate caught the injected 15% slowdown: in a workflow this step fails and blocks the merge.\n');
  process.exit(0);
}
process.stderr.write(`The gate did not fail the slower build (exit ${pr}, verdict ${verdict.verdict}).\n`);
process.exit(1);
