// npm run bench:history [-- --trials N --seed S --no-browser]
//
// How well the history's change-point detection works, on simulated nightly histories, next to two
// simpler rules, and how fast the analysis and the dashboard are at 365 runs × 50 points × 20 metrics.
//
// Histories: 30-120 runs; run-to-run noise one log-normal factor per run with CV 1-3% (the gate's
// bench, scripts/bench-gate.ts, draws runs the same way); steps of 0.5-10% down in throughput; slow
// drifts; single spikes (±20-60%) in 2% of the runs and invalid points (wild figures, flagged invalid)
// in 3%. Each method sees the judged figures only (invalid points are gaps for all of them).
//
//   recall     a change found within 2 runs of the true one, on the whole history
//   found by   how many runs after the change it is first found, re-run night by night (3..10; '>10')
//   precision  of the change points found in histories with one step, the share within 2 runs of it
//   false/1000 change points on A/A histories (no change) per 1,000 runs × metric, counted the way
//              a nightly job meets them: the detection re-run after every run, each distinct change
//              point counted once, even when a later night no longer shows it
//
// Methods: ours (e-divisive means + Student's t, p ≤ 0.0005 and 0.00005 with a side under 6 runs,
// 3 runs a side, the gate's throughput noise floor 3% scaled to the segments); PyTorch HUD's rule for vLLM (baseline = median of the 3
// prior runs, a regression at 0.8× / 1.2×, flagged after 2 consecutive bad runs); and a plain t-test
// of the last 5 runs against all runs before them (p ≤ 0.001).
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gateSettings } from '../src/compare/settings.js';
import { parseThresholds } from '../src/config/thresholds.js';
import { analyzeHistory } from '../src/history/analyze.js';
import { detectChangePoints, studentP } from '../src/history/detect.js';
import { Rng } from '../src/load/rng.js';
import { renderHistoryHtml } from '../src/report/history-html.js';
import type { MetricMap, ResultsDocument } from '../src/results/schema-types.gen.js';

const args = process.argv.slice(2);
const argOf = (name: string, dflt: number): number => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : dflt;
};
const TRIALS = argOf('--trials', 300);
const SEED = argOf('--seed', 20261202);
const BROWSER = !args.includes('--no-browser');
const FLOOR = 0.03;
const TOL = 2;

type Series = (number | null)[];

function factor(rng: Rng, cv: number): number {
  const s2 = Math.log(1 + cv * cv);
  return Math.exp(Math.sqrt(s2) * rng.normal() - s2 / 2);
}

interface Shape {
  n: number;
  cv: number;
  /** Step down by `step` from run `at`. */
  at?: number;
  step?: number;
  /** Linear drift down by `drift` over runs [from, to). */
  drift?: { from: number; to: number; total: number };
}

/** A throughput history (higher is better): noise, the shape, spikes, and invalid points as gaps. */
function draw(rng: Rng, s: Shape): Series {
  const out: Series = [];
  for (let i = 0; i < s.n; i++) {
    let level = 1000;
    if (s.at !== undefined && i >= s.at) level *= 1 - (s.step ?? 0);
    if (s.drift) level *= 1 - s.drift.total * Math.min(1, Math.max(0, (i - s.drift.from) / (s.drift.to - s.drift.from)));
    let v = level * factor(rng, s.cv);
    const u = rng.next();
    if (u < 0.03) {
      out.push(null); // an invalid point: a gap for every method
      continue;
    }
    if (u < 0.05) v *= rng.next() < 0.5 ? 1 - (0.2 + 0.4 * rng.next()) : 1 + (0.2 + 0.4 * rng.next());
    out.push(v);
  }
  return out;
}

/** A method: the indices of the changes it reports on a history, regressions only (throughput drops). */
type Method = { name: string; find: (xs: Series) => number[] };

const ours: Method = {
  name: 'e-divisive + t (ours)',
  find: (xs) =>
    detectChangePoints(xs, { floor: FLOOR })
      .filter((c) => c.change < 0)
      .map((c) => c.index),
};

const hud: Method = {
  name: 'HUD rule (0.8×, 2 consecutive)',
  find: (xs) => {
    const out: number[] = [];
    const judged = xs.map((v, i) => ({ v, i })).filter((x): x is { v: number; i: number } => x.v !== null);
    let bad = 0;
    for (let k = 3; k < judged.length; k++) {
      const base = median(judged.slice(k - 3, k).map((x) => x.v));
      bad = judged[k]!.v < 0.8 * base ? bad + 1 : 0;
      if (bad === 2) out.push(judged[k - 1]!.i);
    }
    return out;
  },
};

const lastK: Method = {
  name: 't-test, last 5 runs vs before',
  find: (xs) => {
    const out: number[] = [];
    const judged = xs.map((v, i) => ({ v, i })).filter((x): x is { v: number; i: number } => x.v !== null);
    let start = 0;
    for (let t = start + 15; t <= judged.length; t++) {
      const before = judged.slice(start, t - 5).map((x) => x.v);
      const last = judged.slice(t - 5, t).map((x) => x.v);
      if (studentP(before, last) <= 0.001 && mean(last) < mean(before)) {
        out.push(judged[t - 5]!.i);
        start = t - 5; // the new level is the baseline from here on
        t = start + 15 - 1;
      }
    }
    return out;
  },
};

const METHODS = [ours, hud, lastK];

/** Distinct changes reported night by night (each prefix of the history), merged within TOL runs. */
function online(m: Method, xs: Series, from = 10): number[] {
  const seen: number[] = [];
  for (let t = from; t <= xs.length; t++)
    for (const i of m.find(xs.slice(0, t))) if (!seen.some((s) => Math.abs(s - i) <= TOL)) seen.push(i);
  return seen;
}

function pct(x: number, d = 1): string {
  return `${(x * 100).toFixed(d)}%`;
}

function stepTable(rng: Rng): string[] {
  const lines = [
    '| step | CV | method | recall | found by 3 runs | by 5 | by 10 | median runs to find | precision | mean position error |',
    '|---|---|---|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const step of [0.005, 0.01, 0.02, 0.05, 0.1, 0.25]) {
    for (const cv of [0.01, 0.02, 0.03]) {
      const stats = METHODS.map(() => ({ hit: 0, by3: 0, by5: 0, by10: 0, delays: [] as number[], found: 0, right: 0, err: 0 }));
      for (let t = 0; t < TRIALS; t++) {
        const n = 30 + Math.floor(rng.next() * 91);
        const at = Math.max(12, Math.floor(n * (0.4 + 0.3 * rng.next())));
        const end = Math.min(n, at + 10);
        const xs = draw(rng, { n: Math.max(n, end), cv, at, step });
        METHODS.forEach((m, k) => {
          const s = stats[k]!;
          const cps = m.find(xs);
          s.found += cps.length;
          s.right += cps.filter((i) => Math.abs(i - at) <= TOL).length;
          const hit = cps.find((i) => Math.abs(i - at) <= TOL);
          if (hit !== undefined) {
            s.hit++;
            s.err += Math.abs(hit - at);
          }
          // Night by night: the first night (runs after the change) the change shows.
          let delay = Infinity;
          for (let after = 1; after <= 10 && at + after <= xs.length; after++) {
            if (m.find(xs.slice(0, at + after)).some((i) => Math.abs(i - at) <= TOL)) {
              delay = after;
              break;
            }
          }
          if (delay <= 3) s.by3++;
          if (delay <= 5) s.by5++;
          if (delay <= 10) s.by10++;
          s.delays.push(delay);
        });
      }
      METHODS.forEach((m, k) => {
        const s = stats[k]!;
        const med = median(s.delays);
        lines.push(
          `| ${pct(step, 1)} | ${pct(cv, 0)} | ${m.name} | ${pct(s.hit / TRIALS)} | ${pct(s.by3 / TRIALS)} | ${pct(s.by5 / TRIALS)} | ${pct(s.by10 / TRIALS)} | ${Number.isFinite(med) ? med : '>10'} | ${s.found ? pct(s.right / s.found) : '–'} | ${s.hit ? (s.err / s.hit).toFixed(2) : '–'} |`,
        );
      });
    }
  }
  return lines;
}

function aaTable(rng: Rng): string[] {
  const lines = [
    '| CV | method | false change points per 1,000 runs (whole history) | per 1,000 runs (night by night) |',
    '|---|---|--:|--:|',
  ];
  for (const cv of [0.01, 0.02, 0.03]) {
    const whole = METHODS.map(() => 0);
    const nightly = METHODS.map(() => 0);
    let runs = 0;
    for (let t = 0; t < TRIALS; t++) {
      const n = 30 + Math.floor(rng.next() * 91);
      const xs = draw(rng, { n, cv });
      runs += n;
      METHODS.forEach((m, k) => {
        whole[k]! += m.find(xs).length;
        nightly[k]! += online(m, xs).length;
      });
    }
    METHODS.forEach((m, k) =>
      lines.push(`| ${pct(cv, 0)} | ${m.name} | ${((whole[k]! / runs) * 1000).toFixed(2)} | ${((nightly[k]! / runs) * 1000).toFixed(2)} |`),
    );
  }
  return lines;
}

function driftTable(rng: Rng): string[] {
  const lines = [
    '| drift | CV | method | found (a drop reported inside the drift) | false outside it per 1,000 runs |',
    '|---|---|---|--:|--:|',
  ];
  for (const total of [0.05, 0.1]) {
    const cv = 0.02;
    const found = METHODS.map(() => 0);
    const outside = METHODS.map(() => 0);
    let runs = 0;
    for (let t = 0; t < TRIALS; t++) {
      const drift = { from: 30, to: 60, total };
      const xs = draw(rng, { n: 90, cv, drift });
      runs += 90;
      METHODS.forEach((m, k) => {
        const cps = m.find(xs);
        if (cps.some((i) => i >= drift.from - TOL && i <= drift.to + TOL)) found[k]!++;
        outside[k]! += cps.filter((i) => i < drift.from - TOL || i > drift.to + TOL).length;
      });
    }
    METHODS.forEach((m, k) =>
      lines.push(
        `| ${pct(total, 0)} over 30 runs | ${pct(cv, 0)} | ${m.name} | ${pct(found[k]! / TRIALS)} | ${((outside[k]! / runs) * 1000).toFixed(2)} |`,
      ),
    );
  }
  return lines;
}

// ---- speed at 365 runs × 50 points × 20 metrics ----

const GATED_EXTRA = [
  'p99_ttft_ms',
  'p99_tpot_ms',
  'p99_itl_ms',
  'p99_e2el_ms',
  'mean_ttft_ms',
  'mean_tpot_ms',
  'mean_itl_ms',
  'mean_e2el_ms',
  'p90_ttft_ms',
  'p90_tpot_ms',
  'p90_itl_ms',
  'p90_e2el_ms',
];
const METRICS20 = [
  'request_throughput',
  'output_throughput',
  'total_token_throughput',
  'request_goodput',
  'median_ttft_ms',
  'median_tpot_ms',
  'median_itl_ms',
  'median_e2el_ms',
  ...GATED_EXTRA,
];

/** 365 nightly runs of 2 suites × 25 points × 20 gated metrics, a 6% throughput drop at run 300. */
export function bigHistory(seed = 1, runs = 365): ResultsDocument[] {
  const rng = new Rng(seed);
  const docs: ResultsDocument[] = [];
  for (let r = 0; r < runs; r++) {
    const f = factor(rng, 0.02);
    const suites = ['sharegpt-qps', 'random-concurrency'].map((name) => ({
      name,
      kind: 'serving' as const,
      points: Array.from({ length: 25 }, (_, p) => {
        const metrics: MetricMap = {};
        METRICS20.forEach((m, k) => {
          const slow = r >= 300 ? 1.06 : 1;
          const base = (k + 1) * 10 * (p + 1);
          metrics[m] = /throughput|goodput/.test(m) ? (base * factor(rng, 0.005)) / (f * slow) : base * f * slow * factor(rng, 0.01);
        });
        const valid = rng.next() > 0.01;
        return {
          key: `concurrency=${p + 1}`,
          label: `concurrency ${p + 1}`,
          metrics,
          validity: { valid, reasons: valid ? [] : ['the client was starved'] },
        };
      }),
    }));
    docs.push({
      'schema-version': 1,
      tool: { name: 'vllm-perf-gate', version: 'bench' },
      run: {
        id: `night-${r}`,
        'started-at': new Date(Date.UTC(2025, 0, 1) + r * 86_400_000).toISOString(),
        'config-id': 'bench',
        'config-hash': 'h',
        'git-sha': (r + 1).toString(16).padStart(40, 'c'),
      },
      environment: { fingerprint: { 'gpu-name': 'H100', 'gpu-count': 1, model: 'm', 'server-args': [] } },
      suites,
      status: 'complete',
    });
  }
  return docs;
}

/** Gate settings under which all 20 metrics gate (the extra percentiles named in thresholds). */
export function bigSettings(): ReturnType<typeof gateSettings> {
  const th: Record<string, string> = { request_goodput: '-5%' };
  for (const m of GATED_EXTRA) th[m] = '+10%';
  return gateSettings({ thresholds: parseThresholds(th, { path: 'thresholds' }) });
}

async function speed(): Promise<string[]> {
  const lines: string[] = [];
  let t = performance.now();
  const docs = bigHistory();
  const gen = performance.now() - t;
  t = performance.now();
  const a = analyzeHistory(docs, bigSettings());
  const analyse = performance.now() - t;
  t = performance.now();
  const html = renderHistoryHtml(a, { title: 'bench' });
  const render = performance.now() - t;
  const json = JSON.stringify({ runs: a.runs, changePoints: a.changePoints, series: a.series });
  lines.push(
    `365 runs × 50 points × 20 metrics (${a.series.length} series, ${a.series.length * 365} figures; drawing the documents: ${gen.toFixed(0)} ms):`,
    `- analysis (series + change points): ${analyse.toFixed(0)} ms, ${a.changePoints.length} change points (${a.changePoints.filter((c) => c.index >= 298 && c.index <= 302).length} at the injected step)`,
    `- HTML: built in ${render.toFixed(0)} ms, ${(Buffer.byteLength(html) / 1e6).toFixed(2)} MB (JSON output: ${(Buffer.byteLength(json) / 1e6).toFixed(2)} MB)`,
  );
  if (!BROWSER) return lines;
  const { openPage } = await import('../test/support/chromium.js');
  const dir = mkdtempSync(path.join(tmpdir(), 'vpg-bench-history-'));
  try {
    const file = path.join(dir, 'history.html');
    writeFileSync(file, html);
    const page = await openPage(file, { timeoutMs: 60_000 });
    try {
      const renderMs = await page.evaluate<string>('document.body.dataset.renderMs');
      const charts = await page.evaluate<number>('document.querySelectorAll("svg.chart").length');
      const switchMs = await page.evaluate<number>(
        '(() => { const s = document.querySelector("select"); const t0 = performance.now(); s.value = "7"; s.dispatchEvent(new Event("change")); document.body.getBoundingClientRect(); return performance.now() - t0; })()',
      );
      lines.push(
        `- Chromium (headless): load event ${page.loadMs.toFixed(0)} ms after navigation (file ${(statSync(file).size / 1e6).toFixed(2)} MB), the page's script drew ${charts} charts in ${renderMs} ms; switching a suite to another point: ${switchMs.toFixed(0)} ms; console errors: ${page.errors.length}`,
      );
    } finally {
      await page.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return lines;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const rng = new Rng(SEED);
  const out = [`# bench:history (${TRIALS} histories per cell, seed ${SEED})`, '', '## Steps (throughput drops)', '', ...stepTable(rng)];
  out.push('', '## A/A histories (no change; spikes and invalid points included)', '', ...aaTable(rng));
  out.push('', '## Slow drifts (90 runs, the drift over runs 30-60)', '', ...driftTable(rng));
  out.push('', '## Speed', '', ...(await speed()));
  out.push('', `(${((performance.now() - t0) / 1000).toFixed(0)} s in all)`);
  process.stdout.write(`${out.join('\n')}\n`);
}

if (process.argv[1] && /bench-history\.ts$/.test(process.argv[1])) await main();
