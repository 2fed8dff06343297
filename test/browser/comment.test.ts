// The PR comment and the job summary of a failing and a passing run, rendered as GitHub renders
// them (GFM + Mermaid) in headless Chromium at 900 px: every chart draws, nothing is wider than the
// comment column, and the verdict and the impact sentence are on the first screen.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderComment, renderSummary } from '../../src/report/markdown.js';
import { demoRun } from '../report/demo-fixtures.js';
import { renderInChromium } from './render-page.js';

const dir = mkdtempSync(path.join(tmpdir(), 'vpg-browser-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const runs = { failing: demoRun('slower'), passing: demoRun('same') };

describe.each(Object.entries(runs))('the %s run in Chromium', (name, r) => {
  const ctx = { configId: 'demo', baselineDoc: r.baselineDoc, runUrl: 'https://github.com/octo/gpu-app/actions/runs/5' };

  it('the comment: charts render, nothing overflows the column, the verdict and the impact are in the first 700 px', () => {
    const facts = renderInChromium(renderComment(r.report, r.current, ctx), `${name}-comment`, dir);
    expect(facts.error).toBeNull();
    for (const c of facts.charts) expect(c).toEqual({ svg: true, error: null });
    if (name === 'failing') expect(facts.charts.length).toBeGreaterThan(0);
    expect(facts.overflow).toEqual([]);
    expect(facts.verdictBottom).toBeGreaterThan(0);
    expect(facts.verdictBottom).toBeLessThanOrEqual(700);
    expect(facts.impactBottom).toBeLessThanOrEqual(700);
    expect(facts.impactText).toMatch(name === 'failing' ? /sweep: 🔴 req\/s.*at all 6 concurrencies/ : /No gated metric changed/);
  });

  it("the comment in GitHub's dark theme: every chart renders", () => {
    const facts = renderInChromium(renderComment(r.report, r.current, ctx), `${name}-comment-dark`, dir, 'dark');
    expect(facts.error).toBeNull();
    for (const c of facts.charts) expect(c).toEqual({ svg: true, error: null });
  });

  it('the job summary: every chart renders', () => {
    const facts = renderInChromium(renderSummary(r.report, r.current, ctx), `${name}-summary`, dir);
    expect(facts.error).toBeNull();
    for (const c of facts.charts) expect(c).toEqual({ svg: true, error: null });
    expect(facts.verdictBottom).toBeLessThanOrEqual(700);
  });
});
