import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Server } from '../../src/config/schema-types.gen.js';
import { isGateError, type GateError } from '../../src/errors.js';
import { buildOfflineArgv, latencyMetrics, runOfflineSuite, throughputMetrics, type OfflineSuite } from '../../src/suites/offline.js';
import { pathWithSim } from '../support/sim.js';
import { FIXTURES, tmpDir, until } from '../server/helpers.js';

const FAKE_BENCH = path.join(FIXTURES, 'fake-bench.mjs');
const simServer: Server = {
  command: 'vllm-sim',
  model: 'sim-model',
  args: { 'max-model-len': 4096, host: '0.0.0.0', port: 8000, 'api-key': 'k' },
};
const simEnv = (): NodeJS.ProcessEnv => ({ ...process.env, PATH: pathWithSim() });

async function offlineError(suite: OfflineSuite, server: Server, opts: Parameters<typeof runOfflineSuite>[2]): Promise<GateError> {
  try {
    await runOfflineSuite(suite, server, opts);
  } catch (err) {
    if (isGateError(err)) return err;
    throw err;
  }
  throw new Error('runOfflineSuite resolved; expected a GateError');
}

describe('buildOfflineArgv', () => {
  it('runs `<command> bench <kind> --model M`, the engine flags of the server, the suite args, then our --output-json', () => {
    const argv = buildOfflineArgv(
      { name: 'lat', kind: 'latency', args: { input_len: 32, 'batch-size': 8, 'output-json': '/elsewhere.json' } },
      {
        command: ['python3', '-m', 'vllm.entrypoints.cli.main'],
        model: 'Qwen/Qwen2.5-0.5B-Instruct',
        args: { port: 8000, 'served-model-name': 'x', 'max-model-len': 4096 },
      },
      '/out/lat.json',
    );
    expect(argv).toEqual([
      'python3',
      '-m',
      'vllm.entrypoints.cli.main',
      'bench',
      'latency',
      '--model',
      'Qwen/Qwen2.5-0.5B-Instruct',
      '--max-model-len',
      '4096',
      '--input-len',
      '32',
      '--batch-size',
      '8',
      '--output-json',
      '/out/lat.json',
    ]);
  });

  it("takes the suite's own model over the server's", () => {
    expect(buildOfflineArgv({ name: 't', kind: 'throughput', args: { model: 'other' } }, { model: 'm' }, 'f').slice(0, 5)).toEqual([
      'vllm',
      'bench',
      'throughput',
      '--model',
      'other',
    ]);
  });
});

describe('vLLM JSON -> metrics', () => {
  it('turns latency seconds into milliseconds, percentiles named pXX_latency_ms and the median as median_latency_ms', () => {
    const m = latencyMetrics(
      {
        avg_latency: 1.234,
        std_latency: 0.012,
        latencies: [1.22, 1.25, 1.23],
        percentiles: { '10': 1.22, '25': 1.225, '50': 1.23, '75': 1.24, '90': 1.248, '99': 1.2498 },
      },
      'f.json',
    );
    expect(m.mean_latency_ms).toBeCloseTo(1234, 9);
    expect(m.std_latency_ms).toBeCloseTo(12, 9);
    expect(m.median_latency_ms).toBeCloseTo(1230, 9);
    expect(m.p99_latency_ms).toBeCloseTo(1249.8, 9);
    expect(m.num_iters).toBe(3);
    expect(Object.keys(m)).toEqual([
      'mean_latency_ms',
      'std_latency_ms',
      'p10_latency_ms',
      'p25_latency_ms',
      'median_latency_ms',
      'p50_latency_ms',
      'p75_latency_ms',
      'p90_latency_ms',
      'p99_latency_ms',
      'num_iters',
    ]);
  });

  it('names the file and the missing key when the JSON is not what vLLM writes', () => {
    expect(() => latencyMetrics({ avg_latency: 1, std_latency: 0, percentiles: { '10': 1 } }, '/o/lat.json')).toThrow(
      '/o/lat.json: `percentiles.25` is missing or not a number',
    );
    expect(() => throughputMetrics({ elapsed_time: 1 }, '/o/t.json')).toThrow('/o/t.json: `num_requests` is missing or not a number');
  });

  it('keeps the throughput keys and derives output tokens/s only when every request makes output-len tokens', () => {
    const json = { elapsed_time: 12.5, num_requests: 200, total_num_tokens: 98765, requests_per_second: 16, tokens_per_second: 7901.2 };
    expect(throughputMetrics(json, 'f', { 'output-len': 128 })).toEqual({ ...json, output_tokens_per_second: (200 * 128) / 12.5 });
    expect(throughputMetrics(json, 'f', { 'output-len': 128, 'random-range-ratio': 0.5 }).output_tokens_per_second).toBeUndefined();
    expect(throughputMetrics(json, 'f', {}).output_tokens_per_second).toBeUndefined();
  });

  const ref = path.resolve('../shared/reference/vllm-bench-latency-throughput_output_from_source.txt');
  it.skipIf(!existsSync(ref))('reads the key layout vLLM source writes (reference file; skipped when absent)', () => {
    const blocks = readFileSync(ref, 'utf8')
      .split('\n')
      .filter((l) => !l.startsWith('#'))
      .join('\n')
      .split(/\n(?=\{)/)
      .map((b) => JSON.parse(b) as unknown);
    expect(latencyMetrics(blocks[0], 'ref').p90_latency_ms).toBeCloseTo(1248, 6);
    expect(throughputMetrics(blocks[1], 'ref').tokens_per_second).toBe(8029.7);
  });
});

describe('runOfflineSuite on vllm-sim', () => {
  it('runs `vllm-sim bench latency` without serve-only flags and returns one valid point of milliseconds', async () => {
    const outDir = tmpDir('vpg-offline-');
    const suite = await runOfflineSuite(
      {
        name: 'latency',
        kind: 'latency',
        args: { 'input-len': 32, 'output-len': 16, 'batch-size': 4, 'num-iters-warmup': 1, 'num-iters': 3 },
      },
      simServer,
      { outDir, env: simEnv(), secrets: ['k'] },
    );
    expect(suite.kind).toBe('latency');
    expect(suite.points).toHaveLength(1);
    const p = suite.points[0]!;
    expect(p.key).toBe('offline');
    expect(p.validity.valid).toBe(true);
    expect(p.metrics.num_iters).toBe(3);
    expect(p.metrics.mean_latency_ms).toBeGreaterThan(0);
    expect(p.metrics.p99_latency_ms).toBeGreaterThanOrEqual(p.metrics.p10_latency_ms!);
    const log = readFileSync(path.join(outDir, 'latency.log'), 'utf8');
    expect(log).toContain('vllm-sim bench latency --model sim-model --max-model-len 4096 --input-len 32');
    expect(log).not.toContain('--port');
    expect(log).not.toContain('flags accepted but not simulated');
    expect(existsSync(path.join(outDir, 'latency.json'))).toBe(true);
  });

  it('runs `vllm-sim bench throughput` twice for repeat: 2 and reports the mean and each repeat', async () => {
    const suite = await runOfflineSuite(
      {
        name: 'tput',
        kind: 'throughput',
        repeat: 2,
        args: { 'input-len': 64, 'output-len': 16, 'num-prompts': 16, 'sim-run-cv': 0.05, 'sim-seed': 3 },
      },
      simServer,
      { outDir: tmpDir('vpg-offline-'), env: simEnv() },
    );
    const p = suite.points[0]!;
    expect(p.repeats).toHaveLength(2);
    expect(p.metrics.num_requests).toBe(16);
    expect(p.metrics.requests_per_second).toBeCloseTo((p.repeats![0]!.requests_per_second! + p.repeats![1]!.requests_per_second!) / 2, 9);
    expect(p.metrics.output_tokens_per_second).toBeCloseTo((16 * 16) / p.metrics.elapsed_time!, 6);
  });

  it('fails with OFFLINE_BENCH, the exit code, the log tail and a hint when the bench rejects a flag value', async () => {
    const err = await offlineError({ name: 'bad', kind: 'latency', args: { 'num-iters': 0 } }, simServer, {
      outDir: tmpDir('vpg-offline-'),
      env: simEnv(),
    });
    expect(err.code).toBe('OFFLINE_BENCH');
    expect(err.message).toContain('`vllm bench latency` of suite `bad` exited with code 2');
    expect(err.message).toContain('--num-iters');
    expect(err.hint).toMatch(/rejected the value of --num-iters/);
  });
});

describe('runOfflineSuite failures', () => {
  const fake = (mode: string): { server: Server; env: NodeJS.ProcessEnv } => ({
    server: { command: [process.execPath, FAKE_BENCH], model: 'm', 'shutdown-grace': '300ms' },
    env: { ...process.env, FAKE_BENCH_MODE: mode, FAKE_BENCH_IGNORE_TERM: '1' },
  });

  it('names the file and the key when the JSON lacks one of vLLM’s keys', async () => {
    const outDir = tmpDir('vpg-offline-');
    const { server, env } = fake('partial');
    const err = await offlineError({ name: 'lat', kind: 'latency' }, server, { outDir, env });
    expect(err.code).toBe('OFFLINE_BENCH');
    expect(err.message).toBe(`${path.join(outDir, 'lat.json')}: \`std_latency\` is missing or not a number`);
  });

  it('says so when the bench exits 0 without writing its JSON', async () => {
    const { server, env } = fake('nojson');
    const err = await offlineError({ name: 't', kind: 'throughput' }, server, { outDir: tmpDir('vpg-offline-'), env });
    expect(err.code).toBe('OFFLINE_BENCH');
    expect(err.message).toMatch(/exited 0 but wrote no .*t\.json/);
  });

  it('stops the bench group (SIGKILL after the grace) and fails at the suite timeout', async () => {
    const { server, env } = fake('hang');
    const outDir = tmpDir('vpg-offline-');
    const err = await offlineError({ name: 'slow', kind: 'latency', timeout: '400ms' }, server, { outDir, env });
    expect(err.code).toBe('OFFLINE_BENCH');
    expect(err.message).toContain('did not finish within 0.4 s');
    expect(err.message).toContain('fake bench bench latency');
    const log = readFileSync(path.join(outDir, 'slow.log'), 'utf8');
    expect(log).toContain('sending SIGKILL');
  });

  it('reports progress while the bench runs, then stops it and throws CANCELLED when the signal aborts', async () => {
    const { server, env } = fake('hang');
    const ac = new AbortController();
    const outDir = tmpDir('vpg-offline-');
    const logPath = path.join(outDir, 'c.log');
    const lines: string[] = [];
    const p = offlineError({ name: 'c', kind: 'latency' }, server, {
      outDir,
      env,
      signal: ac.signal,
      graceMs: 100,
      progressEveryMs: 50,
      log: (l) => lines.push(l),
    });
    await until(() => existsSync(logPath) && readFileSync(logPath, 'utf8').includes('fake bench bench latency'));
    // A long bench says it is alive, with its last output line.
    expect(await until(() => lines.some((l) => /^c: still running after \d+ s; last line: fake bench bench latency$/.test(l)))).toBe(true);
    ac.abort();
    const err = await p;
    expect(err.code).toBe('CANCELLED');
    expect(readFileSync(logPath, 'utf8')).toContain('stopping the bench: cancelled');
  });
});
