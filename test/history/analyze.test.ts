// A history of results documents -> series per suite × point × gated metric and their change points.
import { describe, expect, it } from 'vitest';
import { gateSettings } from '../../src/compare/index.js';
import { parseThresholds } from '../../src/config/thresholds.js';
import { analyzeHistory } from '../../src/history/index.js';
import { runDoc, sha, stepHistory } from './fixtures.js';

const settings = gateSettings();

describe('analyzeHistory', () => {
  it('names the first run after an 8% throughput drop, its commit range, and calls it a regression', () => {
    const docs = stepHistory(5, { n: 30, at: 20, step: -0.08 });
    const a = analyzeHistory(docs, settings);
    expect(a.changePoints).toHaveLength(1);
    const cp = a.changePoints[0]!;
    expect(cp).toMatchObject({
      suite: 'sweep',
      point: 'concurrency=8',
      label: 'concurrency 8',
      metric: 'output_throughput',
      index: 20,
      runId: 'run-020',
      commit: sha(20),
      commitBefore: sha(19),
      direction: 'regression',
    });
    expect(cp.startedAt).toBe(docs[20]!.run['started-at']);
    expect(cp.change).toBeGreaterThan(-0.1);
    expect(cp.change).toBeLessThan(-0.06);
    expect(cp.before).toBeGreaterThan(1450);
    expect(cp.after).toBeLessThan(1420);
  });

  it('orders the runs by start time whatever order they are given in, each run once', () => {
    const docs = stepHistory(5, { n: 30, at: 20, step: -0.08 });
    const shuffled = [...docs.slice(15), ...docs.slice(0, 15), docs[3]!];
    const a = analyzeHistory(shuffled, settings);
    expect(a.runs.map((r) => r.id)).toEqual(docs.map((d) => d.run.id));
    expect(a.changePoints.map((c) => c.index)).toEqual([20]);
  });

  it('builds series of gated metrics only, one figure per run', () => {
    const a = analyzeHistory(stepHistory(1, { n: 12, at: 6, step: 0 }), settings);
    expect(a.series.map((s) => s.metric)).toEqual(['output_throughput', 'median_tpot_ms']);
    expect(a.series[0]!.values).toHaveLength(12);
    expect(a.series[0]).toMatchObject({
      suite: 'sweep',
      point: 'concurrency=8',
      unit: 'tok/s',
      direction: 'higher-is-better',
      family: 'throughput',
      invalid: [],
    });
  });

  it('follows the config: a metric it observes is not analysed', () => {
    const observe = gateSettings({ thresholds: parseThresholds({ output_throughput: 'observe' }, { path: 'thresholds' }) });
    const a = analyzeHistory(stepHistory(5, { n: 30, at: 20, step: -0.08 }), observe);
    expect(a.series.map((s) => s.metric)).toEqual(['median_tpot_ms']);
    expect(a.changePoints).toEqual([]);
  });

  it('treats invalid points as gaps: their figures are kept for display, never judged', () => {
    const docs = stepHistory(2, { n: 30, at: 30, step: 0 });
    const broken = docs.map((d, i) =>
      i >= 18 && i < 24 ? runDoc(i, { metrics: { output_throughput: 700, median_tpot_ms: 45 }, valid: false }) : d,
    );
    const a = analyzeHistory(broken, settings);
    expect(a.changePoints).toEqual([]);
    expect(a.series[0]!.invalid).toEqual([18, 19, 20, 21, 22, 23]);
    expect(a.series[0]!.values[18]).toBe(700);
    // The same figures on valid points are two changes (the check can fail).
    const valid = docs.map((d, i) => (i >= 18 && i < 24 ? runDoc(i, { metrics: { output_throughput: 700, median_tpot_ms: 45 } }) : d));
    expect(analyzeHistory(valid, settings).changePoints.map((c) => `${c.metric}@${c.index}`)).toEqual(
      expect.arrayContaining(['output_throughput@24', 'output_throughput@18']),
    );
  });

  it('calls a latency drop an improvement and lists change points newest first', () => {
    const docs = stepHistory(9, { n: 40, at: 12, step: -0.15 }).map((d, i) => {
      const m = d.suites[0]!.points[0]!.metrics;
      if (i >= 28) m.median_tpot_ms = (m.median_tpot_ms as number) * 0.85;
      return d;
    });
    const a = analyzeHistory(docs, settings);
    expect(a.changePoints.map((c) => [c.metric, c.index, c.direction])).toEqual([
      ['median_tpot_ms', 28, 'improvement'],
      ['output_throughput', 12, 'regression'],
    ]);
  });

  it('says when the setup changed at the run after a change', () => {
    const docs = stepHistory(5, { n: 30, at: 20, step: -0.08 }).map((d, i) =>
      i >= 20 ? { ...d, environment: { fingerprint: { ...d.environment.fingerprint, 'gpu-name': 'A100' } } } : d,
    );
    const [cp] = analyzeHistory(docs, settings).changePoints;
    expect(cp?.setupChanged).toEqual(['gpu-name']);
  });

  it('analyses the server start-up time as a point of its own', () => {
    const docs = stepHistory(4, { n: 20, at: 20, step: 0 }).map((d, i) => ({
      ...d,
      environment: { ...d.environment, 'startup-s': i < 12 ? 30 + (i % 3) * 0.2 : 45 + (i % 3) * 0.2 },
    }));
    const a = analyzeHistory(docs, settings);
    expect(a.changePoints.map((c) => [c.suite, c.point, c.metric, c.index, c.direction])).toEqual([
      ['server-startup', 'startup', 'startup_time_s', 12, 'regression'],
    ]);
  });

  it('tests the newest runs only the way a regression moves each metric: an improvement is not reported early', () => {
    // 40 seeded histories with a 5% step in their newest 3 runs, at CV 2%: drops are found early by
    // the newest-runs test; rises only when e-divisive alone finds them.
    const early = (step: number): number =>
      Array.from({ length: 40 }, (_, i) => analyzeHistory(stepHistory(i + 1, { n: 30, at: 27, step }), settings)).filter((a) =>
        a.changePoints.some((c) => c.metric === 'output_throughput' && c.index >= 26),
      ).length;
    const drops = early(-0.05);
    expect(drops).toBeGreaterThan(20);
    expect(early(0.05)).toBeLessThan(drops * 0.6);
  });
});
