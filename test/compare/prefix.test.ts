// Points that measured different request counts are compared over the same first N requests.
import { describe, expect, it } from 'vitest';
import { compareAB } from '../../src/compare/ab.js';
import { compareRuns } from '../../src/compare/compare.js';
import { mergeConfirmation } from '../../src/compare/confirm.js';
import { decisionLines } from '../../src/compare/decision-lines.js';
import { gateSettings } from '../../src/compare/settings.js';
import { simple } from './docs.js';

const settings = gateSettings({});

/** A full run of 200 requests whose first 64 ran at `early` ms TPOT and all 200 at `all`. */
const full = (early: number, all: number): ReturnType<typeof simple> =>
  simple(
    { median_tpot_ms: all },
    {
      requests: 200,
      prefixes: [
        { requests: 48, metrics: { median_tpot_ms: early * 0.99 } },
        { requests: 64, metrics: { median_tpot_ms: early } },
      ],
    },
  );
/** A run cut at `n` requests (it records its own figures below n too). */
const cut = (n: number, tpot: number): ReturnType<typeof simple> =>
  simple({ median_tpot_ms: tpot }, { requests: n, prefixes: [{ requests: 48, metrics: { median_tpot_ms: tpot * 0.99 } }] });

describe('comparing points of different request counts', () => {
  // The first 64 requests of the schedule load the server less: 10 ms against 12 ms over all 200.
  const baseline = [full(10, 12), full(10.1, 12.1), full(9.9, 11.9)];

  it('judges a point cut at 64 against the baseline figures over the same 64 requests', () => {
    const report = compareRuns(baseline, cut(64, 11.5), settings);
    const m = report.points[0]!.metrics.find((x) => x.metric === 'median_tpot_ms')!;
    expect(m.baseline).toBeCloseTo(10, 9);
    expect(m.verdict).toBe('regressed'); // +15% over the same requests; against all 200 it would look 4% better
    expect(report.points[0]!.comparedOver).toBe(64);
    expect(report.notes.join('\n')).toContain('compared over the first 64 requests of every run');
  });

  it('passes a cut point that matches the baseline over the same requests', () => {
    const report = compareRuns(baseline, cut(64, 10.05), settings);
    expect(report.verdict).toBe('pass');
  });

  it('falls back to the largest count every run has, and compares whole points of equal counts as before', () => {
    expect(compareRuns(baseline, cut(80, 10), settings).points[0]!.comparedOver).toBe(48);
    const whole = compareRuns(baseline, full(10, 12), settings);
    expect(whole.points[0]!.comparedOver).toBeUndefined();
    expect(whole.verdict).toBe('pass');
  });

  it('gives an adaptive point the lines of the count it would be cut at, and none where a run lacks figures', () => {
    const lines = decisionLines(baseline, settings)('sweep', 'concurrency=8')!;
    expect(lines(64)!.median_tpot_ms!.baseline).toBeCloseTo(10, 9);
    expect(lines(200)!.median_tpot_ms!.baseline).toBeCloseTo(12, 9);
    expect(lines(80)).toBeUndefined();
  });

  it('compares A/B rounds over the same first requests too', () => {
    const rounds = (make: () => ReturnType<typeof simple>): ReturnType<typeof simple>[] => [make(), make(), make()];
    const report = compareAB(
      rounds(() => full(10, 12)),
      rounds(() => cut(64, 11.5)),
      settings,
    );
    expect(report.points[0]!.comparedOver).toBe(64);
    expect(report.points[0]!.metrics.find((x) => x.metric === 'median_tpot_ms')!.baseline).toBeCloseTo(10, 9);
  });

  it('confirms a regression over the requests the point was judged over, not the whole rerun', () => {
    const report = compareRuns(baseline, cut(64, 11.5), settings);
    expect(report.verdict).toBe('fail');
    // The rerun went on to 200: over its first 64 it is back at the baseline's 10 ms.
    const rerun = simple({ median_tpot_ms: 13 }, { requests: 200, prefixes: [{ requests: 64, metrics: { median_tpot_ms: 10 } }] });
    const merged = mergeConfirmation(report, rerun);
    expect(merged.points[0]!.metrics.find((x) => x.metric === 'median_tpot_ms')!.verdict).toBe('inconclusive');
    expect(merged.verdict).toBe('pass');
  });

  it("gives each line the baseline runs' moves from N requests to all of theirs", () => {
    const lines = decisionLines(baseline, settings)('sweep', 'concurrency=8')!;
    const at64 = lines(64)!.median_tpot_ms!;
    // Standings over 64 (10/10, 10.1/10, 9.9/10) and over 200 (12/12, 12.1/12, 11.9/12) move by
    // at most 0.17%: a run's standing at 64 is nearly its standing at 200.
    expect(at64.toFinal!.half).toBeGreaterThan(0);
    expect(at64.toFinal!.half).toBeLessThan(0.01);
    const at200 = lines(200)!.median_tpot_ms!;
    expect(at64.toFinal!.lineRatio).toBeCloseTo(at200.line / at200.baseline, 12);
    expect(at200.toFinal).toBeUndefined();
  });
});
