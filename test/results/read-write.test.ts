import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { GateError } from '../../src/errors.js';
import { readResults } from '../../src/results/read.js';
import { validateResults } from '../../src/results/validate.js';
import { writeResults, writeVllmServeFiles } from '../../src/results/write.js';
import type { ResultsDocument } from '../../src/results/schema-types.gen.js';
import { MODERN_LINE, legacyLine, ourDocument } from './fixtures.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vpg-results-'));
});

async function put(name: string, text: string): Promise<string> {
  const file = path.join(dir, name);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
  return file;
}

async function inputError(target: string): Promise<GateError> {
  const err = await readResults(target).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(GateError);
  expect((err as GateError).code).toBe('INPUT');
  return err as GateError;
}

describe('writeResults', () => {
  it('writes results.json that reads back as the same document', async () => {
    const doc = ourDocument();
    const file = await writeResults(path.join(dir, 'out'), doc);
    expect(file).toBe(path.join(dir, 'out', 'results.json'));
    expect(await readResults(file)).toEqual([doc]);
  });

  it('refuses a document that does not validate, naming the key path, and writes nothing', async () => {
    const doc = ourDocument() as unknown as { suites: { points: { metrics: Record<string, unknown> }[] }[] };
    doc.suites[0]!.points[1]!.metrics.median_ttft_ms = 'fast';
    const err = await writeResults(dir, doc as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GateError);
    expect((err as GateError).code).toBe('INTERNAL');
    expect((err as GateError).where.path).toBe('suites[0].points[1].metrics.median_ttft_ms');
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('writeVllmServeFiles', () => {
  it("writes each serving point in vLLM's format and records the file on the point", async () => {
    const doc = await writeVllmServeFiles(dir, ourDocument());
    const files = (await readdir(path.join(dir, 'vllm'))).sort();
    expect(files).toEqual(['sweep_qps_2_concurrency_8.json', 'sweep_qps_inf_concurrency_4.json']);
    expect(doc.suites[0]!.points.map((p) => p['vllm-result-file'])).toEqual([
      'vllm/sweep_qps_inf_concurrency_4.json',
      'vllm/sweep_qps_2_concurrency_8.json',
    ]);
    const rec = JSON.parse(await readFile(path.join(dir, 'vllm', files[1]!), 'utf8')) as Record<string, unknown>;
    expect(rec).toMatchObject({ label: 'sweep', model_id: 'tiny', request_rate: 'inf', max_concurrency: 4, backend: 'openai' });
    expect(validateResults(doc)).toEqual([]);
  });

  it('leaves the vLLM copies out when the folder is read back, so a run is not counted twice', async () => {
    const doc = await writeVllmServeFiles(dir, ourDocument());
    await writeResults(dir, doc);
    expect(await readResults(dir)).toEqual([doc]);
  });

  it('writes files that import back to the same points (suite from the label, metrics by name)', async () => {
    const doc = await writeVllmServeFiles(dir, ourDocument());
    const [imported] = await readResults(path.join(dir, 'vllm'));
    const suite = imported!.suites[0]!;
    expect(suite.name).toBe('sweep');
    expect(suite.points.map((p) => p.key).sort()).toEqual(['rate=2', 'rate=inf,max-concurrency=4']);
    const rate2 = suite.points.find((p) => p.key === 'rate=2')!;
    const { error_rate: _dropped, ...vllmMetrics } = doc.suites[0]!.points[1]!.metrics;
    expect(rate2.metrics).toEqual({ ...vllmMetrics, rtfx: 0 });
  });
});

describe('validateResults', () => {
  it('accepts a valid document', () => {
    expect(validateResults(ourDocument())).toEqual([]);
  });

  it('rejects a point key used twice in a suite, since points are matched by key', () => {
    const doc = ourDocument();
    doc.suites[0]!.points[1]!.key = 'concurrency=4';
    expect(validateResults(doc)).toEqual([
      { path: 'suites[0].points[1].key', message: 'point key "concurrency=4" appears twice in suite "sweep"' },
    ]);
  });

  it('rejects a suite name used twice', () => {
    const doc = ourDocument();
    doc.suites.push(structuredClone(doc.suites[0]!));
    expect(validateResults(doc)).toEqual([{ path: 'suites[1].name', message: 'suite name "sweep" appears twice' }]);
  });
});

describe('readResults: our results.json', () => {
  it('rejects an invalid document with the file, the key path and a fix', async () => {
    const doc = ourDocument() as unknown as Record<string, unknown>;
    delete doc.status;
    const err = await inputError(await put('results.json', JSON.stringify(doc)));
    expect(err.where.file).toMatch(/results\.json$/);
    expect(err.message).toContain('missing required key `status`');
    expect(err.hint).toMatch(/vllm-perf-gate run/);
  });

  it('names the schema version it cannot read', async () => {
    const err = await inputError(await put('results.json', JSON.stringify({ ...ourDocument(), 'schema-version': 2 })));
    expect(err.message).toMatch(/schema version 2/);
  });
});

describe('readResults: vLLM bench serve files', () => {
  it('imports a modern --save-result file as one run with a point keyed by its rate', async () => {
    const [doc] = await readResults(await put('openai-2.0qps-tiny-20260101-120000.json', MODERN_LINE));
    expect(doc!.run).toMatchObject({ source: 'vllm-bench-serve', 'started-at': '2026-01-01T12:00:00.000Z' });
    expect(doc!.environment.fingerprint?.model).toBe('org/tiny');
    expect(doc!.suites).toHaveLength(1);
    expect(doc!.suites[0]!.name).toBe('openai');
    const p = doc!.suites[0]!.points[0]!;
    expect(p).toMatchObject({ key: 'rate=2', 'request-rate': 2, concurrency: null, validity: { valid: true } });
    expect(p.metrics).toMatchObject({ median_ttft_ms: 20, output_throughput: 100, max_concurrent_requests: 3, failed: 0 });
    expect(p.metrics).not.toHaveProperty('request_rate');
    expect(validateResults(doc)).toEqual([]);
  });

  it('imports legacy records: the "request_goodput:" typo, bare NaN, --metadata pairs, failures from num_prompts', async () => {
    const [doc] = await readResults(await put('legacy.jsonl', legacyLine(1, '20250530-100000', 'base')));
    const p = doc!.suites[0]!.points[0]!;
    expect(doc!.suites[0]!.name).toBe('legacy');
    expect(p.metrics).toMatchObject({ request_goodput: null, mean_tpot_ms: null, median_tpot_ms: 12, failed: 1 });
    expect(p.metrics).not.toHaveProperty('request_goodput:');
    expect(p['vllm-meta']).toMatchObject({ backend: 'vllm', num_prompts: 10, metadata: { deployment: 'base', gpu: '1xL4' } });
  });

  it('reads --append-result JSON lines: a repeated rate starts the next run, oldest first', async () => {
    const lines = [
      legacyLine(1, '20250530-100000', 'a'),
      legacyLine('"inf"', '20250530-100100', 'a'),
      legacyLine(1, '20250530-100200', 'b'),
      legacyLine('"inf"', '20250530-100300', 'b'),
    ];
    const docs = await readResults(await put('sweeps.jsonl', `${lines.join('\n')}\n`));
    expect(docs.map((d) => d.suites[0]!.points.map((p) => `${p.key}:${p['vllm-meta']?.metadata?.deployment}`))).toEqual([
      ['rate=1:a', 'rate=inf:a'],
      ['rate=1:b', 'rate=inf:b'],
    ]);
    expect(docs[1]!.suites[0]!.points[0]!['vllm-meta']?.line).toBe(3);
  });

  it('reads --metadata pairs whose names look like figures as metadata (they are strings)', async () => {
    const line = MODERN_LINE.replace('"num_prompts": 10, ', '"num_prompts": 10, "max_model_len": "4096", "total_gpus": "8", ');
    const [doc] = await readResults(await put('m.json', line));
    expect(doc!.suites[0]!.points[0]!['vllm-meta']?.metadata).toEqual({ max_model_len: '4096', total_gpus: '8' });
  });

  it('keys a capped point by rate and max concurrency, and names the suite from vLLM CI file names', async () => {
    const line = MODERN_LINE.replace('"request_rate": 2.0', '"request_rate": "inf"').replace(
      '"max_concurrency": null',
      '"max_concurrency": 16',
    );
    const [doc] = await readResults(await put('serving_llama8B_tp1_random_qps_inf_concurrency_16.json', line));
    expect(doc!.suites[0]!.name).toBe('serving_llama8B_tp1_random');
    expect(doc!.suites[0]!.points[0]!).toMatchObject({ key: 'rate=inf,max-concurrency=16', 'request-rate': 'inf', concurrency: 16 });
  });

  it('names the suite from --label when the record has one', async () => {
    const [doc] = await readResults(await put('whatever.json', MODERN_LINE.replace('"label": null', '"label": "my bench"')));
    expect(doc!.suites[0]!.name).toBe('my-bench');
  });

  it('rejects a figure that is not a number with the file, line and key, without quoting the value', async () => {
    const bad = MODERN_LINE.replace('"median_ttft_ms": 20.0', '"median_ttft_ms": "20 ms"');
    const err = await inputError(await put('r.jsonl', `${MODERN_LINE}\n${bad}\n`));
    expect(err.where).toMatchObject({ line: 2, path: 'median_ttft_ms' });
    expect(err.message).toBe('expected a number or null, got a string');
  });

  it("names the line of the bad figure's key in a pretty-printed file of one record", async () => {
    const record = JSON.parse(MODERN_LINE) as Record<string, unknown>;
    record.median_ttft_ms = 'hf_SECRET';
    const text = JSON.stringify(record, null, 4);
    const err = await inputError(await put('one.json', text));
    const line = text.split('\n').findIndex((l) => l.includes('"median_ttft_ms"')) + 1;
    expect(line).toBeGreaterThan(1);
    expect(err.where).toMatchObject({ file: path.join(dir, 'one.json'), line, path: 'median_ttft_ms' });
    expect(err.format()).not.toContain('hf_SECRET');
  });

  it('names the line of a bad offline figure too', async () => {
    const err = await inputError(await put('latency.json', '{\n    "avg_latency": "1.5",\n    "latencies": []\n}'));
    expect(err.where).toMatchObject({ line: 2, path: 'avg_latency' });
    expect(err.message).toBe('expected a number of seconds, got a string');
  });

  it('reports a JSON syntax error with its line and column and what was expected, never the content', async () => {
    const err = await inputError(await put('r.json', `${MODERN_LINE}\n{"date": ,}\n`));
    expect(err.where).toMatchObject({ line: 2, column: 10 });
    expect(err.message).toBe(
      "not valid JSON: expected a value (an object, a list, a string in double quotes, a number, true, false or null), found ','",
    );
    const secret = await inputError(await put('token.json', 'hf_FILESECRET0123456789\n'));
    expect(secret.format()).toMatch(/token\.json:1:1: not valid JSON: expected a value .*, found a letter/);
    expect(secret.format()).not.toMatch(/hf_|FILESEC|Unexpected token/);
  });

  it('refuses a FIFO given directly, without opening it (a read would block forever)', async () => {
    const fifo = path.join(dir, 'pipe.json');
    execFileSync('mkfifo', [fifo]);
    const err = await inputError(fifo);
    expect(err.format()).toBe(
      `${fifo}: cannot be read: not a regular file (a FIFO)\n  fix: results are read from regular files; remove it or give another path`,
    );
  });

  it('names a dangling symbolic link given directly', async () => {
    const link = path.join(dir, 'gone.json');
    await symlink(path.join(dir, 'nowhere.json'), link);
    const err = await inputError(link);
    expect(err.message).toBe(`results not found: ${link} (a symbolic link to a path that does not exist)`);
  });

  it('says what a file is when it is no results file, and what to give instead', async () => {
    const err = await inputError(await put('x.json', '[{"benchmark": {}, "model": {}, "metric": {}}]'));
    expect(err.message).toMatch(/PyTorch benchmark format/);
    expect(err.hint).toMatch(/--save-result/);
  });
});

describe('readResults: vLLM bench latency and throughput files', () => {
  it('imports latency in milliseconds, keyed offline, named by the file', async () => {
    const text =
      '{\n    "avg_latency": 1.5,\n    "std_latency": 0.01,\n    "latencies": [1.49, 1.5, 1.51],\n    "percentiles": {"10": 1.49, "50": 1.5, "99": 1.51}\n}';
    const [doc] = await readResults(await put('latency_tiny.json', text));
    expect(doc!.run.source).toBe('vllm-bench-latency');
    expect(doc!.suites[0]).toMatchObject({ name: 'latency_tiny', kind: 'latency' });
    expect(doc!.suites[0]!.points[0]!.key).toBe('offline');
    expect(doc!.suites[0]!.points[0]!.metrics).toEqual({
      mean_latency_ms: 1500,
      std_latency_ms: 10,
      median_latency_ms: 1500,
      p10_latency_ms: 1490,
      p50_latency_ms: 1500,
      p99_latency_ms: 1510,
      num_iters: 3,
    });
  });

  it('imports throughput figures verbatim', async () => {
    const text =
      '{"elapsed_time": 10.0, "num_requests": 200, "total_num_tokens": 50000, "requests_per_second": 20.0, "tokens_per_second": 5000.0}';
    const [doc] = await readResults(await put('throughput_tiny.json', text));
    expect(doc!.suites[0]!.points[0]!.metrics).toEqual({
      elapsed_time: 10,
      num_requests: 200,
      total_num_tokens: 50000,
      requests_per_second: 20,
      tokens_per_second: 5000,
    });
  });
});

describe('readResults: folders', () => {
  it('reads a vLLM CI results folder as one run, skipping files that are no results', async () => {
    await put('ci/latency_tiny.json', '{"avg_latency": 1.0, "latencies": [1.0], "percentiles": {"50": 1.0}}');
    await put('ci/serving_tiny_qps_1_concurrency_10.json', MODERN_LINE.replace('"request_rate": 2.0', '"request_rate": 1.0'));
    await put(
      'ci/serving_tiny_qps_inf_concurrency_10.json',
      MODERN_LINE.replace('"request_rate": 2.0', '"request_rate": "inf"').replace('"max_concurrency": null', '"max_concurrency": 10'),
    );
    await put('ci/benchmark_results.json', '[{"Test name": "serving_tiny"}]');
    await put('ci/notes.txt', 'not json');
    const notes: string[] = [];
    const docs = await readResults(path.join(dir, 'ci'), { notes });
    expect(docs).toHaveLength(1);
    expect(docs[0]!.run.source).toBe('vllm-bench');
    expect(docs[0]!.suites.map((s) => `${s.name}:${s.points.map((p) => p.key).join('|')}`).sort()).toEqual([
      'latency_tiny:offline',
      'serving_tiny:rate=1|rate=inf,max-concurrency=10',
    ]);
    expect(notes).toEqual([expect.stringMatching(/benchmark_results\.json: skipped, not a results file/)]);
  });

  it('reads a folder of runs as a history sorted by time', async () => {
    await put('h/b/results.json', JSON.stringify(ourDocument('2026-11-22T12:00:00.000Z')));
    await put('h/a/results.json', JSON.stringify(ourDocument('2026-11-23T12:00:00.000Z')));
    const old = await put('h/c/openai-2.0qps-tiny-20260101-120000.json', MODERN_LINE);
    await utimes(old, new Date(), new Date());
    const docs = await readResults(path.join(dir, 'h'));
    expect(docs.map((d) => d.run['started-at'])).toEqual([
      '2026-01-01T12:00:00.000Z',
      '2026-11-22T12:00:00.000Z',
      '2026-11-23T12:00:00.000Z',
    ]);
  });

  it('fails on a folder with no results in it', async () => {
    await put('empty/readme.md', '# nothing');
    const err = await inputError(path.join(dir, 'empty'));
    expect(err.message).toBe(`no usable results in ${path.join(dir, 'empty')}`);
  });

  it('names a path that does not exist', async () => {
    const err = await inputError(path.join(dir, 'missing.json'));
    expect(err.message).toMatch(/results not found/);
  });
});

describe('readResults: run folders of ours', () => {
  /** A run folder as `vllm-perf-gate run --out` leaves it: results.json, vllm/, offline --output-json files, verdict.json. */
  async function runFolder(rel: string, startedAt: string): Promise<ResultsDocument> {
    const d = path.join(dir, rel);
    const doc = ourDocument(startedAt);
    doc.suites.push({
      name: 'latency',
      kind: 'latency',
      points: [
        {
          key: 'offline',
          'request-rate': null,
          concurrency: null,
          metrics: { mean_latency_ms: 1500 },
          validity: { valid: true, reasons: [] },
        },
      ],
    });
    doc.suites.push({
      name: 'throughput',
      kind: 'throughput',
      points: [
        {
          key: 'offline',
          'request-rate': null,
          concurrency: null,
          metrics: { requests_per_second: 20 },
          validity: { valid: true, reasons: [] },
        },
      ],
    });
    const written = await writeVllmServeFiles(d, doc);
    await writeResults(d, written);
    await put(`${rel}/latency.json`, '{"avg_latency": 1.5, "std_latency": 0.01, "latencies": [1.5], "percentiles": {"50": 1.5}}');
    await put(
      `${rel}/throughput.json`,
      '{"elapsed_time": 10.0, "num_requests": 200, "total_num_tokens": 50000, "requests_per_second": 20.0, "tokens_per_second": 5000.0}',
    );
    await put(`${rel}/verdict.json`, '{"verdict": "pass", "counts": {}, "points": []}');
    await put(`${rel}/confirm/latency.json`, '{"avg_latency": 1.6, "latencies": [1.6], "percentiles": {"50": 1.6}}');
    return written;
  }

  it('reads a run folder as its results.json alone: the files it wrote beside it are not a second run', async () => {
    const doc = await runFolder('run', '2026-11-22T10:00:00.000Z');
    const notes: string[] = [];
    expect(await readResults(path.join(dir, 'run'), { notes })).toEqual([doc]);
    expect(notes).toEqual([]);
  });

  it('reads a folder of run folders as a history of as many runs', async () => {
    await runFolder('h/one', '2026-11-22T10:00:00.000Z');
    await runFolder('h/two', '2026-11-23T10:00:00.000Z');
    const notes: string[] = [];
    const docs = await readResults(path.join(dir, 'h'), { notes });
    expect(docs.map((d) => d.run['started-at'])).toEqual(['2026-11-22T10:00:00.000Z', '2026-11-23T10:00:00.000Z']);
    expect(notes).toEqual([]);
  });

  it('skips a run folder whose results.json is broken, files beside it included, and reads the rest', async () => {
    await runFolder('h/one', '2026-11-22T10:00:00.000Z');
    await runFolder('h/two', '2026-11-23T10:00:00.000Z');
    await writeFile(path.join(dir, 'h/two/results.json'), '{"schema-version": 1, "run": hf_SECRET}');
    const notes: string[] = [];
    const docs = await readResults(path.join(dir, 'h'), { notes });
    expect(docs.map((d) => d.run['started-at'])).toEqual(['2026-11-22T10:00:00.000Z']);
    expect(notes).toEqual([
      `${path.join(dir, 'h/two/results.json')}:1:30: skipped, not valid JSON: expected a value (an object, a list, a string in double quotes, a number, true, false or null); a word there can only be true, false or null, found a letter (a run folder: its other files are not read either)`,
    ]);
  });

  it('still reads a vLLM file that happens to be named results.json, with the files beside it', async () => {
    await put('v/results.json', MODERN_LINE);
    await put('v/openai-inf.json', MODERN_LINE.replace('"request_rate": 2.0', '"request_rate": "inf"'));
    const [doc] = await readResults(path.join(dir, 'v'));
    expect(doc!.suites.map((x) => `${x.name}:${x.points.map((p) => p.key).join()}`).sort()).toEqual([
      'openai-inf:rate=inf',
      'results:rate=2',
    ]);
  });
});

describe('readResults: a history with files it cannot read', () => {
  it('skips broken JSON, a dangling symbolic link, a FIFO and an invalid document, naming each and why, and reads the rest', async () => {
    await put('h/a/results.json', JSON.stringify(ourDocument('2026-11-22T12:00:00.000Z')));
    await put('h/broken.json', '{"median_ttft_ms": 1,\n  "key": hf_FILESECRET}');
    await symlink(path.join(dir, 'h/gone.json'), path.join(dir, 'h/dangling.json'));
    execFileSync('mkfifo', [path.join(dir, 'h/pipe.json')]);
    await put('h/old.json', JSON.stringify({ ...ourDocument(), 'schema-version': 'hf_SECRET' }));
    const notes: string[] = [];
    const docs = await readResults(path.join(dir, 'h'), { notes });
    expect(docs).toHaveLength(1);
    const h = path.join(dir, 'h');
    expect(notes).toEqual([
      `${h}/broken.json:2:10: skipped, not valid JSON: expected a value (an object, a list, a string in double quotes, a number, true, false or null); a word there can only be true, false or null, found a letter`,
      `${h}/dangling.json: skipped, cannot be read: it does not exist (a symbolic link to a path that does not exist)`,
      `${h}/old.json: schema-version: skipped, a results document of schema version (string); this version reads 1`,
      `${h}/pipe.json: skipped, cannot be read: not a regular file (a FIFO)`,
    ]);
    expect(notes.join('\n')).not.toMatch(/SECRET/);
  });

  it('fails only when nothing usable is left, listing what it skipped', async () => {
    await put('h/broken.json', '{"a": ');
    await symlink(path.join(dir, 'h/gone.json'), path.join(dir, 'h/dangling.json'));
    const err = await inputError(path.join(dir, 'h'));
    expect(err.message).toBe(
      [
        `no usable results in ${path.join(dir, 'h')}: 2 file(s) skipped`,
        `  ${path.join(dir, 'h/broken.json')}:1:7: skipped, not valid JSON: the file ends inside the value that starts at line 1 (expected a value (an object, a list, a string in double quotes, a number, true, false or null))`,
        `  ${path.join(dir, 'h/dangling.json')}: skipped, cannot be read: it does not exist (a symbolic link to a path that does not exist)`,
      ].join('\n'),
    );
  });
});
