import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as core from '@actions/core';
import { setActionOutputs, writeJobSummary, outputCounts, emitAnnotations } from '../../src/github/publish.js';
import type { GateReport } from '../../src/compare/types.js';

let dir: string;
const saved = { ...process.env };
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'vpg-publish-'));
  process.env.GITHUB_OUTPUT = path.join(dir, 'output');
  process.env.GITHUB_STEP_SUMMARY = path.join(dir, 'summary');
  writeFileSync(process.env.GITHUB_OUTPUT, '');
  writeFileSync(process.env.GITHUB_STEP_SUMMARY, '');
});
afterEach(() => {
  process.env = { ...saved };
  core.summary.emptyBuffer();
  rmSync(dir, { recursive: true, force: true });
});

/** GITHUB_OUTPUT's `name<<delimiter` blocks as a map, as the runner reads them. */
function outputs(): Record<string, string> {
  const text = readFileSync(process.env.GITHUB_OUTPUT!, 'utf8');
  const out: Record<string, string> = {};
  const re = /^([\w-]+)<<(\S+)\n([\s\S]*?)\n\2$/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) out[m[1]!] = m[3]!;
  return out;
}

describe('publishing', () => {
  it('sets every output action.yml declares', () => {
    setActionOutputs({ verdict: 'fail', regressions: 2, improvements: 1, resultsPath: 'r/results.json', reportPath: 'r/report.md' });
    expect(outputs()).toEqual({
      verdict: 'fail',
      regressions: '2',
      improvements: '1',
      'results-path': 'r/results.json',
      'report-path': 'r/report.md',
      'comment-url': '',
    });
  });

  it('appends the report to the job summary, with a notice first when given', async () => {
    expect(await writeJobSummary('## report\n', 'The token may not comment.')).toBe(true);
    expect(readFileSync(process.env.GITHUB_STEP_SUMMARY!, 'utf8')).toBe('> [!NOTE]\n> The token may not comment.\n\n## report\n');
  });

  it('outside Actions the summary is skipped, not an error', async () => {
    delete process.env.GITHUB_STEP_SUMMARY;
    expect(await writeJobSummary('x')).toBe(false);
  });

  it('emits annotations as workflow commands, with title and file', () => {
    const lines: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      emitAnnotations([
        { level: 'error', title: 'Performance regression: s / 1 req/s / TTFT', message: 'TTFT +20%', file: 'perf.yml' },
        { level: 'warning', title: 'Runs not comparable', message: 'GPU differs' },
      ]);
    } finally {
      spy.mockRestore();
    }
    expect(lines.join('')).toBe(
      '::error title=Performance regression%3A s / 1 req/s / TTFT,file=perf.yml::TTFT +20%25\n::warning title=Runs not comparable::GPU differs\n',
    );
  });

  it('counts gated regressions and improvements only', () => {
    const m = (verdict: string, role: string) => ({
      metric: 'm',
      unit: '',
      direction: 'higher-is-better',
      role,
      verdict,
      current: 1,
      baseline: 1,
      change: 0,
      tolerance: '',
      baselineRuns: 1,
      reason: '',
    });
    const report = {
      points: [{ metrics: [m('regressed', 'gated'), m('regressed', 'observed'), m('improved', 'gated'), m('unchanged', 'gated')] }],
    } as unknown as GateReport;
    expect(outputCounts(report)).toEqual({ regressions: 1, improvements: 1 });
  });
});
