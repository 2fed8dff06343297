// What a config may not put on a command line: values argparse would read as flags, flags
// vllm-perf-gate sets itself, and secrets written into args. Refused when the config loads.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, loadConfigText, type ConfigProblem } from '../../src/config/load.js';
import { isSecretFlag, literalSecretFlags, looksLikeFlag } from '../../src/config/server-flags.js';
import { tempDir, writeConfig } from './helpers.js';

const SUITE = 'suites:\n  - name: s\n    kind: serving\n    dataset: { type: random }\n    concurrency: [1]\n';

async function problems(text: string): Promise<ConfigProblem[]> {
  const err = await loadConfigText(text, 'c.yaml').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ConfigError);
  return (err as ConfigError).problems;
}

describe('values that would become flags', () => {
  it('refuses a model, a served model name or a host that starts with "-", at its line', async () => {
    const ps = await problems(`version: 1\nserver:\n  model: "--port=1"\n  served-model-name: -x\n  host: --h\n${SUITE}`);
    expect(ps.map((p) => `${p.line}:${p.column}: ${p.path}: ${p.message}`)).toEqual([
      '3:10: server.model: "--port=1" starts with "-": `vllm serve` would read it as a flag, not as the value of `model`',
      '4:22: server.served-model-name: "-x" starts with "-": `vllm serve` would read it as a flag, not as the value of `served-model-name`',
      '5:9: server.host: "--h" starts with "-": `vllm serve` would read it as a flag, not as the value of `host`',
    ]);
    expect(ps[0]!.hint).toBe('give the value itself (a path that starts with "-" can be written "./-name"); flags go in `args`');
  });

  it('refuses a flag-like value of an args map, in a list value too, but not a negative number', async () => {
    const ps = await problems(
      `version: 1\nserver:\n  model: m\n  args: { dtype: "--enforce-eager", lora-modules: [a=/x, --port=2], seed: -1, max-logprobs: "-1" }\n${SUITE}`,
    );
    expect(ps.map((p) => p.path)).toEqual(['server.args.dtype', 'server.args.lora-modules[1]']);
  });

  it('checks a suite server, a latency suite args.model, and a vLLM CI suite file server_parameters', async () => {
    const dir = await tempDir();
    await writeConfig(
      dir,
      'serving-tests.json',
      JSON.stringify([{ test_name: 'serving_t', qps_list: [1], server_parameters: { model: '--port=7' } }]),
    );
    const file = await writeConfig(
      dir,
      'perf.yml',
      `version: 1\nserver: { model: m }\n${SUITE}    server: { served-model-name: "-n" }\n  - name: lat\n    kind: latency\n    args: { model: "-m" }\n  - vllm-suite: serving-tests.json\n`,
    );
    const err = (await loadConfig(file).catch((e: unknown) => e)) as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.problems.map((p) => [p.line, p.path, p.message.replace(/ would read.*/, '')])).toEqual([
      [8, 'suites[0].server.served-model-name', '"-n" starts with "-": `vllm serve`'],
      [11, 'suites[1].args.model', '"-m" starts with "-": `vllm bench`'],
      [12, 'suites[2]', 'suite `serving_t` (from the vllm-suite entry), server.model: "--port=7" starts with "-": `vllm serve`'],
    ]);
  });

  it('reads a value as a flag as argparse does: a dash and not a negative number', () => {
    expect(['--port=1', '-x', '-', '--'].map(looksLikeFlag)).toEqual([true, true, true, true]);
    expect(['-1', '-0.5', '-1e3', 'Qwen/Qwen2.5', './-odd', ''].map(looksLikeFlag)).toEqual([false, false, false, false, false, false]);
  });
});

describe('flags vllm-perf-gate sets itself', () => {
  it('refuses --port, --host, --served-model-name or --model in args when the config loads, at the flag', async () => {
    const ps = await problems(
      `version: 1\nserver:\n  model: m\n  args: { max-model-len: 4096, port: 9000 }\n${SUITE}    server: { args: [--enforce-eager, --served-model-name=x] }\n`,
    );
    expect(ps.map((p) => [p.line, p.path, p.message, p.hint])).toEqual([
      [4, 'server.args.port', 'sets --port, which vllm-perf-gate sets itself', 'remove it from args and set server.port instead'],
      [
        10,
        'suites[0].server.args[1]',
        'sets --served-model-name, which vllm-perf-gate sets itself',
        'remove it from args and set server.served-model-name instead',
      ],
    ]);
  });
});

describe('secrets written into args', () => {
  it('refuses --api-key with a value and points to VLLM_API_KEY through secret-env and api-key-env', async () => {
    const ps = await problems(`version: 1\nserver:\n  model: m\n  args: { api-key: sk-live-123 }\n${SUITE}`);
    expect(ps).toEqual([
      {
        file: 'c.yaml',
        path: 'server.args.api-key',
        line: 4,
        column: 20,
        message: '--api-key writes a secret on the command line, where every user of the runner can read it (`ps -ef`)',
        hint: "remove it; put the value in the runner's environment as VLLM_API_KEY (e.g. from a repository secret; `vllm serve` reads it) and list it in `secret-env: [VLLM_API_KEY]` so it is masked; `api-key-env: VLLM_API_KEY` makes the benchmark client send it",
      },
    ]);
    expect(ps.map((p) => p.message).join('\n')).not.toContain('sk-live-123');
  });

  it('refuses hf-token and any key, token, password or secret flag with a value, as a map or a list, in offline args too', async () => {
    const text = `version: 1\nserver:\n  model: m\n  args: [--hf-token, hf_abc, --db-password=xyz, --max-num-batched-tokens, "8192"]\n${SUITE}  - name: lat\n    kind: latency\n    args: { hf_token: hf_x, client-secret: 5 }\n`;
    const ps = await problems(text);
    expect(ps.map((p) => `${p.path}: ${p.message.split(' writes')[0]}`)).toEqual([
      'server.args[0]: --hf-token',
      'server.args[2]: --db-password',
      'suites[1].args.hf_token: --hf-token',
      'suites[1].args.client-secret: --client-secret',
    ]);
    expect(ps[0]!.hint).toMatch(/as HF_TOKEN .* `secret-env: \[HF_TOKEN\]`/);
  });

  it('accepts a bare --hf-token (vLLM then reads the stored token) and flags that only look alike', async () => {
    const text = `version: 1\nserver:\n  model: m\n  args: { hf-token: true, ssl-keyfile: /k.pem, max-num-batched-tokens: 8192, tokenizer: t }\n  secret-env: [HF_TOKEN]\n${SUITE}`;
    await expect(loadConfigText(text, 'c.yaml')).resolves.toBeDefined();
    expect(['api-key', 'hf_token', 'db-password', 'token'].map(isSecretFlag)).toEqual([true, true, true, true]);
    expect(['max-num-batched-tokens', 'ssl-keyfile', 'tokenizer', 'kv-cache-dtype'].map(isSecretFlag)).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect(literalSecretFlags(['--hf-token', '--enforce-eager'])).toEqual([]);
  });
});
