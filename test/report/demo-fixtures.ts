// The demo's runs as fixtures (a 6-point concurrency sweep on vllm-sim with its offline suites):
// the baseline, a build 15% slower and a build with nothing changed, judged by the real gate.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { compareRuns } from '../../src/compare/compare.js';
import { gateSettings } from '../../src/compare/settings.js';
import type { GateReport } from '../../src/compare/types.js';
import type { ResultsDocument } from '../../src/results/schema-types.gen.js';

export const demoDoc = (name: 'baseline' | 'slower' | 'same'): ResultsDocument =>
  JSON.parse(readFileSync(path.join(import.meta.dirname, 'fixtures', `demo.${name}.json`), 'utf8')) as ResultsDocument;

export interface DemoRun {
  report: GateReport;
  current: ResultsDocument;
  baselineDoc: ResultsDocument;
}

/** The gate's report on the slower build (fails) or the unchanged one (passes). */
export function demoRun(which: 'slower' | 'same'): DemoRun {
  const baselineDoc = demoDoc('baseline');
  const current = demoDoc(which);
  const report = compareRuns([baselineDoc], current, gateSettings(), { source: '/tmp/out/demo/baseline/results.json' });
  return { report, current, baselineDoc };
}
