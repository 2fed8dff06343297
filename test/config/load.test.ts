import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, loadConfigText, serverForSuite, type LoadedConfig } from '../../src/config/load.js';
import { collectSecrets } from '../../src/config/secrets.js';
import { GateError } from '../../src/errors.js';
import { tempDir, writeConfig } from './helpers.js';

const MINIMAL = `version: 1
server: { model: Qwen/Qwen2.5-0.5B-Instruct }
suites:
  - name: sweep
    kind: serving
    dataset: { type: random, input-len: 256, output-len: 128, num-prompts: 64 }
    concurrency: [1, 2, 4]
`;

async function problemsOf(text: string, name = 'c.yaml'): Promise<ConfigError> {
  try {
    await loadConfigText(text, name);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('the config loaded, but it should not have');
}

let dir: string;
beforeAll(async () => {
  dir = await tempDir();
});

describe('loadConfig: a valid config', () => {
  let loaded: LoadedConfig;
  beforeAll(async () => {
    loaded = await loadConfig(await writeConfig(dir, 'perf-gate.yml', MINIMAL));
  });

  it('fills in the schema defaults inside what the user wrote', () => {
    const s = loaded.config.suites[0]!;
    expect(s.kind).toBe('serving');
    if (s.kind !== 'serving') return;
    expect(s.endpoint).toBe('completions');
    expect(s.stream).toBe(true);
    expect(s.percentiles).toEqual([50, 90, 95, 99]);
    expect(s['request-timeout']).toBe('10m');
    expect(s.dataset).toEqual({
      type: 'random',
      'input-len': 256,
      'output-len': 128,
      'prefix-len': 0,
      'range-ratio': 0,
      'num-prompts': 64,
      seed: 0,
    });
    expect(loaded.config.server).toMatchObject({ command: 'vllm', port: 'auto', host: '127.0.0.1', 'startup-timeout': '20m' });
  });

  it('creates the gate and threshold defaults the user left out', () => {
    expect(loaded.config.gate).toEqual({
      confidence: 0.99,
      'noise-floor': { throughput: 0.03, latency: 0.05, ttft: 0.3, startup: 0.2 },
      'confirm-regressions': true,
      power: 0.8,
      'allow-fingerprint-mismatch': false,
      'on-missing': 'fail',
      'on-not-comparable': 'fail',
    });
    expect(loaded.config.thresholds).toEqual({ default: { throughput: '-5%', latency: '+10%', startup: '+20%' } });
  });

  it('takes the config id from the file name when no id is given', () => {
    expect(loaded.configId).toBe('perf-gate');
    expect(loaded.file.endsWith('perf-gate.yml')).toBe(true);
    expect(loaded.baseDir).toBe(dir);
  });

  it('takes the config id from `id` when given', async () => {
    const l = await loadConfigText(`id: nightly\n${MINIMAL}`, 'x.yaml');
    expect(l.configId).toBe('nightly');
  });

  it('hashes the expanded config: the same settings hash the same however they are written', async () => {
    const reordered = `suites:
  - concurrency: [1, 2, 4]
    dataset: { num-prompts: 64, output-len: 128, input-len: 256, type: random }
    kind: serving
    name: sweep
    stream: true
server: { model: Qwen/Qwen2.5-0.5B-Instruct, command: vllm }
version: 1
`;
    const asJson = JSON.stringify(
      {
        version: 1,
        server: { model: 'Qwen/Qwen2.5-0.5B-Instruct' },
        suites: [
          {
            name: 'sweep',
            kind: 'serving',
            dataset: { type: 'random', 'input-len': 256, 'output-len': 128, 'num-prompts': 64 },
            concurrency: [1, 2, 4],
          },
        ],
      },
      null,
      2,
    );
    expect((await loadConfigText(reordered, 'a.yaml')).configHash).toBe(loaded.configHash);
    expect((await loadConfigText(asJson, 'a.json')).configHash).toBe(loaded.configHash);
    expect(loaded.configHash).toMatch(/^[0-9a-f]{64}$/);
    const changed = await loadConfigText(MINIMAL.replace('input-len: 256', 'input-len: 512'), 'a.yaml');
    expect(changed.configHash).not.toBe(loaded.configHash);
  });
});

describe('loadConfig: presets and vllm-suite entries', () => {
  it('replaces a preset entry by the ordinary suites it expands to', async () => {
    const l = await loadConfigText(
      `version: 1\nserver: { url: "http://127.0.0.1:8000" }\nsuites:\n  - preset: concurrency-sweep\n`,
      'p.yaml',
    );
    expect(l.config.suites.length).toBeGreaterThan(0);
    for (const s of l.config.suites) {
      expect(['serving', 'latency', 'throughput']).toContain(s.kind);
      expect(s).not.toHaveProperty('preset');
    }
  });

  it('reports an expansion error at the line of the entry that caused it', async () => {
    const err = await problemsOf(`version: 1\nserver: { model: m }\nsuites:\n  - preset: concurrency-sweep\n    num-promts: 3\n`);
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]).toMatchObject({ file: 'c.yaml', line: expect.any(Number) });
    expect(err.problems[0]!.path.startsWith('suites[0]')).toBe(true);
  });

  it('expands a vLLM CI suite file named relative to the config file', async () => {
    const sub = path.join(dir, 'vs');
    await mkdir(sub, { recursive: true });
    await writeFile(
      path.join(sub, 'latency-tests.json'),
      JSON.stringify([{ test_name: 'latency_tiny', parameters: { model: 'm', input_len: 8, output_len: 8, batch_size: 1 } }]),
    );
    const file = await writeConfig(sub, 'cfg.yaml', `version: 1\nsuites:\n  - vllm-suite: latency-tests.json\n`);
    const l = await loadConfig(file);
    expect(l.config.suites.map((s) => [s.name, s.kind])).toEqual([['latency_tiny', 'latency']]);
  });
});

describe('loadConfig: problems are reported with file, line, key path, expectation and fix', () => {
  it('names an unknown key with its line and a did-you-mean', async () => {
    const err = await problemsOf(MINIMAL.replace('concurrency:', 'concurency:'));
    expect(err.code).toBe('CONFIG');
    expect(err.problems).toEqual([
      {
        file: 'c.yaml',
        path: 'suites[0].concurency',
        line: 7,
        column: 5,
        message: 'unknown key `concurency`',
        hint: 'did you mean `concurrency`?',
      },
    ]);
    expect(err.format()).toBe('c.yaml:7:5: suites[0].concurency: unknown key `concurency`\n  fix: did you mean `concurrency`?');
  });

  it('explains a wrong value against the dataset type the user chose, not every dataset type', async () => {
    const err = await problemsOf(MINIMAL.replace('input-len: 256', 'input-len: abc'));
    expect(err.problems).toEqual([
      {
        file: 'c.yaml',
        path: 'suites[0].dataset.input-len',
        line: 6,
        column: 41,
        message: 'expected an integer >= 1 and <= 2097152, got "abc"',
        hint: 'write a number, e.g. `input-len: 1024`',
      },
    ]);
  });

  it('reports an unknown discriminator value once, with the allowed values and a did-you-mean', async () => {
    const err = await problemsOf(MINIMAL.replace('type: random', 'type: randon'));
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]).toMatchObject({
      path: 'suites[0].dataset.type',
      line: 6,
      message: 'expected "random", "sharegpt", "sonnet", "fixed", "prefix-repetition", "trace" or "multi-turn", got "randon"',
      hint: 'did you mean "random"?',
    });
  });

  it('says which keys would make a suite entry one of the allowed forms', async () => {
    const err = await problemsOf(`version: 1\nsuites:\n  - name: x\n`);
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]!.path).toBe('suites[0]');
    expect(err.problems[0]!.message).toBe('missing `kind` (serving, latency or throughput), `preset` or `vllm-suite`');
    expect(err.problems[0]!.hint).toBe('add one, e.g. `kind: serving`, `preset: vllm-nightly` or `vllm-suite: ...`');
  });

  it('says how many entries a list needs and how many keys a map needs', async () => {
    const empty = await problemsOf('version: 1\nsuites: []\n');
    expect(empty.problems[0]).toMatchObject({ path: 'suites', line: 2, message: 'expected at least 1 entry, got []' });
    const goodput = await problemsOf(MINIMAL.replace('concurrency: [1, 2, 4]', 'concurrency: [0]\n    goodput: {}'));
    expect(goodput.problems.map((p) => p.message)).toEqual([
      'expected an integer >= 1 and <= 16384, got 0',
      'expected at least 1 key, got {}',
    ]);
  });

  it('reports a misspelt preset name with a did-you-mean', async () => {
    const err = await problemsOf(`version: 1\nsuites:\n  - preset: min-latncy\n`);
    expect(err.problems[0]).toMatchObject({ path: 'suites[0].preset', line: 3, hint: 'did you mean "min-latency"?' });
  });

  it('explains a malformed duration and a malformed scalar alternative', async () => {
    const err = await problemsOf(
      MINIMAL.replace('server: { model: Qwen/Qwen2.5-0.5B-Instruct }', 'server: { model: m, startup-timeout: 30 s, port: aut }'),
    );
    expect(err.problems.map((p) => [p.path, p.message, p.hint])).toEqual([
      ['server.startup-timeout', 'expected a duration such as "500ms", "30s", "20m" or "1h", got "30 s"', undefined],
      ['server.port', 'expected an integer >= 1 and <= 65535 or "auto", got "aut"', 'did you mean "auto"?'],
    ]);
  });

  it('collects every problem in the file, in line order, and lists them all in the message', async () => {
    const text = `version: 1
server: { model: m }
suits: []
suites:
  - name: a
    kind: serving
    dataset: { type: fixed, prompt: hi, max-tokens: 0 }
    request-rates: [1, fast]
    endpoint: chatt
`;
    const err = await problemsOf(text);
    expect(err.problems.map((p) => `${p.line}:${p.path}`)).toEqual([
      '3:suits',
      '7:suites[0].dataset.max-tokens',
      '8:suites[0].request-rates[1]',
      '9:suites[0].endpoint',
    ]);
    expect(err.message.split('\n')[0]).toBe('c.yaml has 4 problems:');
    expect(err.message).toContain('c.yaml:9:15: suites[0].endpoint: expected one of "completions", "chat", got "chatt"');
    expect(err.message).toContain('fix: did you mean "chat"?');
  });

  it('names a missing required key and says what to add', async () => {
    const err = await problemsOf(`version: 1\nserver: { model: m }\nsuites:\n  - name: a\n    kind: serving\n    concurrency: [1]\n`);
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]).toMatchObject({ path: 'suites[0]', line: 4, message: 'missing required key `dataset`' });
    expect(err.problems[0]!.hint).toMatch(/^add `dataset:`/);
  });

  it('gives the line and column of YAML syntax errors', async () => {
    const err = await problemsOf(`version: 1\nsuites:\n  - name: a\n    x: [1, 2\n`);
    expect(err.problems[0]!.message).toMatch(/^syntax error: /);
    expect(err.problems[0]!.line).toBeGreaterThanOrEqual(4);
  });

  it('reports duplicate keys as syntax errors with their line', async () => {
    const err = await problemsOf(`version: 1\nversion: 1\nsuites: []\n`);
    expect(err.problems[0]).toMatchObject({ line: 2, message: expect.stringMatching(/unique/) });
  });

  it('gives JSON configs line numbers too', async () => {
    const text =
      '{\n  "version": 1,\n  "server": {"model": "m"},\n  "suites": [\n    {"name": "a", "kind": "serving", "dataset": {"type": "random"}, "concurrency": [1], "colour": 1}\n  ]\n}\n';
    const err = await problemsOf(text, 'c.json');
    expect(err.problems).toEqual([
      {
        file: 'c.json',
        path: 'suites[0].colour',
        line: 5,
        column: 89,
        message: 'unknown key `colour`',
        hint: expect.stringMatching(/^keys allowed here: name, kind/),
      },
    ]);
  });

  it('says so when the file is empty', async () => {
    const err = await problemsOf('# nothing yet\n');
    expect(err.problems[0]!.message).toBe('the config is empty');
  });

  it('names a missing file and the directory it was looked for in', async () => {
    const err = await loadConfig(path.join(dir, 'nope.yaml')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GateError);
    expect((err as GateError).code).toBe('CONFIG');
    expect((err as GateError).message).toMatch(/config file not found: .*nope\.yaml/);
  });
});

describe('loadConfig: YAML conveniences', () => {
  it('honours merge keys, so suites can share settings through an anchor', async () => {
    const text = `${MINIMAL}    ignore-eos: true\n  - <<: *first\n    name: again\n`.replace(
      '  - name: sweep',
      '  - &first\n    name: sweep',
    );
    const l = await loadConfigText(text, 'c.yaml');
    expect(l.config.suites.map((s) => s.name)).toEqual(['sweep', 'again']);
    expect(l.config.suites[1]).toMatchObject({ kind: 'serving', concurrency: [1, 2, 4], 'ignore-eos': true });
  });
});

describe('loadConfig: rules beyond the schema', () => {
  it('rejects two suites with the same name', async () => {
    const text = `${MINIMAL}  - name: sweep\n    kind: serving\n    dataset: { type: random }\n    request-rates: [1]\n`;
    const err = await problemsOf(text);
    expect(err.problems.map((p) => p.message).join('\n')).toMatch(/sweep.* used twice/);
  });

  it('requires a server with a model or url when a serving suite has none, and says what to add', async () => {
    const err = await problemsOf(MINIMAL.replace('server: { model: Qwen/Qwen2.5-0.5B-Instruct }\n', ''));
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]!.message).toBe('no server for the serving suite `sweep`');
    expect(err.problems[0]!.hint).toMatch(/server: \{ model: .*server: \{ url:/);
  });

  it('accepts a serving suite whose own server names the model', async () => {
    const text = MINIMAL.replace('server: { model: Qwen/Qwen2.5-0.5B-Instruct }\n', '').replace(
      'concurrency: [1, 2, 4]',
      'concurrency: [1]\n    server: { url: "http://127.0.0.1:9" }',
    );
    await expect(loadConfigText(text, 'c.yaml')).resolves.toBeDefined();
  });

  it('asks for an http(s) URL where a server is reached', async () => {
    const err = await problemsOf(MINIMAL.replace('server: { model: Qwen/Qwen2.5-0.5B-Instruct }', 'server: { url: "localhost:8000" }'));
    expect(err.problems).toEqual([
      expect.objectContaining({ path: 'server.url', line: 2, message: 'expected an http:// or https:// URL, got "localhost:8000"' }),
    ]);
  });

  it('asks a serving suite for a request-rate or a concurrency sweep, not both and not neither', async () => {
    const both = await problemsOf(MINIMAL.replace('concurrency: [1, 2, 4]', 'concurrency: [1]\n    request-rates: [1]'));
    expect(both.problems[0]!.message).toMatch(/either `request-rates`.* or `concurrency`/);
    const neither = await problemsOf(MINIMAL.replace('    concurrency: [1, 2, 4]\n', ''));
    expect(neither.problems[0]).toMatchObject({
      path: 'suites[0]',
      line: 4,
      message: 'a serving suite needs `request-rates` or `concurrency`',
    });
  });

  it('rejects per-suite thresholds for a suite that does not exist, with a did-you-mean', async () => {
    const err = await problemsOf(`${MINIMAL}thresholds:\n  suites:\n    swep: { median_itl_ms: "+5%" }\n`);
    expect(err.problems).toEqual([
      {
        file: 'c.yaml',
        path: 'thresholds.suites.swep',
        line: 10,
        column: 5,
        message: 'no suite is named `swep`',
        hint: 'did you mean `sweep`?',
      },
    ]);
  });
});

describe('loadConfig: files the config names', () => {
  it('checks that the compare-servers configs exist, relative to the config file', async () => {
    const sub = await tempDir();
    await writeConfig(sub, 'a.yaml', 'version: 1\nserver: { model: m }\n');
    const file = await writeConfig(sub, 'ab.yaml', `${MINIMAL}compare-servers: [a.yaml, b.yaml]\n`);
    const err = await loadConfig(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([
      expect.objectContaining({ path: 'compare-servers[1]', line: 8, message: 'file not found: b.yaml' }),
    ]);
  });
});

describe('loadConfig: thresholds', () => {
  it('parses the tolerance sentences into LoadedConfig.thresholds', async () => {
    const l = await loadConfigText(
      `${MINIMAL}thresholds:\n  median_ttft_ms: "+10% or +20ms"\n  suites:\n    sweep: { output_throughput: "-3%" }\n`,
      'c.yaml',
    );
    expect(l.thresholds.metrics.median_ttft_ms).toMatchObject({ mode: 'rule', sign: '+', relative: 0.1, absolute: 20 });
    expect(l.thresholds.suites.sweep?.output_throughput).toMatchObject({ sign: '-', relative: 0.03 });
    expect(l.thresholds.defaults.throughput).toMatchObject({ sign: '-', relative: 0.05 });
  });

  it('reports a malformed tolerance at its line, with the other problems of the file', async () => {
    const text = `${MINIMAL.replace('concurrency: [1, 2, 4]', 'concurrency: [1]\n    request-rates: [1]')}thresholds:\n  median_ttft_ms: "ten percent"\n`;
    const err = await problemsOf(text);
    expect(err.problems.map((p) => `${p.line}:${p.path}`)).toEqual(['7:suites[0].concurrency', '10:thresholds.median_ttft_ms']);
    expect(err.problems[1]!.hint).toBeTruthy();
  });
});

describe('secrets', () => {
  it('lists server env values with secret-looking names, secret-env values and the API key', async () => {
    const text = MINIMAL.replace(
      'server: { model: Qwen/Qwen2.5-0.5B-Instruct }',
      'server:\n  model: m\n  env: { HF_TOKEN: hf_123, VLLM_LOGGING_LEVEL: WARNING }\n  secret-env: [MY_SECRET]\n  api-key-env: KEY_VAR',
    );
    const l = await loadConfigText(text, 'c.yaml', { env: { MY_SECRET: 's3cret', KEY_VAR: 'sk-999', OTHER: 'x' } });
    expect(l.secrets.sort()).toEqual(['hf_123', 's3cret', 'sk-999']);
  });

  it('lists the password of a server URL', async () => {
    const l = await loadConfigText(
      MINIMAL.replace('server: { model: Qwen/Qwen2.5-0.5B-Instruct }', 'server: { url: "https://bench:p%40ss@gpu-box:8000" }'),
      'c.yaml',
    );
    expect(l.secrets.sort()).toEqual(['p%40ss', 'p@ss']);
  });

  it('lists the values of server args whose flags look secret, as a map or as a list (the loader refuses them; masking still holds)', () => {
    expect(collectSecrets([{ model: 'm', args: { 'api-key': 'k-map', 'max-model-len': 4096 } }], {})).toContain('k-map');
    expect(collectSecrets([{ model: 'm', args: ['--api-key', 'k-list', '--hf-token=k-eq', '--max-model-len', '4096'] }], {})).toEqual(
      expect.arrayContaining(['k-eq', 'k-list']),
    );
  });
});

describe('serverForSuite', () => {
  it('merges a suite server over the top-level one, args flag by flag however they are spelt', () => {
    const s = serverForSuite(
      { server: { model: 'm', args: { max_model_len: 4096, 'enable-chunked-prefill': true }, env: { A: '1' } } },
      { server: { args: { 'max-model-len': 2048 }, env: { B: '2' } } },
    );
    expect(s).toMatchObject({
      model: 'm',
      command: 'vllm',
      args: { 'enable-chunked-prefill': true, 'max-model-len': 2048 },
      env: { A: '1', B: '2' },
    });
    expect(s!.args).not.toHaveProperty('max_model_len');
  });

  it('leaves a suite server partial in the loaded config, so it never overrides top-level values with defaults', async () => {
    const text = MINIMAL.replace('server: { model: Qwen/Qwen2.5-0.5B-Instruct }', 'server: { model: m, port: 8123 }').replace(
      'concurrency: [1, 2, 4]',
      'concurrency: [1]\n    server: { args: { max-model-len: 2048 } }',
    );
    const l = await loadConfigText(text, 'c.yaml');
    const suite = l.config.suites[0]!;
    expect(suite.server).toEqual({ args: { 'max-model-len': 2048 } });
    expect(serverForSuite(l.config, suite)).toMatchObject({ port: 8123, model: 'm' });
  });
});

describe('loadConfig: every problem at once, thresholds included', () => {
  it('reports three bad tolerance sentences and the schema errors together, each at its line', async () => {
    const text = `${MINIMAL.replace('num-prompts: 64', 'num-prompts: "many"')}thresholds:\n  median_ttft_ms: "ten percent"\n  output_throughput: "+5%"\n  suites:\n    sweep: { p99_itl_ms: "-3%" }\n`;
    const err = await problemsOf(text);
    expect(err.problems.map((p) => `${p.line}: ${p.path}`)).toEqual([
      '6: suites[0].dataset.num-prompts',
      '9: thresholds.median_ttft_ms',
      '10: thresholds.output_throughput',
      '12: thresholds.suites.sweep.p99_itl_ms',
    ]);
    expect(err.problems.map((p) => p.message).slice(1)).toEqual([
      'cannot read "ten percent" in "ten percent"',
      '"+5%" says a rise is bad, but output_throughput is higher-is-better',
      '"-3%" says a drop is bad, but p99_itl_ms is lower-is-better',
    ]);
    expect(err.message.split('\n')[0]).toBe('c.yaml has 4 problems:');
  });

  it("reports every bad sentence of a schema-valid config, and a sentence that is not a string once, in the parser's words", async () => {
    const err = await problemsOf(`${MINIMAL}thresholds:\n  median_ttft_ms: 5\n  mean_tpot_ms: "+5"\n  default: { latency: "-10%" }\n`);
    expect(err.problems.map((p) => [p.line, p.path, p.hint])).toEqual([
      [9, 'thresholds.median_ttft_ms', 'quote it in YAML: "-5%"'],
      [10, 'thresholds.mean_tpot_ms', expect.stringMatching(/absolute part as ms or s/)],
      [11, 'thresholds.default.latency', 'write "+10%": a rise beyond the tolerance is the regression'],
    ]);
  });

  it('reports the tolerance sentences together with an error of a preset entry', async () => {
    const err = await problemsOf(
      `version: 1\nserver: { model: m }\nsuites:\n  - preset: max-throughput\n    concurency: [1]\nthresholds:\n  output_throughput: "+5%"\n`,
    );
    expect(err.problems.map((p) => `${p.line}: ${p.path}`)).toEqual(['5: suites[0].concurency', '7: thresholds.output_throughput']);
  });
});

describe('loadConfig: a fix line says what to write', () => {
  it.each([
    ['a quoted number', 'concurrency: [1, 2, 4]', 'concurrency: [1]\n    warmup: "5"', 'write a number without quotes, e.g. `warmup: 5`'],
    [
      'a word for a boolean',
      'concurrency: [1, 2, 4]',
      'concurrency: [1]\n    stream: "yes"',
      'write `stream: true` or `stream: false` (without quotes)',
    ],
    ['a number for text', 'model: Qwen/Qwen2.5-0.5B-Instruct', 'model: 7', 'write text in quotes, e.g. `model: "7"`'],
    ['a scalar for a list', 'concurrency: [1, 2, 4]', 'concurrency: 4', 'write a list, e.g. `concurrency: [1]`'],
    [
      'a word for a duration',
      'concurrency: [1, 2, 4]',
      'concurrency: [1]\n    request-timeout: true',
      'write a duration, e.g. `request-timeout: "30s"`',
    ],
    ['a word for a port', 'model: Qwen/Qwen2.5-0.5B-Instruct', 'model: m, port: true', 'write e.g. `port: auto`'],
  ])('%s', async (_name, from, to, hint) => {
    const err = await problemsOf(MINIMAL.replace(from, to));
    expect(err.problems.map((p) => p.hint)).toEqual([hint]);
  });
});

describe('loadConfig: a YAML alias bomb', () => {
  it('is a syntax error at the alias that nests aliases, not a crash', async () => {
    const rows = ['version: 1', 'a: &a [x, x, x, x, x, x, x, x, x]'];
    for (const [name, prev] of [
      ['b', 'a'],
      ['c', 'b'],
      ['d', 'c'],
      ['e', 'd'],
    ])
      rows.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(', ')}]`);
    const err = await problemsOf(`${rows.join('\n')}\nsuites: [*e]\n`);
    expect(err.problems).toEqual([
      {
        file: 'c.yaml',
        path: '',
        line: 4,
        column: 8,
        message: 'syntax error: aliases expand too far (over 100 nodes for one alias): the document would grow without bound',
        hint: expect.stringMatching(/^write the repeated part out/),
      },
    ]);
  });
});

describe('loadConfig: A/B (compare-servers)', () => {
  const AB = `version: 1\ncompare-servers: [a.yml, b.yml]\nrounds: 3\nsuites:\n  - name: sweep\n    kind: serving\n    dataset: { type: random, num-prompts: 8 }\n    concurrency: [1]\n`;

  async function abDir(a: string, b: string): Promise<string> {
    const sub = await tempDir();
    await writeConfig(sub, 'a.yml', a);
    await writeConfig(sub, 'b.yml', b);
    return writeConfig(sub, 'ab.yml', AB);
  }

  it('accepts the documented form: no top-level server, sides with only version and server', async () => {
    const file = await abDir(
      'version: 1\nserver: { model: m, args: { max-model-len: 4096 } }\n',
      'id: fp8\nversion: 1\nserver: { model: m, args: { quantization: fp8 }, env: { HF_TOKEN: hf-side-b } }\n',
    );
    const l = await loadConfig(file);
    expect(l.secrets).toEqual(['hf-side-b']);
    expect(l.sides?.map((s) => [s.label, s.server.model, s.server.args, s.server.port])).toEqual([
      ['a', 'm', { 'max-model-len': 4096 }, 'auto'],
      ['fp8', 'm', { quantization: 'fp8' }, 'auto'],
    ]);
    expect(l.config.rounds).toBe(3);
  });

  it('checks the sides before anything boots, each problem in its own file', async () => {
    const file = await abDir('version: 1\nserver: { model: "--port=1" }\n', 'version: 1\nserver:\n  model: m\n  args: { api-key: sk-1 }\n');
    const err = (await loadConfig(file).catch((e: unknown) => e)) as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.problems.map((p) => `${path.basename(p.file)}:${p.line}: ${p.path}`)).toEqual([
      'a.yml:2: server.model',
      'b.yml:4: server.args.api-key',
    ]);
  });

  it('asks a side for a server, and refuses a side that compares servers itself or two sides of one name', async () => {
    const noServer = (await loadConfig(await abDir('version: 1\n', 'version: 1\nserver: { model: m }\n')).catch(
      (e: unknown) => e,
    )) as ConfigError;
    expect(noServer.problems).toEqual([
      expect.objectContaining({ path: '', message: expect.stringMatching(/^no server to compare: .*a\.yml needs `server\.model`/) }),
    ]);
    const nested = (await loadConfig(
      await abDir('version: 1\nserver: { model: m }\ncompare-servers: [x, y]\n', 'version: 1\nserver: { model: m }\n'),
    ).catch((e: unknown) => e)) as ConfigError;
    expect(nested.problems).toEqual([
      expect.objectContaining({
        path: 'compare-servers',
        line: 3,
        message: 'a compare-servers side is one server; it cannot compare servers itself',
      }),
    ]);
    const same = (await loadConfig(
      await abDir('id: x\nversion: 1\nserver: { model: m }\n', 'id: x\nversion: 1\nserver: { model: m }\n'),
    ).catch((e: unknown) => e)) as ConfigError;
    expect(same.problems).toEqual([expect.objectContaining({ path: 'compare-servers', line: 2, message: 'both sides are called `x`' })]);
  });
});
