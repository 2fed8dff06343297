import { describe, expect, it } from 'vitest';
import { compareAB } from '../../src/compare/ab.js';
import { metricInfo, catalogNames } from '../../src/catalog/metrics.js';
import { compareRuns } from '../../src/compare/compare.js';
import { mergeConfirmation, pointsToConfirm } from '../../src/compare/confirm.js';
import { gateSettings } from '../../src/compare/settings.js';
import { history, point, run, simple, suite } from './docs.js';

const confirming = gateSettings({ gate: { 'confirm-regressions': true } });

describe('confirm-regressions', () => {
  const base = history([1000, 1010, 990, 1005, 995]);

  it('lists the valid points with a gated regression, and nothing else', () => {
    const cur = run([
      suite('sweep', [
        point({ key: 'concurrency=8', metrics: { output_throughput: 900 } }),
        point({ key: 'concurrency=16', metrics: { output_throughput: 1000 } }),
      ]),
    ]);
    const b = base.map(() =>
      run([
        suite('sweep', [
          point({ key: 'concurrency=8', metrics: { output_throughput: 1000 } }),
          point({ key: 'concurrency=16', metrics: { output_throughput: 1000 } }),
        ]),
      ]),
    );
    b[0]!.suites[0]!.points[0]!.metrics.output_throughput = 1010;
    b[0]!.suites[0]!.points[1]!.metrics.output_throughput = 1010;
    const report = compareRuns(b, cur, confirming);
    expect(pointsToConfirm(report)).toEqual([{ suite: 'sweep', key: 'concurrency=8' }]);
  });

  it('a regression that regresses again in the rerun stays, and the run fails', () => {
    const report = compareRuns(base, simple({ output_throughput: 900 }), confirming);
    expect(report.verdict).toBe('fail');
    const merged = mergeConfirmation(report, simple({ output_throughput: 905 }));
    const m = merged.points[0]!.metrics[0]!;
    expect(m).toMatchObject({ verdict: 'regressed', confirmation: { value: 905, regressedAgain: true } });
    expect(m.reason).toContain('the rerun regressed again');
    expect(merged.verdict).toBe('fail');
    expect(report.points[0]!.metrics[0]!.confirmation).toBeUndefined(); // the input is not changed
  });

  it('a regression the rerun does not repeat becomes inconclusive, and the run passes', () => {
    const report = compareRuns(base, simple({ output_throughput: 900 }), confirming);
    const merged = mergeConfirmation(report, simple({ output_throughput: 998 }));
    expect(merged.points[0]).toMatchObject({ verdict: 'inconclusive' });
    expect(merged.points[0]!.metrics[0]).toMatchObject({ verdict: 'inconclusive', confirmation: { value: 998, regressedAgain: false } });
    expect(merged.verdict).toBe('pass');
    expect(merged.counts).toMatchObject({ regressed: 0, inconclusive: 1 });
  });

  it('the rerun is judged against the same limit as the first look', () => {
    const report = compareRuns(base, simple({ output_throughput: 900 }), confirming);
    const limit = report.points[0]!.metrics[0]!.limit!;
    expect(mergeConfirmation(report, simple({ output_throughput: limit - 0.01 })).verdict).toBe('fail');
    expect(mergeConfirmation(report, simple({ output_throughput: limit + 0.01 })).verdict).toBe('pass');
  });

  it('a rerun that lacks the point, or ran it invalid, leaves the regression standing with a note', () => {
    const report = compareRuns(base, simple({ output_throughput: 900 }), confirming);
    const missing = mergeConfirmation(report, run([]));
    expect(missing.verdict).toBe('fail');
    expect(missing.notes.join(' ')).toContain('did not produce this point');
    const invalid = mergeConfirmation(report, simple({ output_throughput: 1000 }, { valid: false, reasons: ['client saturated'] }));
    expect(invalid.verdict).toBe('fail');
    expect(invalid.notes.join(' ')).toContain('was invalid (client saturated)');
  });

  it('a run that failed with no point to blame keeps its summary through the merge', () => {
    const failed = run([suite('sweep', [point({ key: 'concurrency=8', metrics: { output_throughput: 1000 } })])], { status: 'failed' });
    failed.error = { code: 'SERVER_CRASH', message: 'the server exited with code 137' };
    const report = compareRuns(base, failed, confirming);
    expect(report.summary).toBe('The run failed: the server exited with code 137');
    const merged = mergeConfirmation(report, run([]));
    expect(merged).toMatchObject({ verdict: 'fail', passes: false, summary: 'The run failed: the server exited with code 137' });
  });
});

describe('A/B mode', () => {
  const side = (label: string, values: number[]) =>
    values.map((v) => run([suite('sweep', [point({ metrics: { output_throughput: v, median_itl_ms: 10000 / v } })])], { label }));

  it('pairs the interleaved rounds: a consistent 10% loss regresses even when the rounds drift', () => {
    const a = side('baseline', [1000, 1040, 980]);
    const b = side('candidate', [900, 936, 882]);
    const r = compareAB(a, b, gateSettings());
    const m = r.points[0]!.metrics.find((x) => x.metric === 'output_throughput')!;
    expect(m).toMatchObject({ verdict: 'regressed', interval: { method: 'paired' }, baselineRuns: 3 });
    expect(m.baseline).toBeCloseTo(1006.667, 3);
    expect(m.current).toBeCloseTo(906, 6);
    expect(m.change).toBeCloseTo(-0.1, 9);
    expect(r.ab).toEqual({ baselineLabel: 'baseline', candidateLabel: 'candidate', rounds: 3 });
    expect(r.baseline).toMatchObject({ runs: 3, source: 'A/B: baseline' });
    expect(r.verdict).toBe('fail');
  });

  it('an improvement of the candidate is improved (seed 002: optimized vs baseline config)', () => {
    const r = compareAB(side('baseline', [1000, 1010, 995]), side('optimized', [1200, 1215, 1190]), gateSettings());
    expect(r.points[0]!.metrics.map((m) => [m.metric, m.verdict])).toEqual([
      ['output_throughput', 'improved'],
      ['median_itl_ms', 'improved'],
    ]);
    expect(r.verdict).toBe('pass');
    expect(r.ab?.candidateLabel).toBe('optimized');
  });

  it('a change the rounds disagree on is inconclusive', () => {
    const r = compareAB(side('a', [1000, 1000, 1000]), side('b', [800, 1100, 850]), gateSettings());
    expect(r.points[0]!.metrics.find((x) => x.metric === 'output_throughput')!.verdict).toBe('inconclusive');
  });

  it("unequal round counts use Welch's interval; fewer than 3 rounds, the noise floor", () => {
    const welch = compareAB(side('a', [1000, 1010, 990, 1000]), side('b', [900, 905, 895]), gateSettings());
    expect(welch.points[0]!.metrics[0]!.interval?.method).toBe('welch');
    expect(welch.notes[0]).toContain("Welch's interval");
    const one = compareAB(side('a', [1000]), side('b', [900]), gateSettings());
    expect(one.points[0]!.metrics[0]!.interval?.method).toBe('noise-floor');
    const two = compareAB(side('a', [1000, 1010]), side('b', [900, 905]), gateSettings());
    expect(two.points[0]!.metrics[0]).toMatchObject({ verdict: 'regressed', interval: { method: 'noise-floor' } });
    expect(two.points[0]!.metrics[0]!.reason).toContain('2 rounds: too few for an interval');
  });

  it('different server args are the experiment; a different GPU is not comparable', () => {
    const a = side('a', [1000, 1000]).map((d) => ({
      ...d,
      environment: { fingerprint: { 'gpu-name': 'H100', 'server-args': ['--enable-prefix-caching'] } },
    }));
    const b = side('b', [1000, 1000]).map((d) => ({ ...d, environment: { fingerprint: { 'gpu-name': 'H100', 'server-args': [] } } }));
    expect(compareAB(a, b, gateSettings()).verdict).toBe('pass');
    const c = b.map((d) => ({ ...d, environment: { fingerprint: { 'gpu-name': 'A100' } } }));
    const r = compareAB(a, c, gateSettings());
    expect(r.verdict).toBe('not-comparable');
    expect(r.fingerprintDiffs).toEqual([{ field: 'gpu-name', baseline: 'H100', current: 'A100' }]);
  });

  it('an invalid round of either side makes the point invalid and fails', () => {
    const a = side('a', [1000, 1000]);
    a[1]!.suites[0]!.points[0]!.validity = { valid: false, reasons: ['server crashed'] };
    const r = compareAB(a, side('b', [1000, 1000]), gateSettings());
    expect(r.points[0]).toMatchObject({ verdict: 'invalid', invalidReasons: ['a round 2: server crashed'] });
    expect(r.verdict).toBe('fail');
  });

  it("labels default to the runs' labels, and can be given", () => {
    const r = compareAB(side('main', [1]), side('pr', [1]), gateSettings(), { baselineLabel: 'A', candidateLabel: 'B' });
    expect(r.ab).toMatchObject({ baselineLabel: 'A', candidateLabel: 'B', rounds: 1 });
    expect(compareAB(side('main', [1]), side('pr', [1]), gateSettings()).ab).toMatchObject({ baselineLabel: 'main', candidateLabel: 'pr' });
  });

  it('with no run of the baseline side, the summary names that side', () => {
    const r = compareAB([], side('pr', [1]), gateSettings(), { baselineLabel: 'main' });
    expect(r).toMatchObject({ verdict: 'no-baseline', passes: true, summary: 'No main runs: 1 point recorded as new.' });
  });
});

describe('the metric catalog', () => {
  it('gates the throughputs, median latencies, offline latency and tokens/s, and start-up time', () => {
    for (const m of [
      'request_throughput',
      'output_throughput',
      'total_token_throughput',
      'median_ttft_ms',
      'median_tpot_ms',
      'median_itl_ms',
      'median_e2el_ms',
      'mean_latency_ms',
      'avg_latency_ms',
      'tokens_per_second',
      'startup_time_s',
    ]) {
      expect(metricInfo(m).role, m).toBe('gated');
    }
  });

  it('observes percentiles, spreads, telemetry, goodput and client figures', () => {
    for (const m of [
      'p99_ttft_ms',
      'p90_itl_ms',
      'p99.9_e2el_ms',
      'std_tpot_ms',
      'mean_ttft_ms',
      'request_goodput',
      'peak_kv_cache_usage_perc',
      'median_client_queue_time_ms',
      'error_rate',
      'failed',
    ]) {
      expect(metricInfo(m).role, m).toBe('observed');
      expect(metricInfo(m).known, m).toBe(true);
    }
  });

  it('knows directions, units and families', () => {
    expect(metricInfo('output_throughput')).toMatchObject({ direction: 'higher-is-better', unit: 'tok/s', family: 'throughput' });
    expect(metricInfo('request_throughput').unit).toBe('req/s');
    expect(metricInfo('p95_ttft_ms')).toMatchObject({ direction: 'lower-is-better', unit: 'ms', family: 'ttft' });
    expect(metricInfo('median_itl_ms').family).toBe('latency');
    expect(metricInfo('startup_time_s')).toMatchObject({ unit: 's', family: 'startup' });
    expect(metricInfo('peak_gpu_memory_used_mib').family).toBe('telemetry');
  });

  it('guesses for unknown names and marks them unknown', () => {
    expect(metricInfo('foo_throughput')).toMatchObject({ known: false, direction: 'higher-is-better', role: 'observed' });
    expect(metricInfo('p99_bogus_ms')).toMatchObject({ known: false, direction: 'lower-is-better' });
    expect(catalogNames()).toContain('median_ttft_ms');
  });
});
