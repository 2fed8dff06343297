// npm run bench:history [-- --trials N --aa-trials N --seed S --no-browser]
//
// How well the history's change-point detection works, on simulated nightly histories, next to the
// previous method and two simpler rules, what is attainable at all for the target it is held to,
// and how fast the analysis and the dashboard are at 365 runs × 50 points × 20 metrics.
//
// Histories: 30-120 runs; run-to-run noise one log-normal factor per run with CV 1-3% (the gate's
// bench, scripts/bench-gate.ts, draws runs the same way); steps of 0.5-25% down in throughput; slow
// drifts; single spikes (±20-60%) in 2% of the runs and invalid points (wild figures, flagged invalid)
// in 3%. Each method sees the judged figures only (invalid points are gaps for all of them).
//
//   recall     a change found within 2 runs of the true one, on the whole history
//   found by   how many runs after the change it is first found, re-run night by night (1..10; '>10'),
//              found meaning reported within 2 runs of the true place (so after 2 runs a change can
//              show, placed a run early)
//   precision  of the change points found in histories with one step, the share within 2 runs of it
//   false/1000 change points on A/A histories (no change) per 1,000 runs × metric, counted the way
//              a nightly job meets them: the detection re-run after every run, each distinct change
//              point counted once, even when a later night no longer shows it
//
// Methods: ours (e-divisive means + Student's t at p ≤ 0.0002, a tenth of it with a side under 6
// runs, 3 runs a side; then the newest-runs test: the newest 3 runs against the segment before them,
// σ from that segment, p ≤ 0.002, a regression (a drop) only; the gate's throughput noise floor 3% scaled to the runs compared);
// the previous method (e-divisive alone at p ≤ 0.0005, a tenth with a side under 6 runs); PyTorch
// HUD's rule for vLLM (baseline = median of the 3 prior runs, a regression at 0.8× / 1.2×, flagged
// after 2 consecutive bad runs); and a plain t-test of the last 5 runs against all runs before them
// (p ≤ 0.001). Every method counts regressions (throughput drops) only.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gateSettings } from '../src/compare/settings.js';
import { parseThresholds } from '../src/config/thresholds.js';
import { analyzeHistory } from '../src/history/analyze.js';
import { normalCdf } from '../src/compare/stats.js';
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
/** A/A histories per CV: false alarms are rare, so they need more histories than a step does. */
const AA_TRIALS = argOf('--aa-trials', 2000);
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
  name: 'ours: e-divisive + newest-runs test',
  find: (xs) =>
    detectChangePoints(xs, { floor: FLOOR, regression: 'down' })
      .filter((c) => c.change < 0)
      .map((c) => c.index),
};

const previous: Method = {
  name: 'previous: e-divisive + t alone',
  find: (xs) =>
    detectChangePoints(xs, { floor: FLOOR, maxPValue: 0.0005, newestPValue: 0 })
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

const METHODS = [ours, previous, hud, lastK];

/** Ours with no regression direction given: the newest-runs test two-sided, improvements counted too. */
const oursBoth: Method = {
  name: 'ours, no direction given: drops and rises counted',
  find: (xs) => detectChangePoints(xs, { floor: FLOOR }).map((c) => c.index),
};

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

/** The delays the step table reports: found within 1, 2, 3, 5 and 10 runs. */
const BY = [1, 2, 3, 5, 10];

function stepTable(rng: Rng): string[] {
  const lines = [
    '| step | CV | method | recall | found by 1 run | by 2 | by 3 | by 5 | by 10 | median runs to find | precision | mean position error |',
    '|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const step of [0.005, 0.01, 0.02, 0.05, 0.1, 0.25]) {
    for (const cv of [0.01, 0.02, 0.03]) {
      const stats = METHODS.map(() => ({ hit: 0, by: BY.map(() => 0), delays: [] as number[], found: 0, right: 0, err: 0 }));
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
          BY.forEach((k, j) => {
            if (delay <= k) s.by[j]!++;
          });
          s.delays.push(delay);
        });
      }
      METHODS.forEach((m, k) => {
        const s = stats[k]!;
        const med = median(s.delays);
        lines.push(
          `| ${pct(step, 1)} | ${pct(cv, 0)} | ${m.name} | ${pct(s.hit / TRIALS)} | ${s.by.map((b) => pct(b / TRIALS)).join(' | ')} | ${Number.isFinite(med) ? med : '>10'} | ${s.found ? pct(s.right / s.found) : '–'} | ${s.hit ? (s.err / s.hit).toFixed(2) : '–'} |`,
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
  const methods = [...METHODS, oursBoth];
  for (const cv of [0.01, 0.02, 0.03]) {
    const whole = methods.map(() => 0);
    const nightly = methods.map(() => 0);
    let runs = 0;
    for (let t = 0; t < AA_TRIALS; t++) {
      const n = 30 + Math.floor(rng.next() * 91);
      const xs = draw(rng, { n, cv });
      runs += n;
      methods.forEach((m, k) => {
        whole[k]! += m.find(xs).length;
        nightly[k]! += online(m, xs).length;
      });
    }
    methods.forEach((m, k) =>
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

// ---- what is attainable ----

/** Distinct alarms (alarm nights more than TOL apart start a new one) per 1,000 runs. */
function alarmRate(alarm: (t: number) => boolean, n: number): number {
  let count = 0;
  let last = -Infinity;
  for (let t = 0; t < n; t++) {
    if (!alarm(t)) continue;
    if (t - last > TOL) count++;
    last = t;
  }
  return (count / n) * 1000;
}

/**
 * The best case, σ and the level before the step known exactly, normal noise, no spikes, no gaps:
 * the mean of the newest 3 runs (the most powerful test of a step 3 runs old), and Page's CUSUM
 * with a calibrated threshold, each held to 1 false alarm per 1,000 runs, re-applied every night.
 */
function attainable(rng: Rng): string[] {
  const N = 1_000_000;
  const e = new Float64Array(N);
  for (let i = 0; i < N; i++) e[i] = rng.normal();
  const z3 = new Float64Array(N);
  for (let t = 2; t < N; t++) z3[t] = (e[t]! + e[t - 1]! + e[t - 2]!) / Math.sqrt(3);
  const shift = 2.5 * Math.sqrt(3); // E[z] of the newest 3 runs after a 2.5 σ step
  const need95 = shift - 1.6449; // the threshold that 95% power allows
  const rate95 = alarmRate((t) => z3[t]! > need95, N);
  // The lowest threshold with at most 1 distinct false alarm per 1,000 runs.
  let lo = 2;
  let hi = 4.5;
  for (let i = 0; i < 30; i++) {
    const mid = (lo + hi) / 2;
    if (alarmRate((t) => z3[t]! > mid, N) <= 1) hi = mid;
    else lo = mid;
  }
  const power3 = 1 - normalCdf(hi - shift);
  // CUSUM S_t = max(0, S_{t−1} + x_t − k), alarm (and restart) above h; h calibrated as above.
  const cusum = (k: number, h: number, xs: ArrayLike<number>, from = 0, s0 = 0): { s: number; at: number } => {
    let s = s0;
    for (let t = from; t < xs.length; t++) {
      s = Math.max(0, s + xs[t]! - k);
      if (s > h) return { s, at: t };
    }
    return { s, at: -1 };
  };
  const cusumRate = (k: number, h: number): number => {
    let count = 0;
    for (let t = 0; t < N;) {
      const r = cusum(k, h, e, t);
      if (r.at < 0) break;
      count++;
      t = r.at + 1;
    }
    return (count / N) * 1000;
  };
  const rows: string[] = [];
  for (const k of [0.75, 1, 1.25, 1.5]) {
    let a = 0.5;
    let b = 6;
    for (let i = 0; i < 20; i++) {
      const mid = (a + b) / 2;
      if (cusumRate(k, mid) <= 1) b = mid;
      else a = mid;
    }
    let hit = 0;
    const M = 20_000;
    for (let i = 0; i < M; i++) {
      let s = 0;
      for (let t = 0; t < 50; t++) {
        s = Math.max(0, s + rng.normal() - k);
        if (s > b) s = 0;
      }
      for (let t = 0; t < 3; t++) {
        s = Math.max(0, s + rng.normal() + 2.5 - k);
        if (s > b) {
          hit++;
          break;
        }
      }
    }
    rows.push(`| CUSUM, k = ${k} σ | h = ${b.toFixed(2)} σ | 1.00 | ${pct(hit / M)} |`);
  }
  const clean = (1 - 0.05) ** 3;
  const d95 = (hi + 1.6449) / Math.sqrt(3);
  return [
    'The newest 3 runs after a 2.5 σ step have a mean 2.5·√3 = 4.33 standard errors off the level before; 95% power',
    `asks for an alarm threshold of 4.33 − 1.645 = ${need95.toFixed(2)} (one-sided p ${(1 - normalCdf(need95)).toFixed(4)} a night), which re-applied`,
    `every night gives ${rate95.toFixed(2)} distinct false alarms per 1,000 runs even with σ and the level known exactly`,
    `(simulated on ${N.toLocaleString('en-US')} runs of normal noise). Held to 1 per 1,000 runs:`,
    '',
    '| best case (σ and level known, no spikes, no gaps) | threshold | false alarms / 1,000 runs | 5% step at CV 2% found within 3 runs |',
    '|---|--:|--:|--:|',
    `| mean of the newest 3 runs | z > ${hi.toFixed(2)} | 1.00 | ${pct(power3)} |`,
    ...rows,
    '',
    `In the histories below 3% of runs are gaps and 2% spikes: only ${pct(clean)} of steps have 3 clean runs in the first 3, so a`,
    `method that needs 3 runs at the new level finds at most about ${pct(clean * power3, 0)} within 3 runs at 1 false alarm per 1,000; σ and`,
    'the level estimated from the runs before cost more. 95% within 3 runs at ≤ 1 false alarm per 1,000 is out of reach for a',
    `5% step at CV 2%: even in the best case it needs a step of ${d95.toFixed(2)} σ ((${hi.toFixed(2)} + 1.645) / √3; ${pct(d95 * 0.02, 1)} at CV 2%), and`,
    'with gaps and spikes no method that waits for 3 runs at the new level reaches it for any step.',
  ];
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
  const out = [
    `# bench:history (${TRIALS} histories per step and drift cell, ${AA_TRIALS} per A/A cell, seed ${SEED})`,
    '',
    '## What is attainable: a 5% step at CV 2% (2.5 σ) within 3 runs, at most 1 false alarm per 1,000 runs',
    '',
    ...attainable(new Rng(SEED + 1)),
  ];
  out.push('', '## Steps (throughput drops)', '', ...stepTable(rng));
  out.push('', '## A/A histories (no change; spikes and invalid points included)', '', ...aaTable(rng));
  out.push('', '## Slow drifts (90 runs, the drift over runs 30-60)', '', ...driftTable(rng));
  out.push('', '## Speed', '', ...(await speed()));
  out.push('', `(${((performance.now() - t0) / 1000).toFixed(0)} s in all)`);
  process.stdout.write(`${out.join('\n')}\n`);
}

if (process.argv[1] && /bench-history\.ts$/.test(process.argv[1])) await main();
