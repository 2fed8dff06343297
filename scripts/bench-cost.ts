// npm run bench:cost [-- --suite concurrency-sweep|rate --runs R --history H --scale F --run-cv CV --margin M --max-per-level N]
//
// GPU-seconds per verdict, fixed request counts vs adaptive points (a suite's `stop`), on vllm-sim.
// The concurrency-sweep preset's suite (closed loop at 1..32, random 256 in / 128 out, ignore-eos,
// 10 requests per level) is run as it is ("fixed") and with `stop: { when: precise }` and a larger
// cap per level ("adaptive"). Each run boots its own simulator, so each draws its own run-level
// factor (--sim-run-cv): the run-to-run variance a GPU has. For each mode: H baseline runs, then R
// runs at each of no slowdown, 5% and 10% (--sim-slowdown), each judged by the gate's defaults
// (compareRuns, and a confirmation rerun of flagged points, taken from the next run of the same
// pool). GPU-seconds = the time the server was busy with measured load (each point's duration),
// confirmation reruns included. Start-up, warm-up and the baseline runs are left out of both sides.
import { build } from 'esbuild';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compareRuns } from '../src/compare/compare.js';
import { mergeConfirmation, pointsToConfirm } from '../src/compare/confirm.js';
import { loadConfigText } from '../src/config/load.js';
import { gateSettingsFor } from '../src/pipeline.js';
import type { ResultsDocument } from '../src/results/schema-types.gen.js';
import { runPlan } from '../src/suites/run-plan.js';

const args = process.argv.slice(2);
const argOf = (name: string, dflt: number): number => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : dflt;
};
const RUNS = argOf('--runs', 4);
const HISTORY = argOf('--history', 3);
// 2 = 4 ms decode steps: the fastest clock at which a loaded 2-core machine still reads every token
// chunk on its own (docs/vllm-sim.md).
const SCALE = argOf('--scale', 2);
const RUN_CV = argOf('--run-cv', 0.02);
const MARGIN = argOf('--margin', 5);
const MAX_PER_LEVEL = argOf('--max-per-level', 40);
const SLOWDOWNS = [0, 0.05, 0.1];
// concurrency-sweep: the preset's closed-loop suite. rate: vllm-nightly's QPS 16 point (Poisson,
// 200 prompts) on random 256 in / 128 out prompts instead of ShareGPT, which the bench cannot fetch.
const SUITE = args.includes('--suite') ? args[args.indexOf('--suite') + 1]! : 'concurrency-sweep';

function suiteLines(mode: Mode): string[] {
  const stop = mode === 'adaptive' ? [`    stop: { when: precise, margin: ${MARGIN}%, min-requests: 64 }`] : [];
  if (SUITE === 'rate')
    return [
      '  - name: nightly-qps16',
      '    kind: serving',
      '    dataset: { type: random, input-len: 256, output-len: 128, num-prompts: 200, seed: 0 }',
      '    request-rates: [16]',
      '    ignore-eos: true',
      ...stop,
    ];
  return [
    '  - name: concurrency-sweep',
    '    kind: serving',
    '    dataset: { type: random, input-len: 256, output-len: 128, seed: 42 }',
    '    concurrency: [1, 2, 4, 8, 16, 32]',
    `    prompts-per-concurrency: ${mode === 'fixed' ? 10 : MAX_PER_LEVEL}`,
    '    ignore-eos: true',
    ...(mode === 'adaptive' ? [`    stop: { when: precise, margin: ${MARGIN}%, min-requests: 20 }`] : []),
  ];
}

type Mode = 'fixed' | 'adaptive';

function configText(mode: Mode, slowdown: number): string {
  return [
    'version: 1',
    'id: bench-cost',
    'server:',
    '  command: vllm-sim',
    '  model: bench-cost/sim',
    '  args:',
    '    max-model-len: 2048',
    '    sim-startup-s: 0.3',
    `    sim-time-scale: ${SCALE}`,
    `    sim-run-cv: ${RUN_CV}`,
    `    sim-slowdown: ${1 + slowdown}`,
    '  startup-timeout: 30s',
    '  metrics-interval: 0',
    'suites:',
    ...suiteLines(mode),
    '',
  ].join('\n');
}

/** Seconds the server was busy with each point's measured load. */
function busySeconds(doc: ResultsDocument, keys?: Set<string>): number {
  let s = 0;
  for (const suite of doc.suites)
    for (const p of suite.points) if (!keys || keys.has(`${suite.name}/${p.key}`)) s += Number(p.metrics.duration ?? 0);
  return s;
}

async function simPath(dir: string): Promise<string> {
  const js = path.join(dir, 'sim.mjs');
  await build({
    entryPoints: ['sim/cli.ts'],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: js,
    logLevel: 'error',
    banner: { js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" },
  });
  const shim = path.join(dir, 'vllm-sim');
  writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${js}" "$@"\n`);
  chmodSync(shim, 0o755);
  return dir;
}

async function oneRun(dir: string, mode: Mode, slowdown: number, i: number): Promise<ResultsDocument> {
  const loaded = await loadConfigText(configText(mode, slowdown), path.join(dir, 'perf.yml'));
  const { doc } = await runPlan(loaded, { outDir: path.join(dir, `${mode}-${slowdown}-${i}`) });
  const invalid = doc.suites.flatMap((s) =>
    s.points.filter((p) => !p.validity.valid).map((p) => `${p.key}: ${p.validity.reasons.join('; ')}`),
  );
  if (invalid.length > 0) console.error(`  ${mode} +${slowdown * 100}% #${i}: invalid points: ${invalid.join(' | ')}`);
  return doc;
}

interface Cell {
  alarms: number;
  trials: number;
  gpuS: number;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vpg-bench-cost-'));
  process.env.PATH = `${await simPath(dir)}:${process.env.PATH ?? ''}`;
  const t0 = Date.now();
  const table: Record<Mode, Record<number, Cell>> = { fixed: {}, adaptive: {} };
  try {
    for (const mode of ['fixed', 'adaptive'] as const) {
      const history: ResultsDocument[] = [];
      for (let i = 0; i < HISTORY; i++) history.push(await oneRun(dir, mode, 0, i));
      const settings = gateSettingsFor(await loadConfigText(configText(mode, 0), path.join(dir, 'perf.yml')));
      for (const s of SLOWDOWNS) {
        const pool: ResultsDocument[] = [];
        for (let i = 0; i < RUNS; i++) pool.push(await oneRun(dir, mode, s, i + 100));
        const cell: Cell = { alarms: 0, trials: 0, gpuS: 0 };
        pool.forEach((current, i) => {
          let report = compareRuns(history, current, settings);
          cell.gpuS += busySeconds(current);
          const confirm = pointsToConfirm(report);
          if (confirm.length > 0) {
            const rerun = pool[(i + 1) % pool.length]!;
            report = mergeConfirmation(report, rerun);
            cell.gpuS += busySeconds(rerun, new Set(confirm.map((c) => `${c.suite}/${c.key}`)));
          }
          cell.trials++;
          if (report.verdict === 'fail') cell.alarms++;
        });
        table[mode][s] = cell;
        console.error(
          `${mode} +${s * 100}%: ${cell.alarms}/${cell.trials} fail, ${(cell.gpuS / cell.trials).toFixed(1)} GPU-s per verdict`,
        );
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  printTable(table);
  console.log(
    `\n${RUNS} runs per cell, ${HISTORY} baseline runs per mode; sim-time-scale ${SCALE}, sim-run-cv ${RUN_CV}; ${((Date.now() - t0) / 1000).toFixed(0)} s wall.`,
  );
}

function printTable(table: Record<Mode, Record<number, Cell>>): void {
  const pct = (c: Cell): string => `${((100 * c.alarms) / c.trials).toFixed(0)}% (${c.alarms}/${c.trials})`;
  const gpu = (m: Mode): number =>
    SLOWDOWNS.reduce((a, s) => a + table[m][s]!.gpuS, 0) / SLOWDOWNS.reduce((a, s) => a + table[m][s]!.trials, 0);
  console.log('| mode | GPU-s per verdict | false alarms (A/A) | detects 5% | detects 10% |');
  console.log('|---|--:|--:|--:|--:|');
  for (const m of ['fixed', 'adaptive'] as const)
    console.log(
      `| ${SUITE}: ${m === 'fixed' ? 'fixed counts' : `adaptive (±${MARGIN}%)`} | ${gpu(m).toFixed(1)} | ${pct(table[m][0]!)} | ${pct(table[m][0.05]!)} | ${pct(table[m][0.1]!)} |`,
    );
  console.log(`\nadaptive / fixed GPU time: ${((100 * gpu('adaptive')) / gpu('fixed')).toFixed(0)}%`);
}

await main();
