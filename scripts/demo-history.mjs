// npm run demo:history: a month of nightly runs on vllm-sim, and the change point in them, through
// the production path (the bundled CLI, which boots `vllm-sim` from PATH exactly as it boots `vllm`).
//   1. 30 "nightly" runs of a two-point concurrency sweep, each at a commit of its own (GITHUB_SHA);
//      from night 21 on, the engine build is 12% slower (VLLM_SIM_ARGS stands for the new build);
//   2. `vllm-perf-gate history` over them prints the change points, and writes the dashboard.
// The demo succeeds when a throughput regression is found at night 21 (give or take a night).
//   npm run demo:history [-- --out DIR] [-- --cli PATH]   (default out/demo-history, bin/vllm-perf-gate.js)
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const NIGHTS = 30;
const SLOW_FROM = 20; // index: night 21
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { out: { type: 'string' }, cli: { type: 'string' } } });
const bin = mkdtempSync(path.join(tmpdir(), 'vpg-demo-history-bin-'));
process.on('exit', () => rmSync(bin, { recursive: true, force: true }));
process.on('SIGINT', () => process.exit(130));
process.on('SIGTERM', () => process.exit(143));
symlinkSync(path.join(root, 'bin', 'vllm-sim.js'), path.join(bin, 'vllm-sim'));
const out = path.resolve(values.out ?? path.join(root, 'out', 'demo-history'));
const runs = path.join(out, 'runs');
rmSync(runs, { recursive: true, force: true });
mkdirSync(runs, { recursive: true });
const cli = path.resolve(values.cli ?? path.join(root, 'bin', 'vllm-perf-gate.js'));
const env = { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` };
const config = path.join(out, 'nightly.yml');
writeFileSync(
  config,
  [
    '# The demo nightly: a short concurrency sweep on vllm-sim (seeded, so nights differ by run noise only).',
    'version: 1',
    'id: demo-nightly',
    'server:',
    '  command: vllm-sim',
    '  model: Qwen/Qwen2.5-0.5B-Instruct',
    '  args: { max-model-len: 4096, sim-startup-s: 0.2, sim-time-scale: 2.5, sim-seed: 1 }',
    'suites:',
    '  - name: sweep',
    '    kind: serving',
    '    dataset: { type: random, input-len: 64, output-len: 32, num-prompts: 16, seed: 1 }',
    '    concurrency: [2, 8]',
    '    prompts-per-concurrency: 8',
    '    ignore-eos: true',
    'thresholds:',
    '  median_ttft_ms: observe',
    '  startup_time_s: observe',
    '',
  ].join('\n'),
);

const commit = (i) => (0x1000 + i).toString(16).repeat(10);
for (let i = 0; i < NIGHTS; i++) {
  const slow = i >= SLOW_FROM;
  process.stderr.write(
    `night ${String(i + 1).padStart(2)}/${NIGHTS} at commit ${commit(i).slice(0, 12)}${slow ? ' (the slower build)' : ''}\n`,
  );
  const r = spawnSync(
    process.execPath,
    [cli, 'run', '--config', config, '--out', path.join(runs, `night-${String(i + 1).padStart(2, '0')}`)],
    {
      cwd: root,
      env: { ...env, GITHUB_SHA: commit(i), GITHUB_REF: 'refs/heads/main', VLLM_SIM_ARGS: slow ? '--sim-slowdown 1.12' : '' },
      stdio: ['ignore', 'ignore', 'pipe'],
      encoding: 'utf8',
    },
  );
  if (r.status !== 0 && r.status !== 1) {
    process.stderr.write(`${r.stderr}\nnight ${i + 1} failed (exit ${r.status})\n`);
    process.exit(1);
  }
}

const step = (args) =>
  spawnSync(process.execPath, [cli, 'history', '--history', runs, '--config', config, ...args], { cwd: root, env, encoding: 'utf8' });
const text = step([]);
process.stdout.write(
  `\n$ vllm-perf-gate history --history ${path.relative(root, runs)} --config ${path.relative(root, config)}\n${text.stdout}`,
);
const html = path.join(out, 'history.html');
step(['--format', 'html', '--out', html]);
const json = JSON.parse(step(['--format', 'json']).stdout);
const found = json.changePoints.find(
  (c) => c.metric === 'output_throughput' && c.direction === 'regression' && Math.abs(c.index - SLOW_FROM) <= 1,
);
process.stderr.write(`\nthe dashboard: ${path.relative(process.cwd(), html) || html}\n`);
if (found) {
  process.stderr.write(
    `The history found the slower build: ${found.metric} at ${found.label} ${(found.change * 100).toFixed(1)}% from night ${found.index + 1}, commits ${found.commitBefore?.slice(0, 12)}..${found.commit?.slice(0, 12)}.\n`,
  );
  process.exit(0);
}
process.stderr.write(
  `No throughput regression was found at night ${SLOW_FROM + 1}: ${JSON.stringify(json.changePoints.map((c) => [c.metric, c.index]))}\n`,
);
process.exit(1);
