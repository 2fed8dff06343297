import { describe, expect, it } from 'vitest';
import { compareRuns, STARTUP_SUITE } from '../../src/compare/compare.js';
import { gateSettings, type GateSettings } from '../../src/compare/settings.js';
import { parseThresholds } from '../../src/config/thresholds.js';
import type { Gate, Thresholds } from '../../src/config/schema-types.gen.js';
import type { MetricComparison, GateReport } from '../../src/compare/types.js';
import { history, point, run, simple, suite } from './docs.js';

function settings(thresholds?: Thresholds, gate?: Gate, goodputSuites?: string[]): GateSettings {
  return gateSettings({
    thresholds: parseThresholds(thresholds, { path: 'thresholds' }),
    ...(gate ? { gate } : {}),
    ...(goodputSuites ? { goodputSuites } : {}),
  });
}

function metric(report: GateReport, name: string, suiteName = 'sweep', key = 'concurrency=8'): MetricComparison {
  const p = report.points.find((x) => x.suite === suiteName && x.key === key);
  const m = p?.metrics.find((x) => x.metric === name);
  if (!m) throw new Error(`no ${name} in ${suiteName}/${key}`);
  return m;
}

// mean 1000, sd √62.5 = 7.906: the 99% prediction half-width is 4.604 · 7.906 · √1.2 = 39.87.
const QUIET = [1000, 1010, 990, 1005, 995];
// mean 1000, sd 79.06: half-width 398.7.
const NOISY = [1000, 1100, 900, 1050, 950];

describe('verdicts against a history (prediction interval)', () => {
  it('a drop beyond the tolerance and outside the interval is regressed, and fails the run', () => {
    const r = compareRuns(history(QUIET), simple({ output_throughput: 900 }), settings());
    const m = metric(r, 'output_throughput');
    expect(m).toMatchObject({ verdict: 'regressed', role: 'gated', baseline: 1000, current: 900, baselineRuns: 5, tolerance: '-5%' });
    expect(m.change).toBeCloseTo(-0.1, 12);
    expect(m.interval?.method).toBe('prediction');
    expect(m.interval?.low).toBeCloseTo(1000 - 39.87, 1);
    expect(m.limit).toBeCloseTo(1000 - 50, 6); // the tolerance line is further than the interval edge
    expect(r.verdict).toBe('fail');
    expect(r.counts.regressed).toBe(1);
    expect(r.summary).toContain('output_throughput');
  });

  it('a change inside the tolerance is unchanged, and the run passes', () => {
    const r = compareRuns(history(QUIET), simple({ output_throughput: 960 }), settings());
    expect(metric(r, 'output_throughput').verdict).toBe('unchanged');
    expect(r.verdict).toBe('pass');
  });

  it('a rise beyond the tolerance and outside the interval is improved', () => {
    const r = compareRuns(history(QUIET), simple({ output_throughput: 1060 }), settings());
    expect(metric(r, 'output_throughput').verdict).toBe('improved');
    expect(r.points[0]?.verdict).toBe('improved');
    expect(r.verdict).toBe('pass');
  });

  it('a drop beyond the tolerance but inside a noisy history is inconclusive, and does not fail', () => {
    const r = compareRuns(history(NOISY), simple({ output_throughput: 920 }), settings());
    const m = metric(r, 'output_throughput');
    expect(m.verdict).toBe('inconclusive');
    expect(m.reason).toContain('inside the 99% prediction interval of 5 runs');
    expect(r.verdict).toBe('pass');
    expect(r.counts.inconclusive).toBe(1);
  });

  it('a lower-is-better metric regresses when it rises', () => {
    const r = compareRuns(
      history(
        QUIET.map((x) => x / 50),
        'median_itl_ms',
      ),
      simple({ median_itl_ms: 23 }),
      settings(),
    );
    expect(metric(r, 'median_itl_ms')).toMatchObject({ verdict: 'regressed', direction: 'lower-is-better', tolerance: '+10%' });
  });
});

describe('verdicts against one baseline run (noise floor)', () => {
  it('a drop beyond the tolerance and the floor is regressed', () => {
    const r = compareRuns(history([1000]), simple({ output_throughput: 940 }), settings());
    expect(metric(r, 'output_throughput')).toMatchObject({ verdict: 'regressed', interval: { method: 'noise-floor' } });
  });

  it('beyond a tolerance smaller than the floor, but inside the floor, is inconclusive', () => {
    const r = compareRuns(history([1000]), simple({ output_throughput: 975 }), settings({ output_throughput: '-2%' }));
    expect(metric(r, 'output_throughput').verdict).toBe('inconclusive');
  });

  it('TTFT has its own wider floor (30% by default): +25% is inconclusive, +35% regressed', () => {
    const base = history([100], 'median_ttft_ms');
    expect(metric(compareRuns(base, simple({ median_ttft_ms: 125 }), settings()), 'median_ttft_ms').verdict).toBe('inconclusive');
    expect(metric(compareRuns(base, simple({ median_ttft_ms: 135 }), settings()), 'median_ttft_ms').verdict).toBe('regressed');
  });

  it('the floor is configurable per family', () => {
    const r = compareRuns(
      history([100], 'median_ttft_ms'),
      simple({ median_ttft_ms: 112 }),
      settings(undefined, { 'noise-floor': { ttft: 0.05 } }),
    );
    expect(metric(r, 'median_ttft_ms').verdict).toBe('regressed');
  });

  it('"+10% or +20ms" needs both: +15 ms on 50 ms is not a regression, +30 ms is', () => {
    const t = { median_ttft_ms: '+10% or +20ms' };
    const base = history([50], 'median_ttft_ms');
    expect(metric(compareRuns(base, simple({ median_ttft_ms: 65 }), settings(t)), 'median_ttft_ms').verdict).toBe('unchanged');
    expect(metric(compareRuns(base, simple({ median_ttft_ms: 80 }), settings(t)), 'median_ttft_ms').verdict).toBe('regressed');
  });

  it('an absolute tolerance in ms applies to a metric in seconds (+600 ms on 10 s passes 200 ms and the 5% floor)', () => {
    const r = compareRuns(history([10], 'duration'), simple({ duration: 10.6 }), settings({ duration: '+200ms' }));
    expect(metric(r, 'duration')).toMatchObject({ verdict: 'regressed', role: 'gated' });
  });
});

describe('roles', () => {
  it('an observed metric that regressed is reported but does not fail the run', () => {
    const r = compareRuns(history([50], 'p99_itl_ms'), simple({ p99_itl_ms: 80 }), settings());
    expect(metric(r, 'p99_itl_ms')).toMatchObject({ verdict: 'regressed', role: 'observed' });
    expect(r.points[0]?.verdict).toBe('unchanged');
    expect(r.verdict).toBe('pass');
  });

  it('naming an observed metric with an amount gates it', () => {
    const r = compareRuns(history([50], 'p99_itl_ms'), simple({ p99_itl_ms: 80 }), settings({ p99_itl_ms: '+20%' }));
    expect(metric(r, 'p99_itl_ms')).toMatchObject({ role: 'gated', tolerance: '+20%' });
    expect(r.verdict).toBe('fail');
  });

  it('"observe" turns a gated metric into a reported one; a suite sentence beats the top level', () => {
    const t = { output_throughput: 'observe', suites: { sweep: { median_itl_ms: '+50%' } }, median_itl_ms: '+1%' };
    const r = compareRuns(
      [simple({ output_throughput: 1000, median_itl_ms: 10 })],
      simple({ output_throughput: 500, median_itl_ms: 13 }),
      settings(t),
    );
    expect(metric(r, 'output_throughput')).toMatchObject({ role: 'observed', verdict: 'regressed', tolerance: '-5%' });
    expect(metric(r, 'median_itl_ms')).toMatchObject({ verdict: 'unchanged', tolerance: '+50%' });
    expect(r.verdict).toBe('pass');
  });

  it('a family default of "observe" makes the family observed', () => {
    const r = compareRuns(history([1000]), simple({ output_throughput: 500 }), settings({ default: { throughput: 'observe' } }));
    expect(metric(r, 'output_throughput').role).toBe('observed');
    expect(r.verdict).toBe('pass');
  });

  it('goodput gates only in a suite that sets SLOs', () => {
    const base = history([10], 'request_goodput');
    const cur = simple({ request_goodput: 5 });
    expect(compareRuns(base, cur, settings()).verdict).toBe('pass');
    expect(compareRuns(base, cur, settings(undefined, undefined, ['sweep'])).verdict).toBe('fail');
  });

  it('telemetry is carried along and judged only when a threshold names it', () => {
    const base = [simple({ output_throughput: 1000 }, { telemetry: { peak_gpu_memory_used_mib: 40000 } })];
    const cur = simple({ output_throughput: 1000 }, { telemetry: { peak_gpu_memory_used_mib: 60000 } });
    const plain = compareRuns(base, cur, settings());
    expect(plain.points[0]?.telemetry).toEqual({ peak_gpu_memory_used_mib: 60000 });
    expect(plain.points[0]?.metrics.map((m) => m.metric)).toEqual(['output_throughput']);
    const gated = compareRuns(base, cur, settings({ peak_gpu_memory_used_mib: '+10%' }));
    expect(metric(gated, 'peak_gpu_memory_used_mib').verdict).toBe('regressed');
    expect(gated.verdict).toBe('fail');
  });
});

describe('matching points and metrics', () => {
  it('matches by suite name and point key: other keys are new or missing', () => {
    const base = [
      run([
        suite('sweep', [
          point({ key: 'concurrency=4', metrics: { output_throughput: 1 } }),
          point({ key: 'concurrency=8', metrics: { output_throughput: 1000 } }),
        ]),
      ]),
    ];
    const cur = run([
      suite('sweep', [
        point({ key: 'concurrency=8', metrics: { output_throughput: 1000 } }),
        point({ key: 'concurrency=16', metrics: { output_throughput: 2 } }),
      ]),
      suite('other', [point({ key: 'concurrency=8', metrics: { output_throughput: 3 } })]),
    ]);
    const r = compareRuns(base, cur, settings());
    const byKey = Object.fromEntries(r.points.map((p) => [`${p.suite}/${p.key}`, p.verdict]));
    expect(byKey).toEqual({
      'sweep/concurrency=8': 'unchanged',
      'sweep/concurrency=16': 'new',
      'other/concurrency=8': 'new',
      'sweep/concurrency=4': 'missing',
    });
    expect(r.counts).toMatchObject({ unchanged: 1, new: 2, missing: 1 });
    expect(r.verdict).toBe('fail'); // the baseline's concurrency=4 was not measured (gate.on-missing: fail)
  });

  it('a metric only in the current run is new; only in the baseline, missing', () => {
    const r = compareRuns(
      [simple({ output_throughput: 1000, median_tpot_ms: 20 })],
      simple({ output_throughput: 1000, p99_ttft_ms: 90, request_goodput: null }),
      settings(),
    );
    expect(metric(r, 'p99_ttft_ms')).toMatchObject({ verdict: 'new', baseline: null });
    expect(metric(r, 'median_tpot_ms')).toMatchObject({ verdict: 'missing', current: null, baseline: 20 });
    expect(r.points[0]?.metrics.some((m) => m.metric === 'request_goodput')).toBe(false);
  });

  it('an unknown metric is compared as observed, with a direction guessed from its name', () => {
    const r = compareRuns([simple({ my_custom_ms: 10 })], simple({ my_custom_ms: 20 }), settings());
    expect(metric(r, 'my_custom_ms')).toMatchObject({ role: 'observed', direction: 'lower-is-better', verdict: 'regressed' });
    expect(r.verdict).toBe('pass');
  });

  it('invalid baseline points are left out of the history, with a note', () => {
    const base = [...history([1000, 1010, 990]), simple({ output_throughput: 10 }, { valid: false, reasons: ['client saturated'] })];
    const r = compareRuns(base, simple({ output_throughput: 1000 }), settings());
    expect(metric(r, 'output_throughput').baselineRuns).toBe(3);
    expect(r.notes.join(' ')).toContain('1 invalid baseline point');
  });

  it("the server's start-up time is judged as a point of its own", () => {
    const base = [run([], { startupS: 30 })];
    const r = compareRuns(base, run([], { startupS: 60 }), settings());
    expect(metric(r, 'startup_time_s', STARTUP_SUITE, 'startup')).toMatchObject({ verdict: 'regressed', role: 'gated', tolerance: '+20%' });
    expect(r.verdict).toBe('fail');
  });
});

describe('run verdicts', () => {
  it('no baseline: no-baseline, every point new', () => {
    const r = compareRuns([], simple({ output_throughput: 1000 }), settings());
    expect(r.verdict).toBe('no-baseline');
    expect(r.baseline).toBeNull();
    expect(r.points.map((p) => p.verdict)).toEqual(['new']);
    expect(metric(r, 'output_throughput').verdict).toBe('new');
  });

  it('an invalid current point fails the run, even a first run, and is never pass', () => {
    const cur = simple({ output_throughput: 1000 }, { valid: false, reasons: ['client saturated: event-loop lag p99 800 ms'] });
    for (const base of [[], history([1000])]) {
      const r = compareRuns(base, cur, settings());
      expect(r.verdict).toBe('fail');
      expect(r.points[0]).toMatchObject({
        verdict: 'invalid',
        valid: false,
        invalidReasons: ['client saturated: event-loop lag p99 800 ms'],
      });
      expect(r.counts.invalid).toBe(1);
      expect(r.summary).toContain('client saturated');
    }
  });

  it('a suite that stopped makes its baseline points invalid, and fails the run', () => {
    const base = [simple({ output_throughput: 1000 })];
    const cur = run([suite('sweep', [], { error: { message: 'server crashed', code: 'SERVER_CRASH' } })], { status: 'partial' });
    const r = compareRuns(base, cur, settings());
    expect(r.points[0]).toMatchObject({ verdict: 'invalid', invalidReasons: ['did not run: server crashed'] });
    expect(r.verdict).toBe('fail');
  });

  it('a different GPU makes the run not-comparable, with the difference listed', () => {
    const base = [
      run([suite('sweep', [point({ metrics: { output_throughput: 1000 } })])], {
        fingerprint: { 'gpu-name': 'NVIDIA A100', 'gpu-count': 1, model: 'Qwen/Qwen2.5-7B', 'server-args': ['--max-model-len', '4096'] },
      }),
    ];
    const r = compareRuns(base, simple({ output_throughput: 500 }), settings());
    expect(r.verdict).toBe('not-comparable');
    expect(r.fingerprintDiffs).toEqual([{ field: 'gpu-name', baseline: 'NVIDIA A100', current: 'NVIDIA H100' }]);
    expect(r.summary).toContain('gpu-name NVIDIA A100 → NVIDIA H100');
  });

  it('gate.allow-fingerprint-mismatch compares anyway and says so', () => {
    const base = [
      run([suite('sweep', [point({ metrics: { output_throughput: 1000 } })])], { fingerprint: { model: 'other', 'server-args': [] } }),
    ];
    const r = compareRuns(base, simple({ output_throughput: 500 }), settings(undefined, { 'allow-fingerprint-mismatch': true }));
    expect(r.verdict).toBe('fail');
    expect(r.fingerprintDiffs.map((d) => d.field)).toEqual(['model', 'server-args']);
    expect(r.notes[0]).toContain('allow-fingerprint-mismatch');
  });

  it('a different dataset in a suite is a fingerprint difference', () => {
    const base = [run([suite('sweep', [point({ metrics: { output_throughput: 1000 } })], { 'dataset-fingerprint': 'aaa' })])];
    const cur = run([suite('sweep', [point({ metrics: { output_throughput: 1000 } })], { 'dataset-fingerprint': 'bbb' })]);
    const r = compareRuns(base, cur, settings());
    expect(r.verdict).toBe('not-comparable');
    expect(r.fingerprintDiffs[0]?.field).toBe('suites.sweep.dataset-fingerprint');
  });

  it('history runs from another setup are left out when some match', () => {
    const other = run([suite('sweep', [point({ metrics: { output_throughput: 1 } })])], { fingerprint: { 'gpu-name': 'NVIDIA A100' } });
    const r = compareRuns([other, ...history([1000, 1000])], simple({ output_throughput: 1000 }), settings());
    expect(r.verdict).toBe('pass');
    expect(r.baseline?.runs).toBe(2);
    expect(r.fingerprintDiffs).toEqual([]);
    expect(r.notes[0]).toContain('1 of 3 baseline runs were left out');
  });

  it('a field only one side recorded (an imported vLLM file) is not a difference', () => {
    const imported = run([suite('sweep', [point({ metrics: { output_throughput: 1000 } })])], { fingerprint: {} });
    expect(compareRuns([imported], simple({ output_throughput: 1000 }), settings()).verdict).toBe('pass');
  });

  it('names the newest baseline run', () => {
    const base = history([1000, 1000]);
    const r = compareRuns([base[1]!, base[0]!], simple({ output_throughput: 1000 }), settings(), { source: 'file baselines/' });
    expect(r.baseline).toMatchObject({ runs: 2, gitSha: base[1]!.run['git-sha'], source: 'file baselines/' });
  });
});

describe('repeats', () => {
  const reps = (xs: number[]): { output_throughput: number }[] => xs.map((x) => ({ output_throughput: x }));

  it('repeats against a history of single runs use the two-sample t interval', () => {
    const cur = simple({ output_throughput: 900 }, { repeats: reps([899, 901]) });
    const m = metric(compareRuns(history(QUIET), cur, settings()), 'output_throughput');
    expect(m.interval?.method).toBe('two-sample-t');
    expect(m.verdict).toBe('regressed');
  });

  it('repeats against a history that repeated too use the prediction interval over run means', () => {
    const base = QUIET.map((x) => simple({ output_throughput: x }, { repeats: reps([x - 1, x + 1]) }));
    const m = metric(compareRuns(base, simple({ output_throughput: 900 }, { repeats: reps([899, 901]) }), settings()), 'output_throughput');
    expect(m.interval?.method).toBe('prediction');
  });

  it("three repeats a side against one baseline run use Welch's interval, never narrower than the floor", () => {
    const base = [simple({ output_throughput: 1000 }, { repeats: reps([999, 1000, 1001]) })];
    const m = metric(
      compareRuns(base, simple({ output_throughput: 940 }, { repeats: reps([939, 940, 941]) }), settings()),
      'output_throughput',
    );
    expect(m.interval?.method).toBe('welch');
    expect(m.interval?.low).toBeCloseTo(970, 6); // the 3% floor is wider than Welch here
    expect(m.verdict).toBe('regressed');
  });

  it('two repeats a side fall back to the noise floor', () => {
    const base = [simple({ output_throughput: 1000 }, { repeats: reps([999, 1001]) })];
    const m = metric(compareRuns(base, simple({ output_throughput: 940 }, { repeats: reps([939, 941]) }), settings()), 'output_throughput');
    expect(m.interval?.method).toBe('noise-floor');
  });
});

describe('confirm-regressions splits the level between the two looks', () => {
  it('gated metrics are screened at 1 − √(1 − 0.99) = 0.90; observed ones stay at 0.99', () => {
    const s = settings(undefined, { 'confirm-regressions': true });
    const base = QUIET.map((x) => simple({ output_throughput: x, p99_itl_ms: x / 20 }));
    const r = compareRuns(base, simple({ output_throughput: 900, p99_itl_ms: 50 }), s);
    expect(metric(r, 'output_throughput').interval?.level).toBeCloseTo(0.9, 12);
    expect(metric(r, 'p99_itl_ms').interval?.level).toBe(0.99);
    expect(r.notes.join(' ')).toContain('must regress again in a rerun');
  });
});
