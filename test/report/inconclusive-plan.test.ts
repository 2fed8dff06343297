// An inconclusive gated metric is reported below the first screen, folded, with its rerun plan.
import { describe, expect, it } from 'vitest';
import { compareRuns } from '../../src/compare/compare.js';
import { gateSettings } from '../../src/compare/settings.js';
import { parseThresholds } from '../../src/config/thresholds.js';
import { renderComment, renderSummary } from '../../src/report/markdown.js';
import { renderText } from '../../src/report/text.js';
import { history, simple } from '../compare/docs.js';

// p99 TTFT over five runs with a 5% spread; this run +12% against a +10% tolerance: inside the noise.
const settings = gateSettings({ thresholds: parseThresholds({ p99_ttft_ms: '+10%' }, { path: 'thresholds' }) });
const baseline = history([100, 105, 95, 102, 98], 'p99_ttft_ms');
const current = simple({ p99_ttft_ms: 112 });
const report = compareRuns(baseline, current, settings);
const m = report.points[0]!.metrics.find((x) => x.metric === 'p99_ttft_ms')!;

describe('the inconclusive section', () => {
  it('gives the change, its noise and the plan, one line a metric, folded', () => {
    expect(m.verdict).toBe('inconclusive');
    const md = renderComment(report, current, { configId: 'demo' });
    // ±19.2%: the 99% prediction half-width, t(0.995, 4) · 3.81 · √1.2, over the mean of 100.
    const line = `- <code>p99\\_ttft\\_ms</code> at concurrency 8: inconclusive (+12.0% ± 19.2%); ${m.plan!.text}`;
    expect(m.plan!.text).toMatch(/^\d+ repeats would detect a 10% change with 80% power$/);
    expect(md).toContain(line);
    const details = md.lastIndexOf('<details><summary>1 gated metric inconclusive', md.indexOf(line));
    expect(details).toBeGreaterThan(md.indexOf('vLLM performance gate'));
    expect(md.indexOf('</details>', details)).toBeGreaterThan(md.indexOf(line));
    expect(renderSummary(report, current, { configId: 'demo' })).toContain(line);
  });

  it('is absent when nothing is inconclusive', () => {
    const calm = compareRuns(baseline, simple({ p99_ttft_ms: 101 }), settings);
    expect(renderComment(calm, current, { configId: 'demo' })).not.toContain('gated metric inconclusive');
    expect(renderText(calm, current)).not.toContain('Inconclusive');
  });

  it('is in the plain-text report the CLI prints too, with the plan', () => {
    const text = renderText(report, current);
    expect(text).toContain(`Inconclusive (beyond the tolerance, inside the noise); what would settle it:\n`);
    expect(text).toContain(`/ concurrency 8 / p99_ttft_ms: ${m.plan!.text}`);
  });
});
