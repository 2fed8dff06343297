import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expandSuiteEntries, sharegptCandidates, type ExpandContext } from '../../src/config/presets.js';
import type { Server, SuiteEntry } from '../../src/config/schema-types.gen.js';
import { expectValidConfigSuites, gateError, tempDir, type TempDir } from './support.js';

let tmp: TempDir;
let ctx: ExpandContext;

beforeEach(async () => {
  tmp = await tempDir();
  ctx = { configFile: 'perf.yml', baseDir: tmp.dir, sharegptCandidates: sharegptCandidates(tmp.dir, tmp.dir) };
});
afterEach(() => tmp.remove());

/** Writes `content` as tests/<file> and expands `{ vllm-suite: tests/<file>, ...extra }`. */
async function expandFile(file: string, content: unknown, extra: Record<string, unknown> = {}, server?: Server) {
  await tmp.write(`tests/${file}`, content);
  return expandSuiteEntries([{ 'vllm-suite': `tests/${file}`, ...extra } as SuiteEntry], server ? { ...ctx, server } : ctx);
}

const serving = (client: Record<string, unknown>, more: Record<string, unknown> = {}) => [
  { test_name: 'serving_t', qps_list: [1], server_parameters: { model: 'm' }, client_parameters: { model: 'm', ...client }, ...more },
];

describe('serving tests', () => {
  it('each test becomes a suite named by test_name, with its server as the suite server', async () => {
    const out = await expandFile('serving-tests.json', [
      {
        test_name: 'serving_llama8B_tp1_random',
        qps_list: [1, 4, 16, 'inf'],
        server_parameters: {
          model: 'meta-llama/Llama-3.1-8B',
          tensor_parallel_size: 1,
          'swap-space': 16,
          disable_log_stats: '',
          speculative_config: { num_speculative_tokens: 4 },
        },
        server_environment_variables: { VLLM_USE_V1: 1 },
        client_parameters: {
          model: 'meta-llama/Llama-3.1-8B',
          backend: 'vllm',
          dataset_name: 'random',
          random_input_len: 128,
          'random-output-len': 64,
          num_prompts: 200,
        },
      },
    ]);
    expect(out.suites).toEqual([
      {
        name: 'serving_llama8B_tp1_random',
        kind: 'serving',
        endpoint: 'completions',
        dataset: { type: 'random', 'input-len': 128, 'output-len': 64, 'num-prompts': 200 },
        'ignore-eos': true,
        'request-rates': [1, 4, 16, 'inf'],
        server: {
          model: 'meta-llama/Llama-3.1-8B',
          args: {
            'tensor-parallel-size': 1,
            'swap-space': 16,
            'disable-log-stats': '',
            'speculative-config': '{"num_speculative_tokens":4}',
          },
          env: { VLLM_USE_V1: 1 },
        },
      },
    ]);
    expectValidConfigSuites(out.suites);
  });

  it('a test whose server is the config server gets no server of its own', async () => {
    const out = await expandFile(
      's.json',
      serving({}, { server_parameters: { model: 'm', max_model_len: 4096 } }),
      {},
      { command: 'vllm-sim', model: 'm', args: { 'max-model-len': 4096 } },
    );
    expect(out.suites[0]).not.toHaveProperty('server');
  });

  it("a test whose server flags are a subset of the config server's runs on it (the config server's flags are laid under the test's)", async () => {
    const out = await expandFile(
      's.json',
      serving({}, { server_parameters: { model: 'm', max_model_len: 4096 } }),
      {},
      { model: 'm', args: { 'max-model-len': 4096, 'enable-chunked-prefill': true } },
    );
    expect(out.suites[0]).not.toHaveProperty('server');
  });

  it('a test whose server differs only in one flag gets a server of its own', async () => {
    const out = await expandFile(
      's.json',
      serving({}, { server_parameters: { model: 'm', max_model_len: 2048 } }),
      {},
      { model: 'm', args: { 'max-model-len': 4096 } },
    );
    expect(out.suites[0]!.server).toEqual({ model: 'm', args: { 'max-model-len': 2048 } });
  });

  it('against an external server (server.url) the server parameters are not applied, and a note says so', async () => {
    const out = await expandFile('s.json', serving({}), {}, { url: 'http://10.0.0.5:8000' });
    expect(out.suites[0]).not.toHaveProperty('server');
    expect(out.notes.join('\n')).toContain('server parameters not applied');
  });

  it('the {defaults, tests} form merges each section shallowly, the test winning, _ and - being one key', async () => {
    const out = await expandFile('serving-tests.json', {
      defaults: {
        qps_list: ['inf'],
        server_parameters: { tensor_parallel_size: 1, dtype: 'bfloat16' },
        client_parameters: { backend: 'vllm', dataset_name: 'random', 'random-input-len': 128, random_output_len: 128, num_prompts: 200 },
      },
      tests: [
        {
          test_name: 'serving_a',
          server_parameters: { model: 'a', tensor_parallel_size: 2 },
          client_parameters: { random_input_len: 2048 },
        },
        { test_name: 'serving_b', qps_list: [2], server_parameters: { model: 'b' } },
      ],
    });
    expect(
      out.suites.map((s) => [s.name, (s as { dataset: unknown }).dataset, (s as { 'request-rates': unknown })['request-rates'], s.server]),
    ).toEqual([
      [
        'serving_a',
        { type: 'random', 'input-len': 2048, 'output-len': 128, 'num-prompts': 200 },
        ['inf'],
        { model: 'a', args: { 'tensor-parallel-size': 2, dtype: 'bfloat16' } },
      ],
      [
        'serving_b',
        { type: 'random', 'input-len': 128, 'output-len': 128, 'num-prompts': 200 },
        [2],
        { model: 'b', args: { 'tensor-parallel-size': 1, dtype: 'bfloat16' } },
      ],
    ]);
  });

  it("reads files with trailing commas (as in vLLM's README) and notes it", async () => {
    const out = await expandFile('s.json', '[{"test_name": "serving_t", "qps_list": [1,], "client_parameters": {"num_prompts": 5,},},]');
    expect(out.suites.map((s) => s.name)).toEqual(['serving_t']);
    expect(out.notes.join('\n')).toContain('s.json is not strict JSON (e.g. trailing commas); read leniently');
  });

  describe('qps_list x max_concurrency_list', () => {
    it('without max concurrency, the rates are one open-loop sweep', async () => {
      const out = await expandFile('s.json', serving({}, { qps_list: [1, '4', 'inf'] }));
      expect(out.suites[0]).toMatchObject({ 'request-rates': [1, 4, 'inf'] });
      expect(out.suites[0]).not.toHaveProperty('max-concurrency');
    });

    it('"inf" with several max concurrencies is one closed-loop sweep over those concurrencies', async () => {
      const out = await expandFile('s.json', serving({}, { qps_list: ['inf'], max_concurrency_list: [12, 16, 32] }));
      expect(out.suites).toHaveLength(1);
      expect(out.suites[0]).toMatchObject({ name: 'serving_t', concurrency: [12, 16, 32] });
      expect(out.suites[0]).not.toHaveProperty('request-rates');
    });

    it('rates with one max concurrency are one sweep under that cap', async () => {
      const out = await expandFile('s.json', serving({ max_concurrency: 8 }, { qps_list: [1, 'inf'] }));
      expect(out.suites[0]).toMatchObject({ name: 'serving_t', 'request-rates': [1, 'inf'], 'max-concurrency': 8 });
    });

    it('rates with several max concurrencies give one suite per cap, named <test>_concurrency_<mc>', async () => {
      const out = await expandFile('s.json', serving({}, { qps_list: [1, 'inf'], max_concurrency_list: [8, 16] }));
      expect(out.suites.map((s) => [s.name, (s as { 'max-concurrency'?: number })['max-concurrency']])).toEqual([
        ['serving_t_concurrency_8', 8],
        ['serving_t_concurrency_16', 16],
      ]);
      expectValidConfigSuites(out.suites);
    });
  });

  describe('client parameters', () => {
    it('map onto serving suite keys', async () => {
      const out = await expandFile(
        's.json',
        serving({
          backend: 'openai-chat',
          endpoint: '/v1/chat/completions',
          dataset_name: 'sharegpt',
          dataset_path: 'sg.json',
          sharegpt_output_len: 64,
          num_prompts: 50,
          seed: 7,
          temperature: 0,
          top_p: 0.9,
          top_k: 20,
          extra_body: '{"min_tokens": 4}',
          burstiness: 0.5,
          num_warmups: 3,
          metric_percentiles: '50,90,99',
          goodput: 'ttft:500 tpot:50',
          header: 'x-team=perf',
          'ignore-eos': '',
        }),
      );
      const { server: _server, ...suite } = out.suites[0]!;
      expect(suite).toEqual({
        name: 'serving_t',
        kind: 'serving',
        endpoint: 'chat',
        dataset: { type: 'sharegpt', path: 'sg.json', 'num-prompts': 50, 'output-len': 64, seed: 7 },
        'ignore-eos': true,
        temperature: 0,
        'top-p': 0.9,
        'extra-body': { min_tokens: 4, top_k: 20 },
        seed: 7,
        burstiness: 0.5,
        warmup: 3,
        percentiles: [50, 90, 99],
        goodput: { 'ttft-ms': 500, 'tpot-ms': 50 },
        headers: { 'x-team': 'perf' },
        'request-rates': [1],
      });
      expectValidConfigSuites(out.suites);
    });

    it('a dataset path alone means ShareGPT (the legacy default), nothing means random', async () => {
      await tmp.write('sg.json', '[]');
      const out = await expandFile('s.json', [
        { test_name: 'serving_p', qps_list: [1], client_parameters: { dataset_path: 'sg.json' } },
        { test_name: 'serving_r', qps_list: [1], client_parameters: {} },
      ]);
      expect(out.suites.map((s) => (s as { dataset: { type: string } }).dataset.type)).toEqual(['sharegpt', 'random']);
    });

    it('a dataset path is found relative to the config file or to the suite file', async () => {
      await tmp.write('tests/near.json', '[]');
      const out = await expandFile('s.json', serving({ dataset_name: 'sharegpt', dataset_path: 'near.json' }));
      expect(out.suites[0]).toMatchObject({ dataset: { path: 'tests/near.json' } });
      expect(out.notes.join('\n')).toContain('dataset near.json found at tests/near.json');
    });

    it('the random dataset always ignores EOS, as current vllm bench serve forces it', async () => {
      const out = await expandFile('s.json', serving({ dataset_name: 'random' }));
      expect(out.suites[0]).toMatchObject({
        'ignore-eos': true,
        dataset: { type: 'random', 'input-len': 1024, 'output-len': 128, 'num-prompts': 1000 },
      });
    });

    it('keys of another dataset and bookkeeping keys are left out with a note', async () => {
      const out = await expandFile(
        's.json',
        serving({ dataset_name: 'random', sharegpt_output_len: 5, save_result: '', percentile_metrics: 'ttft,tpot' }),
      );
      expect(out.suites[0]).toMatchObject({ dataset: { type: 'random' } });
      expect(out.notes.join('\n')).toContain('client_parameters.sharegpt_output_len ignored');
      expect(out.notes.join('\n')).toContain('ignored save_result (results are always saved), percentile_metrics');
    });

    it('the generic input_len and output_len reach the datasets vLLM maps them to', async () => {
      await tmp.write('sg.json', '[]');
      const out = await expandFile('s.json', [
        { test_name: 'serving_r', qps_list: [1], client_parameters: { input_len: 300, output_len: 30 } },
        { test_name: 'serving_s', qps_list: [1], client_parameters: { dataset_path: 'sg.json', input_len: 300, output_len: 30 } },
      ]);
      expect(out.suites.map((s) => (s as { dataset: unknown }).dataset)).toEqual([
        { type: 'random', 'input-len': 300, 'output-len': 30, 'num-prompts': 1000 },
        { type: 'sharegpt', path: 'sg.json', 'num-prompts': 1000, 'output-len': 30 },
      ]);
      expect(out.notes.join('\n')).toContain('test serving_s: client_parameters.input_len ignored: the test uses the sharegpt dataset');
    });
  });
});

describe('latency and throughput tests', () => {
  it('parameters become suite args, model the suite server model, environment_variables its env', async () => {
    const out = await expandFile(
      'latency-tests.json',
      [
        {
          test_name: 'latency_a',
          parameters: { model: 'a', tensor_parallel_size: 1, 'num-iters': 15, num_iters_warmup: 5, enforce_eager: '' },
          environment_variables: { X: '1' },
        },
        { test_name: 'latency_b', parameters: { model: 'b' } },
      ],
      {},
      { model: 'b' },
    );
    expect(out.suites).toEqual([
      {
        name: 'latency_a',
        kind: 'latency',
        args: { 'tensor-parallel-size': 1, 'num-iters': 15, 'num-iters-warmup': 5, 'enforce-eager': '' },
        server: { model: 'a', env: { X: '1' } },
      },
      { name: 'latency_b', kind: 'latency' },
    ]);
    expectValidConfigSuites(out.suites);
  });

  it("throughput's deprecated dataset key becomes dataset-path", async () => {
    await tmp.write('sg.json', '[]');
    const out = await expandFile('throughput-tests.json', [
      { test_name: 'throughput_a', parameters: { dataset: 'sg.json', num_prompts: 200, backend: 'vllm' } },
    ]);
    expect(out.suites[0]).toEqual({
      name: 'throughput_a',
      kind: 'throughput',
      args: { 'dataset-path': 'sg.json', 'num-prompts': 200, backend: 'vllm' },
    });
  });

  it('without a latency_/throughput_ prefix, the file name decides the kind', async () => {
    const out = await expandFile('my-throughput.json', [{ test_name: 'llama', parameters: { num_prompts: 10 } }]);
    expect(out.suites[0]!.kind).toBe('throughput');
  });
});

describe('the vllm-suite entry', () => {
  const two = [
    { test_name: 'serving_a', qps_list: [1], client_parameters: { num_prompts: 200 } },
    { test_name: 'serving_b', qps_list: [1], client_parameters: { num_prompts: 200 } },
  ];

  it('tests: keeps only the named tests', async () => {
    const out = await expandFile('s.json', two, { tests: ['serving_b'] });
    expect(out.suites.map((s) => s.name)).toEqual(['serving_b']);
  });

  it('tests: with an unknown name is an error at that name, with a did-you-mean', async () => {
    const err = await gateError(expandFile('s.json', two, { tests: ['serving_a', 'serving_c'] }));
    expect(err.where).toEqual({ file: 'perf.yml', path: 'suites[0].tests[1]' });
    expect(err.hint).toMatch(/did you mean serving_[ab]\?/);
  });

  it('overrides shrink every suite, by the same rule as preset overrides', async () => {
    const out = await expandFile('s.json', [...two, { test_name: 'throughput_t', parameters: { num_prompts: 200 } }], {
      overrides: { dataset: { 'num-prompts': 10 }, throughput: { args: { num_prompts: 10 } } },
    });
    expect(
      out.suites.map((s) => (s.kind === 'serving' ? (s.dataset as { 'num-prompts'?: number })['num-prompts'] : s.args?.['num-prompts'])),
    ).toEqual([10, 10, 10]);
  });

  it('an override with a wrong key is an error at suites[i].overrides.<key>', async () => {
    const err = await gateError(expandFile('s.json', two, { overrides: { datset: {} } }));
    expect(err.code).toBe('CONFIG');
    expect(err.where).toEqual({ file: 'perf.yml', path: 'suites[0].overrides.datset' });
    expect(err.hint).toBe('did you mean `dataset`?');
  });

  it('a missing suite file is an error at the vllm-suite key', async () => {
    const err = await gateError(expandSuiteEntries([{ 'vllm-suite': 'nope.json' }], ctx));
    expect(err.code).toBe('CONFIG');
    expect(err.where).toEqual({ file: 'perf.yml', path: 'suites[0].vllm-suite' });
    expect(err.message).toContain('does not exist');
  });
});

describe('what cannot be honoured is an error naming the file, line, test and key', () => {
  const cases: { what: string; content: unknown; path: string; message: string; hint?: RegExp }[] = [
    {
      what: 'an unsupported dataset name',
      content: serving({ dataset_name: 'hf', dataset_path: 'x' }),
      path: '[0].client_parameters.dataset_name',
      message: 'test serving_t: dataset_name hf is not supported',
      hint: /random, sharegpt, sonnet/,
    },
    {
      what: 'an unsupported backend',
      content: serving({ backend: 'tgi' }),
      path: '[0].client_parameters.backend',
      message: 'backend tgi is not supported',
    },
    {
      what: 'a client key with no meaning here',
      content: serving({ ramp_up_strategy: 'linear' }),
      path: '[0].client_parameters.ramp_up_strategy',
      message: 'client_parameters.ramp_up_strategy is not supported',
    },
    {
      what: 'a misspelt client key',
      content: serving({ num_promts: 5 }),
      path: '[0].client_parameters.num_promts',
      message: 'num_promts is not supported',
      hint: /did you mean num_prompts\?/,
    },
    {
      what: 'a request rate given as a client flag',
      content: serving({ request_rate: 4 }),
      path: '[0].client_parameters.request_rate',
      message: 'request_rate',
      hint: /qps_list/,
    },
    {
      what: 'a qps that is not a rate',
      content: serving({}, { qps_list: [1, 'fast'] }),
      path: '[0].qps_list[1]',
      message: 'qps_list entry "fast"',
    },
    {
      what: 'a serving test without qps_list',
      content: [{ test_name: 'serving_t', client_parameters: {} }],
      path: '[0]',
      message: 'no qps_list',
    },
    {
      what: 'a dataset path with the random dataset',
      content: serving({ dataset_name: 'random', dataset_path: 'x.json' }),
      path: '[0].client_parameters.dataset_path',
      message: 'dataset_name is random',
    },
    {
      what: 'a client model other than the server model',
      content: serving({ model: 'other' }),
      path: '[0].client_parameters.model',
      message: 'client model other is not the model',
    },
    {
      what: 'a startup test',
      content: [{ test_name: 'startup_t', parameters: {} }],
      path: '[0].test_name',
      message: 'startup tests',
    },
    {
      what: 'an unknown key in a test',
      content: [{ test_name: 'serving_t', qps_lst: [1], client_parameters: {} }],
      path: '[0].qps_lst',
      message: 'unknown key `qps_lst` in test serving_t',
      hint: /did you mean `qps_list`\?/,
    },
    {
      what: 'a test_name that is not a suite name',
      content: [{ test_name: 'serving with spaces', qps_list: [1], client_parameters: {} }],
      path: '[0].test_name',
      message: 'test serving with spaces: suite name "serving with spaces" made from test_name is not a valid suite name',
    },
  ];

  for (const c of cases) {
    it(c.what, async () => {
      const err = await gateError(expandFile('serving-tests.json', JSON.stringify(c.content, null, 2)));
      expect(err.code).toBe('CONFIG');
      expect(err.where.file).toBe(`${tmp.dir}/tests/serving-tests.json`.replace(`${process.cwd()}/`, ''));
      expect(err.where.path).toBe(c.path);
      expect(err.where.line).toBeGreaterThan(1);
      expect(err.message).toContain(c.message);
      if (c.hint) expect(err.hint).toMatch(c.hint);
    });
  }

  it('a file that is not JSON says where it breaks', async () => {
    const err = await gateError(expandFile('s.json', '[\n  {"test_name": "serving_t",\n  "qps_list": [1 2]}\n]'));
    expect(err.code).toBe('CONFIG');
    expect(err.message).toContain('is not valid JSON');
    expect(err.where.line).toBe(3);
  });
});
