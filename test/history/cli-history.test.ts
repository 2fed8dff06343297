// `vllm-perf-gate history` in a process of its own, on histories written here: run folders as
// `vllm-perf-gate run --out DIR` leaves them, with increasing started-at, a commit each, an 8% drop
// of output throughput at run 21 (index 20), and invalid points that must be gaps.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultsDocument } from '../../src/results/schema-types.gen.js';
import { bundleCliFromSource, runBundledCli, type Exit } from './cli-support.js';
import { runDoc, sha, stepHistory } from './fixtures.js';

let cli: string;
let dir: string;
let folder: string;
let docs: ResultsDocument[];

/** Runs 0..29; throughput drops 8% from run 20; runs 8 and 9 are invalid with wild figures. */
function history(): ResultsDocument[] {
  return stepHistory(5, { n: 30, at: 20, step: -0.08 }).map((d, i) =>
    i === 8 || i === 9 ? runDoc(i, { metrics: { output_throughput: 400, median_tpot_ms: 90 }, valid: false }) : d,
  );
}

function writeRunFolders(root: string, runs: ResultsDocument[]): void {
  runs.forEach((d, i) => {
    const run = path.join(root, `run-${String(i).padStart(3, '0')}`);
    mkdirSync(path.join(run, 'vllm'), { recursive: true });
    writeFileSync(path.join(run, 'results.json'), JSON.stringify(d));
    // Files a run folder holds beside results.json are parts of that run, never runs of their own.
    writeFileSync(path.join(run, 'verdict.json'), '{"verdict":"pass"}');
  });
}

const history_ = (...args: string[]): Promise<Exit> => runBundledCli(cli, ['history', ...args]);

beforeAll(async () => {
  cli = await bundleCliFromSource();
  dir = mkdtempSync(path.join(tmpdir(), 'vpg-history-cli-'));
  folder = path.join(dir, 'runs');
  docs = history();
  // Given out of order on disk: the command orders by started-at, not by name.
  writeRunFolders(folder, [...docs.slice(10), ...docs.slice(0, 10)]);
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(path.dirname(cli), { recursive: true, force: true });
});

describe('vllm-perf-gate history', () => {
  it('prints the change point as a table, newest first, with the commit range (text)', async () => {
    const r = await history_('--history', folder);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /^history: 30 runs from 2026-01-01 to 2026-01-30, 2 series of gated metrics, 1 change point \(1 regression, 0 improvements\)/,
    );
    const row = r.stdout.split('\n').find((l) => l.includes('output_throughput'))!;
    expect(row).toContain('2026-01-21 (#21)');
    expect(row).toContain('concurrency 8');
    expect(row).toMatch(/−[6-9]\.\d% regression/);
    expect(row).toContain(`${sha(19).slice(0, 12)}..${sha(20).slice(0, 12)}`);
    expect(r.stdout).not.toMatch(/median_tpot_ms\s+[+−]/);
  });

  it('writes JSON with the change points and the series; invalid points are gaps', async () => {
    const r = await history_('--history', folder, '--format', 'json');
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as {
      runs: { id: string }[];
      changePoints: Record<string, unknown>[];
      series: { metric: string; values: (number | null)[]; invalid: number[] }[];
    };
    expect(j.runs.map((x) => x.id)).toEqual(docs.map((d) => d.run.id));
    expect(j.changePoints).toHaveLength(1);
    const cp = j.changePoints[0]!;
    expect(cp).toMatchObject({
      suite: 'sweep',
      point: 'concurrency=8',
      metric: 'output_throughput',
      index: 20,
      runId: 'run-020',
      commit: sha(20),
      startedAt: '2026-01-21T00:00:00.000Z',
      direction: 'regression',
    });
    expect(Object.keys(cp)).toEqual(expect.arrayContaining(['before', 'after', 'change', 'pValue']));
    expect(cp.change as number).toBeLessThan(-0.06);
    expect(cp.change as number).toBeGreaterThan(-0.1);
    expect(cp.pValue as number).toBeLessThanOrEqual(0.001);
    const tput = j.series.find((s) => s.metric === 'output_throughput')!;
    expect(tput.values).toHaveLength(30);
    expect(tput.invalid).toEqual([8, 9]);
    expect(tput.values[8]).toBe(400);
  });

  it('writes Markdown with every string from the results escaped', async () => {
    const hostile = docs.map((d) => {
      const c = structuredClone(d);
      c.suites[0]!.name = 'sweep <img src=x> @octo-org/admins';
      c.suites[0]!.points[0]!.label = 'c8 #12 | GH-13';
      return c;
    });
    const f = path.join(dir, 'hostile');
    writeRunFolders(f, hostile);
    const r = await history_('--history', f, '--format', 'markdown');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('| first run after | suite | point | metric | change |');
    const row = r.stdout.split('\n').find((l) => l.startsWith('| 🔴'))!;
    expect(row).toContain('&lt;img src=x&gt;');
    expect(row).toContain('@\u200bocto-org/admins');
    expect(row).toContain('&#35;\u200b12 &#124; GH-\u200b13');
    expect(row).toContain(`<code>${sha(19).slice(0, 12)}..${sha(20).slice(0, 12)}</code>`);
    expect(r.stdout).not.toContain('<img');
  });

  it('writes one self-contained HTML file with --out: no script, style or image from elsewhere', async () => {
    const out = path.join(dir, 'dash', 'history.html');
    const r = await history_('--history', folder, '--format', 'html', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`wrote ${out}`);
    const html = readFileSync(out, 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<(script|img|link|iframe)[^>]*\s(src|href)=/i);
    expect(html).toContain("default-src 'none'");
    expect(html).toContain('"output_throughput"');
  });

  it('reads a history file of the baseline branch, and a history given as several paths', async () => {
    const file = path.join(dir, 'nightly.json');
    writeFileSync(file, JSON.stringify({ 'schema-version': 1, 'config-id': 'nightly', runs: docs.slice(0, 25) }));
    const rest = path.join(dir, 'rest');
    writeRunFolders(rest, docs.slice(25));
    const r = await history_('--history', file, '--history', rest, '--format', 'json');
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { runs: unknown[]; changePoints: { index: number; metric: string }[] };
    expect(j.runs).toHaveLength(30);
    expect(j.changePoints.map((c) => [c.metric, c.index])).toEqual([['output_throughput', 20]]);
  });

  it('analyses what the config gates: a metric it observes has no series', async () => {
    const config = path.join(dir, 'perf.yml');
    writeFileSync(
      config,
      [
        'version: 1',
        'id: nightly',
        'server: { command: vllm, model: m }',
        'suites:',
        '  - preset: concurrency-sweep',
        'thresholds:',
        '  output_throughput: observe',
        '',
      ].join('\n'),
    );
    const r = await history_('--history', folder, '--config', config, '--format', 'json');
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { changePoints: unknown[]; series: { metric: string }[] };
    expect(j.series.map((s) => s.metric)).toEqual(['median_tpot_ms']);
    expect(j.changePoints).toEqual([]);
  });

  it('skips a broken file of a history with a note and goes on', async () => {
    const f = path.join(dir, 'junk');
    writeRunFolders(f, docs);
    writeFileSync(path.join(f, 'broken.json'), '{"schema-version": 1, ');
    const r = await history_('--history', f);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/note: .*broken\.json.*skipped/);
    expect(r.stdout).toContain('1 change point');
  });

  it('refuses bad input with exit 2: no --history, an unknown format, a path that does not exist', async () => {
    const none = await history_();
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('history needs at least one --history PATH');
    const fmt = await history_('--history', folder, '--format', 'pdf');
    expect(fmt.code).toBe(2);
    expect(fmt.stderr).toContain('--format must be text, markdown, json or html, not "pdf"');
    const missing = await history_('--history', path.join(dir, 'nope'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`results not found: ${path.join(dir, 'nope')}`);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
  });
});
