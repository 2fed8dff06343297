// vLLM's own CI suite files (copies in ../shared/reference, read in place, never copied here) load
// and expand into valid suites.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expandSuiteEntries, SHAREGPT_FILE, sharegptCandidates, type ExpandContext } from '../../src/config/presets.js';
import { expectValidConfigSuites, tempDir, type TempDir } from './support.js';

const REF = path.resolve('../shared/reference');
const ref = (f: string) => path.join(REF, f);
const SERVING = ref('perf-benchmarks_serving-tests_c6991a3.json');
const LATENCY = ref('perf-benchmarks_latency-tests_e5fd201.json');
const THROUGHPUT = ref('perf-benchmarks_throughput-tests_67bc9a3.json');
const DEFAULTS = ref('perf-benchmarks_README_defaults-format-example.json');

/** `it`, or a visibly skipped `it` naming the missing reference file. */
function withRef(file: string) {
  return existsSync(file) ? it : (name: string, fn: () => unknown) => it.skip(`${name} [SKIPPED: ${file} is absent]`, fn);
}

let tmp: TempDir;
let ctx: ExpandContext;

beforeEach(async () => {
  tmp = await tempDir();
  ctx = { configFile: 'perf.yml', baseDir: tmp.dir, sharegptCandidates: sharegptCandidates(tmp.dir, tmp.dir) };
});
afterEach(() => tmp.remove());

describe('vLLM CI suite files from the reference folder', () => {
  withRef(SERVING)(
    'serving-tests.json: four ShareGPT tests at QPS 1, 4, 16, inf (the spec-decode one at 2), each on its own server',
    async () => {
      await tmp.write(`data/${SHAREGPT_FILE}`, '[]');
      const out = await expandSuiteEntries([{ 'vllm-suite': SERVING }], {
        ...ctx,
        server: { model: 'meta-llama/Meta-Llama-3.1-8B-Instruct' },
      });
      expectValidConfigSuites(out.suites);
      expect(out.suites.map((s) => [s.name, s.kind, (s as { 'request-rates'?: unknown })['request-rates']])).toEqual([
        ['serving_llama8B_tp1_sharegpt', 'serving', [1, 4, 16, 'inf']],
        ['serving_llama70B_tp4_sharegpt', 'serving', [1, 4, 16, 'inf']],
        ['serving_mixtral8x7B_tp2_sharegpt', 'serving', [1, 4, 16, 'inf']],
        ['serving_llama70B_tp4_sharegpt_specdecode', 'serving', [2]],
      ]);
      const [first, , , spec] = out.suites;
      // The ShareGPT file the tests name (./ShareGPT_V3_...) is found in data/ next to the config.
      expect(first).toMatchObject({
        endpoint: 'completions',
        dataset: { type: 'sharegpt', path: `data/${SHAREGPT_FILE}`, 'num-prompts': 200 },
      });
      expect(first!.server).toEqual({
        model: 'meta-llama/Meta-Llama-3.1-8B-Instruct',
        args: { 'tensor-parallel-size': 1, 'swap-space': 16, 'disable-log-stats': '', 'load-format': 'dummy' },
      });
      expect(spec!.server?.args).toMatchObject({
        'speculative-config': JSON.stringify({
          model: 'turboderp/Qwama-0.5B-Instruct',
          num_speculative_tokens: 4,
          draft_tensor_parallel_size: 1,
        }),
      });
    },
  );

  withRef(SERVING)('serving-tests.json without the ShareGPT file still expands, with a note on the missing file', async () => {
    const out = await expandSuiteEntries([{ 'vllm-suite': SERVING }], ctx);
    expect(out.suites).toHaveLength(4);
    expect(out.notes.join('\n')).toContain(`dataset file ./${SHAREGPT_FILE} not found`);
  });

  withRef(LATENCY)('latency-tests.json: three tests, num_iters and num-iters spelt either way become one flag', async () => {
    const out = await expandSuiteEntries([{ 'vllm-suite': LATENCY }], ctx);
    expectValidConfigSuites(out.suites);
    expect(out.suites.map((s) => s.name)).toEqual(['latency_llama8B_tp1', 'latency_llama70B_tp4', 'latency_mixtral8x7B_tp2']);
    for (const s of out.suites) {
      expect(s.kind).toBe('latency');
      expect(s.kind === 'latency' && s.args).toMatchObject({ 'load-format': 'dummy', 'num-iters-warmup': 5, 'num-iters': 15 });
    }
    expect(out.suites.map((s) => s.server?.model)).toEqual([
      'meta-llama/Meta-Llama-3.1-8B-Instruct',
      'meta-llama/Meta-Llama-3.1-70B-Instruct',
      'mistralai/Mixtral-8x7B-Instruct-v0.1',
    ]);
  });

  withRef(THROUGHPUT)('throughput-tests.json: three tests on 200 ShareGPT prompts', async () => {
    const out = await expandSuiteEntries([{ 'vllm-suite': THROUGHPUT }], ctx);
    expectValidConfigSuites(out.suites);
    expect(out.suites.map((s) => s.name)).toEqual(['throughput_llama8B_tp1', 'throughput_llama70B_tp4', 'throughput_mixtral8x7B_tp2']);
    for (const s of out.suites) {
      expect(s.kind === 'throughput' && s.args).toMatchObject({
        'dataset-path': `./${SHAREGPT_FILE}`,
        'num-prompts': 200,
        backend: 'vllm',
      });
    }
  });

  withRef(DEFAULTS)('the README {defaults, tests} example (trailing commas and all) expands test over defaults', async () => {
    const out = await expandSuiteEntries([{ 'vllm-suite': DEFAULTS }], ctx);
    expectValidConfigSuites(out.suites);
    expect(out.notes.join('\n')).toContain('not strict JSON');
    expect(out.suites).toEqual([
      expect.objectContaining({
        name: 'serving_llama3B_tp2_random_128_128',
        dataset: { type: 'random', 'input-len': 128, 'output-len': 128, 'num-prompts': 200 },
        'ignore-eos': true,
        'request-rates': ['inf'],
        server: {
          model: 'meta-llama/Llama-3.2-3B-Instruct',
          args: { 'tensor-parallel-size': 2, dtype: 'bfloat16', 'block-size': 128, 'disable-log-stats': '', 'load-format': 'dummy' },
          env: { VLLM_ALLOW_LONG_MAX_MODEL_LEN: 1 },
        },
      }),
      expect.objectContaining({ name: 'serving_qwen3_tp4_random_128_128', server: expect.objectContaining({ model: 'Qwen/Qwen3-14B' }) }),
    ]);
  });

  withRef(SERVING)('an override shrinks every test of a reference file, e.g. for a quick run on the simulator', async () => {
    const out = await expandSuiteEntries(
      [
        {
          'vllm-suite': SERVING,
          tests: ['serving_llama8B_tp1_sharegpt'],
          overrides: { dataset: { 'num-prompts': 8 }, 'request-rates': [4, 'inf'] },
        },
      ],
      ctx,
    );
    expect(out.suites).toEqual([
      expect.objectContaining({
        name: 'serving_llama8B_tp1_sharegpt',
        'request-rates': [4, 'inf'],
        dataset: expect.objectContaining({ 'num-prompts': 8 }),
      }),
    ]);
  });
});
