// `vllm-perf-gate compare` and `report`: exit codes and outputs, on our results documents and on
// vLLM's own result files (read from ../shared/reference where present).
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli.js';
import type { ResultsDocument } from '../../src/results/schema-types.gen.js';

const fixture = (name: string): ResultsDocument => JSON.parse(readFileSync(path.join(import.meta.dirname, '../report/fixtures', name), 'utf8')) as ResultsDocument;
let dir: string;
let stdout: string;
let stderr: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'vpg-cli-'));
  stdout = '';
  stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((stdout += String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((stderr += String(s)), true));
});
afterEach(() => vi.restoreAllMocks());

function write(name: string, doc: ResultsDocument): string {
  const p = path.join(dir, name);
  writeFileSync(p, JSON.stringify(doc));
  return p;
}

/** The baseline fixture with every throughput scaled by f (and its run renamed). */
function scaled(f: number): ResultsDocument {
  const d = structuredClone(fixture('nightly.baseline.json'));
  d.run.id = `scaled-${f}`;
  for (const s of d.suites) for (const p of s.points) for (const k of Object.keys(p.metrics)) if (/throughput|per_second/.test(k) && typeof p.metrics[k] === 'number') p.metrics[k] = (p.metrics[k] as number) * f;
  return d;
}

describe('vllm-perf-gate compare', () => {
  it('exits 0 and says pass when the current run equals its baseline', async () => {
    const base = write('base.json', fixture('nightly.baseline.json'));
    const cur = write('cur.json', scaled(1));
    expect(await main(['compare', '--baseline', base, '--current', cur])).toBe(0);
    expect(stdout).toContain('PASS');
  });

  it('exits 1 and names the metric when throughput fell 20%', async () => {
    const base = write('base.json', fixture('nightly.baseline.json'));
    const cur = write('cur.json', scaled(0.8));
    expect(await main(['compare', '--baseline', base, '--current', cur, '--format', 'json'])).toBe(1);
    const report = JSON.parse(stdout) as { verdict: string; points: { metrics: { metric: string; verdict: string }[] }[] };
    expect(report.verdict).toBe('fail');
    expect(report.points.flatMap((p) => p.metrics).some((m) => m.metric === 'output_throughput' && m.verdict === 'regressed')).toBe(true);
  });

  it('exits 2 with the file named, and no stack trace, when the current file does not exist', async () => {
    const base = write('base.json', fixture('nightly.baseline.json'));
    expect(await main(['compare', '--baseline', base, '--current', path.join(dir, 'nope.json')])).toBe(2);
    expect(stderr).toContain('nope.json');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 with the usage on an unknown option', async () => {
    expect(await main(['compare', '--basline', 'x'])).toBe(2);
    expect(stderr).toContain('usage:');
  });

  const modern = path.resolve('../shared/reference/vllm-bench-serve_result_modern.json');
  it.skipIf(!existsSync(modern))('judges a vLLM --save-result file against itself as a pass (reads ../shared/reference)', async () => {
    expect(await main(['compare', '--baseline', modern, '--current', modern, '--format', 'markdown'])).toBe(0);
    expect(stdout).toContain('<!-- vllm-perf-gate:');
  });
  if (!existsSync(modern)) console.warn(`note: ${modern} is absent; the vLLM-file compare test is skipped`);
});

describe('vllm-perf-gate report', () => {
  it('writes the Markdown the Action would post to --out', async () => {
    const cur = write('cur.json', fixture('nightly.current.json'));
    const base = write('base.json', fixture('nightly.baseline.json'));
    const out = path.join(dir, 'r', 'report.md');
    expect(await main(['report', '--results', cur, '--baseline', base, '--out', out])).toBe(0);
    const md = readFileSync(out, 'utf8');
    expect(md.startsWith('<!-- vllm-perf-gate:nightly -->')).toBe(true);
    expect(md).toContain('| 16 |');
  });
});
