import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expandSuiteEntries, SHAREGPT_FILE, sharegptCandidates, type ExpandContext } from '../../src/config/presets.js';
import type { SuiteEntry } from '../../src/config/schema-types.gen.js';
import { expectValidConfigSuites, gateError, tempDir, type TempDir } from './support.js';

let tmp: TempDir;
let ctx: ExpandContext;
const SHAREGPT = `data/${SHAREGPT_FILE}`;

beforeEach(async () => {
  tmp = await tempDir();
  // Only the temporary directory is searched, so a ShareGPT file elsewhere on the machine cannot leak in.
  ctx = { configFile: 'perf.yml', baseDir: tmp.dir, sharegptCandidates: sharegptCandidates(tmp.dir, tmp.dir) };
});
afterEach(() => tmp.remove());

const expand = (entries: unknown[]) => expandSuiteEntries(entries as SuiteEntry[], ctx);

describe('each preset expands to the suites its seed report ran', () => {
  const expected: Record<string, unknown[]> = {
    'vllm-nightly': [
      {
        name: 'vllm-nightly-serving',
        kind: 'serving',
        endpoint: 'completions',
        dataset: { type: 'sharegpt', path: SHAREGPT, 'num-prompts': 200, seed: 0 },
        'request-rates': [1, 4, 16, 'inf'],
        burstiness: 1,
        seed: 0,
        temperature: 0,
      },
      {
        name: 'vllm-nightly-latency',
        kind: 'latency',
        args: { 'input-len': 32, 'output-len': 128, 'batch-size': 8, 'num-iters-warmup': 5, 'num-iters': 15 },
      },
      {
        name: 'vllm-nightly-throughput',
        kind: 'throughput',
        args: { 'dataset-name': 'sharegpt', 'dataset-path': SHAREGPT, 'num-prompts': 200, backend: 'vllm', seed: 0 },
      },
    ],
    'concurrency-sweep': [
      {
        name: 'concurrency-sweep',
        kind: 'serving',
        endpoint: 'completions',
        dataset: { type: 'random', 'input-len': 256, 'output-len': 128, seed: 42 },
        concurrency: [1, 2, 4, 8, 16, 32],
        'prompts-per-concurrency': 10,
        'ignore-eos': true,
        seed: 42,
      },
    ],
    'max-throughput': [
      {
        name: 'max-throughput',
        kind: 'serving',
        endpoint: 'completions',
        dataset: { type: 'random', 'input-len': 128, 'output-len': 256, seed: 0 },
        concurrency: [64, 128, 256],
        'prompts-per-concurrency': 4,
        'ignore-eos': true,
        seed: 0,
      },
    ],
    'min-latency': [
      {
        name: 'min-latency',
        kind: 'serving',
        endpoint: 'completions',
        dataset: { type: 'random', 'input-len': 128, 'output-len': 256, seed: 0 },
        concurrency: [2],
        'prompts-per-concurrency': 5,
        warmup: 2,
        'ignore-eos': true,
        seed: 0,
      },
    ],
    'chat-client': [
      {
        name: 'chat-client',
        kind: 'serving',
        endpoint: 'chat',
        stream: false,
        dataset: { type: 'fixed', prompt: 'Explain KV caching in two sentences.', 'max-tokens': 128 },
        concurrency: [1, 4, 16],
        'prompts-per-concurrency': 5,
        temperature: 0.7,
        'top-p': 0.8,
      },
    ],
  };

  for (const [preset, suites] of Object.entries(expected)) {
    it(`${preset} expands to ${suites.length} valid suite(s)`, async () => {
      await tmp.write(SHAREGPT, '[]');
      const out = await expand([{ preset }]);
      expect(out.suites).toEqual(suites);
      expectValidConfigSuites(out.suites);
    });
  }
});

describe('preset names', () => {
  it('name replaces the preset name as the suite name, or as the prefix of several suites', async () => {
    await tmp.write(SHAREGPT, '[]');
    const out = await expand([
      { preset: 'chat-client', name: 'qwen-chat' },
      { preset: 'vllm-nightly', name: 'nightly' },
    ]);
    expect(out.suites.map((s) => s.name)).toEqual(['qwen-chat', 'nightly-serving', 'nightly-latency', 'nightly-throughput']);
  });

  it('the same preset twice without names is an error that says to name one', async () => {
    const err = await gateError(expand([{ preset: 'min-latency' }, { preset: 'min-latency' }]));
    expect(err.code).toBe('CONFIG');
    expect(err.where).toEqual({ file: 'perf.yml', path: 'suites[1]' });
    expect(err.message).toContain('min-latency is used twice');
    expect(err.hint).toContain('name:');
  });

  it('an unknown preset name suggests the closest one', async () => {
    const err = await gateError(expand([{ preset: 'min-latncy' }]));
    expect(err.where.path).toBe('suites[0].preset');
    expect(err.hint).toContain('did you mean min-latency?');
  });
});

describe('overrides next to a preset', () => {
  beforeEach(() => tmp.write(SHAREGPT, '[]'));

  it('a key merges into every expanded suite whose kind has it, and only those', async () => {
    const out = await expand([{ preset: 'vllm-nightly', dataset: { 'num-prompts': 20 }, args: { 'num-iters': 3 }, repeat: 2 }]);
    const [serving, latency, throughput] = out.suites as unknown as Record<string, unknown>[];
    expect(serving!.dataset).toEqual({ type: 'sharegpt', path: SHAREGPT, 'num-prompts': 20, seed: 0 });
    expect(latency!.args).toMatchObject({ 'num-iters': 3, 'num-iters-warmup': 5 });
    expect(throughput!.args).toMatchObject({ 'num-iters': 3, 'num-prompts': 200 });
    expect(out.suites.map((s) => s.repeat)).toEqual([2, 2, 2]);
  });

  it('serving:, latency: and throughput: hold overrides for the suites of that kind only', async () => {
    const out = await expand([
      { preset: 'vllm-nightly', latency: { args: { 'num-iters': 3 } }, throughput: { args: { num_prompts: 10 } } },
    ]);
    const [, latency, throughput] = out.suites as unknown as { args: Record<string, unknown> }[];
    expect(latency!.args['num-iters']).toBe(3);
    expect(throughput!.args['num-iters']).toBeUndefined();
    // snake_case replaces the same flag spelled in kebab-case
    expect(throughput!.args).toMatchObject({ 'num-prompts': 10 });
    expect(Object.keys(throughput!.args)).not.toContain('num_prompts');
  });

  it('lists replace, objects merge, and null removes a key', async () => {
    const out = await expand([
      { preset: 'concurrency-sweep', concurrency: [1, 2], 'prompts-per-concurrency': null, dataset: { 'num-prompts': 8 } },
    ]);
    expect(out.suites[0]).toMatchObject({ concurrency: [1, 2], dataset: { type: 'random', 'input-len': 256, 'num-prompts': 8 } });
    expect(out.suites[0]).not.toHaveProperty('prompts-per-concurrency');
  });

  it("setting the other sweep mode drops the preset's: concurrency replaces request rates, and back", async () => {
    const out = await expand([
      { preset: 'vllm-nightly', serving: { concurrency: [1, 4] } },
      { preset: 'concurrency-sweep', 'request-rates': [2, 'inf'], 'max-concurrency': 8 },
    ]);
    expect(out.suites[0]).toMatchObject({ concurrency: [1, 4] });
    expect(out.suites[0]).not.toHaveProperty('request-rates');
    expect(out.suites[3]).toMatchObject({ 'request-rates': [2, 'inf'], 'max-concurrency': 8 });
    expect(out.suites[3]).not.toHaveProperty('concurrency');
    expect(out.suites[3]).not.toHaveProperty('prompts-per-concurrency');
    expectValidConfigSuites(out.suites);
  });

  it('a dataset of another type replaces the preset dataset instead of merging into it', async () => {
    const out = await expand([{ preset: 'max-throughput', dataset: { type: 'sonnet', 'num-prompts': 64 } }]);
    expect((out.suites[0] as { dataset: unknown }).dataset).toEqual({ type: 'sonnet', 'num-prompts': 64 });
    expectValidConfigSuites(out.suites);
  });

  it('server overrides reach every suite, so a preset can run on its own server', async () => {
    const out = await expand([{ preset: 'chat-client', server: { args: { 'enable-chunked-prefill': true } } }]);
    expect(out.suites[0]!.server).toEqual({ args: { 'enable-chunked-prefill': true } });
  });

  it('a key no expanded suite has is a config error at the key, with a did-you-mean', async () => {
    const err = await gateError(expand([{ preset: 'concurrency-sweep', 'ignore-eso': false }]));
    expect(err.code).toBe('CONFIG');
    expect(err.where).toEqual({ file: 'perf.yml', path: 'suites[0].ignore-eso' });
    expect(err.hint).toBe('did you mean `ignore-eos`?');
  });

  it('a key of another kind of suite is an error, not silently dropped', async () => {
    const err = await gateError(expand([{ preset: 'chat-client', args: { 'num-iters': 3 } }]));
    expect(err.where.path).toBe('suites[0].args');
    expect(err.message).toContain('no serving suite it expands to has it');
  });

  it('a wrong key inside an override is reported at its path under the preset entry', async () => {
    const err = await gateError(expand([{ preset: 'concurrency-sweep', dataset: { 'num-promts': 8 } }]));
    expect(err.where).toEqual({ file: 'perf.yml', path: 'suites[0].dataset.num-promts' });
    expect(err.hint).toBe('did you mean `num-prompts`?');
  });

  it('a wrong value inside an override is reported at its path, with its index', async () => {
    const err = await gateError(expand([{ preset: 'vllm-nightly', serving: { 'request-rates': [1, -4] } }]));
    expect(err.where.path).toBe('suites[0].serving.request-rates[1]');
  });

  it('a kind key for a kind the preset does not expand to is an error', async () => {
    const err = await gateError(expand([{ preset: 'min-latency', latency: { args: {} } }]));
    expect(err.where.path).toBe('suites[0].latency');
    expect(err.message).toContain('no latency suite');
  });

  it('removing a key a suite requires is an error at that key', async () => {
    const err = await gateError(expand([{ preset: 'chat-client', dataset: null }]));
    expect(err.where.path).toBe('suites[0].dataset');
    expect(err.message).toContain('`dataset` is required');
  });

  it('a misspelt kind key is suggested', async () => {
    const err = await gateError(expand([{ preset: 'vllm-nightly', latncy: {} }]));
    expect(err.hint).toBe('did you mean `latency`?');
  });

  it('kind cannot be overridden', async () => {
    const err = await gateError(expand([{ preset: 'min-latency', kind: 'latency' }]));
    expect(err.where.path).toBe('suites[0].kind');
  });
});

describe('presets that need ShareGPT', () => {
  it('without dataset-path and without a file in the usual places, say so and how to get it', async () => {
    const err = await gateError(expand([{ preset: 'vllm-nightly' }]));
    expect(err.code).toBe('DATASET');
    expect(err.where).toEqual({ file: 'perf.yml', path: 'suites[0]' });
    expect(err.message).toContain('needs the ShareGPT dataset');
    expect(err.message).toContain(path.join(tmp.dir, 'data', SHAREGPT_FILE));
    expect(err.hint).toContain('anon8231489123/ShareGPT_Vicuna_unfiltered');
    expect(err.hint).toContain('never downloaded at run time');
  });

  it('a dataset-path that does not exist is a dataset error at dataset-path', async () => {
    const err = await gateError(expand([{ preset: 'vllm-nightly', 'dataset-path': 'missing/sharegpt.json' }]));
    expect(err.code).toBe('DATASET');
    expect(err.where.path).toBe('suites[0].dataset-path');
  });

  it('a given dataset-path is used as written, relative to the config file', async () => {
    await tmp.write('sets/sg.json', '[]');
    const out = await expand([{ preset: 'vllm-nightly', 'dataset-path': 'sets/sg.json' }]);
    expect(out.suites[0]).toMatchObject({ dataset: { path: 'sets/sg.json' } });
    expect(out.suites[2]).toMatchObject({ args: { 'dataset-path': 'sets/sg.json' } });
  });

  it('a file found in a usual place is used and noted', async () => {
    await tmp.write(SHAREGPT_FILE, '[]');
    const out = await expand([{ preset: 'vllm-nightly' }]);
    expect(out.suites[0]).toMatchObject({ dataset: { path: SHAREGPT_FILE } });
    expect(out.notes).toEqual([`suites[0]: preset vllm-nightly uses the ShareGPT file found at ${SHAREGPT_FILE}`]);
  });

  it('the usual places are the config directory then the working directory, each with data/, datasets/, benchmarks/', () => {
    expect(sharegptCandidates('/cfg', '/work')).toEqual([
      `/cfg/${SHAREGPT_FILE}`,
      `/cfg/data/${SHAREGPT_FILE}`,
      `/cfg/datasets/${SHAREGPT_FILE}`,
      `/cfg/benchmarks/${SHAREGPT_FILE}`,
      `/work/${SHAREGPT_FILE}`,
      `/work/data/${SHAREGPT_FILE}`,
      `/work/datasets/${SHAREGPT_FILE}`,
      `/work/benchmarks/${SHAREGPT_FILE}`,
    ]);
  });

  it('dataset-path on a preset that needs no ShareGPT is an error that shows the dataset override instead', async () => {
    const err = await gateError(expand([{ preset: 'concurrency-sweep', 'dataset-path': 'x.json' }]));
    expect(err.code).toBe('CONFIG');
    expect(err.where.path).toBe('suites[0].dataset-path');
    expect(err.hint).toContain('dataset: { type: sharegpt');
  });
});

describe('expandSuiteEntries', () => {
  it('passes ordinary suites through unchanged and keeps the order of entries', async () => {
    const own = { name: 'mine', kind: 'latency', args: { 'batch-size': 1 } };
    const out = await expand([own, { preset: 'min-latency' }]);
    expect(out.suites.map((s) => s.name)).toEqual(['mine', 'min-latency']);
    expect(out.suites[0]).toBe(own);
  });

  it('expanding twice gives equal suites and does not change the entries', async () => {
    const entries = [{ preset: 'concurrency-sweep', dataset: { 'num-prompts': 8 } }];
    const copy = structuredClone(entries);
    const a = await expand(entries);
    const b = await expand(entries);
    expect(a).toEqual(b);
    expect(entries).toEqual(copy);
  });
});
