// Every preset and vLLM's reference suite files, loaded through the real config loader, shrunk
// through overrides, and run against a real vllm-sim over sockets (serving suites) or as
// `vllm-sim bench` processes (offline suites). Boots are the orchestrator's: here one simulator
// serves every serving suite, whatever server the suite names.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, serverForSuite, type LoadedConfig } from '../../src/config/load.js';
import { SHAREGPT_FILE, sharegptCandidates } from '../../src/config/presets.js';
import type { Suite as ResultSuite } from '../../src/results/schema-types.gen.js';
import { runOfflineSuite } from '../../src/suites/offline.js';
import { runServingSuite } from '../../src/suites/serving.js';
import { pathWithSim, startSim, type RunningSim } from '../support/sim.js';
import { tempDir, type TempDir } from './support.js';

let sim: RunningSim;
let tmp: TempDir;
let sharegpt: string;

/** A small ShareGPT file in vLLM's format: every pair passes vLLM's length filter. */
function sharegptFixture(n: number): unknown[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `c${i}`,
    conversations: [
      { from: 'human', value: `Question ${i}: explain how continuous batching keeps a GPU busy while requests come and go.` },
      {
        from: 'gpt',
        value: `Answer ${i}: the scheduler adds new sequences to the running batch at every step, so decoding never waits for a whole batch to finish.`,
      },
    ],
  }));
}

beforeAll(async () => {
  tmp = await tempDir();
  sharegpt = await tmp.write(`data/${SHAREGPT_FILE}`, sharegptFixture(12));
  sim = await startSim(['--sim-seed', '1']);
});
afterAll(async () => {
  await sim?.stop();
  await tmp?.remove();
});

async function load(suitesYaml: string[]): Promise<LoadedConfig> {
  const file = await tmp.write(
    'perf.yml',
    ['version: 1', 'server: { command: vllm-sim, model: sim-model }', 'suites:', ...suitesYaml, ''].join('\n'),
  );
  return loadConfig(file, { sharegptCandidates: sharegptCandidates(tmp.dir, tmp.dir) });
}

/** Runs every suite of the config: serving ones against the running simulator, offline ones as `vllm-sim bench`. */
async function runAll(loaded: LoadedConfig): Promise<ResultSuite[]> {
  const out: ResultSuite[] = [];
  for (const s of loaded.config.suites) {
    if (s.kind === 'serving') {
      out.push(await runServingSuite(s, { baseUrl: sim.url, model: 'sim-model' }, { datasetBaseDir: loaded.baseDir }));
    } else {
      out.push(
        await runOfflineSuite(s, serverForSuite(loaded.config, s), {
          outDir: tmp.dir,
          env: { ...process.env, PATH: pathWithSim() },
          graceMs: 2000,
        }),
      );
    }
  }
  return out;
}

/** Validity reasons other than the client being starved of CPU on a shared 2-core test machine. */
function realProblems(s: ResultSuite): string[] {
  return s.points.flatMap((p) => p.validity.reasons.filter((r) => !r.includes('(the client')).map((r) => `${s.name} ${p.key}: ${r}`));
}

describe('presets run end to end on vllm-sim', () => {
  it('concurrency-sweep, max-throughput, min-latency and chat-client, each shrunk through overrides', async () => {
    const small = 'dataset: { input-len: 32, output-len: 8 }';
    const loaded = await load([
      `  - { preset: concurrency-sweep, concurrency: [1, 4], prompts-per-concurrency: 2, ${small} }`,
      `  - { preset: max-throughput, concurrency: [8, 16], prompts-per-concurrency: 1, ${small} }`,
      `  - { preset: min-latency, prompts-per-concurrency: 2, warmup: 1, ${small} }`,
      '  - { preset: chat-client, concurrency: [1, 4], prompts-per-concurrency: 1, dataset: { max-tokens: 8 } }',
    ]);
    const results = await runAll(loaded);
    expect(results.map((s) => [s.name, s.points.map((p) => p.key)])).toEqual([
      ['concurrency-sweep', ['concurrency=1', 'concurrency=4']],
      ['max-throughput', ['concurrency=8', 'concurrency=16']],
      ['min-latency', ['concurrency=2']],
      ['chat-client', ['concurrency=1', 'concurrency=4']],
    ]);
    expect(results.flatMap(realProblems)).toEqual([]);
    const [sweep, maxTp, minLat, chat] = results;
    expect(sweep!.points.map((p) => [p.metrics.completed, p.metrics.total_output_tokens])).toEqual([
      [2, 16],
      [8, 64],
    ]);
    expect(maxTp!.points[1]!.metrics.output_throughput).toBeGreaterThan(0);
    expect(minLat!.points[0]!.metrics.completed).toBe(4);
    expect(minLat!.points[0]!.metrics.median_e2el_ms).toBeGreaterThan(0);
    expect(chat!.points.map((p) => p.metrics.completed)).toEqual([1, 4]);
  });

  it('vllm-nightly: ShareGPT serving at its rates, then offline latency and throughput', async () => {
    const loaded = await load([
      '  - preset: vllm-nightly',
      `    dataset-path: ${JSON.stringify(sharegpt)}`,
      '    serving: { dataset: { num-prompts: 6 }, request-rates: [40, inf] }',
      '    latency: { args: { num-iters-warmup: 1, num-iters: 3 } }',
      '    throughput: { args: { num-prompts: 6 } }',
    ]);
    const [serving, latency, throughput] = await runAll(loaded);
    expect(serving!.points.map((p) => [p.key, p.metrics.completed])).toEqual([
      ['rate=40', 6],
      ['rate=inf', 6],
    ]);
    expect(realProblems(serving!)).toEqual([]);
    expect(latency!.points[0]!.metrics).toMatchObject({ num_iters: 3, mean_latency_ms: expect.any(Number) });
    expect(throughput!.points[0]!.metrics).toMatchObject({ num_requests: 6 });
  });
});

const REF = path.resolve('../shared/reference');
const SERVING_REF = path.join(REF, 'perf-benchmarks_serving-tests_c6991a3.json');
const LATENCY_REF = path.join(REF, 'perf-benchmarks_latency-tests_e5fd201.json');
const THROUGHPUT_REF = path.join(REF, 'perf-benchmarks_throughput-tests_67bc9a3.json');
const haveRefs = [SERVING_REF, LATENCY_REF, THROUGHPUT_REF].every((f) => existsSync(f));

describe('vLLM reference suite files run end to end on vllm-sim', () => {
  (haveRefs ? it : it.skip)(
    `one test of each file, num_prompts shrunk by an override${haveRefs ? '' : ' [SKIPPED: reference files absent]'}`,
    async () => {
      const loaded = await load([
        `  - vllm-suite: ${JSON.stringify(SERVING_REF)}`,
        '    tests: [serving_llama8B_tp1_sharegpt]',
        '    overrides: { dataset: { num-prompts: 3 } }',
        `  - vllm-suite: ${JSON.stringify(LATENCY_REF)}`,
        '    tests: [latency_llama70B_tp4]',
        '    overrides: { args: { num-iters: 2 } }',
        `  - vllm-suite: ${JSON.stringify(THROUGHPUT_REF)}`,
        '    tests: [throughput_mixtral8x7B_tp2]',
        // The file names ./ShareGPT_V3_...; `vllm bench` resolves a relative path from its working
        // directory, so the test gives the fixture's absolute path.
        `    overrides: { args: { num-prompts: 6, dataset-path: ${JSON.stringify(sharegpt)} } }`,
      ]);
      expect(loaded.config.suites.map((s) => s.server?.model)).toEqual([
        'meta-llama/Meta-Llama-3.1-8B-Instruct',
        'meta-llama/Meta-Llama-3.1-70B-Instruct',
        'mistralai/Mixtral-8x7B-Instruct-v0.1',
      ]);
      const [serving, latency, throughput] = await runAll(loaded);
      // qps_list [1, 4, 16, "inf"] as in the file: 3 prompts at 1 req/s is the slowest point (~3 s).
      expect(serving!.points.map((p) => [p.key, p.metrics.completed])).toEqual([
        ['rate=1', 3],
        ['rate=4', 3],
        ['rate=16', 3],
        ['rate=inf', 3],
      ]);
      expect(latency!.points[0]!.metrics).toMatchObject({ num_iters: 2, mean_latency_ms: expect.any(Number) });
      expect(throughput!.points[0]!.metrics).toMatchObject({ num_requests: 6 });
    },
  );
});
