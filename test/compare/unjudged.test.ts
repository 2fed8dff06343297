// The gate never passes what it did not judge: nothing compared, baseline points not measured, and
// a baseline from another setup each keep a run from passing by default, with a fix.
import { describe, expect, it } from 'vitest';
import { compareAB } from '../../src/compare/ab.js';
import { compareRuns } from '../../src/compare/compare.js';
import { mergeConfirmation, pointsToConfirm } from '../../src/compare/confirm.js';
import { gateSettings, type GateSettings } from '../../src/compare/settings.js';
import type { PointComparison } from '../../src/compare/types.js';
import { decide } from '../../src/compare/verdict.js';
import type { Gate } from '../../src/config/schema-types.gen.js';
import { parseThresholds } from '../../src/config/thresholds.js';
import type { MetricMap } from '../../src/results/schema-types.gen.js';
import { point, run, suite } from './docs.js';

const settings = (gate: Gate = {}): GateSettings => gateSettings({ gate });
const base = (f = 1): MetricMap => ({ output_throughput: 1000 * f, median_itl_ms: 10 / f });
const one = (name: string, f = 1, key = 'concurrency=8') => suite(name, [point({ key, metrics: base(f) })]);

describe('nothing compared', () => {
  it('two runs whose suites are named differently compare nothing: nothing-compared, not pass, with the --suite-map fix', () => {
    const r = compareRuns([run([one('main-run')])], run([one('pr-run', 0.8)]), settings());
    expect(r.verdict).toBe('nothing-compared');
    expect(r.passes).toBe(false);
    expect(r.summary).toMatch(
      /^Nothing compared: no gated metric of this run found a value in the baseline \(baseline suites: main-run; this run's: pr-run\)/,
    );
    expect(r.fix).toContain('--suite-map main-run=pr-run');
    expect(r.fix).toContain('gate.suite-map: { main-run: pr-run }');
    expect(r.fix).toContain('--label');
  });

  it('the suite map judges the renamed suite against the old figures: the 20% loss fails', () => {
    const r = compareRuns([run([one('main-run')])], run([one('pr-run', 0.8)]), { ...settings(), suiteMap: { 'main-run': 'pr-run' } });
    expect(r.verdict).toBe('fail');
    expect(r.passes).toBe(false);
    expect(r.points.map((p) => `${p.suite} ${p.verdict}`)).toEqual(['pr-run regressed']);
    expect(r.notes).toContain('Baseline suite main-run is judged as pr-run (suite map).');
    expect(
      compareRuns([run([one('main-run')])], run([one('pr-run', 1)]), settings({ 'suite-map': { 'main-run': 'pr-run' } })).verdict,
    ).toBe('pass');
  });

  it('a suite map entry that matches nothing is noted', () => {
    const r = compareRuns([run([one('sweep')])], run([one('sweep')]), settings({ 'suite-map': { swep: 'sweep', sweep: 'sweep-v3' } }));
    expect(r.notes).toContain('Suite map swep → sweep: no baseline run has a suite swep.');
    expect(r.notes).toContain('Suite map sweep → sweep-v3: this run has no suite sweep-v3.');
  });

  it('points of other request rates than the baseline also compare nothing, and the fix says to measure the same points', () => {
    const r = compareRuns([run([one('sweep', 1, 'rate=4')])], run([one('sweep', 1, 'rate=8')]), settings());
    expect(r.verdict).toBe('nothing-compared');
    expect(r.fix).toMatch(/^measure the points the baseline has/);
  });

  it('a baseline whose matching points were all invalid compared nothing either, and the fix is to run the baseline again', () => {
    const broken = run([
      suite('sweep', [point({ key: 'concurrency=8', metrics: base(), valid: false, reasons: ['the client was starved'] })]),
    ]);
    const r = compareRuns([broken], run([one('sweep')]), settings());
    expect(r).toMatchObject({ verdict: 'nothing-compared', passes: false });
    expect(r.summary).toContain('(1 matching baseline point was invalid and left out)');
    expect(r.fix).toMatch(/^run the baseline again/);
  });

  it('a run whose config gates no metric is judged when an observed metric was compared', () => {
    const observedOnly = gateSettings({
      thresholds: parseThresholds({ default: { throughput: 'observe', latency: 'observe' } }, { path: 'thresholds' }),
    });
    const r = compareRuns([run([one('sweep')])], run([one('sweep', 0.8)]), observedOnly);
    expect(r.points[0]!.metrics.every((m) => m.role === 'observed')).toBe(true);
    expect(r.verdict).toBe('pass');
  });

  it('no baseline at all is still no-baseline, and passes', () => {
    const r = compareRuns([], run([one('sweep')]), settings());
    expect(r).toMatchObject({ verdict: 'no-baseline', passes: true });
  });
});

describe('baseline points not measured', () => {
  const baseline = [
    run([
      one('steady'),
      suite('sweep', [point({ key: 'concurrency=1', metrics: base() }), point({ key: 'concurrency=2', metrics: base() })]),
    ]),
  ];

  it('a renamed suite fails the run by default, naming the suite and the rename fix', () => {
    const cur = run([
      one('steady'),
      suite('sweep-v2', [point({ key: 'concurrency=1', metrics: base(0.8) }), point({ key: 'concurrency=2', metrics: base(0.8) })]),
    ]);
    const r = compareRuns(baseline, cur, settings());
    expect(r.verdict).toBe('fail');
    expect(r.passes).toBe(false);
    expect(r.counts).toMatchObject({ unchanged: 1, new: 2, missing: 2 });
    expect(r.points.filter((p) => p.verdict === 'missing').map((p) => [p.suite, p.key, p.onMissing])).toEqual([
      ['sweep', 'concurrency=1', 'fail'],
      ['sweep', 'concurrency=2', 'fail'],
    ]);
    expect(r.summary).toBe(
      '2 baseline points not measured: sweep (the whole suite, 2 points): a run that drops or renames a suite or point is not judged on it, so the gate does not pass.',
    );
    expect(r.fix).toContain(
      'if sweep was renamed to sweep-v2, map it: gate.suite-map: { sweep: sweep-v2 } (command line: --suite-map sweep=sweep-v2)',
    );
    expect(r.fix).toContain('gate.suites.sweep.on-missing: warn');
    // Mapped, the renamed suite is judged, and its 20% loss is what fails.
    const mapped = compareRuns(baseline, cur, settings({ 'suite-map': { sweep: 'sweep-v2' } }));
    expect(mapped.counts).toMatchObject({ regressed: 2, missing: 0 });
    expect(mapped.verdict).toBe('fail');
  });

  it('dropping suites fails the run too', () => {
    const r = compareRuns([run([one('a'), one('b'), one('c')])], run([one('a')]), settings());
    expect(r.verdict).toBe('fail');
    expect(r.summary).toContain('2 baseline points not measured: b (the whole suite, 1 point), c (the whole suite, 1 point)');
    expect(r.fix).toContain('gate.suites.b.on-missing: warn');
  });

  it('gate.on-missing: warn lets it pass and still names the missing points', () => {
    const r = compareRuns([run([one('a'), one('b')])], run([one('a')]), settings({ 'on-missing': 'warn' }));
    expect(r).toMatchObject({ verdict: 'pass', passes: true });
    expect(r.points.find((p) => p.suite === 'b')).toMatchObject({ verdict: 'missing', onMissing: 'warn' });
    expect(r.summary).toBe(
      'No gated metric regressed. 1 baseline point not measured: b (the whole suite, 1 point) (gate.on-missing: warn).',
    );
  });

  it('gate.suites.<name>.on-missing applies to that suite only', () => {
    const g: Gate = { suites: { b: { 'on-missing': 'warn' } } };
    expect(compareRuns([run([one('a'), one('b')])], run([one('a')]), settings(g)).verdict).toBe('pass');
    const r = compareRuns([run([one('a'), one('b'), one('c')])], run([one('a')]), settings(g));
    expect(r.verdict).toBe('fail');
    expect(r.points.filter((p) => p.verdict === 'missing').map((p) => `${p.suite}:${p.onMissing}`)).toEqual(['b:warn', 'c:fail']);
    expect(r.fix).toContain('gate.suites.c.on-missing: warn');
  });

  it('a point removed from a kept suite is missing too', () => {
    const b = [run([suite('sweep', [point({ key: 'concurrency=1', metrics: base() }), point({ key: 'concurrency=2', metrics: base() })])])];
    const r = compareRuns(b, run([suite('sweep', [point({ key: 'concurrency=1', metrics: base() })])]), settings());
    expect(r.verdict).toBe('fail');
    expect(r.summary).toMatch(/^1 baseline point not measured: sweep · concurrency=2:/);
  });

  it('missing is measured against the newest baseline run: a suite only older runs had does not fail every later run', () => {
    const older = run([one('sweep'), one('retired')]);
    const newer = run([one('sweep')]);
    const r = compareRuns([older, newer], run([one('sweep')]), settings());
    expect(r.verdict).toBe('pass');
    expect(r.counts.missing).toBe(0);
    expect(r.baseline?.runs).toBe(2);
  });

  it('a regression and a missing suite: the summary leads with the regression and also names the missing suite', () => {
    const r = compareRuns([run([one('a'), one('b')])], run([one('a', 0.8)]), settings());
    expect(r.verdict).toBe('fail');
    expect(r.summary).toMatch(
      /^2 gated metrics regressed, e\.g\. a · .*Also 1 baseline point not measured: b \(the whole suite, 1 point\)\.$/,
    );
    expect(r.fix).toContain('gate.suites.b.on-missing: warn');
  });

  it('a confirmation rerun that clears the regression leaves the missing suite failing the run', () => {
    const report = compareRuns([run([one('a'), one('b')])], run([one('a', 0.8)]), gateSettings({ gate: { 'confirm-regressions': true } }));
    const merged = mergeConfirmation(report, run([one('a', 1)]));
    expect(merged.counts.regressed).toBe(0);
    expect(merged.verdict).toBe('fail');
    expect(merged.summary).toMatch(/^1 baseline point not measured: b/);
    expect(merged.fix).toContain('gate.suites.b.on-missing: warn');
  });

  it('in A/B mode a point the candidate did not produce is missing, and fails by default', () => {
    const a = [run([one('a'), one('b')], { label: 'A' })];
    const b = [run([one('a')], { label: 'B' })];
    expect(compareAB(a, b, settings())).toMatchObject({ verdict: 'fail', passes: false });
    expect(compareAB(a, b, settings({ 'on-missing': 'warn' }))).toMatchObject({ verdict: 'pass', passes: true });
  });
});

describe('not comparable', () => {
  const otherArgs = { 'gpu-name': 'NVIDIA H100', 'gpu-count': 1, model: 'Qwen/Qwen2.5-7B', 'server-args': ['--max-model-len', '8192'] };

  it('a baseline from other server args is not-comparable and does not pass, with the fix', () => {
    const r = compareRuns([run([one('sweep')], { fingerprint: otherArgs })], run([one('sweep', 0.8)]), settings());
    expect(r).toMatchObject({ verdict: 'not-comparable', passes: false });
    expect(r.summary).toBe(
      'Not comparable with the baseline: server-args --max-model-len 8192 → --max-model-len 4096. Nothing was judged, so the gate does not pass.',
    );
    expect(r.fix).toContain('gate.allow-fingerprint-mismatch: true');
    expect(r.fix).toContain('gate.on-not-comparable: pass');
  });

  it('gate.on-not-comparable: pass keeps the verdict and lets the run through', () => {
    const r = compareRuns(
      [run([one('sweep')], { fingerprint: otherArgs })],
      run([one('sweep', 0.8)]),
      settings({ 'on-not-comparable': 'pass' }),
    );
    expect(r).toMatchObject({ verdict: 'not-comparable', passes: true });
    expect(r.fix).toBeUndefined();
    expect(r.summary).toContain('Let through unjudged, as gate.on-not-comparable: pass asks.');
    // A confirmation rerun keeps the acceptance.
    expect(mergeConfirmation(r, run([one('sweep', 0.8)]))).toMatchObject({ verdict: 'not-comparable', passes: true });
  });

  it('nothing of a not-comparable run is rerun for confirmation: it judged nothing', () => {
    const r = compareRuns(
      [run([one('sweep')], { fingerprint: otherArgs })],
      run([one('sweep', 0.8)]),
      settings({ 'confirm-regressions': true }),
    );
    expect(r.points[0]!.metrics.some((m) => m.verdict === 'regressed')).toBe(true);
    expect(pointsToConfirm(r)).toEqual([]);
  });

  it('gate.allow-fingerprint-mismatch judges across the change: the 20% loss fails', () => {
    const r = compareRuns(
      [run([one('sweep')], { fingerprint: otherArgs })],
      run([one('sweep', 0.8)]),
      settings({ 'allow-fingerprint-mismatch': true }),
    );
    expect(r).toMatchObject({ verdict: 'fail', passes: false });
  });
});

describe('decide()', () => {
  const ctx = { notComparable: false, hasBaseline: true, runFailed: false, diffs: [] };
  const judged: PointComparison = {
    suite: 's',
    suiteKind: 'serving',
    key: 'k',
    label: 'k',
    valid: true,
    invalidReasons: [],
    verdict: 'unchanged',
    metrics: [
      {
        metric: 'output_throughput',
        unit: 'tok/s',
        direction: 'higher-is-better',
        role: 'gated',
        verdict: 'unchanged',
        current: 1,
        baseline: 1,
        change: 0,
        tolerance: '-5%',
        baselineRuns: 1,
        reason: '',
      },
    ],
  };
  const missing = (onMissing?: 'fail' | 'warn'): PointComparison => ({
    ...judged,
    suite: 'm',
    verdict: 'missing',
    metrics: [],
    ...(onMissing ? { onMissing } : {}),
  });

  it('a missing point without a setting counts as fail (the safe default)', () => {
    expect(decide([judged, missing()], ctx)).toMatchObject({ verdict: 'fail', passes: false });
    expect(decide([judged, missing('warn')], ctx)).toMatchObject({ verdict: 'pass', passes: true });
  });

  it('invalid beats not-comparable, which beats nothing-compared', () => {
    const invalid = { ...judged, valid: false, verdict: 'invalid' as const, invalidReasons: ['x'] };
    expect(decide([invalid], { ...ctx, notComparable: true }).verdict).toBe('fail');
    expect(decide([missing()], { ...ctx, notComparable: true }).verdict).toBe('not-comparable');
    expect(decide([missing()], ctx).verdict).toBe('nothing-compared');
  });

  it('only pass, no-baseline and an accepted not-comparable pass', () => {
    expect(decide([judged], ctx).passes).toBe(true);
    expect(decide([judged], { ...ctx, hasBaseline: false }).passes).toBe(true);
    expect(decide([judged], { ...ctx, notComparable: true }).passes).toBe(false);
    expect(decide([judged], { ...ctx, notComparable: true, acceptNotComparable: true }).passes).toBe(true);
    expect(decide([{ ...judged, metrics: [] }], ctx).passes).toBe(false);
  });
});
