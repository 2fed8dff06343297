import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GateReport, MetricComparison, PointComparison } from '../../src/compare/types.js';
import type { ResultsDocument } from '../../src/results/schema-types.gen.js';
import { renderComment, renderSummary, COMMENT_LIMIT } from '../../src/report/markdown.js';
import { renderAggregate } from '../../src/report/aggregate.js';
import { renderText } from '../../src/report/text.js';
import { toJson } from '../../src/report/json.js';
import { annotations } from '../../src/report/annotations.js';
import { hasChanges } from '../../src/report/format.js';

const fixture = <T>(name: string): T => JSON.parse(readFileSync(path.join(import.meta.dirname, 'fixtures', name), 'utf8')) as T;
const report = () => fixture<GateReport>('nightly.report.json');
const current = () => fixture<ResultsDocument>('nightly.current.json');
const baselineDoc = () => fixture<ResultsDocument>('nightly.baseline.json');
const ctx = { configId: 'nightly', runUrl: 'https://github.com/octo/gpu-app/actions/runs/5', baselineDoc: baselineDoc() };

/** The rows of the Markdown table that follows a heading. */
function tableAfter(md: string, heading: string): string[][] {
  const start = md.indexOf(heading);
  expect(start).toBeGreaterThanOrEqual(0);
  const lines = md.slice(start).split('\n');
  const first = lines.findIndex((l) => l.startsWith('|'));
  const rows: string[][] = [];
  for (const l of lines.slice(first)) {
    if (!l.startsWith('|')) break;
    rows.push(l.slice(2, -2).split(' | '));
  }
  return rows;
}

describe('renderComment', () => {
  it('starts with the hidden marker and a headline with the verdict, the counts, the baseline and the environment', () => {
    const md = renderComment(report(), current(), ctx);
    const lines = md.split('\n');
    expect(lines[0]).toBe('<!-- vllm-perf-gate:nightly -->');
    expect(lines[1]).toBe('## ❌ vLLM performance gate: fail — <code>nightly</code>');
    expect(md).toContain('**1 of 6 points regressed** (1 gated metric) · 1 point improved (1 gated metric) · 4 points unchanged');
    expect(md).toContain('**Baseline:** commit <code>222222222222</code> on <code>main</code> from 2026-11-20 (1 run, artifact run 123)');
    expect(md).toContain(
      '**Environment:** 1× NVIDIA L4 · driver 580.126.20 · CUDA 13.0 · vLLM 0.23.0 · model <code>Qwen/Qwen2.5-7B-Instruct</code>',
    );
    expect(md).toContain('[workflow run](https://github.com/octo/gpu-app/actions/runs/5)');
  });

  it("shows seed 001's serving table, each cell the current value with its change and a mark on the regression", () => {
    const rows = tableAfter(renderComment(report(), current(), ctx), '### Serving: sharegpt-qps');
    // The gated columns: total tok/s gates by default.
    expect(rows[0]).toEqual([
      'request rate (req/s)',
      'req/s',
      'output tok/s',
      'total tok/s',
      'TTFT p50 (ms)',
      'TPOT p50 (ms)',
      'ITL p50 (ms)',
    ]);
    expect(rows.slice(2).map((r) => r[0])).toEqual(['1', '4', '16', 'inf']);
    // The comment's column is narrow: the change goes under the value.
    expect(rows[4]).toEqual([
      '16',
      '4.48<br>−0.1%',
      '1002<br>−0.1%',
      '2104<br>−0.1%',
      '109.9\u00a0🔴<br>+15.6%',
      '73.31<br>+0.4%',
      '49.77<br>+0.5%',
    ]);
    expect(rows[5]![4]).toBe('3083<br>+1.1%');
    // The job summary keeps one line per cell.
    const full = tableAfter(renderSummary(report(), current(), ctx), '### Serving: sharegpt-qps');
    expect(full[4]).toEqual(['16', '4.48 (−0.1%)', '1002 (−0.1%)', '2104 (−0.1%)', '109.9 (+15.6%) 🔴', '73.31 (+0.4%)', '49.77 (+0.5%)']);
  });

  it('lists the regression with its values and limit in the first table, its reason folded, above the serving tables', () => {
    const md = renderComment(report(), current(), ctx);
    const rows = tableAfter(md, '| gated metric');
    expect(rows[2]).toEqual(['🔴 sharegpt-qps · TTFT p50 (ms)', '16 req/s', '95', '109.9', '**+15.6%**', '+10% or +20ms']);
    expect(md).toContain(
      '- 🔴 **sharegpt-qps** · 16 req/s · TTFT p50 (ms): 109.9 vs baseline 95 (+15.6%, tolerance +10% or +20ms) — 15.6% slower',
    );
    expect(md.indexOf('<details><summary>Why:')).toBeLessThan(md.indexOf('### Serving'));
  });

  it('has offline latency and throughput tables, start-up time and the resource peaks', () => {
    const md = renderComment(report(), current(), ctx);
    expect(tableAfter(md, '### Offline latency')[2]).toEqual(['latency', '1234 (−1.3%)', '1230 (−1.2%)', '1248 (−1.0%)', '1250 (−1.0%)']);
    expect(tableAfter(md, '### Offline throughput')[2]).toEqual(['throughput', '16.26 (+7.7%)', '8030 (+8.5%) 🟢', '12.3 (−6.8%)']);
    expect(md).toContain('**Start-up time** (spawn to ready): 41.5 s (+3.8% vs baseline 40 s)');
    const peaks = tableAfter(md, '### Resource peaks over the run');
    expect(peaks[2]).toEqual(['GPU utilisation (<code>peak\\_gpu\\_util\\_pct</code>)', '**100 %**', 'sharegpt-qps · inf req/s', '90 %']);
    expect(peaks.find((r) => r[0]!.startsWith('KV-cache'))![1]).toBe('**2.20 %**');
  });

  it('draws what regressed: the change of each regressed gated metric along the sweep, with inf on the x axis and the tolerance as a line', () => {
    const md = renderComment(report(), current(), ctx);
    const charts = md.match(/```mermaid\n[\s\S]*?```/g) ?? [];
    expect(charts).toHaveLength(1);
    expect(charts[0]).toContain('xychart-beta');
    expect(charts[0]).toContain('x-axis "request rate (req/s)" ["1", "4", "16", "inf"]');
    // The tolerance first (grey), then TTFT p50's change in percent at each rate.
    expect(charts[0]).toContain('line [10, 10, 10, 10]');
    expect(charts[0]).toMatch(/line \[1\.2\d*, [\d.-]+, 15\.6\d*, [\d.-]+\]/);
    expect(charts[0]).toMatch(/y-axis "change \(percent\)" 0 --> 1[78]/);
    expect(md).toContain('<sub>grey: tolerance +10% or +20ms · orange: TTFT p50 (ms)</sub>');
  });

  it('puts every other metric in a collapsed details block of the job summary', () => {
    const md = renderSummary(report(), current(), ctx);
    expect(renderComment(report(), current(), ctx)).not.toContain('All other metrics');
    const details = md.slice(md.indexOf('<details><summary>All other metrics'));
    expect(details).toContain('<code>p99\\_ttft\\_ms</code> | 197.8 | 171 | +15.6% | observe | unchanged');
    expect(details).not.toContain('<code>median\\_ttft\\_ms</code>');
    expect(details.trimEnd().endsWith('</details>')).toBe(true);
  });

  it("uses seed 003's p50/p95 columns and a concurrency axis for a concurrency sweep", () => {
    const doc = current();
    const suite = doc.suites[0]!;
    suite.points = [1, 2, 4].map((c) => ({
      key: `concurrency=${c}`,
      label: `concurrency ${c}`,
      'request-rate': 'inf' as const,
      concurrency: c,
      metrics: {
        request_throughput: c,
        output_throughput: 100 * c,
        median_ttft_ms: 27,
        p95_ttft_ms: 115.5,
        median_tpot_ms: 5,
        median_itl_ms: 5.1,
        p95_itl_ms: 6.1,
        median_e2el_ms: 679,
        p95_e2el_ms: 765,
      },
      validity: { valid: true, reasons: [] },
    }));
    const r: GateReport = { ...report(), verdict: 'no-baseline', passes: true, baseline: null, points: [] };
    const md = renderComment(r, doc, { configId: 'sweep' });
    const rows = tableAfter(md, '### Serving: sharegpt-qps');
    // The comment has the gated columns; the job summary the p95s too.
    expect(rows[0]).toEqual(['concurrency', 'req/s', 'output tok/s', 'TTFT p50 (ms)', 'TPOT p50 (ms)', 'ITL p50 (ms)', 'E2E p50 (ms)']);
    expect(rows[2]).toEqual(['1', '1', '100', '27', '5', '5.10', '679']);
    const full = tableAfter(renderSummary(r, doc, { configId: 'sweep' }), '### Serving: sharegpt-qps');
    expect(full[0]).toEqual([
      'concurrency',
      'req/s',
      'output tok/s',
      'TTFT p50 (ms)',
      'TTFT p95 (ms)',
      'TPOT p50 (ms)',
      'ITL p50 (ms)',
      'ITL p95 (ms)',
      'E2E p50 (ms)',
      'E2E p95 (ms)',
    ]);
    expect(full[2]).toEqual(['1', '1', '100', '27', '115.5', '5', '5.10', '6.10', '679', '765']);
    expect(md).toContain('## 🆕 vLLM performance gate: no baseline');
    expect(md).toContain('none yet');
  });

  it('lists invalid points with their reasons', () => {
    const r = report();
    const p = r.points[0]!;
    p.valid = false;
    p.verdict = 'invalid';
    p.invalidReasons = ['12% of requests failed (HTTP 500), above the 1% limit'];
    const md = renderComment(r, current(), ctx);
    expect(md).toContain(
      '### Invalid points\n\n- ⛔ **sharegpt-qps** · 1 req/s: 12% of requests failed \\(HTTP 500\\), above the 1% limit',
    );
    expect(tableAfter(md, '### Serving')[2]![0]).toBe('1 ⛔');
  });

  it("in A/B mode shows both configs' figures and the change, like seed 002's Improvement Summary", () => {
    const r: GateReport = {
      ...report(),
      ab: { baselineLabel: '14B baseline', candidateLabel: '14B fp8', rounds: 3 },
      baseline: { runs: 3, source: 'A/B: baseline config' },
    };
    const md = renderComment(r, current(), { configId: 'ab' });
    expect(md).toContain('**A/B:** 14B fp8 vs 14B baseline, 3 rounds interleaved on one machine');
    const rows = tableAfter(md, '### Improvement summary');
    expect(rows[0]).toEqual(['suite', 'point', 'metric', '14B baseline', '14B fp8', 'change']);
    expect(rows).toContainEqual(['throughput', 'offline throughput', 'total tok/s', '7400', '8030', '**+8.5%** 🟢']);
  });

  it('stays under 65,536 characters: details go first, then charts and telemetry, with a pointer to the artifact', () => {
    const big = bigReport(40, 40, 'slower '.repeat(25));
    const md = renderComment(big.report, big.current, {
      configId: 'big',
      artifactUrl: 'https://github.com/octo/gpu-app/actions/runs/5/artifacts/9',
    });
    expect(md.length).toBeLessThanOrEqual(65_536);
    expect(md.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(md).not.toContain('All other metrics');
    expect(md).toContain("✂️ Left out to stay under GitHub's size limit: charts");
    expect(md).toContain('The full report is in the [results artifact](https://github.com/octo/gpu-app/actions/runs/5/artifacts/9)');
    expect(md).toContain('| gated metric |');
    expect(md).toContain('### Serving: suite-0');
    // The job summary has room for all of it.
    const some = bigReport(10, 40);
    const summary = renderSummary(some.report, some.current, { configId: 'big' });
    expect(summary).toContain('All other metrics');
    expect(new TextEncoder().encode(summary).length).toBeLessThanOrEqual(1_000_000);
  });

  it("with more suites than fit, keeps the first suites' tables and names what it left out", () => {
    const big = bigReport(120, 30, 'x'.repeat(150));
    const md = renderComment(big.report, big.current, { configId: 'huge' });
    expect(md.length).toBeLessThanOrEqual(65_536);
    expect(md.startsWith('<!-- vllm-perf-gate:huge -->\n## ')).toBe(true);
    expect(md).toContain('### Serving: suite-0\n');
    expect(md).not.toContain('### Serving: suite-119\n');
    expect(md).toMatch(
      /✂️ Left out to stay under GitHub's size limit: .* and \d+ more\. The full report is in the job summary and the results artifact\./,
    );
  });
});

describe('escaping in the comment', () => {
  const evil = '| x <img src=x onerror=alert(1)> `code` @octo-org/admins <!-- vllm-perf-gate:nightly --> [a](javascript:alert(1))\n| --- |';
  function hostile(): { r: GateReport; doc: ResultsDocument } {
    const r = report();
    const doc = current();
    r.summary = evil;
    r.notes = [evil];
    r.fingerprintDiffs = [{ field: evil, baseline: evil, current: evil }];
    r.baseline!.source = evil;
    for (const p of r.points) {
      p.suite = p.suite === 'sharegpt-qps' ? evil : p.suite;
      p.label = evil;
      p.invalidReasons = [evil];
      p.valid = false;
      for (const m of p.metrics) m.reason = evil;
    }
    doc.suites[0]!.name = evil;
    doc.suites[0]!.description = evil;
    for (const p of doc.suites[0]!.points) {
      p.label = evil;
      p.metrics[evil] = 1;
      p.telemetry = { ...p.telemetry, [evil]: 2 };
      p.errors = { total: 1, examples: [evil] };
    }
    doc.environment.fingerprint!['gpu-name'] = evil;
    doc.environment.fingerprint!.model = evil;
    doc.environment.runner = evil;
    return { r, doc };
  }

  it('no hostile string from a config, server or log can open HTML, a code span, a mention or a second marker', () => {
    const { r, doc } = hostile();
    const base = baselineDoc();
    base.suites[0]!.name = evil;
    const md = renderComment(r, doc, { configId: evil, baselineDoc: base, runUrl: 'javascript:alert(1)' });
    expect(md.match(/<!--/g)).toHaveLength(1);
    expect(md).not.toMatch(/<(?!\/?(code|details|summary|sub|br)>|!-- vllm-perf-gate:)/);
    expect(md).not.toContain('`code`');
    expect(md).not.toMatch(/@octo-org/);
    expect(md).not.toContain('javascript:alert');
    expect(md).not.toContain('](javascript');
    // Every table row keeps its column count: no stray pipe split a cell.
    const lines = md.split('\n');
    let cols = 0;
    for (const l of lines) {
      if (!l.startsWith('|')) {
        cols = 0;
        continue;
      }
      const n = (l.match(/(?<!\\)\|/g) ?? []).length;
      if (cols === 0) cols = n;
      expect(n).toBe(cols);
    }
    // Mermaid blocks hold nothing but the chart (drawn for a valid point that regressed).
    for (const p of r.points)
      Object.assign(p, { valid: true, verdict: p.metrics.some((m) => m.verdict === 'regressed') ? 'regressed' : 'unchanged' });
    const charted = renderComment(r, doc, { configId: evil, baselineDoc: base });
    const blocks = charted.match(/```mermaid\n[\s\S]*?\n```/g) ?? [];
    expect(blocks.length).toBeGreaterThan(0);
    // (` --> ` is the y axis range, the chart's own syntax.)
    for (const block of blocks)
      expect(block.slice('```mermaid\n'.length, -3).replace(/ \d+ --> -?\d+$/m, '')).not.toMatch(/[<>`@|%]|javascript/);
    // The same for the summary, which has every table.
    expect(renderSummary(r, doc, { configId: evil, baselineDoc: base }).match(/<!--/g) ?? []).toHaveLength(0);
  });

  it('the plain-text report and the annotations carry no control characters', () => {
    const { r, doc } = hostile();
    r.summary = '\u001b[2J\u001b[31mboom\u0007';
    const text = renderText(r, doc);
    /* eslint-disable no-control-regex -- control characters are what must not get through */
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    for (const a of annotations(r)) expect(a.title + a.message).not.toMatch(/[\u0000-\u001f]/);
    /* eslint-enable no-control-regex */
  });
});

describe('text, JSON, annotations', () => {
  it('renders aligned plain text with the regression spelled out', () => {
    const text = renderText(report(), current());
    expect(text.split('\n')[0]).toBe('vLLM performance gate: FAIL (nightly)');
    expect(text).toMatch(/median_ttft_ms\s+109\.9\s+95\s+\+15\.6%\s+\+10% or \+20ms\s+REGRESSED/);
    expect(text).toContain('Regressions:\n  sharegpt-qps / 16 req/s / median_ttft_ms: 15.6% slower');
    expect(text).not.toMatch(/[|*`]/);
  });

  it('lists under Regressions only gated metrics: an observed one beyond its tolerance never gates', () => {
    const r = report();
    for (const p of r.points) for (const m of p.metrics) if (m.metric === 'median_ttft_ms') m.role = 'observed';
    expect(renderText(r, current())).not.toContain('Regressions:');
  });

  it('toJson round-trips the report', () => {
    expect(JSON.parse(toJson(report()))).toEqual(report());
  });

  it('annotates each regression, at most 10, the last saying how many more', () => {
    expect(annotations(report())).toEqual([
      {
        level: 'error',
        title: 'Performance regression: sharegpt-qps / 16 req/s / TTFT p50 (ms)',
        message:
          'median_ttft_ms 109.9 vs baseline 95 (+15.6%), tolerance +10% or +20ms. 15.6% slower than the baseline, beyond +10% or +20ms',
      },
    ]);
    const many = bigReport(3, 10).report;
    const a = annotations(many);
    expect(a).toHaveLength(10);
    expect(a[9]!.title).toBe('21 more regressions or invalid points');
    expect(annotations(report(), { failOnRegression: false })[0]!.level).toBe('warning');
    expect(annotations(report(), { file: '.github/vllm-perf-gate.yml' })[0]!.file).toBe('.github/vllm-perf-gate.yml');
  });

  it('hasChanges is what on-change comments on', () => {
    const quiet: GateReport = {
      ...report(),
      verdict: 'pass',
      passes: true,
      counts: { regressed: 0, improved: 0, unchanged: 6, inconclusive: 1, new: 0, missing: 0, invalid: 0 },
      points: report().points.map((p) => ({ ...p, valid: true })),
    };
    expect(hasChanges(quiet)).toBe(false);
    expect(hasChanges(report())).toBe(true);
    expect(hasChanges({ ...quiet, counts: { ...quiet.counts, improved: 1 } })).toBe(true);
  });
});

describe('renderAggregate', () => {
  it('one comment for a matrix: an overview with each config, the worst verdict on top, each report below', () => {
    const pass: GateReport = { ...report(), verdict: 'pass', passes: true, counts: { ...report().counts, regressed: 0 } };
    const md = renderAggregate(
      [
        { configId: 'h100', report: pass, current: current() },
        { configId: 'l4', report: report(), current: current(), baselineDoc: baselineDoc() },
      ],
      { id: 'perf' },
    );
    expect(md.split('\n')[0]).toBe('<!-- vllm-perf-gate:aggregate:perf -->');
    expect(md).toContain('## ❌ vLLM performance gate: fail — 2 configurations');
    const rows = tableAfter(md, '## ❌');
    expect(rows.slice(2).map((r) => [r[0], r[1], r[2]])).toEqual([
      ['<code>h100</code>', '✅ pass', '0'],
      ['<code>l4</code>', '❌ fail', '1'],
    ]);
    expect(md).toContain("<sub>Each count is of points (a sweep's rates or concurrencies, an offline suite), by the gate's verdict.</sub>");
    expect(md).toContain('### ❌ vLLM performance gate: fail — <code>l4</code>');
    expect(md).toContain('#### Serving: sharegpt-qps');
    expect(md.length).toBeLessThanOrEqual(65_536);
  });
});

/** A report with many suites and points, every point regressed on TTFT (for size and count limits). */
function bigReport(suites: number, pointsPerSuite: number, reason = 'slower'): { report: GateReport; current: ResultsDocument } {
  const doc = current();
  const points: PointComparison[] = [];
  doc.suites = [];
  for (let s = 0; s < suites; s++) {
    const suite = { name: `suite-${s}`, kind: 'serving' as const, points: [] as ResultsDocument['suites'][number]['points'] };
    for (let i = 1; i <= pointsPerSuite; i++) {
      const metrics: Record<string, number> = {
        request_throughput: i,
        output_throughput: 100 * i,
        median_ttft_ms: 50 + i,
        median_tpot_ms: 5,
        median_itl_ms: 5,
      };
      for (let k = 0; k < 12; k++) metrics[`extra_metric_${k}_ms`] = k + i;
      suite.points.push({
        key: `rate=${i}`,
        label: `${i} req/s`,
        'request-rate': i,
        metrics,
        validity: { valid: true, reasons: [] },
        telemetry: { peak_kv_cache_usage_perc: 0.5, peak_num_requests_running: i },
      });
      const ms: MetricComparison[] = Object.entries(metrics).map(([metric, v]) => ({
        metric,
        unit: 'ms',
        direction: 'lower-is-better',
        role: metric === 'median_ttft_ms' ? 'gated' : 'observed',
        verdict: metric === 'median_ttft_ms' ? 'regressed' : 'unchanged',
        current: v,
        baseline: v / 1.2,
        change: 0.2,
        tolerance: '+10%',
        baselineRuns: 5,
        reason,
      }));
      points.push({
        suite: suite.name,
        suiteKind: 'serving',
        key: `rate=${i}`,
        label: `${i} req/s`,
        valid: true,
        invalidReasons: [],
        verdict: 'regressed',
        metrics: ms,
      });
    }
    doc.suites.push(suite);
  }
  const n = points.length;
  return {
    current: doc,
    report: { ...report(), points, counts: { regressed: n, improved: 0, unchanged: 0, inconclusive: 0, new: 0, missing: 0, invalid: 0 } },
  };
}
