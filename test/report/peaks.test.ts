import { describe, expect, it } from 'vitest';
import { compareRuns } from '../../src/compare/compare.js';
import { gateSettings } from '../../src/compare/settings.js';
import { renderComment, renderSummary } from '../../src/report/markdown.js';
import type { ResultsDocument } from '../../src/results/schema-types.gen.js';
import { demoDoc } from './demo-fixtures.js';

/** A demo run whose points also carry the server's phase times and prefix-cache figures. */
function withServerFigures(doc: ResultsDocument, queueMs: number): ResultsDocument {
  const copy = structuredClone(doc);
  for (const s of copy.suites) {
    for (const p of s.points) {
      if (!p.telemetry) continue;
      Object.assign(p.telemetry, { mean_queue_time_ms: queueMs, p99_prefill_time_ms: 297, prefix_cache_hit_rate: 0.48 });
    }
  }
  return copy;
}

describe('resource peaks: only what peaks', () => {
  const baselineDoc = withServerFigures(demoDoc('baseline'), 1.9);
  const current = withServerFigures(demoDoc('slower'), 2.2);
  const report = compareRuns([baselineDoc], current, gateSettings(), {});
  const ctx = { configId: 'demo', baselineDoc };

  it('lists KV-cache use and requests running, never the server phase times or prefix-cache figures', () => {
    const md = renderComment(report, current, ctx);
    // Names are Markdown-escaped (`mean\\_queue...`): compare without the escapes.
    const peaks = md.slice(md.indexOf('Resource peaks over the run')).replaceAll('\\', '');
    expect(peaks).toContain('KV-cache usage');
    expect(peaks).toContain('Requests running');
    expect(peaks).not.toMatch(/queue_time|prefill_time|prefix_cache/);
  });

  it('keeps the phase times and prefix-cache figures per point in the job summary', () => {
    const md = renderSummary(report, current, ctx);
    const perPoint = md.slice(md.indexOf('Telemetry per point'));
    expect(perPoint).toContain('mean\\_queue\\_time\\_ms');
    expect(perPoint).toContain('prefix\\_cache\\_hit\\_rate');
  });
});
