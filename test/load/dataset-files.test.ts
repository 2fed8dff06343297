// Dataset files are untrusted input: what is refused before any server boots, and how it is said.
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { isGateError, type GateError } from '../../src/errors.js';
import { prepareDatasets } from '../../src/load/dataset-check.js';
import { checkDatasetPath, DatasetFileProblem, isInside, positionOf, readDatasetBytes, workspaceOf } from '../../src/load/dataset-file.js';
import { loadDatasetSource } from '../../src/load/dataset-source.js';
import { parseSharegpt, scanJsonValue } from '../../src/load/sharegpt-file.js';
import { Rng } from '../../src/load/rng.js';
import { scratchFolders } from '../support/scratch.js';
import { problemOf } from '../support/dataset-problem.js';

const tmp = scratchFolders('vpg-dsfile');

const conv = (q: string, a: string): unknown => ({
  conversations: [
    { from: 'human', value: q },
    { from: 'gpt', value: a },
  ],
});

/** The error a promise rejects with, as the CLI prints it. */
async function formatted(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(isGateError(e, 'DATASET')).toBe(true);
  return (e as GateError).format();
}

describe('a dataset path is a regular file of bounded size inside the allowed folders', () => {
  it('a missing file, a folder and a dangling symlink are each named for what they are', async () => {
    const d = tmp();
    mkdirSync(path.join(d, 'folder'));
    symlinkSync(path.join(d, 'gone.json'), path.join(d, 'dangling.json'));
    expect((await problemOf(checkDatasetPath(path.join(d, 'nope.json'), { roots: null, maxBytes: 100 }))).message).toBe(
      `file not found: ${path.join(d, 'nope.json')}`,
    );
    const folder = await problemOf(checkDatasetPath(path.join(d, 'folder'), { roots: null, maxBytes: 100 }));
    expect(folder.message).toContain('is a folder, not a regular file');
    expect(folder.hint).toMatch(/file inside the folder/);
    expect((await problemOf(checkDatasetPath(path.join(d, 'dangling.json'), { roots: null, maxBytes: 100 }))).message).toMatch(
      /a symlink to nothing/,
    );
  });

  it('a FIFO is refused at once, by the path check and by the read itself (opened non-blocking)', async () => {
    const d = tmp();
    const fifo = path.join(d, 'pipe.json');
    execFileSync('mkfifo', [fifo]);
    const byPath = await problemOf(checkDatasetPath(fifo, { roots: null, maxBytes: 100 }));
    expect(byPath.message).toContain('is a FIFO (named pipe), not a regular file');
    expect(byPath.hint).toMatch(/copy the data into a regular file/);
    // Without O_NONBLOCK, opening a FIFO no one writes to blocks forever: the test's timeout says so.
    expect((await problemOf(readDatasetBytes(fifo, 100))).message).toContain('FIFO');
  }, 5_000);

  it('a device is refused without reading it', async () => {
    expect((await problemOf(checkDatasetPath('/dev/zero', { roots: null, maxBytes: 100 }))).message).toContain('is a device');
  });

  it('a file over the size limit is refused with its size and the limit', async () => {
    const d = tmp();
    writeFileSync(path.join(d, 'big.json'), Buffer.alloc(3 * 1024 * 1024, 0x20));
    const p = await problemOf(checkDatasetPath(path.join(d, 'big.json'), { roots: null, maxBytes: 2 * 1024 * 1024 }));
    expect(p.message).toContain('is 3 MiB, over the 2 MiB limit');
  });

  it('a file outside the roots is refused, also when a symlink inside points out', async () => {
    const ws = tmp();
    const outside = tmp();
    writeFileSync(path.join(outside, 'secret.json'), '[]');
    symlinkSync(path.join(outside, 'secret.json'), path.join(ws, 'link.json'));
    writeFileSync(path.join(ws, 'ok.json'), '[]');
    const roots = { roots: [ws], workspace: ws };
    const direct = await problemOf(checkDatasetPath(path.join(outside, 'secret.json'), { roots, maxBytes: 100 }));
    expect(direct.message).toContain('is outside the workspace');
    expect(direct.hint).toContain('dataset-roots');
    const viaLink = await problemOf(checkDatasetPath(path.join(ws, 'link.json'), { roots, maxBytes: 100 }));
    expect(viaLink.message).toContain(`(through a symlink, to ${path.join(outside, 'secret.json')})`);
    await expect(checkDatasetPath(path.join(ws, 'ok.json'), { roots, maxBytes: 100 })).resolves.toMatchObject({ size: 2 });
  });

  it('isInside compares whole path segments', () => {
    expect(isInside('/a/b', '/a/b/c.json')).toBe(true);
    expect(isInside('/a/b', '/a/bc/c.json')).toBe(false);
    expect(isInside('/a/b', '/a/b/..c.json')).toBe(true);
    expect(isInside('/a/b', '/a/c.json')).toBe(false);
  });

  it('the workspace is GITHUB_WORKSPACE, else the git repository of the config, else its folder', () => {
    const repo = tmp();
    mkdirSync(path.join(repo, '.git'));
    mkdirSync(path.join(repo, 'bench'));
    expect(workspaceOf(path.join(repo, 'bench', 'perf.yml'), {})).toBe(repo);
    expect(workspaceOf(path.join(repo, 'bench', 'perf.yml'), { GITHUB_WORKSPACE: '/ws' })).toBe('/ws');
    const plain = tmp();
    expect(workspaceOf(path.join(plain, 'perf.yml'), {})).toBe(plain);
  });
});

describe('a ShareGPT file is parsed one conversation at a time, and errors never quote it', () => {
  it('keeps the first two turns of each conversation with two string turns', () => {
    const text = JSON.stringify([conv('q1', 'a1'), { conversations: [{ value: 'only one' }] }, { id: 'x' }, conv('q2', 'a2')], null, 1);
    expect(parseSharegpt(Buffer.from(`\ufeff${text}`))).toEqual({
      conversations: 4,
      pairs: [
        { prompt: 'q1', completion: 'a1' },
        { prompt: 'q2', completion: 'a2' },
      ],
    });
  });

  it('a file that is not JSON is reported at line:column with what was expected, and none of its text', () => {
    const e = (() => {
      try {
        parseSharegpt(Buffer.from('hf_FILESECRET_0123456789abcdef\n'));
      } catch (err) {
        return err as DatasetFileProblem;
      }
      return undefined;
    })();
    expect(e?.message).toBe('not valid JSON: expected a JSON list `[` of conversations');
    expect(`${e?.message} ${e?.hint}`).not.toContain('hf_');
    expect(e?.at).toEqual({ line: 1, column: 1 });
  });

  it('a missing comma deep in the file is located, counting characters, not bytes', () => {
    const text = `[\n  {"conversations": [{"value": "é"}, {"value": "ü"}]}\n  {"conversations": []}\n]`;
    expect(() => parseSharegpt(Buffer.from(text))).toThrow('not valid JSON: expected `,` or `]` after a conversation');
    expect(() => parseSharegpt(Buffer.from(text))).toThrow(expect.objectContaining({ at: { line: 3, column: 3 } }));
    expect(positionOf(Buffer.from('é\nab'), Buffer.byteLength('é\na'))).toEqual({ line: 2, column: 2 });
  });

  it('the byte scanner accepts exactly what JSON.parse accepts', () => {
    const pieces = [
      '{',
      '}',
      '[',
      ']',
      ',',
      ':',
      '"a"',
      '"\\u00e9"',
      '"\\x"',
      '"\\"',
      '1',
      '-0',
      '01',
      '1.5e3',
      '1.',
      '-',
      'true',
      'nul',
      'null',
      ' ',
      '\n',
      '"\t"',
      'é',
    ];
    const rng = new Rng(7);
    let accepted = 0;
    for (let n = 0; n < 20_000; n++) {
      let s = '';
      const len = rng.int(1, 8);
      for (let k = 0; k < len; k++) s += pieces[rng.int(0, pieces.length - 1)];
      let parses = true;
      try {
        JSON.parse(s);
      } catch {
        parses = false;
      }
      const b = Buffer.from(s);
      let scans: boolean;
      try {
        let i = 0;
        while (i < b.length && ' \n'.includes(String.fromCharCode(b[i]!))) i++;
        let end = scanJsonValue(b, i);
        while (end < b.length && ' \n'.includes(String.fromCharCode(b[end]!))) end++;
        scans = end === b.length;
      } catch {
        scans = false;
      }
      expect(scans, JSON.stringify(s)).toBe(parses);
      if (parses) accepted++;
    }
    expect(accepted).toBeGreaterThan(500);
  });

  it('a list with no usable conversation is refused before any server: empty, one-turn, or blank turns', async () => {
    const d = tmp();
    const cases: [unknown, RegExp][] = [
      [[], /the list is empty/],
      [[{ conversations: [{ from: 'human', value: 'one turn' }] }], /none of its 1 conversations has a first and a second turn of text/],
      [[conv('  ', 'reply'), conv('prompt', '')], /none of its 2 conversations/],
    ];
    for (const [i, [data, re]] of cases.entries()) {
      const file = path.join(d, `sg${i}.json`);
      writeFileSync(file, JSON.stringify(data));
      const p = await problemOf(loadDatasetSource({ type: 'sharegpt', path: file }, { baseDir: d, roots: null }));
      expect(p.message).toMatch(re);
      expect(p.hint).toContain('"conversations"');
    }
    // A blank reply is fine when output-len replaces its length.
    writeFileSync(path.join(d, 'blank-reply.json'), JSON.stringify([conv('prompt', '')]));
    await expect(
      loadDatasetSource({ type: 'sharegpt', path: 'blank-reply.json', 'output-len': 8 }, { baseDir: d, roots: null }),
    ).resolves.toMatchObject({ type: 'sharegpt' });
  });

  it('a sonnet text without a line is refused', async () => {
    const d = tmp();
    writeFileSync(path.join(d, 'blank.txt'), '\n  \n\n');
    expect((await problemOf(loadDatasetSource({ type: 'sonnet', path: 'blank.txt' }, { baseDir: d, roots: null }))).message).toMatch(
      /has no lines/,
    );
  });
});

describe('prepareDatasets: every dataset of a config checked before boot, each problem at its config line', () => {
  function writeConfig(dir: string, suites: string[], extra: string[] = []): string {
    const file = path.join(dir, 'perf.yml');
    writeFileSync(file, ['version: 1', 'server: { url: "http://127.0.0.1:9" }', ...extra, 'suites:', ...suites, ''].join('\n'));
    return file;
  }

  it('reports every bad dataset at once, located, and reads nothing outside the workspace', async () => {
    const ws = tmp();
    const outside = tmp();
    writeFileSync(path.join(outside, 'elsewhere.json'), JSON.stringify([conv('question', 'answer')]));
    mkdirSync(path.join(ws, 'data'));
    const file = writeConfig(ws, [
      '  - { name: missing, kind: serving, concurrency: [1], dataset: { type: sharegpt, path: nope.json } }',
      '  - { name: folder, kind: serving, concurrency: [1], dataset: { type: sharegpt, path: data } }',
      `  - { name: outside, kind: serving, concurrency: [1], dataset: { type: sharegpt, path: ${JSON.stringify(path.join(outside, 'elsewhere.json'))} } }`,
      '  - { name: fine, kind: serving, concurrency: [1], dataset: { type: random } }',
    ]);
    const loaded = await loadConfig(file);
    const err = (await prepareDatasets(loaded, { env: {} }).catch((e: unknown) => e)) as GateError;
    expect(isGateError(err, 'DATASET')).toBe(true);
    expect(err.message).toContain('3 dataset problems:');
    expect(err.message).toContain(`${file}:4:`); // the line of suite `missing`
    expect(err.message).toContain('suites[0].dataset.path: sharegpt dataset: file not found');
    expect(err.message).toContain(`${file}:5:`);
    expect(err.message).toContain('suites[1].dataset.path: sharegpt dataset: ');
    expect(err.message).toContain('is a folder');
    expect(err.message).toContain('suites[2].dataset.path: sharegpt dataset: ');
    expect(err.message).toContain('is outside the workspace');
    expect(err.message).toMatch(/fix: .*dataset-roots/);
  });

  it('dataset-roots lets a folder outside the workspace in; GITHUB_WORKSPACE moves the workspace', async () => {
    const ws = tmp();
    const shared = tmp();
    writeFileSync(path.join(shared, 'sg.json'), JSON.stringify([conv('question', 'answer')]));
    const suite = `  - { name: s, kind: serving, concurrency: [1], dataset: { type: sharegpt, path: ${JSON.stringify(path.join(shared, 'sg.json'))} } }`;
    const allowed = await loadConfig(writeConfig(ws, [suite], [`dataset-roots: [${JSON.stringify(shared)}]`]));
    const sources = await prepareDatasets(allowed, { env: {} });
    expect(sources.get(0)).toMatchObject({ type: 'sharegpt', pairs: [{ prompt: 'question', completion: 'answer' }] });
    const plain = await loadConfig(writeConfig(ws, [suite]));
    await expect(prepareDatasets(plain, { env: {} })).rejects.toThrow(/outside the workspace/);
    await expect(prepareDatasets(plain, { env: { GITHUB_WORKSPACE: shared } })).resolves.toBeInstanceOf(Map);
  });

  it('a dataset-roots folder that does not exist is a problem of its own', async () => {
    const ws = tmp();
    const loaded = await loadConfig(
      writeConfig(ws, ['  - { name: s, kind: serving, concurrency: [1], dataset: { type: random } }'], ['dataset-roots: [no-such-folder]']),
    );
    expect(await formatted(prepareDatasets(loaded, { env: {} }))).toContain(
      `perf.yml:3:17: dataset-roots[0]: folder not found: ${path.join(ws, 'no-such-folder')}`,
    );
  });

  it('a syntax error is located in the dataset file, and the error quotes none of it', async () => {
    const ws = tmp();
    writeFileSync(path.join(ws, 'sg.json'), '"hf_FILESECRET_not_a_list"');
    const loaded = await loadConfig(
      writeConfig(ws, ['  - { name: s, kind: serving, concurrency: [1], dataset: { type: sharegpt, path: sg.json } }']),
    );
    const err = (await prepareDatasets(loaded, { env: {} }).catch((e: unknown) => e)) as GateError;
    expect(err.format()).toBe(
      `${path.join(ws, 'sg.json')}:1:1: sharegpt dataset: not valid JSON: expected a JSON list \`[\` of conversations\n  fix: ${err.hint}`,
    );
    expect(err.format()).not.toContain('FILESEC');
  });

  it("a throughput suite's dataset-path is checked as a file vllm bench will read; a Hugging Face dataset name is not", async () => {
    const ws = tmp();
    mkdirSync(path.join(ws, 'data'));
    const loaded = await loadConfig(
      writeConfig(ws, [
        '  - { name: tp, kind: throughput, args: { model: m, dataset_path: data } }',
        '  - { name: hf, kind: throughput, args: { model: m, dataset-name: hf, dataset-path: lmarena-ai/VisionArena-Chat } }',
      ]),
    );
    expect(await formatted(prepareDatasets(loaded, { env: {} }))).toBe(
      `${path.join(ws, 'perf.yml')}:4:67: suites[0].args.dataset_path: throughput suite dataset-path: ${path.join(ws, 'data')} is a folder, not a regular file\n  fix: give the path of the file inside the folder`,
    );
  });

  it('sonnet prefix-len longer than input-len is refused without a server', async () => {
    const ws = tmp();
    const loaded = await loadConfig(
      writeConfig(ws, [
        '  - name: s',
        '    kind: serving',
        '    concurrency: [1]',
        '    dataset: { type: sonnet, input-len: 100, prefix-len: 300 }',
      ]),
    );
    expect(await formatted(prepareDatasets(loaded, { env: {} }))).toContain(
      `${path.join(ws, 'perf.yml')}:7:58: suites[0].dataset.prefix-len: sonnet prefix-len 300 is longer than input-len 100`,
    );
  });
});
