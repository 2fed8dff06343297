// Presets and vllm-suite entries through the real config loader: what a user's YAML turns into.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { SHAREGPT_FILE, sharegptCandidates } from '../../src/config/presets.js';
import { GateError } from '../../src/errors.js';
import { tempDir, type TempDir } from './support.js';

let tmp: TempDir;
beforeEach(async () => {
  tmp = await tempDir();
});
afterEach(() => tmp.remove());

async function load(yaml: string) {
  const file = await tmp.write('perf.yml', yaml);
  return loadConfig(file, { sharegptCandidates: sharegptCandidates(tmp.dir, tmp.dir) });
}

async function loadError(yaml: string): Promise<GateError> {
  try {
    await load(yaml);
  } catch (err) {
    expect(err).toBeInstanceOf(GateError);
    return err as GateError;
  }
  throw new Error('expected the config to be refused');
}

describe('presets in a config file', () => {
  it('all five presets load, expand and validate in one config', async () => {
    await tmp.write(`data/${SHAREGPT_FILE}`, '[]');
    const loaded = await load(
      [
        'version: 1',
        'server: { model: Qwen/Qwen2.5-7B-Instruct }',
        'suites:',
        '  - preset: vllm-nightly',
        '  - preset: concurrency-sweep',
        '  - preset: max-throughput',
        '  - preset: min-latency',
        '  - preset: chat-client',
        '',
      ].join('\n'),
    );
    expect(loaded.config.suites.map((s) => s.name)).toEqual([
      'vllm-nightly-serving',
      'vllm-nightly-latency',
      'vllm-nightly-throughput',
      'concurrency-sweep',
      'max-throughput',
      'min-latency',
      'chat-client',
    ]);
    expect(loaded.notes).toEqual([`suites[0]: preset vllm-nightly uses the ShareGPT file found at data/${SHAREGPT_FILE}`]);
  });

  it('a wrong override key is located on its line in the YAML', async () => {
    const err = await loadError(
      ['version: 1', 'server: { model: m }', 'suites:', '  - preset: concurrency-sweep', '    dataset:', '      num-promts: 8', ''].join(
        '\n',
      ),
    );
    expect(err.code).toBe('CONFIG');
    expect(err.where).toMatchObject({ path: 'suites[0].dataset.num-promts', line: 6 });
    expect(err.hint).toBe('did you mean `num-prompts`?');
  });

  it('the missing ShareGPT file stops the load with a dataset error on the preset line', async () => {
    const err = await loadError(['version: 1', 'server: { model: m }', 'suites:', '  - preset: vllm-nightly', ''].join('\n'));
    expect(err.code).toBe('DATASET');
    expect(err.where).toMatchObject({ path: 'suites[0]', line: 4 });
    expect(err.hint).toContain('anon8231489123/ShareGPT_Vicuna_unfiltered');
  });
});

const SERVING_REF = path.resolve('../shared/reference/perf-benchmarks_serving-tests_c6991a3.json');

describe('vllm-suite in a config file', () => {
  (existsSync(SERVING_REF) ? it : it.skip)(
    `vLLM's serving-tests.json loads with a shrinking override${existsSync(SERVING_REF) ? '' : ' [SKIPPED: reference file absent]'}`,
    async () => {
      const loaded = await load(
        [
          'version: 1',
          'server: { command: vllm-sim, model: meta-llama/Meta-Llama-3.1-8B-Instruct }',
          'suites:',
          `  - vllm-suite: ${JSON.stringify(SERVING_REF)}`,
          '    overrides: { dataset: { num-prompts: 8 } }',
          '',
        ].join('\n'),
      );
      expect(loaded.config.suites).toHaveLength(4);
      for (const s of loaded.config.suites)
        expect(s.kind === 'serving' && (s.dataset as { 'num-prompts'?: number })['num-prompts']).toBe(8);
    },
  );

  it('an unsupported key in the suite file is reported in the suite file, with its line', async () => {
    await tmp.write(
      'tests/serving-tests.json',
      JSON.stringify([{ test_name: 'serving_x', qps_list: [1], client_parameters: { dataset_name: 'hf' } }], null, 2),
    );
    const err = await loadError(
      ['version: 1', 'server: { model: m }', 'suites:', '  - vllm-suite: tests/serving-tests.json', ''].join('\n'),
    );
    expect(err.code).toBe('CONFIG');
    expect(err.where.file).toMatch(/tests\/serving-tests\.json$/);
    expect(err.where).toMatchObject({ path: '[0].client_parameters.dataset_name', line: 8 });
    expect(err.message).toContain('test serving_x');
  });
});
