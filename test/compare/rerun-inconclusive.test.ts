// Rerun planning on fixed results documents: the plan an inconclusive metric carries, the points
// gate.rerun-inconclusive asks to repeat, and the run judged again with the rerun's repeats added.
import { describe, expect, it } from 'vitest';
import { compareRuns } from '../../src/compare/compare.js';
import { inconclusiveFigure, mergeRepeats, pointsToRepeat } from '../../src/compare/confirm.js';
import { detectionPower } from '../../src/compare/power.js';
import { gateSettings } from '../../src/compare/settings.js';
import type { Gate } from '../../src/config/schema-types.gen.js';
import { parseThresholds } from '../../src/config/thresholds.js';
import { validateResults } from '../../src/results/validate.js';
import { history, point, run, simple, suite } from './docs.js';

// mean 1000, sd 15.8 (1.6%): the 99% prediction half-width for one new run is 4.604 · 15.8 · √1.2 = 79.7.
const STEADY = [1000, 1020, 980, 1010, 990];
const settings = (gate: Gate = {}) => gateSettings({ gate });

describe('the plan of an inconclusive metric', () => {
  const report = compareRuns(history(STEADY), simple({ output_throughput: 930 }), settings());
  const m = report.points[0]!.metrics.find((x) => x.metric === 'output_throughput')!;

  it('says how many repeats would see a change of the tolerance size outside the noise with 80% power', () => {
    expect(m.verdict).toBe('inconclusive'); // −7%: beyond −5%, inside ±8.0%
    expect(inconclusiveFigure(m)).toBe('−7.0% ± 8.0%');
    expect(m.plan).toMatchObject({ change: 0.05, power: 0.8, level: 0.99, repeatsNow: 1, runs: null });
    const k = m.plan!.repeats!;
    expect(m.plan!.text).toBe(`${k} repeats would detect a 5% change with 80% power`);
    const design = { runs: 5, historySd: 15.811388300841896 };
    expect(detectionPower({ ...design, repeats: k }, 50, 0.99)).toBeGreaterThanOrEqual(0.8);
    expect(detectionPower({ ...design, repeats: k - 1 }, 50, 0.99)).toBeLessThan(0.8);
    expect(m.plan!.achieved).toBeCloseTo(detectionPower({ ...design, repeats: 1 }, 50, 0.99), 12);
  });

  it('aims at gate.power', () => {
    const r = compareRuns(history(STEADY), simple({ output_throughput: 930 }), settings({ power: 0.95 }));
    expect(r.points[0]!.metrics[0]!.plan!.repeats!).toBeGreaterThan(m.plan!.repeats!);
  });

  it('is absent from verdicts that are not inconclusive', () => {
    const r = compareRuns(history(STEADY), simple({ output_throughput: 850 }), settings());
    expect(r.points[0]!.metrics[0]).toMatchObject({ verdict: 'regressed' });
    expect(r.points[0]!.metrics[0]!.plan).toBeUndefined();
  });

  it('has no figures to give against a one-run baseline', () => {
    // −2.5%: beyond a −2% tolerance, inside the 3% throughput noise floor of a one-run baseline.
    const s = gateSettings({ thresholds: parseThresholds({ output_throughput: '-2%' }, { path: 'thresholds' }) });
    const one = compareRuns(history([1000]), simple({ output_throughput: 975 }), s).points[0]!.metrics[0]!;
    expect(one.verdict).toBe('inconclusive');
    expect(one.plan).toMatchObject({ spread: null, repeats: null, runs: null, achieved: null });
    expect(one.plan!.text).toContain('the baseline is one run');
  });

  it('asks for baseline runs when repeats alone cannot get there', () => {
    // sd 3% over three runs: the baseline mean's own uncertainty stays whatever the repeats.
    const r = compareRuns(history([1000, 1030, 970]), simple({ output_throughput: 930 }), settings());
    const p = r.points[0]!.metrics[0]!.plan!;
    expect(p).toMatchObject({ repeats: null, runs: 8, repeatsWithRuns: 19 });
    expect(p.text).toBe(
      'no repeat count up to 20 would detect a 5% change with 80% power against 3 baseline runs; 8 baseline runs and 19 repeats would',
    );
    const design = { historySd: 30, repeats: 19 };
    expect(detectionPower({ ...design, runs: 8 }, 50, 0.99)).toBeGreaterThanOrEqual(0.8);
    expect(detectionPower({ ...design, runs: 8, repeats: 18 }, 50, 0.99)).toBeLessThan(0.8);
    expect(detectionPower({ ...design, runs: 7, repeats: 20 }, 50, 0.99)).toBeLessThan(0.8);
  });
});

describe('gate.rerun-inconclusive', () => {
  const baseline = history(STEADY);
  const current = simple({ output_throughput: 930 });

  it('asks for nothing unless set', () => {
    expect(pointsToRepeat(compareRuns(baseline, current, settings()), settings()).points).toEqual([]);
  });

  it('repeats the point as often as planned, capped at max-repeats in all', () => {
    const s = settings({ 'rerun-inconclusive': { 'max-repeats': 3 } });
    const report = compareRuns(baseline, current, s);
    const planned = report.points[0]!.metrics[0]!.plan!.repeats!;
    expect(planned).toBeGreaterThan(3);
    const { points } = pointsToRepeat(report, s);
    expect(points).toEqual([
      {
        suite: 'sweep',
        key: 'concurrency=8',
        add: 2,
        planned: 3,
        reason: `output_throughput inconclusive (−7.0% ± 8.0%): ${planned} repeats would detect a 5% change with 80% power (capped at 3)`,
      },
    ]);
    const wide = settings({ 'rerun-inconclusive': { 'max-repeats': 20 } });
    expect(pointsToRepeat(compareRuns(baseline, current, wide), wide).points[0]).toMatchObject({ add: planned - 1, planned });
  });

  it('judges the point again on all its repeats, and records the rerun in the results', () => {
    const s = settings({ 'rerun-inconclusive': { 'max-repeats': 20 } });
    const { points } = pointsToRepeat(compareRuns(baseline, current, s), s);
    const added = Array.from({ length: points[0]!.add }, (_, i) => ({ output_throughput: 928 + (i % 2) * 4 }));
    const rerun = run([suite('sweep', [point({ metrics: { output_throughput: 930 }, repeats: added })])]);
    const { doc, notes } = mergeRepeats(current, rerun, points);
    const p = doc.suites[0]!.points[0]!;
    expect(p.repeats).toHaveLength(points[0]!.planned);
    expect(p.metrics.output_throughput).toBeCloseTo(930, 0);
    expect(p.rerun).toEqual({ 'planned-repeats': points[0]!.planned, 'added-repeats': points[0]!.add, reason: points[0]!.reason });
    expect(validateResults(doc)).toEqual([]);
    expect(notes[0]).toContain(`rerun for ${points[0]!.add} more repeats (${points[0]!.planned} in all)`);
    const again = compareRuns(baseline, doc, s).points[0]!.metrics[0]!;
    expect(again.interval?.method).toBe('two-sample-t');
    expect(again.verdict).toBe('regressed');
  });

  it('keeps the first run when the rerun point is invalid, and says so', () => {
    const s = settings({ 'rerun-inconclusive': { 'max-repeats': 6 } });
    const { points } = pointsToRepeat(compareRuns(baseline, current, s), s);
    const rerun = run([suite('sweep', [point({ metrics: { output_throughput: 1 }, valid: false, reasons: ['too many errors'] })])]);
    const { doc, notes } = mergeRepeats(current, rerun, points);
    expect(doc.suites[0]!.points[0]).toEqual(current.suites[0]!.points[0]);
    expect(notes).toEqual([
      'sweep · concurrency 8: the rerun for inconclusive metrics was invalid (too many errors); judged on the first run only.',
    ]);
  });

  it('notes the metrics no repeats can settle instead of rerunning them', () => {
    const s = settings({ 'rerun-inconclusive': { 'max-repeats': 6 } });
    const r = compareRuns(history([1000, 1100, 920]), simple({ output_throughput: 900 }), s);
    const out = pointsToRepeat(r, s);
    expect(out.points).toEqual([]);
    expect(out.notes[0]).toMatch(
      /^sweep · concurrency 8 · output_throughput: not rerun: neither repeats nor up to 100 baseline runs would/,
    );
  });
});
