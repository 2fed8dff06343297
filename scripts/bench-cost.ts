// npm run bench:cost [-- --preset nightly|sweep|both --runs R --history H --pool P --scale F
//                       --run-cv CV --tolerance T --margin M --min-requests N --profile NAME]
//
// The default (one trial per cell, both presets) is a smoke run that keeps to a few minutes; rates
// worth reading need more trials, e.g. --preset nightly --runs 10 --history 8 --pool 12 (about
// 12 minutes).
//
// GPU-seconds per verdict, the preset's fixed request count vs adaptive points (a suite's `stop`),
// on vllm-sim, with the false-alarm rate and the detection rate of a 5% and a 10% slowdown each
// mode reaches.
//
// Presets: "nightly" is vllm-nightly's QPS 16 point (Poisson, 200 prompts, seed 0) on random
// 256 in / 128 out prompts in place of ShareGPT, which the bench cannot fetch; "sweep" is the
// concurrency-sweep preset (closed loop at 1..32, random 256 in / 128 out, ignore-eos, seed 42,
// prompts-per-concurrency 10: 10 × C requests at concurrency C). Adaptive is `stop: { when:
// precise, margin: M%, min-requests: N }` with the gate's decision lines from the baseline, the
// preset's count being the cap.
//
// The simulator serves the l4-qwen2.5-0.5b profile (step costs fitted to one L4, with per-step and
// front-end jitter; sim-fast has none, so any count would look precise). It runs with
// --sim-time-scale F: every simulated duration is F times the L4's, so a GPU-second is F wall
// seconds, and the nightly point's arrival rate is 16 / F per wall second to keep the L4's load.
// Each run boots its own simulator, which draws its own run factor (--sim-run-cv): the run-to-run
// variance a GPU has. Per preset: a pool of P baseline runs (--pool, default 2H) at no slowdown that
// send every request (adaptive with a margin nothing reaches, for the prefix figures a cut point is
// compared with, as the Action's baseline mode makes them), then R trials at each of 0%, 5% and 10%
// slowdown (--sim-slowdown): each draws H runs of the pool (--history) and judges one run of each
// mode against them with the gate (compareRuns, `thresholds.default` at ±T instead of the product's
// -5% / +10%, under which a 5% slowdown is no regression at all), with a confirmation rerun of
// flagged points made as the pipeline makes it (the same history, never cut before the requests the
// first look was judged over). GPU-seconds per verdict = the seconds the modelled GPU was busy with
// measured load (each point's duration / F), confirmation reruns included; start-up, warm-up and
// the baseline runs are left out on both sides.
import { build } from 'esbuild';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compareRuns } from '../src/compare/compare.js';
import type { GateSettings } from '../src/compare/settings.js';
import { mergeConfirmation, pointsToConfirm } from '../src/compare/confirm.js';
import { decisionLines } from '../src/compare/decision-lines.js';
import { countOf, figuresAt, judgedCount } from '../src/compare/prefix.js';
import { loadConfigText } from '../src/config/load.js';
import { gateSettingsFor } from '../src/pipeline.js';
import type { ResultsDocument } from '../src/results/schema-types.gen.js';
import { runPlan, type RunPlanOptions } from '../src/suites/run-plan.js';

const args = process.argv.slice(2);
const argOf = (name: string, dflt: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : dflt;
};
const numOf = (name: string, dflt: number): number => Number(argOf(name, String(dflt)));

const RUNS = numOf('--runs', 1);
const HISTORY = numOf('--history', 3);
const POOL = numOf('--pool', 2 * HISTORY);
const SCALE = numOf('--scale', 0.5);
const RUN_CV = numOf('--run-cv', 0.02);
const TOLERANCE = numOf('--tolerance', 3);
const MARGIN = numOf('--margin', 2);
const MIN_REQUESTS = argOf('--min-requests', '');
const PROFILE = argOf('--profile', 'l4-qwen2.5-0.5b');
const PRESETS = ((): Preset[] => {
  const p = argOf('--preset', 'both');
  return p === 'both' ? ['nightly', 'sweep'] : [p as Preset];
})();
const SLOWDOWNS: readonly number[] = [0, 0.05, 0.1];

type Preset = 'nightly' | 'sweep';
interface Arm {
  preset: Preset;
  adaptive: boolean;
  /** Requests per point (fixed) or the cap per point (adaptive). */
  count: number;
  minRequests: number;
  /** A baseline run of the shared pool: adaptive (for its prefix figures) with a margin nothing reaches, so it sends every request. */
  pool?: boolean;
}

/** The preset's count fixed, and adaptive with it as the cap (the product's default min-requests, 64). */
function arms(preset: Preset): Arm[] {
  const count = preset === 'nightly' ? 200 : 10;
  const minRequests = MIN_REQUESTS !== '' ? Number(MIN_REQUESTS) : 64;
  return [
    { preset, adaptive: false, count, minRequests: 0 },
    { preset, adaptive: true, count, minRequests },
  ];
}

const armName = (a: Arm): string =>
  a.adaptive
    ? `adaptive ±${MARGIN}%, min ${a.minRequests}, cap ${a.count}${a.preset === 'sweep' ? '×C' : ''}`
    : `fixed ${a.count}${a.preset === 'sweep' ? '×C' : ''}${a.count === (a.preset === 'nightly' ? 200 : 10) ? ' (preset)' : ''}`;

function suiteLines(arm: Arm): string[] {
  const stop = arm.adaptive ? [`    stop: { when: precise, margin: ${arm.pool ? 0 : MARGIN}%, min-requests: ${arm.minRequests} }`] : [];
  if (arm.preset === 'nightly')
    return [
      '  - name: nightly-qps16',
      '    kind: serving',
      `    dataset: { type: random, input-len: 256, output-len: 128, num-prompts: ${arm.count}, seed: 0 }`,
      `    request-rates: [${16 / SCALE}]`,
      '    burstiness: 1',
      '    seed: 0',
      '    ignore-eos: true',
      ...stop,
    ];
  return [
    '  - name: concurrency-sweep',
    '    kind: serving',
    '    dataset: { type: random, input-len: 256, output-len: 128, seed: 42 }',
    '    concurrency: [1, 2, 4, 8, 16, 32]',
    `    prompts-per-concurrency: ${arm.count}`,
    '    ignore-eos: true',
    ...stop,
  ];
}

function configText(arm: Arm, slowdown: number): string {
  return [
    'version: 1',
    'id: bench-cost',
    'server:',
    '  command: vllm-sim',
    '  model: bench-cost/sim',
    '  args:',
    `    sim-profile: ${PROFILE}`,
    '    max-model-len: 2048',
    '    sim-startup-s: 0.3',
    `    sim-time-scale: ${SCALE}`,
    `    sim-run-cv: ${RUN_CV}`,
    `    sim-slowdown: ${1 + slowdown}`,
    '  startup-timeout: 30s',
    '  metrics-interval: 0',
    // The client shares 2 cores with the simulator and other jobs: the limits test/support/sim.ts
    // uses, so a late timestamp is noise the figures carry rather than a dropped point. Invalid
    // points are still counted and printed.
    'client:',
    '  max-event-loop-lag: 2s',
    '  max-send-lag: 2s',
    '  min-send-rate: 0.2',
    '  max-coalesced-chunks: 1',
    // --sim-slowdown is a server argument, so a slowed run's fingerprint differs from the baseline's;
    // a regression in a PR does not change the server's arguments, so compare anyway.
    'gate:',
    '  allow-fingerprint-mismatch: true',
    'thresholds:',
    `  default: { throughput: "-${TOLERANCE}%", latency: "+${TOLERANCE}%" }`,
    'suites:',
    ...suiteLines(arm),
    '',
  ].join('\n');
}

/** Seconds the modelled GPU was busy with each point's measured load (wall seconds / time scale). */
function gpuSeconds(doc: ResultsDocument, keys?: Set<string>): number {
  let s = 0;
  for (const suite of doc.suites)
    for (const p of suite.points) if (!keys || keys.has(`${suite.name}/${p.key}`)) s += Number(p.metrics.duration ?? 0);
  return s / SCALE;
}

/** Requests measured per point, and how adaptive points stopped. */
function pointStats(doc: ResultsDocument): { requests: number[]; how: string[] } {
  const requests: number[] = [];
  const how: string[] = [];
  for (const suite of doc.suites)
    for (const p of suite.points) {
      const stops = p.stop;
      if (stops)
        for (const s of stops) {
          how.push(s.how);
          requests.push(s.requests);
        }
      else requests.push(Number(p.metrics.completed ?? 0));
    }
  return { requests, how };
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

let runSeq = 0;
const invalidSeen: string[] = [];

async function oneRun(
  dir: string,
  arm: Arm,
  slowdown: number,
  baseline: ResultsDocument[] | null,
  rerun?: Pick<RunPlanOptions, 'only' | 'cutFloor'>,
): Promise<ResultsDocument> {
  const loaded = await loadConfigText(configText(arm, slowdown), path.join(dir, 'perf.yml'));
  const lines = arm.adaptive && baseline && baseline.length > 0 ? decisionLines(baseline, gateSettingsFor(loaded)) : undefined;
  const { doc } = await runPlan(loaded, {
    outDir: path.join(dir, `run-${runSeq++}`),
    ...(lines ? { decisionLines: lines } : {}),
    ...rerun,
  });
  for (const s of doc.suites)
    for (const p of s.points)
      if (!p.validity.valid)
        invalidSeen.push(`${arm.preset} ${armName(arm)} +${slowdown * 100}% ${p.key}: ${p.validity.reasons.join('; ')}`);
  if (doc.error) invalidSeen.push(`${arm.preset} ${armName(arm)} +${slowdown * 100}%: run error ${JSON.stringify(doc.error)}`);
  return doc;
}

interface Cell {
  fails: number;
  trials: number;
  gpuS: number;
  requests: number[];
  how: Record<string, number>;
  invalid: number;
  /** Metrics that failed a verdict, with how many verdicts. */
  failedOn: Record<string, number>;
  /** Each trial's verdict failed (in trial order: the modes' trials are paired). */
  outcomes: boolean[];
}

interface ArmResult {
  arm: Arm;
  cells: Record<number, Cell>;
  /** Adaptive arms: how the baseline pool's figures over its first requests differ from all of them. */
  prefixShift?: string;
}

const SHIFT_METRICS = ['median_ttft_ms', 'median_tpot_ms', 'median_itl_ms', 'median_e2el_ms'];

/**
 * Over the pool's runs, each metric over the first `n` requests against all of them (the mean
 * change) and the run-to-run spread (CV) at both counts: why points are compared over equal counts.
 */
function prefixShift(docs: readonly ResultsDocument[], n: number): string | undefined {
  const pairs = docs.flatMap((d) =>
    d.suites.flatMap((s) =>
      s.points.filter((p) => p.validity.valid).map((p) => ({ whole: p.metrics, part: figuresAt(p, n), count: countOf(p) ?? 0 })),
    ),
  );
  const usable = pairs.filter((x) => x.part !== undefined && x.count > n);
  if (usable.length < 3) return undefined;
  const cv = (xs: number[]): number => {
    const m = xs.reduce((a, v) => a + v, 0) / xs.length;
    return Math.sqrt(xs.reduce((a, v) => a + (v - m) ** 2, 0) / (xs.length - 1)) / m;
  };
  const parts = SHIFT_METRICS.map((m) => {
    const whole = usable.map((x) => Number(x.whole[m]));
    const part = usable.map((x) => Number(x.part![m]));
    const shift = part.reduce((a, v, i) => a + v / whole[i]! - 1, 0) / part.length;
    // A run's standing (its figure over the runs' mean) over n requests, and over all: how far it moves.
    const mean = (xs: number[]): number => xs.reduce((a, v) => a + v, 0) / xs.length;
    const moves = part.map((v, i) => whole[i]! / mean(whole) - v / mean(part));
    const moveSd = Math.sqrt(moves.reduce((a, v) => a + (v - mean(moves)) ** 2, 0) / (moves.length - 1));
    return (
      `${m} ${shift >= 0 ? '+' : ''}${(100 * shift).toFixed(1)}% (run-to-run CV ${(100 * cv(part)).toFixed(1)}% vs ` +
      `${(100 * cv(whole)).toFixed(1)}%; a run's standing moves by sd ${(100 * moveSd).toFixed(2)}%)`
    );
  });
  return `over the first ${n} requests against all of them, in ${usable.length} baseline runs: ${parts.join(', ')}`;
}

/**
 * Both modes of a preset, paired: one pool of baseline runs that sends every request (with the
 * adaptive config's prefix figures, so a cut point finds figures over its count), and for each trial
 * one history drawn from it against which a run of each mode is judged. Each verdict gets its own
 * draw: the gate's noise band comes from the history's spread, so one shared history would make
 * every trial share its luck; and both modes meet the same draws, so their rates differ by the mode.
 */
async function runPreset(dir: string, preset: Preset): Promise<ArmResult[]> {
  const list = arms(preset);
  const adaptive = list.find((a) => a.adaptive)!;
  const baselines: ResultsDocument[] = [];
  for (let i = 0; i < POOL; i++) baselines.push(await oneRun(dir, { ...adaptive, pool: true }, 0, null));
  let draw = 0;
  const nextHistory = (): ResultsDocument[] => {
    const start = draw++;
    return Array.from({ length: Math.min(HISTORY, POOL) }, (_, k) => baselines[(start + k) % POOL]!);
  };
  const results: ArmResult[] = [];
  for (const arm of list) {
    // One point per run (the sweep's levels differ too much to pool).
    const shift = arm.adaptive && preset === 'nightly' ? prefixShift(baselines, arm.minRequests) : undefined;
    results.push({ arm, cells: {}, ...(shift ? { prefixShift: shift } : {}) });
  }
  const settings = gateSettingsFor(await loadConfigText(configText(adaptive, 0), path.join(dir, 'perf.yml')));
  for (const s of SLOWDOWNS) {
    for (const r of results) r.cells[s] = { fails: 0, trials: 0, gpuS: 0, requests: [], how: {}, invalid: 0, failedOn: {}, outcomes: [] };
    for (let i = 0; i < RUNS; i++) {
      const history = nextHistory();
      for (const r of results) await trial(dir, r.arm, s, history, settings, r.cells[s]!);
    }
    for (const r of results) {
      const cell = r.cells[s]!;
      console.error(
        `  ${preset} ${armName(r.arm)} +${s * 100}%: ${cell.fails}/${cell.trials} fail, ${(cell.gpuS / cell.trials).toFixed(1)} GPU-s per verdict`,
      );
    }
  }
  return results;
}

/** One verdict: a run against the history, with the confirmation rerun as the pipeline makes it. */
async function trial(dir: string, arm: Arm, s: number, history: ResultsDocument[], settings: GateSettings, cell: Cell): Promise<void> {
  const current = await oneRun(dir, arm, s, history);
  let report = compareRuns(history, current, settings);
  cell.gpuS += gpuSeconds(current);
  const st = pointStats(current);
  cell.requests.push(...st.requests);
  for (const h of st.how) cell.how[h] = (cell.how[h] ?? 0) + 1;
  for (const su of current.suites) cell.invalid += su.points.filter((p) => !p.validity.valid).length;
  // The flagged points only, against the same history, never cut before the requests the first look was judged over.
  const confirm = pointsToConfirm(report);
  if (confirm.length > 0) {
    const only = [...new Set(confirm.map((c) => c.suite))].map((suite) => ({
      suite,
      keys: confirm.filter((c) => c.suite === suite).map((c) => c.key),
    }));
    const rerun = await oneRun(dir, arm, s, history, { only, cutFloor: judgedCount(report, current) });
    report = mergeConfirmation(report, rerun);
    cell.gpuS += gpuSeconds(rerun);
  }
  cell.trials++;
  cell.outcomes.push(report.verdict === 'fail');
  if (report.verdict !== 'pass' && report.verdict !== 'fail')
    throw new Error(`${arm.preset} ${armName(arm)} +${s * 100}%: the gate judged nothing (${report.verdict}: ${report.summary})`);
  if (report.verdict === 'fail') {
    cell.fails++;
    const failed = new Set(
      report.points.flatMap((p) =>
        p.verdict === 'regressed' ? p.metrics.filter((m) => m.verdict === 'regressed').map((m) => m.metric) : [],
      ),
    );
    for (const m of failed) cell.failedOn[m] = (cell.failedOn[m] ?? 0) + 1;
  }
}

/** Wilson score interval of k successes in n trials, 95%. */
export function wilson(k: number, n: number, z = 1.96): [number, number] {
  if (n === 0) return [0, 1];
  const p = k / n;
  const d = 1 + (z * z) / n;
  const c = (p + (z * z) / (2 * n)) / d;
  const h = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d;
  return [Math.max(0, c - h), Math.min(1, c + h)];
}

const rate = (c: Cell): string => {
  const [lo, hi] = wilson(c.fails, c.trials);
  return `${c.fails}/${c.trials} (${(100 * lo).toFixed(0)}–${(100 * hi).toFixed(0)}%)`;
};
const gpu = (r: ArmResult): number =>
  SLOWDOWNS.reduce((a, s) => a + r.cells[s]!.gpuS, 0) / SLOWDOWNS.reduce((a, s) => a + r.cells[s]!.trials, 0);
const detects = (r: ArmResult, s: number): number => r.cells[s]!.fails / r.cells[s]!.trials;

function requestsText(r: ArmResult): string {
  const all = SLOWDOWNS.flatMap((s) => r.cells[s]!.requests);
  const how: Record<string, number> = {};
  for (const s of SLOWDOWNS) for (const [h, n] of Object.entries(r.cells[s]!.how)) how[h] = (how[h] ?? 0) + n;
  const mean = all.reduce((a, v) => a + v, 0) / Math.max(1, all.length);
  const hows = Object.entries(how)
    .map(([h, n]) => `${h} ${n}`)
    .join(', ');
  return `${mean.toFixed(0)}${hows ? ` (${hows})` : ''}`;
}

function printPreset(results: ArmResult[]): string {
  const preset = results[0]!.arm.preset;
  const title = preset === 'nightly' ? 'vllm-nightly QPS 16 (random 256/128 for ShareGPT)' : 'concurrency-sweep';
  console.log(`\n${title}`);
  console.log('| mode | requests per point (stops) | GPU-s per verdict | false alarms at 0% | detects 5% | detects 10% | invalid points |');
  console.log('|---|--:|--:|--:|--:|--:|--:|');
  for (const r of results)
    console.log(
      `| ${armName(r.arm)} | ${requestsText(r)} | ${gpu(r).toFixed(1)} | ${rate(r.cells[0]!)} | ${rate(r.cells[0.05]!)} | ${rate(r.cells[0.1]!)} | ${SLOWDOWNS.reduce((a, s) => a + r.cells[s]!.invalid, 0)} |`,
    );
  for (const r of results)
    for (const s of SLOWDOWNS) {
      const on = Object.entries(r.cells[s]!.failedOn)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 6)
        .map(([m, n]) => `${m} ${n}`)
        .join(', ');
      if (on) console.log(`- ${armName(r.arm)}, +${s * 100}%: metrics regressed in failed verdicts (gated or observed): ${on}`);
    }
  const adaptive = results.find((r) => r.arm.adaptive)!;
  if (adaptive.prefixShift) console.log(`- ${title}, ${adaptive.prefixShift}`);
  const fixed = results.filter((r) => !r.arm.adaptive);
  const shipped = fixed[0]!;
  const ratio = (f: ArmResult): string => `${((100 * gpu(adaptive)) / gpu(f)).toFixed(0)}%`;
  const verdict = (f: ArmResult): string => {
    const pts = (100 * gpu(adaptive)) / gpu(f) - 50;
    return `target ≤ 50%: ${pts <= 0 ? `met, ${(-pts).toFixed(0)} points under` : `not met, ${pts.toFixed(0)} points over`}`;
  };
  const overlap = (a: Cell, b: Cell): boolean => {
    const [al, ah] = wilson(a.fails, a.trials);
    const [bl, bh] = wilson(b.fails, b.trials);
    return al <= bh && bl <= ah;
  };
  const samePower = (f: ArmResult): boolean => SLOWDOWNS.every((s) => overlap(f.cells[s]!, adaptive.cells[s]!));
  const powerDiff = (f: ArmResult): string =>
    [0.05, 0.1]
      .filter((s) => detects(f, s) !== detects(adaptive, s))
      .map(
        (s) =>
          `; at ${s * 100}% adaptive detects ${detects(adaptive, s) > detects(f, s) ? 'more' : 'less'} often (${adaptive.cells[s]!.fails}/${adaptive.cells[s]!.trials} vs ${f.cells[s]!.fails}/${f.cells[s]!.trials})`,
      )
      .join('');
  // Paired trials (the same history draw): where the modes' verdicts differ, and which way.
  const discordant = (f: ArmResult): string =>
    SLOWDOWNS.map((s) => {
      const a = adaptive.cells[s]!.outcomes;
      const b = f.cells[s]!.outcomes;
      const onlyFixed = b.filter((x, i) => x && !a[i]).length;
      const onlyAdaptive = a.filter((x, i) => x && !b[i]).length;
      return `+${s * 100}%: ${onlyFixed} failed by fixed only, ${onlyAdaptive} by adaptive only`;
    }).join('; ');
  const lines: string[] = [];
  lines.push(
    `${title}: adaptive ${gpu(adaptive).toFixed(1)} vs fixed ${gpu(shipped).toFixed(1)} GPU-s per verdict = ${ratio(shipped)} ` +
      `(${verdict(shipped)}); rates ${samePower(shipped) ? 'indistinguishable (95% intervals overlap)' : 'differ (95% intervals apart)'}` +
      `${powerDiff(shipped)}.`,
  );
  lines.push(`${title}, paired verdicts (same history draw): ${discordant(shipped)}.`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vpg-bench-cost-'));
  process.env.PATH = `${await simPath(dir)}:${process.env.PATH ?? ''}`;
  const t0 = Date.now();
  const byPreset: ArmResult[][] = [];
  try {
    for (const preset of PRESETS) {
      byPreset.push(await runPreset(dir, preset));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const conclusions = byPreset.map(printPreset);
  console.log(
    `\n${RUNS} trials per cell (rates with 95% Wilson intervals), each judged against its own ${HISTORY} of a pool of ${POOL} baseline runs per mode; profile ${PROFILE} at ` +
      `sim-time-scale ${SCALE} (GPU-s = busy wall s / ${SCALE}), sim-run-cv ${RUN_CV}; thresholds ±${TOLERANCE}%; ` +
      `${((Date.now() - t0) / 1000).toFixed(0)} s wall.`,
  );
  if (invalidSeen.length > 0) console.log(`invalid points (${invalidSeen.length}):\n  ${invalidSeen.slice(0, 10).join('\n  ')}`);
  else console.log('invalid points: none');
  console.log(`\n${conclusions.join('\n')}`);
  console.log(`command: npm run bench:cost${args.length > 0 ? ` -- ${args.join(' ')}` : ''}`);
}

await main();
