import { describe, expect, it } from 'vitest';
import { compareRuns } from '../../src/compare/compare.js';
import { gateSettings } from '../../src/compare/settings.js';
import { renderSummary } from '../../src/report/markdown.js';
import type { ResultsDocument } from '../../src/results/schema-types.gen.js';
import { demoDoc } from './demo-fixtures.js';

/** The demo run with its first suite's first point turned into a trace replay at time-scale 2. */
function asTrace(doc: ResultsDocument): ResultsDocument {
  const copy = structuredClone(doc);
  const s = copy.suites[0]!;
  const p = s.points[0]!;
  s.points = [{ ...p, key: 'trace', label: 'trace replay ×2', 'request-rate': 21.05, concurrency: null }];
  return copy;
}

describe('a trace replay in the serving table', () => {
  it('is titled by its label, not by the mean rate of its schedule', () => {
    const baselineDoc = asTrace(demoDoc('baseline'));
    const current = asTrace(demoDoc('slower'));
    const md = renderSummary(compareRuns([baselineDoc], current, gateSettings(), {}), current, { configId: 'demo', baselineDoc });
    expect(md).toMatch(/\| trace replay ×2 /);
    expect(md).not.toMatch(/\| 21\.05 /);
  });
});
