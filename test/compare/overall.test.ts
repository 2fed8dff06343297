// The verdict of several configs judged together (aggregate mode) fails closed: the worst verdict
// wins, and a config not judged or a verdict this code does not know fails and never passes.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { knownVerdict, overallVerdict, worstVerdict, type ConfigOutcome } from '../../src/compare/overall.js';
import type { GateReport, RunVerdict } from '../../src/compare/types.js';

const passing = (): GateReport => ({
  ...(JSON.parse(readFileSync(path.resolve('test/report/fixtures/nightly.report.json'), 'utf8')) as GateReport),
  verdict: 'pass',
  passes: true,
});
const judged = (verdict: RunVerdict, passes: boolean): ConfigOutcome => ({ report: { verdict, passes } });

describe('the verdict of several configs', () => {
  it('is the worst of them: fail, nothing-compared, not-comparable, no-baseline, pass', () => {
    const order: RunVerdict[] = ['pass', 'no-baseline', 'not-comparable', 'nothing-compared', 'fail'];
    order.forEach((v, i) => {
      const rest = order.slice(0, i).map((w) => judged(w, true));
      expect(overallVerdict([...rest, judged(v, false), ...rest]).verdict).toBe(v);
    });
  });

  it('is fail when a config was not judged, whatever the others say', () => {
    const r = overallVerdict([judged('pass', true), { rejected: 'its results.json is not JSON' }]);
    expect(r).toEqual({ verdict: 'fail', passes: false });
  });

  it('counts an unknown verdict as fail, which never passes', () => {
    expect(knownVerdict('great')).toBe('fail');
    expect(knownVerdict('toString')).toBe('fail');
    expect(knownVerdict(undefined)).toBe('fail');
    expect(knownVerdict('no-baseline')).toBe('no-baseline');
    expect(worstVerdict([{ verdict: 'pass' }, { verdict: 'great' as RunVerdict }])).toBe('fail');
    expect(overallVerdict([{ report: { ...passing(), verdict: 'great' as RunVerdict } }])).toEqual({ verdict: 'fail', passes: false });
  });

  it('passes only when every config was judged and every report passes (exactly true)', () => {
    expect(overallVerdict([{ report: passing() }]).passes).toBe(true);
    expect(overallVerdict([judged('no-baseline', true), judged('pass', true)])).toEqual({ verdict: 'no-baseline', passes: true });
    expect(overallVerdict([]).passes).toBe(false);
    expect(overallVerdict([judged('not-comparable', true), judged('pass', false)]).passes).toBe(false);
    expect(overallVerdict([{ report: { ...passing(), passes: 'yes' as unknown as boolean } }]).passes).toBe(false);
  });
});
