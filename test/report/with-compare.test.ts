// The report renders what the real gate produces (not only hand-written GateReports).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ResultsDocument } from '../../src/results/schema-types.gen.js';
import { compareRuns } from '../../src/compare/compare.js';
import { gateSettings } from '../../src/compare/settings.js';
import { renderComment } from '../../src/report/markdown.js';
import { countsSentence } from '../../src/report/impact.js';
import { metricTitle } from '../../src/catalog/metrics.js';

const fixture = (name: string): ResultsDocument =>
  JSON.parse(readFileSync(path.join(import.meta.dirname, 'fixtures', name), 'utf8')) as ResultsDocument;

describe('renderComment on a report from compareRuns', () => {
  const current = fixture('nightly.current.json');
  const base = fixture('nightly.baseline.json');
  // The fixture's regression is a +15.6% TTFT: judged with a 15% TTFT noise floor (the default is 30%).
  const report = compareRuns([base], current, gateSettings({ gate: { 'noise-floor': { ttft: 0.15 } } }));
  const md = renderComment(report, current, { configId: 'nightly', baselineDoc: base });

  it("has the gate's verdict and counts in the headline", () => {
    expect(md).toContain(`## ${report.verdict === 'fail' ? '❌' : '✅'} vLLM performance gate: ${report.verdict}`);
    expect(md).toContain(countsSentence(report));
  });

  it('lists every gated regression the gate found, and marks it in its table', () => {
    const regressed = report.points.flatMap((p) =>
      p.metrics.filter((m) => m.verdict === 'regressed' && m.role === 'gated').map((m) => ({ p, m })),
    );
    expect(regressed.length).toBeGreaterThan(0);
    const section = md.slice(md.indexOf('<details><summary>Why:'), md.indexOf('### Serving'));
    for (const { p, m } of regressed) expect(section).toContain(`**${p.suite}** · ${p.label} · ${metricTitle(m.metric)}`);
    expect(md).toContain(`| 16 | 4.48<br>−0.1% | 1002<br>−0.1% | 2104<br>−0.1% | 109.9\u00a0🔴<br>+15.6% |`);
  });

  it('shows the start-up time the gate judged as its own point', () => {
    expect(md).toMatch(/\*\*Start-up time\*\* \(spawn to ready\): 41\.5 s \(\+3\.8% vs baseline 40 s\)/);
    expect(md).not.toContain('startup\\_time\\_s');
  });
});
