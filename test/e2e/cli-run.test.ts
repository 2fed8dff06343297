// `vllm-perf-gate run` end to end, as a user runs it: the real binary in its own process, a config
// file with `server.command: vllm-sim`, the simulator found through PATH and booted by the CLI,
// serving, latency and throughput suites, and the files a run leaves behind.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultsDocument } from '../../src/results/schema-types.gen.js';
import { validateResults } from '../../src/results/validate.js';
import {
  groupExists,
  newCase,
  productReasons,
  readDoc,
  removeCases,
  run,
  serverGroups,
  serverLog,
  simProcesses,
  simServer,
  STACK_LINE,
  sweepSuite,
  writeConfig,
  type Case,
  type CliExit,
} from './support.js';

let c: Case;
let exit: CliExit;
let doc: ResultsDocument;

beforeAll(async () => {
  c = newCase('run');
  writeConfig(
    c,
    [
      'version: 1',
      'id: e2e-run',
      simServer(c),
      'suites:',
      sweepSuite({ perPoint: 3 }),
      '  - name: latency',
      '    kind: latency',
      '    args: { input-len: 16, output-len: 8, batch-size: 2, num-iters-warmup: 1, num-iters: 2 }',
      '  - name: throughput',
      '    kind: throughput',
      '    args: { input-len: 32, output-len: 8, num-prompts: 8 }',
      '',
    ].join('\n'),
  );
  exit = await run(c);
  doc = readDoc(c);
});
afterAll(removeCases);

describe('vllm-perf-gate run --config F with server.command: vllm-sim', () => {
  it('exits 0 with a complete run and no error', () => {
    expect(exit.stderr).not.toMatch(STACK_LINE);
    expect({ status: doc.status, error: doc.error }, exit.stderr).toEqual({ status: 'complete', error: undefined });
    expect(exit.stderr).toContain(`results: ${path.join(c.out, 'results.json')}`);
    const reasons = doc.suites.flatMap((s) => s.points.flatMap((p) => p.validity.reasons));
    expect(productReasons(reasons)).toEqual([]);
    if (reasons.length === 0) {
      expect(exit.code, exit.stderr).toBe(0);
      expect(exit.stderr).not.toContain('verdict: FAIL');
    } else {
      // The client was starved of CPU by whatever else ran on this machine: the gate rightly fails
      // the run as invalid, and says so.
      console.warn(`cli-run: the load client was starved of CPU, so the run is invalid: ${reasons.join('; ')}`);
      expect(exit.code, exit.stderr).toBe(1);
      expect(exit.stderr).toMatch(/verdict: FAIL: \d+ points? (is|are) invalid/);
    }
  });

  it('writes a results.json that the results schema accepts', () => {
    expect(validateResults(doc)).toEqual([]);
    expect(doc.run['config-id']).toBe('e2e-run');
  });

  it('runs the offline suites and then the serving sweep, each point valid and measured', () => {
    expect(doc.suites.map((s) => [s.name, s.kind, s.points.map((p) => p.key)])).toEqual([
      ['sweep', 'serving', ['concurrency=1', 'concurrency=2']],
      ['latency', 'latency', [expect.any(String)]],
      ['throughput', 'throughput', [expect.any(String)]],
    ]);
    const [sweep, latency, throughput] = doc.suites;
    for (const p of sweep!.points) {
      expect(productReasons(p.validity.reasons), p.key).toEqual([]);
      expect(p.metrics.completed).toBe(3 * (p.concurrency as number));
      expect(p.metrics.failed).toBe(0);
      expect(p.metrics.median_ttft_ms).toBeGreaterThan(0);
    }
    expect(Object.values(latency!.points[0]!.metrics).some((v) => typeof v === 'number' && v > 0)).toBe(true);
    expect(Object.values(throughput!.points[0]!.metrics).some((v) => typeof v === 'number' && v > 0)).toBe(true);
  });

  it('records the start-up time and the environment: GPU from nvidia-smi, engine version, the server command', () => {
    const env = doc.environment;
    expect(env['startup-s']).toBeGreaterThanOrEqual(0.3);
    expect(env.gpus).toEqual([{ index: 0, name: 'NVIDIA L4', 'memory-total-mib': 23034 }]);
    expect(env['driver-version']).toBe('580.126.20');
    expect(env.fingerprint).toMatchObject({ model: c.model, 'gpu-name': 'NVIDIA L4', 'gpu-count': 1, 'engine-version': '0.11.0' });
    expect(env['server-command']?.slice(0, 3)).toEqual(['vllm-sim', 'serve', c.model]);
    expect(env['node-version']).toBe(process.version);
    expect(env['telemetry-notes']).toEqual([]);
  });

  it('gives each serving point its telemetry peaks, from /metrics and the fake nvidia-smi', () => {
    for (const p of doc.suites[0]!.points) {
      expect(p.telemetry, p.key).toMatchObject({ peak_gpu_util_pct: 87, peak_gpu_memory_used_mib: 13900, num_preemptions: 0 });
      expect(p.telemetry?.peak_kv_cache_usage_perc).toBeGreaterThanOrEqual(0);
      expect(p.telemetry?.peak_num_requests_running).toBeGreaterThanOrEqual(0);
      expect(p.telemetry?.generation_tokens).toBe(p.metrics.total_output_tokens);
    }
  });

  it("writes each serving point in vLLM's --save-result format, and the offline benches' own JSON", () => {
    for (const p of doc.suites[0]!.points) {
      const file = p['vllm-result-file'];
      expect(file, p.key).toMatch(/^vllm\/sweep_.*concurrency_\d+\.json$/);
      const saved = JSON.parse(readFileSync(path.join(c.out, file!), 'utf8')) as Record<string, unknown>;
      expect(saved).toMatchObject({ completed: p.metrics.completed, max_concurrency: p.concurrency, model_id: c.model });
      expect(typeof saved.mean_ttft_ms).toBe('number');
    }
    expect(JSON.parse(readFileSync(path.join(c.out, 'latency.json'), 'utf8'))).toHaveProperty('avg_latency');
    expect(JSON.parse(readFileSync(path.join(c.out, 'throughput.json'), 'utf8'))).toHaveProperty('requests_per_second');
    for (const f of ['report.md', 'verdict.json', 'latency.log', 'throughput.log']) expect(existsSync(path.join(c.out, f)), f).toBe(true);
  });

  it("keeps the server's log, from the command that started it to its teardown", () => {
    const log = serverLog(c);
    expect(log).toContain(`[vllm-perf-gate] starting: vllm-sim serve ${c.model}`);
    expect(log).toContain('Application startup complete.');
    expect(log).toMatch(/\[vllm-perf-gate\] server stopped/);
  });

  it('leaves no vllm-sim process behind, neither the server nor the benches', () => {
    const groups = serverGroups(c);
    expect(groups.length).toBe(1);
    expect(groups.filter(groupExists)).toEqual([]);
    expect(simProcesses(c)).toEqual([]);
  });
});
