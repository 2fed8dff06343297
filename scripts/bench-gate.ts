// npm run bench:gate [-- --trials N --seed S]
//
// Replays simulated runs through the gate (compareRuns, and the confirmation rerun) and prints, per
// metric, the false alarm rate on A/A pairs and the detection rate of 5% and 10% slowdowns, with a
// one-run and a five-run baseline, next to the same data judged by plain ratio rules.
//
// Noise model (from repeated runs measured on one machine, mirroring vllm-sim's --sim-run-cv and
// per-step jitter):
// each run draws one log-normal factor f with CV 2% that moves throughput (÷ f) and every latency
// (× f) together; on top, each metric has its own run noise: median ITL 1% (per-step jitter),
// median TPOT and E2E 0.5%, median TTFT 8%, p99 ITL 10%. A slowdown of s makes every figure s worse:
// throughputs × (1 − s), latencies × (1 + s). Repeats and confirmation reruns are independent runs.
import { compareAB } from '../src/compare/ab.js';
import { compareRuns } from '../src/compare/compare.js';
import { mergeConfirmation, pointsToConfirm } from '../src/compare/confirm.js';
import { metricInfo } from '../src/catalog/metrics.js';
import { gateSettings, type GateSettings } from '../src/compare/settings.js';
import { parseThresholds } from '../src/config/thresholds.js';
import type { Gate, Thresholds } from '../src/config/schema-types.gen.js';
import { Rng } from '../src/load/rng.js';
import type { MetricMap, ResultsDocument } from '../src/results/schema-types.gen.js';

const args = process.argv.slice(2);
const argOf = (name: string, dflt: number): number => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : dflt;
};
const TRIALS = argOf('--trials', 4000);
const SEED = argOf('--seed', 20261122);
const RUN_CV = 0.02;
// A/B: interleaving puts A and B of a round on the same machine state, so they share the run-level
// factor (runs on one machine move together); each run keeps a residual of its own, assumed 1%.
const AB_RESIDUAL_CV = 0.01;
const AB_ROUNDS = [2, 3, 5];

interface MetricModel {
  name: string;
  base: number;
  /** The metric's own run-to-run CV on top of the shared factor. */
  extraCv: number;
}
const MODEL: MetricModel[] = [
  { name: 'output_throughput', base: 1500, extraCv: 0 },
  { name: 'request_throughput', base: 6, extraCv: 0 },
  { name: 'total_token_throughput', base: 3000, extraCv: 0 },
  { name: 'median_ttft_ms', base: 80, extraCv: 0.08 },
  { name: 'median_tpot_ms', base: 20, extraCv: 0.005 },
  { name: 'median_itl_ms', base: 20, extraCv: 0.01 },
  { name: 'median_e2el_ms', base: 5000, extraCv: 0.005 },
  { name: 'p99_itl_ms', base: 45, extraCv: 0.1 },
];
const SHOWN = ['output_throughput', 'median_itl_ms', 'median_tpot_ms', 'median_e2el_ms', 'median_ttft_ms', 'p99_itl_ms'];

function factor(rng: Rng, cv: number): number {
  if (cv <= 0) return 1;
  const s2 = Math.log(1 + cv * cv);
  return Math.exp(Math.sqrt(s2) * rng.normal() - s2 / 2);
}

/** One run's figures; `shared` is a run-level factor drawn by the caller (A/B rounds). */
function drawRun(rng: Rng, slowdown: number, shared?: number): MetricMap {
  const f = shared === undefined ? factor(rng, RUN_CV) : shared * factor(rng, AB_RESIDUAL_CV);
  const m: MetricMap = {};
  for (const x of MODEL) {
    const e = factor(rng, x.extraCv);
    m[x.name] = metricInfo(x.name).direction === 'higher-is-better' ? (x.base * (1 - slowdown)) / (f * e) : x.base * (1 + slowdown) * f * e;
  }
  return m;
}

/** A run of `repeats` independent draws, as compareRuns reads it. */
function doc(draws: MetricMap[], id: number): ResultsDocument {
  const metrics: MetricMap = {};
  for (const x of MODEL) metrics[x.name] = draws.reduce((s, d) => s + (d[x.name] as number), 0) / draws.length;
  return {
    'schema-version': 1,
    tool: { name: 'vllm-perf-gate', version: 'bench' },
    run: {
      id: `r${id}`,
      'started-at': new Date(Date.UTC(2026, 0, 1) + id * 60_000).toISOString(),
      'config-id': 'bench',
      'config-hash': 'x',
    },
    environment: { fingerprint: { 'gpu-name': 'H100', 'gpu-count': 1, model: 'm', 'server-args': [] } },
    suites: [
      {
        name: 'sweep',
        kind: 'serving',
        points: [
          { key: 'concurrency=8', metrics, ...(draws.length > 1 ? { repeats: draws } : {}), validity: { valid: true, reasons: [] } },
        ],
      },
    ],
    status: 'complete',
  };
}

interface Trial {
  history: MetricMap[][]; // [run][repeat]
  current: MetricMap[];
  rerun: MetricMap[];
}

function drawTrial(rng: Rng, n: number, slowdown: number): Trial {
  const runs = (k: number, s: number): MetricMap[] => Array.from({ length: k }, () => drawRun(rng, s));
  return { history: Array.from({ length: n }, () => runs(2, 0)), current: runs(2, slowdown), rerun: runs(2, slowdown) };
}

interface Variant {
  name: string;
  /** Gate variants: repeats per run (the history used the same), confirmation, settings. */
  gate?: { repeat: number; confirm: boolean; settings: GateSettings };
  /** Ratio variants: alert when worse/better ratio to the previous run exceeds this. */
  ratio?: number;
}

function settingsWith(
  confidence: number,
  confirm: boolean,
  thresholds?: Thresholds,
  noiseFloor?: NonNullable<Gate['noise-floor']>,
): GateSettings {
  return gateSettings({
    thresholds: parseThresholds(thresholds, { path: 'thresholds' }),
    gate: { confidence, 'confirm-regressions': confirm, ...(noiseFloor ? { 'noise-floor': noiseFloor } : {}) },
  });
}

const VARIANTS: Variant[] = [
  { name: 'ratio to the previous run, alert at 200% (github-action-benchmark default)', ratio: 2 },
  { name: 'ratio to the previous run, alert at 105%', ratio: 1.05 },
  {
    name: 'one current run, no confirmation, TTFT floor 0.15 (-5% / +10%, confidence 0.99)',
    gate: { repeat: 1, confirm: false, settings: settingsWith(0.99, false, undefined, { ttft: 0.15 }) },
  },
  {
    name: 'confirm-regressions: true, TTFT floor 0.15 (each look at 0.90)',
    gate: { repeat: 1, confirm: true, settings: settingsWith(0.99, true, undefined, { ttft: 0.15 }) },
  },
  {
    name: 'gate defaults: confirm-regressions: true + noise-floor.ttft 0.3',
    gate: { repeat: 1, confirm: true, settings: settingsWith(0.99, true, undefined, { ttft: 0.3 }) },
  },
  {
    name: 'repeat: 2, no confirmation (the history runs repeat 2 as well)',
    gate: { repeat: 2, confirm: false, settings: settingsWith(0.99, false, undefined, { ttft: 0.15 }) },
  },
  {
    name: 'gate, latency "+5%" + confirm-regressions: true',
    gate: { repeat: 1, confirm: true, settings: settingsWith(0.99, true, { default: { latency: '+5%' } }) },
  },
];

type Counts = Map<string, number>; // metric (or '(run)') -> alarms

function judge(v: Variant, t: Trial, idBase: number): Set<string> {
  const flagged = new Set<string>();
  if (v.ratio !== undefined) {
    const prev = t.history[t.history.length - 1]![0]!;
    const cur = t.current[0]!;
    for (const x of MODEL) {
      const higher = metricInfo(x.name).direction === 'higher-is-better';
      const ratio = higher ? (prev[x.name] as number) / (cur[x.name] as number) : (cur[x.name] as number) / (prev[x.name] as number);
      if (ratio > v.ratio) flagged.add(x.name);
    }
    if (['output_throughput', 'median_itl_ms', 'median_tpot_ms', 'median_e2el_ms', 'median_ttft_ms'].some((m) => flagged.has(m)))
      flagged.add('(run)');
    return flagged;
  }
  const g = v.gate!;
  const take = (draws: MetricMap[]): MetricMap[] => draws.slice(0, g.repeat);
  const history = t.history.map((r, i) => doc(take(r), idBase + i));
  let report = compareRuns(history, doc(take(t.current), idBase + 100), g.settings);
  if (g.confirm && pointsToConfirm(report).length > 0) report = mergeConfirmation(report, doc(take(t.rerun), idBase + 200));
  for (const p of report.points) for (const m of p.metrics) if (m.verdict === 'regressed') flagged.add(m.metric);
  if (report.verdict === 'fail') flagged.add('(run)');
  return flagged;
}

const rng = new Rng(SEED);
const sizes = [1, 5];
const slowdowns = [0, 0.05, 0.1];
// results[variant][size][slowdown] -> counts
const results = VARIANTS.map(() => sizes.map(() => slowdowns.map((): Counts => new Map())));
const started = performance.now();
let judged = 0;
for (let si = 0; si < sizes.length; si++) {
  for (let di = 0; di < slowdowns.length; di++) {
    for (let trial = 0; trial < TRIALS; trial++) {
      // Common random numbers: every rule judges the same drawn runs.
      const t = drawTrial(rng, sizes[si]!, slowdowns[di]!);
      VARIANTS.forEach((v, vi) => {
        const counts = results[vi]![si]![di]!;
        for (const m of judge(v, t, trial * 1000)) counts.set(m, (counts.get(m) ?? 0) + 1);
        judged++;
      });
    }
  }
}
// A/B mode: rounds of (A, B) pairs sharing the round's factor, judged by compareAB at the defaults.
const abSettings = settingsWith(0.99, false);
const abResults = AB_ROUNDS.map(() => slowdowns.map((): Counts => new Map()));
for (let ri = 0; ri < AB_ROUNDS.length; ri++) {
  for (let di = 0; di < slowdowns.length; di++) {
    for (let trial = 0; trial < TRIALS; trial++) {
      const a: ResultsDocument[] = [];
      const b: ResultsDocument[] = [];
      for (let r = 0; r < AB_ROUNDS[ri]!; r++) {
        const g = factor(rng, RUN_CV);
        a.push(doc([drawRun(rng, 0, g)], 2 * r));
        b.push(doc([drawRun(rng, slowdowns[di]!, g)], 2 * r + 1));
      }
      const report = compareAB(a, b, abSettings);
      const counts = abResults[ri]![di]!;
      for (const p of report.points)
        for (const m of p.metrics) if (m.verdict === 'regressed') counts.set(m.metric, (counts.get(m.metric) ?? 0) + 1);
      if (report.verdict === 'fail') counts.set('(run)', (counts.get('(run)') ?? 0) + 1);
      judged++;
    }
  }
}
const seconds = (performance.now() - started) / 1000;

const rate = (c: Counts, m: string): string => `${((100 * (c.get(m) ?? 0)) / TRIALS).toFixed(1)}%`;
const out: string[] = [];
out.push(`# bench:gate — ${TRIALS} trials per cell, seed ${SEED}`);
out.push('');
out.push(
  `Noise: run-level factor CV ${RUN_CV * 100}% on throughput and latencies together; own run noise ${MODEL.filter((x) => x.extraCv > 0)
    .map((x) => `${x.name} ${x.extraCv * 100}%`)
    .join(', ')}.`,
);
out.push(
  'FPR: alarms on A/A pairs (same code). det 5% / det 10%: alarms when every figure is 5% / 10% worse. "(run)": the run fails (any gated metric; ratio rules: any of the median/throughput metrics).',
);
for (let vi = 0; vi < VARIANTS.length; vi++) {
  const v = VARIANTS[vi]!;
  out.push('');
  out.push(`## ${v.name}`);
  out.push('');
  out.push('| metric | role | 1-run FPR | 1-run det 5% | 1-run det 10% | 5-run FPR | 5-run det 5% | 5-run det 10% |');
  out.push('|---|---|--:|--:|--:|--:|--:|--:|');
  for (const m of [...SHOWN, '(run)']) {
    const role =
      m === '(run)'
        ? ''
        : v.ratio !== undefined
          ? 'ratio'
          : v.gate!.settings.thresholds.metrics[m]?.mode === 'observe'
            ? 'observed'
            : metricInfo(m).role;
    const cells = sizes.flatMap((_, si) => slowdowns.map((_, di) => rate(results[vi]![si]![di]!, m)));
    out.push(`| ${m} | ${role} | ${cells.join(' | ')} |`);
  }
}
out.push('');
out.push(
  `## A/B mode (compareAB, defaults): A and B of a round share the run-level factor; each run keeps a ${AB_RESIDUAL_CV * 100}% residual`,
);
out.push('');
out.push(`| metric | role | ${AB_ROUNDS.map((r) => `${r} rounds FPR | ${r} rounds det 5% | ${r} rounds det 10%`).join(' | ')} |`);
out.push(`|---|---|${AB_ROUNDS.map(() => '--:|--:|--:|').join('')}`);
for (const m of [...SHOWN, '(run)']) {
  const cells = AB_ROUNDS.flatMap((_, ri) => slowdowns.map((_, di) => rate(abResults[ri]![di]!, m)));
  out.push(`| ${m} | ${m === '(run)' ? '' : metricInfo(m).role} | ${cells.join(' | ')} |`);
}
out.push('');
out.push(`${judged} judgements in ${seconds.toFixed(1)} s.`);
console.log(out.join('\n'));
