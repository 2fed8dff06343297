import { describe, expect, it } from 'vitest';
import { compareRuns } from '../../src/compare/compare.js';
import { gateSettings } from '../../src/compare/settings.js';
import { renderComment, renderSummary } from '../../src/report/markdown.js';
import type { ResultsDocument } from '../../src/results/schema-types.gen.js';
import { demoDoc } from './demo-fixtures.js';

/** The demo run with its sweep's first two points turned into points of chat sessions (fixture figures, not measurements). */
function asSessions(doc: ResultsDocument, sessionMs: number): ResultsDocument {
  const copy = structuredClone(doc);
  copy.suites[0]!.points.slice(0, 2).forEach((p, i) => {
    Object.assign(p.metrics, {
      completed_sessions: 8 - i,
      mean_turns_per_session: 3.5,
      median_first_turn_ttft_ms: 21,
      median_later_turns_ttft_ms: 12,
      median_session_duration_ms: sessionMs,
      p99_session_duration_ms: 2 * sessionMs,
    });
  });
  return copy;
}

describe('the figures of points of sessions', () => {
  const baselineDoc = asSessions(demoDoc('baseline'), 400);
  const current = asSessions(demoDoc('same'), 500);
  const report = compareRuns([baselineDoc], current, gateSettings(), {});
  const ctx = { configId: 'demo', baselineDoc };

  it('are a table of their own in the job summary, titled from the registry, a row per point of sessions', () => {
    const md = renderSummary(report, current, ctx);
    const sessions = md.slice(md.indexOf('**Sessions**'), md.indexOf('<sub>Each cell'));
    expect(sessions).toContain(
      '| concurrency | sessions completed | turns per session | TTFT turn 1 p50 (ms) | TTFT later turns p50 (ms) | session p50 (ms) | session p99 (ms) |',
    );
    expect(sessions).toContain('| 1 | 8 (±0.0%) | 3.50 (±0.0%) | 21 (±0.0%) | 12 (±0.0%) | 500 (+25.0%) ⚪ | 1000 (+25.0%) ⚪ |');
    expect(sessions).toContain('| 2 | 7 (±0.0%) |');
    // Only the points of sessions have a row.
    expect(sessions).not.toMatch(/^\| 4 \|/m);
    // Shown once: not again among the summary's other metrics.
    expect(md.slice(md.indexOf('All other metrics'))).not.toContain('completed\\_sessions');
  });

  it('stay out of the PR comment, which keeps to the sweep', () => {
    expect(renderComment(report, current, ctx)).not.toContain('sessions completed');
  });
});
