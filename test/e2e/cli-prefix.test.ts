// Prefix caching through the real CLI on vllm-sim: a prefix-repetition point against random prompts
// of the same length, the server's own account of where the time went (hit rate, phase times), the
// cache emptied before each point, and the gate catching a server that stopped caching.
// The CLI is this working tree's src/, bundled privately (VPG_E2E_CLI may point at another build).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareRuns } from '../../src/compare/compare.js';
import { gateSettings } from '../../src/compare/settings.js';
import { renderComment } from '../../src/report/index.js';
import type { Point, ResultsDocument } from '../../src/results/schema-types.gen.js';
import { bundleCliFromSource } from '../history/cli-support.js';
import { newCase, runCli, productReasons, removeCases, serverLog, writeConfig, type Case, type CliExit } from './support.js';
import { SHARED_MACHINE_CLIENT } from '../support/sim.js';

let CLI = '';
beforeAll(async () => {
  CLI = process.env.VPG_E2E_CLI ? path.resolve(process.env.VPG_E2E_CLI) : await bundleCliFromSource();
}, 60_000);
afterAll(() => removeCases());

const cli = (args: string[]): Promise<CliExit> => runCli(args, { bin: CLI }).done;

/** A profile whose prefill costs 40 us a prompt token, so a cached prefix shows in TTFT. */
function server(c: Case, trace: string, args: string[] = [], maxModelLen = 2048): string {
  return [
    'version: 1',
    'server:',
    '  command: vllm-sim',
    `  model: ${c.model}`,
    '  args:',
    `    max-model-len: ${maxModelLen}`,
    '    sim-startup-s: 0.3',
    '    sim-profile: rtx5090-qwen2.5-7b',
    '    sim-seed: 1',
    '    enable-prompt-tokens-details: true',
    `    sim-trace: ${trace}`,
    ...args.map((a) => `    ${a}`),
    '  env: { VLLM_SERVER_DEV_MODE: "1" }',
    '  startup-timeout: 20s',
    '  shutdown-grace: 5s',
    '  metrics-interval: 100ms',
    ...SHARED_MACHINE_CLIENT,
  ].join('\n');
}

/** 24 prompts one at a time: 4 prefixes of 512 tokens with 32-token suffixes, then random prompts of 544. */
const SUITES = [
  'suites:',
  '  - name: prefix',
  '    kind: serving',
  '    dataset: { type: prefix-repetition, prefix-len: 512, suffix-len: 32, num-prefixes: 4, output-len: 8, num-prompts: 24, seed: 1 }',
  '    concurrency: [1]',
  '  - name: random',
  '    kind: serving',
  '    dataset: { type: random, input-len: 544, output-len: 8, num-prompts: 24, seed: 1 }',
  '    concurrency: [1]',
].join('\n');

const GATE = ['gate:', '  allow-fingerprint-mismatch: true'].join('\n');

interface Ran {
  c: Case;
  doc: ResultsDocument;
  trace: Record<string, number | null>[];
}

/** Runs the config; once more when the only invalid reasons are the shared machine starving the client. */
async function runCase(prefix: string, args: string[] = []): Promise<Ran> {
  for (let attempt = 1; ; attempt++) {
    const c = newCase(prefix);
    const trace = path.join(c.dir, 'trace.jsonl');
    writeConfig(c, `${server(c, trace, args)}\n${SUITES}\n${GATE}\n`);
    const exit = await cli(['run', '--config', c.config, '--out', c.out]);
    const doc = JSON.parse(readFileSync(path.join(c.out, 'results.json'), 'utf8')) as ResultsDocument;
    const points = doc.suites.flatMap((s) => s.points);
    expect(
      points.flatMap((p) => productReasons(p.validity.reasons)),
      exit.stderr,
    ).toEqual([]);
    const starved = points.some((p) => !p.validity.valid);
    if (!starved || attempt === 3) {
      const lines = readFileSync(trace, 'utf8').trim().split('\n');
      return { c, doc, trace: lines.map((l) => JSON.parse(l) as Record<string, number | null>) };
    }
  }
}

/**
 * The run as a baseline: the gate leaves invalid baseline points out, and on a shared 2-core test
 * machine a point can be invalid only because the load client was starved of CPU (its figures are
 * still the server's). Such points are taken as valid in a copy; any other reason stays.
 */
function asBaseline(c: Case): string {
  const doc = JSON.parse(readFileSync(path.join(c.out, 'results.json'), 'utf8')) as ResultsDocument;
  for (const p of doc.suites.flatMap((s) => s.points)) {
    if (productReasons(p.validity.reasons).length === 0) p.validity = { valid: true, reasons: [] };
  }
  const file = path.join(c.dir, 'baseline.json');
  writeFileSync(file, JSON.stringify(doc));
  return file;
}

function point(doc: ResultsDocument, suite: string): Point {
  const p = doc.suites.find((s) => s.name === suite)?.points[0];
  if (!p) throw new Error(`no point in suite ${suite}`);
  return p;
}

/** The mean of a trace field over some requests, in ms. */
function traceMeanMs(lines: Record<string, number | null>[], field: string): number {
  return (lines.reduce((a, l) => a + (l[field] ?? 0), 0) / lines.length) * 1000;
}

let cached: Ran;

describe('a server that does not serve POST /reset_prefix_cache (vLLM outside dev mode)', () => {
  it('records the reset as unavailable before each point and repeat, says so once, and measures anyway', async () => {
    const c = newCase('prefix-nodev');
    const yaml = [
      server(c, path.join(c.dir, 'trace.jsonl')).replace('  env: { VLLM_SERVER_DEV_MODE: "1" }\n', ''),
      'suites:',
      '  - name: prefix',
      '    kind: serving',
      '    dataset: { type: prefix-repetition, prefix-len: 64, suffix-len: 16, num-prefixes: 2, output-len: 4, num-prompts: 4 }',
      '    concurrency: [1, 2]',
      '    repeat: 2',
      '',
    ].join('\n');
    expect(yaml).not.toContain('VLLM_SERVER_DEV_MODE');
    writeConfig(c, yaml);
    const exit = await cli(['run', '--config', c.config, '--out', c.out]);
    const doc = JSON.parse(readFileSync(path.join(c.out, 'results.json'), 'utf8')) as ResultsDocument;
    const points = doc.suites[0]!.points;
    expect(points.map((p) => p.key)).toEqual(['concurrency=1', 'concurrency=2']);
    const unavailable = { status: 'unavailable', detail: expect.stringContaining('answered 404') as string };
    for (const p of points) expect(p['prefix-cache-reset']).toEqual([unavailable, unavailable]);
    expect(exit.stderr.match(/the prefix cache was not reset \(unavailable/g)).toHaveLength(1);
    expect(points.every((p) => p.metrics.completed === 4)).toBe(true);
  }, 60_000);
});

describe('a prefix-repetition dataset the prompts cannot fill', () => {
  it('is refused before any server boots, at the config line, with the fix', async () => {
    const c = newCase('prefix-bad');
    writeConfig(
      c,
      [
        server(c, path.join(c.dir, 'trace.jsonl')),
        'suites:',
        '  - name: prefix',
        '    kind: serving',
        '    dataset: { type: prefix-repetition, num-prefixes: 8, num-prompts: 5 }',
        '    concurrency: [1]',
        '',
      ].join('\n'),
    );
    for (const args of [
      ['config', '--config', c.config],
      ['run', '--config', c.config, '--out', c.out],
    ]) {
      const exit = await cli(args);
      expect(exit.code, exit.stderr).toBe(2);
      expect(exit.stderr).toMatch(
        /perf\.yml:\d+:\d+: suites\[0\]\.dataset\.num-prefixes: prefix-repetition num-prefixes 8 is more than num-prompts 5/,
      );
      expect(exit.stderr).toMatch(/fix: every prefix needs a prompt at least/);
    }
    expect(serverLog(c)).toBe('');
  }, 60_000);
});

describe('prefix caching on vllm-sim, through the CLI', () => {
  beforeAll(async () => {
    cached = await runCase('prefix');
  }, 180_000);

  it('a prefix-repetition point (prefix 512, suffix 32, 4 prefixes) hits the cache over half the time and its median TTFT is under 0.6x that of random prompts of the same length', () => {
    const pre = point(cached.doc, 'prefix');
    const rnd = point(cached.doc, 'random');
    // 20 of the 24 prompts find their prefix: 20 x 512 of 24 x 544 queried tokens.
    expect(pre.telemetry?.prefix_cache_queries).toBe(24 * 544);
    expect(pre.telemetry?.prefix_cache_hits).toBe(20 * 512);
    expect(pre.telemetry?.prefix_cache_hit_rate).toBeGreaterThan(0.5);
    expect(pre.metrics.cached_tokens).toBe(20 * 512);
    expect(rnd.telemetry?.prefix_cache_hit_rate).toBe(0);
    expect(pre.metrics.median_ttft_ms!).toBeLessThan(0.6 * rnd.metrics.median_ttft_ms!);
  });

  it('empties the prefix cache before a point whose prompts share prefixes, and says it did (from the server log)', () => {
    expect(point(cached.doc, 'prefix')['prefix-cache-reset']).toEqual([{ status: 'reset' }]);
    // random without prefix-len shares nothing: auto leaves its cache alone.
    expect(point(cached.doc, 'random')['prefix-cache-reset']).toBeUndefined();
  });

  it("reports mean queue, prefill, decode and inference times that agree with vllm-sim's --sim-trace within 5%", () => {
    // One request at a time, the suites one after the other: the trace's first 24 lines are the prefix point's.
    expect(cached.trace).toHaveLength(48);
    for (const [name, lines] of [
      ['prefix', cached.trace.slice(0, 24)],
      ['random', cached.trace.slice(24)],
    ] as const) {
      const t = point(cached.doc, name).telemetry!;
      for (const phase of ['queue', 'prefill', 'decode', 'inference']) {
        const want = traceMeanMs(lines, `${phase}_time_s`);
        const got = t[`mean_${phase}_time_ms`]!;
        expect(Math.abs(got - want), `${name} ${phase}: ${got} vs trace ${want}`).toBeLessThanOrEqual(Math.max(0.05 * want, 1e-6));
      }
      // Quantiles come from vLLM's buckets (0.3 s the first bound): a p50 in the first bucket.
      expect(t.p50_prefill_time_ms).toBeGreaterThan(0);
      expect(t.p50_prefill_time_ms).toBeLessThanOrEqual(300);
    }
  });

  it('with prefix caching off, the hit rate is null (nothing queried) and the gate flags the TTFT regression, explained by prefill', async () => {
    const off = await runCase('prefix-off', ['no-enable-prefix-caching: true']);
    const pre = point(off.doc, 'prefix');
    expect(pre.telemetry?.prefix_cache_queries).toBe(0);
    expect(pre.telemetry?.prefix_cache_hit_rate).toBeNull();
    expect(pre.metrics.cached_tokens).toBeUndefined();
    const base = asBaseline(cached.c);
    const cur = path.join(off.c.out, 'results.json');
    const json = await cli(['compare', '--baseline', base, '--current', cur, '--config', off.c.config, '--format', 'json']);
    expect(json.code, json.stderr).toBe(1);
    const report = JSON.parse(json.stdout) as { points: { suite: string; metrics: { metric: string; verdict: string }[] }[] };
    const ttft = report.points.find((p) => p.suite === 'prefix')?.metrics.find((m) => m.metric === 'median_ttft_ms');
    expect(ttft?.verdict).toBe('regressed');
    // The comment explains the TTFT change by the server's phase times of the two points (the
    // baseline document is what the Action hands the renderer).
    const baseDoc = JSON.parse(readFileSync(base, 'utf8')) as ResultsDocument;
    const settings = gateSettings({ gate: { 'allow-fingerprint-mismatch': true } });
    const md = renderComment(compareRuns([baseDoc], off.doc, settings), off.doc, { configId: 'prefix', baselineDoc: baseDoc });
    const line = /prefix · concurrency 1 · TTFT p50 \+(\d+)%: queue (?:[+-][\d.]+|±0) ms, prefill \+([\d.]+) ms/.exec(md);
    expect(line, md).not.toBeNull();
    const prefill = point(off.doc, 'prefix').telemetry!.mean_prefill_time_ms! - point(baseDoc, 'prefix').telemetry!.mean_prefill_time_ms!;
    expect(Number(line![2])).toBeCloseTo(prefill, prefill >= 10 ? -0.5 : 1);
  }, 180_000);

  it('the prefix-cache preset, with the threshold docs/presets.md gives, gates the hit rate: a KV cache too small to keep the prefixes fails on it', async () => {
    const preset = (c: Case, args: string[], maxModelLen: number): string =>
      [
        server(c, path.join(c.dir, 'trace.jsonl'), args, maxModelLen),
        'suites:',
        '  - preset: prefix-cache',
        '    concurrency: [1]',
        '    dataset: { num-prompts: 32, output-len: 16 }',
        GATE,
        'thresholds:',
        '  suites:',
        '    prefix-cache: { prefix_cache_hit_rate: "-10%" }',
      ].join('\n');
    const runPreset = async (prefix: string, args: string[], maxModelLen = 2048): Promise<Case> => {
      const c = newCase(prefix);
      writeConfig(c, `${preset(c, args, maxModelLen)}\n`);
      const exit = await cli(['run', '--config', c.config, '--out', c.out]);
      expect(exit.stderr).not.toMatch(/error:/);
      return c;
    };
    const base = await runPreset('preset', []);
    // 72 blocks of 16 tokens hold two 544-token prompts: most prefixes are evicted before their next use.
    const small = await runPreset('preset-small', ['num-gpu-blocks-override: 72'], 1024);
    const doc = (c: Case): ResultsDocument => JSON.parse(readFileSync(path.join(c.out, 'results.json'), 'utf8')) as ResultsDocument;
    const b = point(doc(base), 'prefix-cache');
    const s = point(doc(small), 'prefix-cache');
    expect(b['prefix-cache-reset']).toEqual([{ status: 'reset' }]);
    // 28 of 32 prompts find their 512-token prefix.
    expect(b.telemetry?.prefix_cache_hit_rate).toBeCloseTo((28 * 512) / (32 * 544), 9);
    expect(s.telemetry?.prefix_cache_hit_rate).toBeLessThan(0.9 * b.telemetry!.prefix_cache_hit_rate!);
    const json = await cli([
      'compare',
      '--baseline',
      asBaseline(base),
      '--current',
      path.join(small.out, 'results.json'),
      '--config',
      small.config,
      '--format',
      'json',
    ]);
    expect(json.code, json.stderr).toBe(1);
    const report = JSON.parse(json.stdout) as { points: { metrics: { metric: string; verdict: string; role: string }[] }[] };
    const hit = report.points[0]?.metrics.find((m) => m.metric === 'prefix_cache_hit_rate');
    expect(hit).toMatchObject({ verdict: 'regressed', role: 'gated' });
  }, 180_000);
});
