// `vllm-perf-gate compare` and `report`: exit codes and outputs, on our results documents and on
// vLLM's own result files (read from ../shared/reference where present).
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli.js';
import type { ResultsDocument } from '../../src/results/schema-types.gen.js';
import { newCase, productReasons, readDoc, removeCases, runCli, simServer, writeConfig, type CliExit } from '../e2e/support.js';

const fixture = (name: string): ResultsDocument =>
  JSON.parse(readFileSync(path.join(import.meta.dirname, '../report/fixtures', name), 'utf8')) as ResultsDocument;
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
  for (const s of d.suites)
    for (const p of s.points)
      for (const k of Object.keys(p.metrics))
        if (/throughput|per_second/.test(k) && typeof p.metrics[k] === 'number') p.metrics[k] = (p.metrics[k] as number) * f;
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

// What the gate did not judge never passes: through the real binary (bin/vllm-perf-gate.js, the
// bundle `npm run build` makes), on files written here, with the exit code a CI step would see.
describe('vllm-perf-gate compare: the gate never passes what it did not judge', () => {
  const cli = (...args: string[]): Promise<CliExit> => runCli(['compare', ...args]).done;
  const lines = (r: CliExit): string[] => r.stdout.split('\n');

  /** A `vllm bench serve --save-result` record without --label: its suite is the file's name. */
  function vllmFile(name: string, f: number, date: string): string {
    const rec = {
      date,
      backend: 'vllm',
      model_id: 'Qwen/Qwen2.5-7B',
      num_prompts: 100,
      request_rate: 'inf',
      max_concurrency: 16,
      duration: 10 / f,
      completed: 100,
      total_input_tokens: 102400,
      total_output_tokens: 12800,
      request_throughput: 10 * f,
      output_throughput: 1280 * f,
      total_token_throughput: 11520 * f,
      median_ttft_ms: 48 / f,
      median_tpot_ms: 12 / f,
      median_itl_ms: 12 / f,
      median_e2el_ms: 1600 / f,
    };
    const p = path.join(dir, name);
    writeFileSync(p, JSON.stringify(rec));
    return p;
  }

  /** The nightly baseline with the serving suite `sharegpt-qps` renamed, and its throughput scaled by f. */
  function renamedServing(to: string, f: number): ResultsDocument {
    const d = structuredClone(fixture('nightly.baseline.json'));
    d.run.id = 'renamed';
    d.run['started-at'] = '2026-11-21T03:00:00Z';
    const s = d.suites.find((x) => x.name === 'sharegpt-qps')!;
    s.name = to;
    for (const p of s.points)
      for (const k of ['request_throughput', 'output_throughput', 'total_token_throughput'])
        if (typeof p.metrics[k] === 'number') p.metrics[k] = (p.metrics[k] as number) * f;
    return d;
  }

  function config(gate: string): string {
    const p = path.join(dir, 'perf.yml');
    writeFileSync(
      p,
      [
        'version: 1',
        'server: { model: Qwen/Qwen2.5-7B-Instruct }',
        'suites:',
        '  - name: sharegpt-qps-v2',
        '    kind: serving',
        '    dataset: { type: random, num-prompts: 8 }',
        '    request-rates: [1]',
        'gate:',
        `  ${gate}`,
        '',
      ].join('\n'),
    );
    return p;
  }

  it('two vLLM files named differently: NOTHING COMPARED on the first line, the --suite-map fix, exit 1; mapped, the 20% loss fails', async () => {
    const base = vllmFile('main-run.json', 1, '20260101-120000');
    const cur = vllmFile('pr-run.json', 0.8, '20260102-120000');
    const r = await cli('--baseline', base, '--current', cur);
    expect(r.code, r.stderr).toBe(1);
    expect(lines(r)[0]).toBe('vLLM performance gate: NOTHING COMPARED (pr-run)');
    expect(r.stdout).toContain('fix: if pr-run measures what main-run did, map the names: --suite-map main-run=pr-run on the command line');
    const json = await cli('--baseline', base, '--current', cur, '--format', 'json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      verdict: 'nothing-compared',
      passes: false,
      summary: expect.stringMatching(/^Nothing compared: /),
    });
    const md = await cli('--baseline', base, '--current', cur, '--format', 'markdown');
    expect(md.stdout.split('\n')[1]).toBe('## ⛔ vLLM performance gate: nothing compared — <code>pr-run</code>');

    const mapped = await cli('--baseline', base, '--current', cur, '--suite-map', 'main-run=pr-run');
    expect(mapped.code, mapped.stdout).toBe(1);
    expect(lines(mapped)[0]).toBe('vLLM performance gate: FAIL (pr-run)');
    expect(mapped.stdout).toContain('request_throughput fell 20.0%');
    const same = await cli(
      '--baseline',
      base,
      '--current',
      vllmFile('pr-same.json', 1, '20260102-120000'),
      '--suite-map',
      'main-run=pr-same',
    );
    expect(same.code, same.stdout).toBe(0);
    expect(lines(same)[0]).toBe('vLLM performance gate: PASS (pr-same)');
    const bad = await cli('--baseline', base, '--current', cur, '--suite-map', 'main-run');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--suite-map takes OLD=NEW');
  });

  it('a serving suite renamed under a 20% slower engine fails, listing what was not measured and the fix; on-missing: warn passes', async () => {
    const base = write('base.json', fixture('nightly.baseline.json'));
    const cur = write('cur.json', renamedServing('sharegpt-qps-v2', 0.8));
    const r = await cli('--baseline', base, '--current', cur);
    expect(r.code, r.stdout).toBe(1);
    expect(lines(r)[0]).toBe('vLLM performance gate: FAIL (nightly)');
    expect(lines(r)[2]).toBe(
      '4 baseline points not measured: sharegpt-qps (the whole suite, 4 points): a run that drops or renames a suite or point is not judged on it, so the gate does not pass.',
    );
    expect(lines(r)[3]).toContain(
      'fix: if sharegpt-qps was renamed to sharegpt-qps-v2, map it: gate.suite-map: { sharegpt-qps: sharegpt-qps-v2 } (command line: --suite-map sharegpt-qps=sharegpt-qps-v2)',
    );
    const md = await cli('--baseline', base, '--current', cur, '--format', 'markdown');
    expect(md.stdout).toContain('### ❔ Not measured: 4 baseline points');
    expect(md.stdout.indexOf('### ❔ Not measured')).toBeLessThan(md.stdout.indexOf('### Serving:'));

    const mapped = await cli('--baseline', base, '--current', cur, '--suite-map', 'sharegpt-qps=sharegpt-qps-v2', '--format', 'json');
    expect(mapped.code).toBe(1);
    expect(JSON.parse(mapped.stdout)).toMatchObject({ verdict: 'fail', counts: { regressed: 4, missing: 0 } });

    const warned = await cli('--baseline', base, '--current', cur, '--config', config('on-missing: warn'));
    expect(warned.code, warned.stdout + warned.stderr).toBe(0);
    expect(lines(warned)[0]).toBe('vLLM performance gate: PASS (perf)');
    expect(warned.stdout).toContain('4 baseline points not measured: sharegpt-qps (the whole suite, 4 points) (gate.on-missing: warn)');
  });

  it('dropping two suites fails too', async () => {
    const d = structuredClone(fixture('nightly.baseline.json'));
    d.suites = d.suites.filter((s) => s.name === 'sharegpt-qps');
    const r = await cli('--baseline', write('base.json', fixture('nightly.baseline.json')), '--current', write('cur.json', d));
    expect(r.code, r.stdout).toBe(1);
    expect(lines(r)[2]).toMatch(
      /^2 baseline points not measured: latency \(the whole suite, 1 point\), throughput \(the whole suite, 1 point\)/,
    );
  });

  it('other server args: NOT COMPARABLE exits 1 with the differences and the fix; gate.on-not-comparable: pass exits 0', async () => {
    const base = write('base.json', fixture('nightly.baseline.json'));
    const d = scaled(0.8);
    d.environment.fingerprint!['server-args'] = ['--max-model-len', '8192'];
    const cur = write('cur.json', d);
    const r = await cli('--baseline', base, '--current', cur);
    expect(r.code, r.stdout).toBe(1);
    expect(lines(r)[0]).toBe('vLLM performance gate: NOT COMPARABLE (nightly)');
    expect(lines(r)[2]).toBe(
      'Not comparable with the baseline: server-args --max-model-len 4096 → --max-model-len 8192. Nothing was judged, so the gate does not pass.',
    );
    expect(lines(r)[3]).toMatch(
      /^fix: if the change is intended, gate\.allow-fingerprint-mismatch: true judges the run across it, or gate\.on-not-comparable: pass lets it through unjudged/,
    );
    expect(r.stdout).toContain('  differs: server-args: --max-model-len 4096 -> --max-model-len 8192');

    const accepted = await cli('--baseline', base, '--current', cur, '--config', config('on-not-comparable: pass'), '--format', 'json');
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(JSON.parse(accepted.stdout)).toMatchObject({ verdict: 'not-comparable', passes: true });
    const judged = await cli(
      '--baseline',
      base,
      '--current',
      cur,
      '--config',
      config('allow-fingerprint-mismatch: true'),
      '--format',
      'json',
    );
    expect(judged.code).toBe(1);
    expect(JSON.parse(judged.stdout)).toMatchObject({ verdict: 'fail' });
  });
});

describe('vllm-perf-gate run --baseline: a run on another setup does not pass', () => {
  afterAll(removeCases);

  it('against a baseline of another model and GPU, exits 1 and closes with NOT COMPARABLE and the fix', async () => {
    const base = write('base.json', fixture('nightly.baseline.json'));
    let r: CliExit | undefined;
    for (let attempt = 1; attempt <= 3; attempt++) {
      const c = newCase('not-comparable');
      // One closed-loop point at 40 ms engine steps: the lightest load that measures, so a busy machine starves the client less.
      const server = simServer(c).replace('sim-time-scale: 5', 'sim-time-scale: 20');
      const suite = [
        '  - name: sweep',
        '    kind: serving',
        '    dataset: { type: random, input-len: 32, output-len: 8, num-prompts: 4, seed: 1 }',
        '    concurrency: [1]',
        '    ignore-eos: true',
      ];
      writeConfig(c, ['version: 1', server, 'suites:', ...suite, ''].join('\n'));
      r = await runCli(['run', '--config', c.config, '--out', c.out, '--baseline', base]).done;
      // A point invalid only because this shared machine starved the load client fails first (invalid beats not comparable): run again.
      const reasons = readDoc(c).suites.flatMap((s) => s.points.flatMap((p) => p.validity.reasons));
      if (reasons.length === 0 || productReasons(reasons).length > 0) break;
    }
    expect(r!.code, r!.stderr).toBe(1);
    expect(r!.stderr, r!.stderr).toMatch(
      /^verdict: NOT COMPARABLE: Not comparable with the baseline: .*model Qwen\/Qwen2\.5-7B-Instruct → e2e-not-comparable-/m,
    );
    expect(r!.stderr).toMatch(/^ {2}fix: if the change is intended, gate\.allow-fingerprint-mismatch: true judges the run across it/m);
    expect(r!.stdout.split('\n')[0]).toMatch(/^vLLM performance gate: NOT COMPARABLE /);
  });
});
