// Bad dataset files through the real binary: `vllm-perf-gate config` refuses each one, and
// `vllm-perf-gate run` refuses it before booting anything: exit 2, the file and a fix on stderr, no
// stack trace, no server.log, no simulator of the case alive, and results.json saying DATASET.
// The workspace is pinned to the case folder (GITHUB_WORKSPACE) so the outcome does not depend on
// where the tests run.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  cliEnv,
  newCase,
  readDoc,
  removeCases,
  runCli,
  simProcesses,
  simServer,
  STACK_LINE,
  writeConfig,
  type Case,
  type CliExit,
} from './support.js';

afterAll(removeCases);

/** How long a refused run may take; a run that boots and hangs on a FIFO is killed at this point. */
const REFUSAL_MS = 15_000;

function dsConfig(c: Case, dataset: string, extra: string[] = []): void {
  writeConfig(
    c,
    [
      'version: 1',
      simServer(c),
      ...extra,
      'suites:',
      '  - name: chat',
      '    kind: serving',
      `    dataset: ${dataset}`,
      '    concurrency: [1]',
      '',
    ].join('\n'),
  );
}

/** The CLI with the case folder as the workspace; killed (with any simulator it started) if it outlives `ms`. */
async function cli(c: Case, args: string[], ms = REFUSAL_MS): Promise<CliExit & { timedOut: boolean }> {
  const run = runCli(args, { env: cliEnv({ GITHUB_WORKSPACE: c.dir }) });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    run.child.kill('SIGKILL');
    for (const line of simProcesses(c)) process.kill(Number(line.split(/\s+/)[0]), 'SIGKILL');
  }, ms);
  try {
    return { ...(await run.done), timedOut };
  } finally {
    clearTimeout(timer);
  }
}

/** `config` and `run` both refuse the dataset: exit 2, `what` and a fix on stderr, nothing booted. */
async function expectRefused(c: Case, what: RegExp, fix: RegExp): Promise<string> {
  const checked = await cli(c, ['config', '--config', c.config]);
  expect(checked.timedOut, 'vllm-perf-gate config did not finish').toBe(false);
  expect(checked.code, checked.stdout + checked.stderr).toBe(2);
  expect(checked.stderr).toMatch(what);
  expect(checked.stderr).toMatch(fix);
  expect(checked.stderr).not.toMatch(STACK_LINE);

  const ran = await cli(c, ['run', '--config', c.config, '--out', c.out]);
  expect(ran.timedOut, `vllm-perf-gate run did not finish within ${REFUSAL_MS} ms:\n${ran.stderr}`).toBe(false);
  expect(ran.code, ran.stderr).toBe(2);
  expect(ran.stderr).toMatch(what);
  expect(ran.stderr).toMatch(fix);
  expect(ran.stderr).not.toMatch(STACK_LINE);
  // Nothing was booted: no server log, no simulator, no "server ready" line.
  expect(existsSync(path.join(c.out, 'server.log'))).toBe(false);
  expect(ran.stderr).not.toMatch(/server ready at/);
  expect(simProcesses(c)).toEqual([]);
  expect(readDoc(c)).toMatchObject({ status: 'failed', error: { code: 'DATASET' } });
  return ran.stderr;
}

const conv = (q: string, a: string): unknown => ({
  conversations: [
    { from: 'human', value: q },
    { from: 'gpt', value: a },
  ],
});

describe('a bad dataset is refused by config and by run before any server boots', () => {
  it('a ShareGPT file that does not exist', async () => {
    const c = newCase('ds-missing');
    dsConfig(c, '{ type: sharegpt, path: data/ShareGPT.json, num-prompts: 4 }');
    const stderr = await expectRefused(
      c,
      new RegExp(
        `perf\\.yml:\\d+:\\d+: suites\\[0\\]\\.dataset\\.path: sharegpt dataset: file not found: ${path.join(c.dir, 'data', 'ShareGPT.json')}`,
      ),
      /fix: download it once/,
    );
    expect(stderr).toContain('ShareGPT_V3_unfiltered_cleaned_split.json');
  });

  it('a folder given as the dataset', async () => {
    const c = newCase('ds-folder');
    mkdirSync(path.join(c.dir, 'data'));
    dsConfig(c, '{ type: sharegpt, path: data, num-prompts: 4 }');
    await expectRefused(
      c,
      new RegExp(`sharegpt dataset: ${path.join(c.dir, 'data')} is a folder, not a regular file`),
      /fix: give the path of the file inside the folder/,
    );
  });

  it('a ShareGPT file with no usable conversation (one turn each, or blank turns)', async () => {
    const c = newCase('ds-unusable');
    writeFileSync(
      path.join(c.dir, 'sg.json'),
      JSON.stringify([{ conversations: [{ from: 'human', value: 'only a question' }] }, conv('   ', 'a reply to nothing')]),
    );
    dsConfig(c, '{ type: sharegpt, path: sg.json, num-prompts: 4 }');
    await expectRefused(
      c,
      /no usable conversation in .*sg\.json: none of its 2 conversations has a first and a second turn of text/,
      /fix: a ShareGPT file is a JSON list of \{"conversations"/,
    );
  });

  it('a sonnet text with no line', async () => {
    const c = newCase('ds-sonnet');
    writeFileSync(path.join(c.dir, 'verses.txt'), '\n\n   \n');
    dsConfig(c, '{ type: sonnet, path: verses.txt, num-prompts: 4, input-len: 120, prefix-len: 40, output-len: 4 }');
    await expectRefused(c, /sonnet dataset: the sonnet text .*verses\.txt has no lines/, /fix: give a text file with one line per verse/);
  });

  it(
    'a FIFO as the dataset: refused at once, never read (a read would block forever)',
    async () => {
      const c = newCase('ds-fifo');
      execFileSync('mkfifo', [path.join(c.dir, 'sg.json')]);
      dsConfig(c, '{ type: sharegpt, path: sg.json, num-prompts: 4 }');
      await expectRefused(
        c,
        /sharegpt dataset: .*sg\.json is a FIFO \(named pipe\), not a regular file/,
        /fix: datasets are read whole before the server starts: copy the data into a regular file/,
      );
    },
    2 * REFUSAL_MS + 10_000,
  );

  it('a file over the size limit (a sparse 1.5 GiB file: refused from its size, never read)', async () => {
    const c = newCase('ds-big');
    writeFileSync(path.join(c.dir, 'sg.json'), '');
    truncateSync(path.join(c.dir, 'sg.json'), 1.5 * 1024 * 1024 * 1024);
    dsConfig(c, '{ type: sharegpt, path: sg.json, num-prompts: 4 }');
    await expectRefused(c, /sg\.json is 1536 MiB, over the 1024 MiB limit for this kind of dataset/, /fix: use a smaller file/);
  });

  it('a file that is not JSON: located at line:column, and its text is never quoted', async () => {
    const c = newCase('ds-syntax');
    writeFileSync(path.join(c.dir, 'sg.json'), `[\n  ${JSON.stringify(conv('question one', 'answer one'))}\n  hf_FILESECRET_0123456789\n]`);
    dsConfig(c, '{ type: sharegpt, path: sg.json, num-prompts: 4 }');
    const stderr = await expectRefused(
      c,
      new RegExp(`${path.join(c.dir, 'sg.json')}:3:3: sharegpt dataset: not valid JSON: expected \`,\` or \`\\]\` after a conversation`),
      /fix: a ShareGPT file is a JSON list/,
    );
    expect(stderr).not.toContain('FILESEC');
  });
});

describe("an offline suite's dataset-path is checked before vllm bench loads the model", () => {
  it('a throughput suite whose dataset-path is missing: refused by config and run, no bench started', async () => {
    const c = newCase('ds-bench');
    writeConfig(
      c,
      [
        'version: 1',
        simServer(c),
        'suites:',
        '  - name: tp',
        '    kind: throughput',
        '    args: { dataset-name: sharegpt, dataset-path: data/ShareGPT.json, num-prompts: 4 }',
        '',
      ].join('\n'),
    );
    await expectRefused(
      c,
      new RegExp(
        `perf\\.yml:\\d+:\\d+: suites\\[0\\]\\.args\\.dataset-path: throughput suite dataset-path: file not found: ${path.join(c.dir, 'data', 'ShareGPT.json')}`,
      ),
      /fix: check the path/,
    );
    expect(existsSync(path.join(c.out, 'tp.log'))).toBe(false);
  });
});

describe('dataset paths are confined to the workspace', () => {
  it('a symlink in the workspace that points outside it is refused; dataset-roots lets that folder in', async () => {
    const c = newCase('ds-outside');
    const outside = newCase('ds-outside-target');
    writeFileSync(path.join(outside.dir, 'private.json'), JSON.stringify([conv('a question of some length', 'an answer of some length')]));
    symlinkSync(path.join(outside.dir, 'private.json'), path.join(c.dir, 'sg.json'));
    dsConfig(c, '{ type: sharegpt, path: sg.json, num-prompts: 4 }');
    await expectRefused(
      c,
      new RegExp(
        `sharegpt dataset: ${path.join(c.dir, 'sg.json')} is outside the workspace \\(through a symlink, to ${path.join(outside.dir, 'private.json')}\\)`,
      ),
      /fix: move the file into the workspace \(.*\), or add its folder to `dataset-roots` in the config/,
    );

    dsConfig(c, '{ type: sharegpt, path: sg.json, num-prompts: 4 }', [`dataset-roots: [${JSON.stringify(outside.dir)}]`]);
    const allowed = await cli(c, ['config', '--config', c.config]);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.stdout).toContain('valid');
  });
});
