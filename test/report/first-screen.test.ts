// The PR comment a reviewer understands in ten seconds: the verdict, one impact sentence per suite,
// the counts with their nouns and a table of only the gated metrics that changed; the rest folded
// or left to the job summary. Judged by the real gate on the demo's runs (test/report/fixtures).
import { describe, expect, it } from 'vitest';
import { metricsInGroup } from '../../src/catalog/metrics.js';
import type { ResultsDocument } from '../../src/results/schema-types.gen.js';
import { escapeMarkdown } from '../../src/report/escape.js';
import { renderComment, renderSummary } from '../../src/report/markdown.js';
import { compareRuns } from '../../src/compare/compare.js';
import { gateSettings } from '../../src/compare/settings.js';
import { demoDoc, demoRun } from './demo-fixtures.js';

const ctx = (r: ReturnType<typeof demoRun>) => ({ configId: 'demo', baselineDoc: r.baselineDoc });
const slower = demoRun('slower');
const same = demoRun('same');
const failing = renderComment(slower.report, slower.current, ctx(slower));
const passing = renderComment(same.report, same.current, ctx(same));
const failingSummary = renderSummary(slower.report, slower.current, ctx(slower));
const passingSummary = renderSummary(same.report, same.current, ctx(same));

/** The rows of the Markdown table whose header starts with `head`. */
function tableAt(md: string, head: string): string[][] {
  const lines = md.split('\n');
  const first = lines.findIndex((l) => l.startsWith(head));
  expect(first).toBeGreaterThanOrEqual(0);
  const rows: string[][] = [];
  for (const l of lines.slice(first)) {
    if (!l.startsWith('|')) break;
    rows.push(l.slice(2, -2).split(' | '));
  }
  return rows;
}

describe('the first screen of the comment', () => {
  it('is the verdict, then one impact sentence per suite, then the counts and the baseline, then the table of changes', () => {
    const lines = failing.split('\n');
    expect(lines[1]).toBe('## ❌ vLLM performance gate: fail — <code>demo</code>');
    const sweep = failing.indexOf('- **sweep**: 🔴 req/s, output tok/s, total tok/s −13% at all 6 concurrencies; 🔴 TPOT/ITL/E2E p50 +15%');
    const latency = failing.indexOf('- **latency**: 🔴 mean latency +15%');
    const throughput = failing.indexOf('- **throughput**: 🔴 total tok/s −13%');
    const counts = failing.indexOf('**8 of 9 points regressed** (38 gated metrics)');
    const changes = failing.indexOf('| gated metric | point | baseline | current | change | limit (tolerance) |');
    expect([sweep, latency, throughput, counts, changes].every((i) => i > 0)).toBe(true);
    expect(sweep).toBeLessThan(latency);
    expect(throughput).toBeLessThan(counts);
    expect(counts).toBeLessThan(changes);
    // The per-metric reasons are folded below the table; the serving table comes after them.
    expect(changes).toBeLessThan(failing.indexOf('<details><summary>Why:'));
    expect(failing.indexOf('<details><summary>Why:')).toBeLessThan(failing.indexOf('### Serving: sweep'));
  });

  it('lists only gated metrics that regressed or improved, with baseline, current, change and limit', () => {
    const rows = tableAt(failing, '| gated metric');
    expect(rows[2]).toEqual(['🔴 sweep · req/s', 'concurrency 1', '2.95', '2.56', '**−13.3%**', '2.81 (-5%)']);
    const gated = new Set(['req/s', 'output tok/s', 'total tok/s', 'TPOT p50 (ms)', 'ITL p50 (ms)', 'E2E p50 (ms)', 'mean (ms)']);
    for (const r of rows.slice(2)) expect(gated.has(r[0]!.replace(/^🔴 \w+ · /, ''))).toBe(true);
    // TTFT was inconclusive (inside the noise floor): it is not a change.
    expect(rows.some((r) => r[0]!.includes('TTFT'))).toBe(false);
    expect(failing).toContain('_…and 26 more in the details below and the job summary._');
  });

  it('says when the rerun confirmed the regressions', () => {
    const r = demoRun('slower');
    for (const p of r.report.points)
      for (const m of p.metrics) if (m.verdict === 'regressed') m.confirmation = { value: m.current, regressedAgain: true };
    expect(renderComment(r.report, r.current, ctx(r))).toContain('🔴 TPOT/ITL/E2E p50 +15%; confirmed by a rerun');
  });

  it('names what each count counts', () => {
    expect(failing).toContain('**8 of 9 points regressed** (38 gated metrics) · 1 point unchanged');
    expect(passing).toContain('**9 of 9 points unchanged**');
    expect(failing).not.toMatch(/\*\*\d+\*\* regressed/);
  });

  it('names the commit, branch and date of the baseline, not the file it was read from', () => {
    expect(failing).toContain('**Baseline:** commit <code>a1b2c3d4e5f6</code> on <code>main</code> from 2026-11-30 (1 run)');
    expect(failing).not.toContain('/tmp/out');
  });

  it('has a legend, and marks observed changes ⚪, never 🔴 or 🟢', () => {
    expect(failing).toContain('🔴 gated metric regressed · 🟢 gated metric improved');
    expect(failing).toContain('⚪ observed metric beyond its tolerance (shown, never gates)');
    const observed = tableAt(failing, '| observed metric');
    expect(observed.length).toBeGreaterThan(2);
    for (const r of observed.slice(2)) expect(r[0]).toMatch(/^⚪ /);
    // ITL p95 is observed: the summary's full table marks its change ⚪.
    const full = tableAt(failingSummary, '| concurrency');
    const col = full[0]!.indexOf('ITL p95 (ms)');
    expect(col).toBeGreaterThan(0);
    for (const r of full.slice(2)) expect(r[col]).toMatch(/\(\+1\d\.\d%\) ⚪$/);
    const other = failingSummary.slice(failingSummary.indexOf('All other metrics'));
    for (const l of other.split('\n').filter((x) => x.startsWith('| sweep'))) expect(l).not.toMatch(/🔴|🟢/);
  });
});

describe('what the comment leaves to the job summary', () => {
  it('shows no client-health figure; the job summary keeps them all', () => {
    const names = metricsInGroup('client-health').filter((m) => typeof slower.current.suites[0]!.points[0]!.metrics[m] === 'number');
    expect(names.length).toBeGreaterThan(5);
    for (const m of names) {
      const code = `<code>${escapeMarkdown(m)}</code>`;
      expect(failing).not.toContain(code);
      expect(passing).not.toContain(code);
      expect(failingSummary).toContain(code);
      expect(passingSummary).toContain(code);
    }
  });

  it('a passing run with nothing changed is a short comment, the job summary has everything', () => {
    expect(passing.length).toBeLessThan(4000);
    expect(passing).toContain('No gated metric changed beyond its tolerance at 9 points in 4 suites.');
    expect(passingSummary.length).toBeGreaterThan(20_000);
    expect(passingSummary).toContain('<details><summary>All other metrics');
    expect(passingSummary).toContain('<details><summary>Telemetry per point');
  });

  it('shows the gated serving columns in the comment, every column in the job summary', () => {
    expect(tableAt(passing, '| concurrency')[0]).toEqual([
      'concurrency',
      'req/s',
      'output tok/s',
      'total tok/s',
      'TTFT p50 (ms)',
      'TPOT p50 (ms)',
      'ITL p50 (ms)',
      'E2E p50 (ms)',
    ]);
    expect(tableAt(passingSummary, '| concurrency')[0]).toContain('ITL p95 (ms)');
  });
});

describe('a non-streaming suite (the chat-client preset)', () => {
  function nonStreaming(doc: ResultsDocument): ResultsDocument {
    doc.suites = doc.suites.filter((s) => s.name === 'sweep');
    for (const p of doc.suites[0]!.points) {
      for (const k of Object.keys(p.metrics)) if (/_(ttft|tpot|itl)_ms$/.test(k)) delete p.metrics[k];
      p.errors = { total: 1, 'by-kind': { http: 1 }, 'http-status': { '200': 4, '503': 1 }, examples: [] };
    }
    return doc;
  }

  it('has its own columns: E2E mean/p50/p95/p99, errors and HTTP status counts', () => {
    const base = nonStreaming(demoDoc('baseline'));
    const cur = nonStreaming(demoDoc('slower'));
    const report = compareRuns([base], cur, gateSettings());
    for (const md of [
      renderComment(report, cur, { configId: 'chat', baselineDoc: base }),
      renderSummary(report, cur, { configId: 'chat' }),
    ]) {
      expect(md).toContain('### Serving: sweep (non-streaming)');
      const rows = tableAt(md, '| concurrency');
      expect(rows[0]).toEqual([
        'concurrency',
        'req/s',
        'output tok/s',
        'E2E mean (ms)',
        'E2E p50 (ms)',
        'E2E p95 (ms)',
        'E2E p99 (ms)',
        'errors',
        'HTTP status',
      ]);
      expect(rows[2]![7]).toBe('1');
      expect(rows[2]![8]).toBe('200×4 · 503×1');
      expect(rows[2]![4]).toMatch(/^389\.8(\u00a0🔴<br>\+15\.3%| \(\+15\.3%\) 🔴)$/);
    }
  });
});

describe('charts of what changed', () => {
  it('draw, per sweep, the change of each regressed gated metric along the axis, with the tolerance as a line', () => {
    const charts = failing.match(/```mermaid\n[\s\S]*?```/g) ?? [];
    // One per tolerance: throughput (-5%) and latency (+10%).
    expect(charts).toHaveLength(2);
    expect(charts[0]).toContain('x-axis "concurrency" ["1", "2", "4", "8", "16", "32"]');
    expect(charts[0]).toContain('line [-5, -5, -5, -5, -5, -5]');
    expect(charts[0]).toMatch(/y-axis "change \(percent\)" -1\d --> 0/);
    expect(charts[0]!.match(/\n {2}line /g)).toHaveLength(4);
    expect(charts[1]).toContain('line [10, 10, 10, 10, 10, 10]');
    expect(charts[0]).toContain('plotColorPalette: "#8c8c8c, #e8590c, #1c7ed6, #be4bdb"');
    expect(failing).toContain('<sub>grey: tolerance -5% · orange: req/s · blue: output tok/s · purple: total tok/s</sub>');
    expect(passing).not.toContain('```mermaid');
  });
});

describe('a run the gate did not judge', () => {
  it('does not say that nothing changed: the verdict sentence says why nothing was judged', () => {
    const r = demoRun('same');
    const other = r.current;
    other.environment.fingerprint = { ...other.environment.fingerprint, model: 'Qwen/Qwen2.5-7B-Instruct' };
    const report = compareRuns([r.baselineDoc], other, gateSettings());
    expect(report.verdict).toBe('not-comparable');
    const md = renderComment(report, other, { configId: 'demo', baselineDoc: r.baselineDoc });
    expect(md).not.toContain('No gated metric changed');
    expect(md).toContain('> Not comparable with the baseline\\: model');
    expect(md).toContain('**9 points, none judged**');
  });
});
