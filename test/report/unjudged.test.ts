// What the gate did not judge is said first: the verdict and its fix on the first lines, the baseline
// points this run did not measure next to the headline (never folded), and annotations for each.
import { describe, expect, it } from 'vitest';
import { compareRuns } from '../../src/compare/compare.js';
import { gateSettings } from '../../src/compare/settings.js';
import type { Gate } from '../../src/config/schema-types.gen.js';
import type { MetricMap } from '../../src/results/schema-types.gen.js';
import { annotations } from '../../src/report/annotations.js';
import { formatRunVerdict } from '../../src/report/console.js';
import { hasChanges } from '../../src/report/format.js';
import { renderComment } from '../../src/report/markdown.js';
import { renderText } from '../../src/report/text.js';
import { point, run, suite } from '../compare/docs.js';

const figures = (f = 1): MetricMap => ({ output_throughput: 1000 * f, median_itl_ms: 10 / f });
const one = (name: string, f = 1) => suite(name, [point({ key: 'concurrency=8', metrics: figures(f) })]);
const sweep = (name: string, f = 1) =>
  suite(name, [point({ key: 'concurrency=1', metrics: figures(f) }), point({ key: 'concurrency=2', metrics: figures(f) })]);
const judge = (base: ReturnType<typeof run>, cur: ReturnType<typeof run>, gate: Gate = {}) =>
  compareRuns([base], cur, gateSettings({ gate }));

const renamed = () => judge(run([one('steady'), sweep('sweep')]), run([one('steady'), sweep('sweep-v2', 0.8)]));
const nothing = () => judge(run([one('main-run')]), run([one('pr-run', 0.8)]));
const otherSetup = (gate: Gate = {}) =>
  judge(
    run([one('sweep')], {
      fingerprint: { 'gpu-name': 'NVIDIA H100', 'gpu-count': 1, model: 'Qwen/Qwen2.5-7B', 'server-args': ['--max-model-len', '8192'] },
    }),
    run([one('sweep', 0.8)]),
    gate,
  );

describe('the comment on what the gate did not judge', () => {
  it('lists the baseline points not measured right under the headline, before any table, unfolded', () => {
    const cur = run([one('steady'), sweep('sweep-v2', 0.8)]);
    const md = renderComment(renamed(), cur, { configId: 'c' });
    const lines = md.split('\n');
    expect(lines[1]).toBe('## ❌ vLLM performance gate: fail — <code>c</code>');
    const missing = md.indexOf('### ❔ Not measured: 2 baseline points');
    expect(missing).toBeGreaterThan(0);
    expect(missing).toBeLessThan(md.indexOf('### Serving:'));
    expect(md.slice(0, missing)).not.toContain('<details>');
    expect(md).toContain('- **sweep** (not in this run): concurrency=1, concurrency=2 — fails the gate');
    expect(md).toContain('> **Fix:** if sweep was renamed to sweep-v2, map it');
  });

  it('says "warning only" for points gate.on-missing: warn lets through', () => {
    const r = judge(run([one('a'), one('b')]), run([one('a')]), { 'on-missing': 'warn' });
    const md = renderComment(r, run([one('a')]), { configId: 'c' });
    expect(md).toContain('## ✅ vLLM performance gate: pass');
    expect(md).toContain('### ❔ Not measured: 1 baseline point (gate.on-missing: warn)');
    expect(md).toContain('- **b** (not in this run): concurrency=8 — warning only');
  });

  it('nothing compared: the headline says so and the fix names the suite map', () => {
    const md = renderComment(nothing(), run([one('pr-run', 0.8)]), { configId: 'c' });
    expect(md.split('\n')[1]).toBe('## ⛔ vLLM performance gate: nothing compared — <code>c</code>');
    expect(md).toContain('--suite-map main-run=pr-run');
    expect(hasChanges(nothing())).toBe(true);
  });

  it('not comparable: the environment table says nothing was judged and the gate does not pass, or that it was let through', () => {
    const md = renderComment(otherSetup(), run([one('sweep', 0.8)]), { configId: 'c' });
    expect(md).toContain('### ⚠️ Not comparable: the environments differ');
    expect(md).toContain('_Figures below are for information only: nothing was judged, and the gate does not pass._');
    expect(md).toContain('> **Fix:** if the change is intended, gate.allow-fingerprint-mismatch\\: true');
    const accepted = renderComment(otherSetup({ 'on-not-comparable': 'pass' }), run([one('sweep', 0.8)]), { configId: 'c' });
    expect(accepted).toContain('gate.on-not-comparable: pass lets the run through unjudged');
    expect(accepted).not.toContain('**Fix:**');
  });
});

describe('text, console and annotations', () => {
  it('text: the first line is the verdict, the fourth the fix, and a missing point is marked in its suite', () => {
    const lines = renderText(nothing(), run([one('pr-run', 0.8)]), { configId: 'c' }).split('\n');
    expect(lines[0]).toBe('vLLM performance gate: NOTHING COMPARED (c)');
    expect(lines[2]).toMatch(/^Nothing compared: /);
    expect(lines[3]).toMatch(/^fix: if pr-run measures what main-run did, map the names: --suite-map main-run=pr-run/);
    expect(lines).toContain('  concurrency=8  MISSING: in the baseline, not measured');
  });

  it('the run command closes with the verdict and the fix of any verdict that does not pass', () => {
    expect(formatRunVerdict(otherSetup(), run([]))).toEqual([
      'verdict: NOT COMPARABLE: Not comparable with the baseline: server-args --max-model-len 8192 → --max-model-len 4096. Nothing was judged, so the gate does not pass.',
      expect.stringMatching(/^ {2}fix: if the change is intended, gate\.allow-fingerprint-mismatch: true judges the run across it/),
    ]);
    expect(formatRunVerdict(otherSetup({ 'on-not-comparable': 'pass' }), run([]))).toEqual([]);
    expect(formatRunVerdict(renamed(), run([]))[0]).toMatch(/^verdict: FAIL: 2 baseline points not measured: sweep/);
  });

  it('annotations come first for what was not judged, as errors when they fail the gate', () => {
    const [first] = annotations(renamed(), { file: 'perf.yml' });
    expect(first).toMatchObject({ level: 'error', title: 'Not measured: sweep', file: 'perf.yml' });
    expect(first!.message).toMatch(
      /^2 baseline points of sweep not measured by this run: concurrency=1, concurrency=2\. Fix: if sweep was renamed to sweep-v2/,
    );
    expect(annotations(nothing())[0]).toMatchObject({ level: 'error', title: 'Nothing compared' });
    expect(annotations(otherSetup())[0]).toMatchObject({ level: 'error', title: 'Runs not comparable' });
    expect(annotations(otherSetup({ 'on-not-comparable': 'pass' }))[0]).toMatchObject({ level: 'warning', title: 'Runs not comparable' });
    expect(annotations(otherSetup(), { failOnRegression: false })[0]!.level).toBe('warning');
    const warned = annotations(judge(run([one('a'), one('b')]), run([one('a')]), { 'on-missing': 'warn' }));
    expect(warned).toEqual([
      {
        level: 'warning',
        title: 'Not measured: b',
        message: '1 baseline point of b not measured by this run: concurrency=8. Allowed by gate.on-missing: warn.',
      },
    ]);
  });
});
