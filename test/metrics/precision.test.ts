import { describe, expect, it } from 'vitest';
import { tQuantile } from '../../src/compare/stats.js';
import { Rng } from '../../src/load/rng.js';
import {
  batchMeansInterval,
  driftSide,
  figureOf,
  metricInterval,
  sideOf,
  stopDecision,
  tQuantileApprox,
  type StopRule,
} from '../../src/metrics/precision.js';
import { rec } from './support.js';

/** An AR(1) series around `mu`: x[t] = mu + phi (x[t-1] - mu) + e, e ~ N(0, 1). Neighbours are strongly correlated for phi near 1. */
function ar1(rng: Rng, n: number, phi: number, mu: number): number[] {
  const out: number[] = [];
  let x = 0;
  for (let i = 0; i < n + 200; i++) {
    x = phi * x + gauss(rng);
    if (i >= 200) out.push(mu + x);
  }
  return out;
}

function gauss(rng: Rng): number {
  const u = Math.max(rng.next(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

/** The i.i.d. t interval, the one that ignores correlation. */
function naiveCovers(xs: number[], mu: number): boolean {
  const n = xs.length;
  const m = xs.reduce((a, v) => a + v, 0) / n;
  const sd = Math.sqrt(xs.reduce((a, v) => a + (v - m) ** 2, 0) / (n - 1));
  return Math.abs(m - mu) <= (1.96 * sd) / Math.sqrt(n);
}

describe('batch-means confidence interval', () => {
  it('uses a t quantile within 0.3% of the exact one for the batch counts it builds', () => {
    for (const df of [9, 14, 19, 29]) expect(Math.abs(tQuantileApprox(0.975, df) / tQuantile(0.975, df) - 1)).toBeLessThan(0.003);
  });

  it('covers the true mean of autocorrelated data about 95% of the time, where the i.i.d. interval does not', () => {
    const rng = new Rng(7);
    let batch = 0;
    let naive = 0;
    const reps = 300;
    for (let r = 0; r < reps; r++) {
      const xs = ar1(rng, 1600, 0.9, 100);
      const iv = batchMeansInterval(xs, 'mean')!;
      if (iv.low <= 100 && 100 <= iv.high) batch++;
      if (naiveCovers(xs, 100)) naive++;
    }
    expect(batch / reps).toBeGreaterThan(0.88);
    expect(naive / reps).toBeLessThan(0.6);
  });

  it('covers the true median of autocorrelated data too', () => {
    const rng = new Rng(11);
    let hits = 0;
    const reps = 300;
    for (let r = 0; r < reps; r++) {
      const iv = batchMeansInterval(ar1(rng, 1600, 0.8, 50), 'median')!;
      if (iv.low <= 50 && 50 <= iv.high) hits++;
    }
    expect(hits / reps).toBeGreaterThan(0.88);
  });

  it('narrows as the sample grows and gives none below two values per batch', () => {
    const rng = new Rng(3);
    expect(batchMeansInterval(ar1(rng, 15, 0.5, 10), 'mean')).toBeNull();
    const small = batchMeansInterval(ar1(rng, 200, 0.5, 10), 'mean')!;
    const large = batchMeansInterval(ar1(rng, 5000, 0.5, 10), 'mean')!;
    expect(large.relHalfWidth).toBeLessThan(small.relHalfWidth / 3);
  });
});

/** n completed requests, one every 10 ms, with TTFT ttft(i). */
function records(n: number, ttft: (i: number) => number): ReturnType<typeof rec>[] {
  return Array.from({ length: n }, (_, i) =>
    rec({ index: i, ttftMs: ttft(i), latencyMs: ttft(i) + 100, endMs: 10 * (i + 1), outputTokens: 11 }),
  );
}

const rule = (over: Partial<StopRule> = {}): StopRule => ({
  metrics: ['median_ttft_ms'],
  margin: 0.02,
  minRequests: 64,
  skip: 0,
  level: 0.95,
  ...over,
});

describe('stop rule', () => {
  const rng = new Rng(5);
  const tight = records(200, () => 100 + gauss(rng));
  const wide = records(200, () => 100 * Math.exp(gauss(rng)));

  it('stops a point whose intervals are within the margin', () => {
    const d = stopDecision(tight, rule());
    expect(d).toMatchObject({ stop: true, how: 'precise' });
    expect(d.intervals.median_ttft_ms!.relHalfWidth).toBeLessThan(0.02);
  });

  it('never stops before min-requests completions', () => {
    expect(stopDecision(tight.slice(0, 60), rule()).stop).toBe(false);
  });

  it('goes on while an interval is wider than the margin and no baseline is known', () => {
    expect(stopDecision(wide, rule()).stop).toBe(false);
  });

  it('stops once the interval lies wholly beyond the gate line, or wholly inside it', () => {
    const iv = stopDecision(wide, rule()).intervals.median_ttft_ms!;
    expect(
      stopDecision(wide, rule({ lines: { median_ttft_ms: { baseline: 40, line: iv.low - 1, higherIsBetter: false } } })),
    ).toMatchObject({
      stop: true,
      how: 'decided',
    });
    expect(
      stopDecision(wide, rule({ lines: { median_ttft_ms: { baseline: 200, line: iv.high + 1, higherIsBetter: false } } })),
    ).toMatchObject({
      stop: true,
      how: 'decided',
    });
  });

  it('decides on the metrics with a gate line: a watched metric without one (observed) cannot hold it back', () => {
    const iv = stopDecision(wide, rule()).intervals.median_ttft_ms!;
    const lines = { median_ttft_ms: { baseline: 40, line: iv.low - 1, higherIsBetter: false } };
    const watched = rule({ metrics: ['median_ttft_ms', 'median_tpot_ms'], margin: 0.0001, lines });
    expect(stopDecision(wide, watched)).toMatchObject({ stop: true, how: 'decided' });
    expect(stopDecision(wide, rule({ metrics: ['median_ttft_ms', 'median_tpot_ms'], margin: 0.0001, lines: {} })).stop).toBe(false);
  });

  it('stops once any one metric lies wholly beyond its line, while another still straddles its own', () => {
    // TPOT varies here too; its line at its own estimate lies across its interval.
    const both = wide.map((r) => ({ ...r, latencyMs: r.ttftMs! + 100 + 20 * gauss(rng) }));
    const ttft = stopDecision(both, rule()).intervals.median_ttft_ms!;
    const tpot = stopDecision(both, rule({ metrics: ['median_tpot_ms'] })).intervals.median_tpot_ms!;
    const across = { median_tpot_ms: { baseline: tpot.estimate * 0.9, line: tpot.estimate, higherIsBetter: false } };
    const beyond = rule({
      margin: 0.0001,
      lines: { median_ttft_ms: { baseline: 40, line: ttft.low - 1, higherIsBetter: false }, ...across },
    });
    expect(stopDecision(both, beyond)).toMatchObject({ stop: true, how: 'decided' });
    const inside = rule({
      margin: 0.0001,
      lines: { median_ttft_ms: { baseline: 200, line: ttft.high + 1, higherIsBetter: false }, ...across },
    });
    expect(stopDecision(both, inside).stop).toBe(false);
  });

  it('reads a higher-is-better line the other way round', () => {
    // 1,100 output tokens/s throughout, TTFT too wide to be precise.
    const lowBar = rule({ margin: 0.0001, lines: { output_throughput: { baseline: 1300, line: 1200, higherIsBetter: true } } });
    expect(stopDecision(wide, lowBar)).toMatchObject({ stop: true, how: 'decided' });
    const tput = stopDecision(wide, lowBar).intervals.output_throughput!;
    expect(sideOf(tput, { baseline: 1300, line: 1200, higherIsBetter: true })).toBe('beyond');
    expect(sideOf(tput, { baseline: 1100, line: 1000, higherIsBetter: true })).toBe('inside');
  });

  it("predicts the verdict over all the baseline's requests from a run's standing over the first N", () => {
    // Latency: regresses past 110 over these N (baseline 100); over all, past 1.12 of that count's
    // baseline, a standing that moves by at most ±2% by then.
    const line = { baseline: 100, line: 110, higherIsBetter: false, toFinal: { lineRatio: 1.12, half: 0.02 } };
    expect(driftSide(115, line)).toBe('beyond');
    expect(driftSide(111, line)).toBe('across'); // regresses here, but could pass over all
    expect(driftSide(105, line)).toBe('inside');
    expect(driftSide(null, line)).toBe('across');
    const tput = { baseline: 1000, line: 900, higherIsBetter: true, toFinal: { lineRatio: 0.92, half: 0.02 } };
    expect(driftSide(850, tput)).toBe('beyond');
    expect(driftSide(960, tput)).toBe('inside');
    expect(driftSide(930, tput)).toBe('across');
  });

  it('decides on the figure over the first N requests when the line predicts the final verdict', () => {
    // TTFT too wide for its interval to decide anything; its figure over the first 100 is what counts.
    const first = figureOf(wide.slice(0, 100), 'median_ttft_ms')!;
    const line = { baseline: first / 1.2, line: first / 1.1, higherIsBetter: false, toFinal: { lineRatio: 1.05, half: 0.01 } };
    const d = stopDecision(wide, rule({ margin: 0.0001, cutAt: 100, lines: { median_ttft_ms: line } }));
    expect(d).toMatchObject({ stop: true, how: 'decided' });
    expect(
      stopDecision(
        wide,
        rule({ margin: 0.0001, cutAt: 100, lines: { median_ttft_ms: { ...line, toFinal: { lineRatio: 1.25, half: 0.01 } } } }),
      ).stop,
    ).toBe(false);
  });

  it('goes on while the gate line lies inside the interval', () => {
    const iv = stopDecision(wide, rule()).intervals.median_ttft_ms!;
    expect(stopDecision(wide, rule({ lines: { median_ttft_ms: { baseline: 90, line: iv.estimate, higherIsBetter: false } } })).stop).toBe(
      false,
    );
  });

  it('leaves the ramp-up out and measures output throughput from completion times', () => {
    const steady = records(400, () => 100);
    const iv = metricInterval(steady, 'output_throughput')!;
    // 11 tokens every 10 ms.
    expect(iv.estimate).toBeCloseTo(1100, 6);
    expect(stopDecision(steady, rule({ metrics: ['output_throughput', 'median_tpot_ms'] }))).toMatchObject({ stop: true, how: 'precise' });
  });
});
