// Limits no real run needs are config errors, located at the key that breaks them, with the limit
// and its reason as the fix: in a suite, in a preset's overrides, in a vLLM CI suite file.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, loadConfigText, type ConfigProblem } from '../../src/config/load.js';
import { GateError } from '../../src/errors.js';
import { tempDir, writeConfig } from './helpers.js';

const SERVER = 'server: { model: m }\n';

/** A one-suite config; `dataset` and `sweep` are the suite's flow-map and sweep lines. */
function suite(dataset: string, sweep = 'concurrency: [1]', more: string[] = []): string {
  return [
    'version: 1',
    SERVER.trimEnd(),
    'suites:',
    '  - name: s',
    '    kind: serving',
    `    dataset: ${dataset}`,
    `    ${sweep}`,
    ...more.map((l) => `    ${l}`),
    '',
  ].join('\n');
}

async function problems(text: string): Promise<ConfigProblem[]> {
  const err = await loadConfigText(text, 'c.yaml').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ConfigError);
  return (err as ConfigError).problems;
}

describe('per-key bounds of the schema', () => {
  it.each([
    [
      'num-prompts: 1000000000000',
      '{ type: random, num-prompts: 1000000000000 }',
      'suites[0].dataset.num-prompts',
      /<= 100000, got 1000000000000/,
      /^write at most 100000: vLLM's CI and nightly suites/,
    ],
    [
      'num-prompts: 1e8',
      '{ type: random, num-prompts: 1e8 }',
      'suites[0].dataset.num-prompts',
      /<= 100000, got 100000000/,
      /^write at most 100000/,
    ],
    [
      'input-len: 2e8',
      '{ type: random, input-len: 2e8 }',
      'suites[0].dataset.input-len',
      /<= 2097152, got 200000000/,
      /^write at most 2097152: twice the longest context window/,
    ],
    [
      'output-len huge',
      '{ type: sonnet, output-len: 99999999 }',
      'suites[0].dataset.output-len',
      /<= 2097152, got 99999999/,
      /^write at most 2097152/,
    ],
    [
      'fixed max-tokens huge',
      '{ type: fixed, prompt: hi, max-tokens: 10000000 }',
      'suites[0].dataset.max-tokens',
      /<= 2097152/,
      /^write at most 2097152/,
    ],
    [
      'a negative seed',
      '{ type: random, seed: -1 }',
      'suites[0].dataset.seed',
      />= 0 and <= 4294967295, got -1/,
      /^write at least 0: the range NumPy's seed accepts/,
    ],
  ])('%s', async (_name, dataset, path, message, hint) => {
    const [p, ...rest] = await problems(suite(dataset));
    expect(rest).toEqual([]);
    expect(p).toMatchObject({ path, line: 6, message: expect.stringMatching(message), hint: expect.stringMatching(hint) });
  });

  it.each([
    ['request-rates: [1e-300]', 'suites[0].request-rates[0]', /expected a number >= 0.01 and <= 1000000, got 1e-300/],
    ['concurrency: [1000000]', 'suites[0].concurrency[0]', /<= 16384, got 1000000/],
  ])('%s', async (sweep, path, message) => {
    const [p, ...rest] = await problems(suite('{ type: random }', sweep));
    expect(rest).toEqual([]);
    expect(p).toMatchObject({ path, line: 7, message: expect.stringMatching(message) });
  });

  it('bounds warmup, burstiness, repeat and a duration written as a number', async () => {
    const ps = await problems(
      suite('{ type: random }', 'request-rates: [1]', [
        'warmup: 1000000',
        'burstiness: 0.000001',
        'repeat: 1000',
        'request-timeout: 1000000',
      ]),
    );
    expect(ps.map((p) => [p.path, p.line])).toEqual([
      ['suites[0].warmup', 8],
      ['suites[0].burstiness', 9],
      ['suites[0].repeat', 10],
      ['suites[0].request-timeout', 11],
    ]);
    expect(ps[1]!.hint).toBe('write at least 0.01: below, nearly every gap is 0 and one is the whole run; above, the gaps are constant');
  });

  it('bounds rounds of an A/B comparison', async () => {
    const ps = await problems(`${suite('{ type: random }')}compare-servers: [a.yml, b.yml]\nrounds: 1000\n`);
    expect(ps).toEqual([expect.objectContaining({ path: 'rounds', line: 9, message: 'expected an integer >= 1 and <= 20, got 1000' })]);
  });
});

describe('limits of a suite as a whole', () => {
  it('refuses a rate at which a point would take more than a day to arrive, and says which rate would do', async () => {
    const ps = await problems(suite('{ type: random, num-prompts: 1000 }', 'request-rates: [4, 0.01]'));
    expect(ps).toEqual([
      {
        file: 'c.yaml',
        path: 'suites[0].request-rates[1]',
        line: 7,
        column: 24,
        message: 'at 0.01 requests/s the 1,000 requests of a point take 27.78 hours to arrive; a point may take at most 24 hours',
        hint: 'raise the rate to at least 0.012 requests/s or lower num-prompts',
      },
    ]);
  });

  it('refuses more prompt tokens than a suite may build, counting the prefix and the range', async () => {
    // 1,000 x (1,000 + ceil(40,000 x 1.25)) = 51,000,000 > 50,000,000; without the range it fits.
    const ps = await problems(suite('{ type: random, num-prompts: 1000, prefix-len: 1000, input-len: 40000, range-ratio: 0.25 }'));
    expect(ps).toEqual([
      expect.objectContaining({
        path: 'suites[0].dataset.num-prompts',
        message: '1,000 prompts of up to 51,000 tokens are 51,000,000 prompt tokens, over the 50,000,000 a suite may build',
        hint: expect.stringMatching(/^send fewer or shorter prompts: every prompt is built before the first point/),
      }),
    ]);
    await expect(
      loadConfigText(suite('{ type: random, num-prompts: 1000, prefix-len: 1000, input-len: 40000 }'), 'c.yaml'),
    ).resolves.toBeDefined();
  });

  it('counts concurrency x prompts-per-concurrency as the requests of a point', async () => {
    const ps = await problems(suite('{ type: random, input-len: 8 }', 'concurrency: [1, 4096]', ['prompts-per-concurrency: 100']));
    expect(ps).toEqual([
      expect.objectContaining({
        path: 'suites[0].prompts-per-concurrency',
        line: 8,
        message: 'concurrency 4096 x prompts-per-concurrency 100 is 409,600 requests a point, over the 100,000 allowed',
        hint: expect.stringMatching(/^lower prompts-per-concurrency to at most 24/),
      }),
    ]);
  });

  it('refuses a duration written as a string longer than a day, wherever it is', async () => {
    const text = suite('{ type: random }', 'concurrency: [1]', ['request-timeout: 25h']).replace(
      SERVER.trimEnd(),
      'server: { model: m, startup-timeout: 1441m }',
    );
    const ps = await problems(text);
    expect(ps.map((p) => `${p.line}:${p.path}: ${p.message}`)).toEqual([
      '2:server.startup-timeout: expected a duration of at most 24h, got "1441m"',
      '8:suites[0].request-timeout: expected a duration of at most 24h, got "25h"',
    ]);
    await expect(loadConfigText(text.replace('1441m', '24h').replace('25h', '86400s'), 'c.yaml')).resolves.toBeDefined();
  });

  it('finds the limits in the suites a preset expands to, at the preset entry', async () => {
    const ps = await problems(
      `version: 1\n${SERVER}suites:\n  - preset: max-throughput\n    dataset: { type: random, input-len: 2000000, num-prompts: 100 }\n`,
    );
    expect(ps).toEqual([
      expect.objectContaining({
        path: 'suites[0]',
        line: 4,
        message: expect.stringMatching(
          /^suite `max-throughput` \(from the preset max-throughput\), prompts-per-concurrency: 1,024 prompts \(concurrency 256 x prompts-per-concurrency 4\) of up to 2,000,000 tokens/,
        ),
      }),
    ]);
  });
});

describe('bounds of values a preset override or a vLLM CI suite file sets', () => {
  it('a preset override past a bound is reported at the override, with the reason', async () => {
    const ps = await problems(
      `version: 1\n${SERVER}suites:\n  - preset: max-throughput\n    dataset: { type: random, num-prompts: 1000000000000 }\n`,
    );
    expect(ps).toEqual([
      expect.objectContaining({
        path: 'suites[0].dataset.num-prompts',
        line: 5,
        message: 'preset max-throughput: must be at most 100000, got 1000000000000 (in suite max-throughput)',
        hint: expect.stringMatching(/^write at most 100000: vLLM's CI and nightly suites/),
      }),
    ]);
  });

  it.each([
    ['num_prompts', '"num_prompts": 1e12', '1', 6, /num_prompts must be an integer of at least 1 and at most 100000, not 1000000000000/],
    [
      'random_input_len',
      '"random_input_len": 2e8',
      '1',
      6,
      /random_input_len must be a number of at least 0 and at most 2097152, not 200000000/,
    ],
    ['a qps_list entry', '"seed": 1', '1e-300, 4', 3, /qps_list entry 1e-300 is outside 0.01 to 1000000 requests\/s/],
  ])('a vLLM CI suite file: %s, at its line in that file', async (_name, client, qps, line, message) => {
    const dir = await tempDir();
    const test = [
      '[{',
      '  "test_name": "serving_t",',
      `  "qps_list": [${qps}],`,
      '  "server_parameters": { "model": "m" },',
      '  "client_parameters": { "model": "m", "dataset_name": "random",',
      `    ${client} }`,
      '}]',
    ];
    await writeConfig(dir, 'serving-tests.json', test.join('\n'));
    const file = await writeConfig(dir, 'perf.yml', `version: 1\n${SERVER}suites:\n  - vllm-suite: serving-tests.json\n`);
    const err = await loadConfig(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GateError);
    const g = err as GateError;
    expect(g.code).toBe('CONFIG');
    expect(g.message).toMatch(message);
    expect(g.where).toMatchObject({ file: expect.stringMatching(/serving-tests\.json$/), line });
  });
});
