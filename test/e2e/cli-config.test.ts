// Everything a config can be refused for, through the real binary: `vllm-perf-gate config` and
// `vllm-perf-gate run` both exit 2 with file:line:col, the key path, what is wrong and a fix line,
// and `run` boots nothing (no output folder, no simulator of the case alive). The documented A/B
// form runs end to end on two vllm-sim servers.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  newCase,
  removeCases,
  runCli,
  simProcesses,
  simServer,
  STACK_LINE,
  sweepSuite,
  writeConfig,
  type Case,
  type CliExit,
} from './support.js';

afterAll(removeCases);

/** 1-based line and column of the first `needle` in `text` that starts a YAML value or item (not inside a model name). */
function positionOf(text: string, needle: string): { line: number; column: number } {
  let i = text.indexOf(needle);
  while (i > 0 && !' [{,:\n'.includes(text[i - 1]!)) i = text.indexOf(needle, i + 1);
  if (i < 0) throw new Error(`${needle} is not in the config`);
  const before = text.slice(0, i).split('\n');
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

/** A config that would boot this case's simulator if it were accepted. */
function configWith(c: Case, suites: string[], opts: { server?: string; tail?: string[] } = {}): string {
  return ['version: 1', opts.server ?? simServer(c), 'suites:', ...suites, ...(opts.tail ?? []), ''].join('\n');
}

const sweepWith = (lines: Record<string, string>): string =>
  sweepSuite()
    .split('\n')
    .map((l) => {
      const key = /^\s+(\S+):/.exec(l)?.[1];
      return key && lines[key] !== undefined ? l.replace(/:.*$/, `: ${lines[key]}`) : l;
    })
    .join('\n');

/** An open-loop suite at these rates (a YAML list) of `n` short prompts. */
const openLoop = (rates: string, n = 8): string =>
  [
    '  - name: sweep',
    '    kind: serving',
    `    dataset: { type: random, input-len: 32, output-len: 8, num-prompts: ${n} }`,
    `    request-rates: ${rates}`,
  ].join('\n');

/**
 * The CLI to its exit; one still running after `ms` (a refused config exits within a second or
 * two) is cancelled with SIGTERM, so that it tears down any server it booted, and then killed.
 */
async function cli(args: string[], ms = 15_000): Promise<CliExit> {
  const run = runCli(args);
  const term = setTimeout(() => run.child.kill('SIGTERM'), ms);
  const kill = setTimeout(() => run.child.kill('SIGKILL'), ms + 10_000);
  try {
    return await run.done;
  } finally {
    clearTimeout(term);
    clearTimeout(kill);
  }
}

async function bothCommands(c: Case): Promise<{ config: CliExit; run: CliExit }> {
  const config = await cli(['config', '--config', c.config]);
  const run = await cli(['run', '--config', c.config, '--out', c.out]);
  return { config, run };
}

/** Exit 2, the located problem and its fix on the next line, no stack trace, nothing booted. */
function expectRefused(c: Case, exit: CliExit, where: string, message: RegExp, fix: RegExp): void {
  expect(exit.code, exit.stderr).toBe(2);
  expect(exit.stderr).not.toMatch(STACK_LINE);
  const lines = exit.stderr.split('\n');
  const i = lines.findIndex((l) => l.includes(`${where}: `));
  expect(i, `no line with ${where}:\n${exit.stderr}`).toBeGreaterThanOrEqual(0);
  expect(lines[i]!.slice(lines[i]!.indexOf(`${where}: `) + where.length + 2)).toMatch(message);
  expect(lines[i + 1]).toMatch(/^\s+fix: /);
  expect(lines[i + 1]!.replace(/^\s+fix: /, '')).toMatch(fix);
  expect(existsSync(c.out)).toBe(false);
  expect(simProcesses(c)).toEqual([]);
}

interface Refusal {
  name: string;
  /** The config text for the case. */
  text: (c: Case) => string;
  /** Text at the reported position (its first occurrence in the config). */
  at: string;
  path: string;
  message: RegExp;
  fix: RegExp;
}

const refusals: Refusal[] = [
  {
    name: 'num-prompts: 1000000000000',
    text: (c) => configWith(c, [sweepWith({ dataset: '{ type: random, input-len: 32, output-len: 8, num-prompts: 1000000000000 }' })]),
    at: '1000000000000',
    path: 'suites[0].dataset.num-prompts',
    message: /^expected an integer >= 1 and <= 100000, got 1000000000000$/,
    fix: /^write at most 100000: vLLM's CI and nightly suites send up to a few thousand a point/,
  },
  {
    name: 'input-len: 2e8',
    text: (c) => configWith(c, [sweepWith({ dataset: '{ type: random, input-len: 2e8, output-len: 8, num-prompts: 8 }' })]),
    at: '2e8',
    path: 'suites[0].dataset.input-len',
    message: /<= 2097152, got 200000000$/,
    fix: /^write at most 2097152: twice the longest context window/,
  },
  {
    name: 'request-rates: [1e-300]',
    text: (c) => configWith(c, [openLoop('[1e-300]')]),
    at: '1e-300',
    path: 'suites[0].request-rates[0]',
    message: /^expected a number >= 0\.01 and <= 1000000, got 1e-300$/,
    fix: /^write at least 0\.01: vLLM's benchmarks use 0\.1 and up/,
  },
  {
    name: 'a rate at which a point takes days to arrive',
    text: (c) => configWith(c, [openLoop('[0.05]', 5000)]),
    at: '0.05',
    path: 'suites[0].request-rates[0]',
    message: /^at 0\.05 requests\/s the 5,000 requests of a point take 27\.78 hours to arrive; a point may take at most 24 hours$/,
    fix: /^raise the rate to at least 0\.058 requests\/s or lower num-prompts$/,
  },
  {
    name: 'concurrency: [1000000]',
    text: (c) => configWith(c, [sweepWith({ concurrency: '[1000000]' })]),
    at: '1000000]',
    path: 'suites[0].concurrency[0]',
    message: /<= 16384, got 1000000$/,
    fix: /^write at most 16384: 16 times the largest batch/,
  },
  {
    name: 'a duration of two days',
    text: (c) => configWith(c, [sweepSuite({ extra: ['request-timeout: 48h'] })]),
    at: '48h',
    path: 'suites[0].request-timeout',
    message: /^expected a duration of at most 24h, got "48h"$/,
    fix: /^write 24h or less/,
  },
  {
    name: 'a preset override past a bound',
    text: (c) => configWith(c, ['  - preset: min-latency', '    dataset: { type: random, num-prompts: 1000000000000 }']),
    at: '1000000000000',
    path: 'suites[0].dataset.num-prompts',
    message: /^preset min-latency: must be at most 100000, got 1000000000000/,
    fix: /^write at most 100000: vLLM's CI/,
  },
  {
    name: 'model: "--port=1"',
    text: (c) =>
      configWith(c, [sweepSuite()], {
        server: simServer(c).replace(`model: ${c.model}`, `model: "--port=1"\n  served-model-name: ${c.model}`),
      }),
    at: '"--port=1"',
    path: 'server.model',
    message: /^"--port=1" starts with "-": `vllm serve` would read it as a flag, not as the value of `model`$/,
    fix: /^give the value itself/,
  },
  {
    name: 'served-model-name: "--x"',
    text: (c) =>
      configWith(c, [sweepSuite()], { server: simServer(c).replace(`model: ${c.model}`, `model: ${c.model}\n  served-model-name: "--x"`) }),
    at: '"--x"',
    path: 'server.served-model-name',
    message: /^"--x" starts with "-"/,
    fix: /^give the value itself/,
  },
  {
    name: 'a literal api-key in server.args',
    text: (c) => configWith(c, [sweepSuite()], { server: simServer(c, { args: ['api-key: sk-live-0123'] }) }),
    at: 'sk-live-0123',
    path: 'server.args.api-key',
    message: /^--api-key writes a secret on the command line, where every user of the runner can read it \(`ps -ef`\)$/,
    fix: /VLLM_API_KEY .* `secret-env: \[VLLM_API_KEY\]`/,
  },
  {
    name: 'a wrong type: the fix says what to write',
    text: (c) => configWith(c, [sweepSuite({ extra: ['warmup: "5"'] })]),
    at: '"5"',
    path: 'suites[0].warmup',
    message: /^expected an integer >= 0 and <= 10000, got "5"$/,
    fix: /^write a number without quotes, e\.g\. `warmup: 5`$/,
  },
  {
    name: 'a YAML alias bomb',
    text: (c) => {
      const rows = ['a: &a [x, x, x, x, x, x, x, x, x]'];
      for (const [name, prev] of [
        ['b', 'a'],
        ['c', 'b'],
        ['d', 'c'],
        ['e', 'd'],
      ])
        rows.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(', ')}]`);
      return configWith(c, [sweepSuite()], { tail: [...rows, 'bomb: *e'] });
    },
    at: '*b, *b',
    path: 'syntax error',
    message: /^aliases expand too far \(over 100 nodes for one alias\)/,
    fix: /^write the repeated part out/,
  },
];

describe('a config is refused before anything boots: exit 2, file:line:col, key path and a fix, from `config` and from `run`', () => {
  it.each(refusals)('$name', async ({ name, text, at, path: keyPath, message, fix }) => {
    const c = newCase(
      name
        .replace(/[^a-z0-9]+/gi, '-')
        .slice(0, 24)
        .toLowerCase(),
    );
    const written = text(c);
    writeConfig(c, written);
    const { line, column } = positionOf(written, at);
    const where = `${c.config}:${line}:${column}: ${keyPath}`;
    const { config, run } = await bothCommands(c);
    expectRefused(c, config, where, message, fix);
    expectRefused(c, run, where, message, fix);
  });

  it('a vLLM CI suite file past a bound: the suite file and the line of the key', async () => {
    const c = newCase('vllm-suite-bound');
    const suiteFile = path.join(c.dir, 'serving-tests.json');
    const json = [
      '[{',
      '  "test_name": "serving_t",',
      '  "qps_list": [1],',
      `  "server_parameters": { "model": "${c.model}" },`,
      '  "client_parameters": { "dataset_name": "random",',
      '    "num_prompts": 1e12 }',
      '}]',
      '',
    ];
    writeFileSync(suiteFile, json.join('\n'));
    writeConfig(c, configWith(c, ['  - vllm-suite: serving-tests.json']));
    const { config, run } = await bothCommands(c);
    for (const exit of [config, run]) {
      expect(exit.code, exit.stderr).toBe(2);
      expect(exit.stderr).toContain(
        `serving-tests.json:6: [0].client_parameters.num_prompts: test serving_t: num_prompts must be an integer of at least 1 and at most 100000, not 1000000000000`,
      );
      expect(exit.stderr).toMatch(/^\s+fix: no real run needs more/m);
    }
    expect(existsSync(c.out)).toBe(false);
    expect(simProcesses(c)).toEqual([]);
  });

  it('three bad tolerance sentences and a schema error are told together, each at its line', async () => {
    const c = newCase('thresholds');
    const text = configWith(c, [sweepWith({ dataset: '{ type: random, input-len: 32, output-len: 8, num-prompts: many }' })], {
      tail: [
        'thresholds:',
        '  median_ttft_ms: "ten percent"',
        '  output_throughput: "+5%"',
        '  suites:',
        '    sweep: { p99_itl_ms: "-3%" }',
      ],
    });
    writeConfig(c, text);
    const { config, run } = await bothCommands(c);
    for (const exit of [config, run]) {
      expect(exit.code, exit.stderr).toBe(2);
      expect(exit.stderr).toContain(`error: ${c.config} has 4 problems:`);
      const at = (needle: string): string => `${c.config}:${positionOf(text, needle).line}:${positionOf(text, needle).column}`;
      expect(exit.stderr).toContain(`${at('many')}: suites[0].dataset.num-prompts: expected an integer >= 1 and <= 100000, got "many"`);
      expect(exit.stderr).toContain(`${at('"ten percent"')}: thresholds.median_ttft_ms: cannot read "ten percent" in "ten percent"`);
      expect(exit.stderr).toContain(
        `${at('"+5%"')}: thresholds.output_throughput: "+5%" says a rise is bad, but output_throughput is higher-is-better`,
      );
      expect(exit.stderr).toContain(
        `${at('"-3%"')}: thresholds.suites.sweep.p99_itl_ms: "-3%" says a drop is bad, but p99_itl_ms is lower-is-better`,
      );
      expect(exit.stderr.match(/^\s+fix: /gm)).toHaveLength(4);
    }
    expect(existsSync(c.out)).toBe(false);
  });

  it('a repeated --config is a usage error, not the last one silently', async () => {
    const c = newCase('repeat-config');
    writeConfig(c, configWith(c, [sweepSuite()]));
    for (const cmd of ['config', 'run']) {
      const exit = await cli([cmd, '--config', c.config, `--config=${c.config}`, ...(cmd === 'run' ? ['--out', c.out] : [])]);
      expect(exit.code, exit.stderr).toBe(2);
      expect(exit.stderr).toMatch(/^error: --config is given 2 times; give it once/m);
    }
    expect(existsSync(c.out)).toBe(false);
    expect(simProcesses(c)).toEqual([]);
  });
});

describe('A/B as the docs show it: compare-servers, rounds and suites, no server', () => {
  /** A side file: only version and the server it boots (a model name of its own, carrying the case's). */
  function side(c: Case, name: string): string {
    const text = ['version: 1', simServer(c).replace(`model: ${c.model}`, `model: ${c.model}-${name}`), ''].join('\n');
    writeFileSync(path.join(c.dir, `${name}.yml`), text);
    return text;
  }

  it('boots A and B in turn for each round, compares them and reports the A/B labels', async () => {
    const c = newCase('ab');
    side(c, 'a');
    side(c, 'b');
    writeConfig(c, ['version: 1', 'compare-servers: [a.yml, b.yml]', 'rounds: 2', 'suites:', sweepSuite(), ''].join('\n'));
    const checked = await cli(['config', '--config', c.config]);
    expect(checked.code, checked.stderr).toBe(0);
    expect(checked.stdout).toContain(`${c.config}: valid (1 suites, id perf)`);

    const exit = await cli(['run', '--config', c.config, '--out', c.out], 60_000);
    // The two sides run the same simulator: pass, or fail only when a loaded machine starved the client.
    expect([0, 1], exit.stderr).toContain(exit.code);
    expect(exit.stderr).not.toMatch(/^error: /m);
    expect(exit.stderr).not.toMatch(STACK_LINE);
    for (const line of [
      'A/B round 1/2: A (baseline) a',
      'A/B round 1/2: B (candidate) b',
      'A/B round 2/2: A (baseline) a',
      'A/B round 2/2: B (candidate) b',
    ])
      expect(exit.stderr).toContain(line);
    const verdict = JSON.parse(readFileSync(path.join(c.out, 'verdict.json'), 'utf8')) as { verdict: string; ab?: unknown };
    expect(verdict.ab).toEqual({ baselineLabel: 'a', candidateLabel: 'b', rounds: 2 });
    for (const [dir, model] of [
      ['a-1', 'a'],
      ['b-1', 'b'],
      ['a-2', 'a'],
      ['b-2', 'b'],
    ] as const) {
      expect(readFileSync(path.join(c.out, dir, 'server.log'), 'utf8')).toContain(`serve ${c.model}-${model} `);
    }
    expect(readFileSync(path.join(c.out, 'report.md'), 'utf8')).toContain('Improvement summary');
    expect(simProcesses(c)).toEqual([]);
  }, 120_000);

  it('a bad side is refused before anything boots, at its own file and line', async () => {
    const c = newCase('ab-bad');
    side(c, 'a');
    const b = side(c, 'b').replace('  args:\n', '  args:\n    api-key: sk-side-b\n');
    writeFileSync(path.join(c.dir, 'b.yml'), b);
    writeConfig(c, ['version: 1', 'compare-servers: [a.yml, b.yml]', 'suites:', sweepSuite(), ''].join('\n'));
    const { line, column } = positionOf(b, 'sk-side-b');
    const { config, run } = await bothCommands(c);
    for (const exit of [config, run]) {
      expectRefused(
        c,
        exit,
        `${path.join(c.dir, 'b.yml')}:${line}:${column}: server.args.api-key`,
        /^--api-key writes a secret on the command line/,
        /VLLM_API_KEY/,
      );
    }
  });
});
