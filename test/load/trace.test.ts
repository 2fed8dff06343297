// The `trace` dataset: a Mooncake-format trace read and checked before boot, prompts whose equal hash
// ids are equal tokens, and a replay that sends each request at its own timestamp.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { isGateError, type GateError } from '../../src/errors.js';
import { prepareDatasets } from '../../src/load/dataset-check.js';
import { DatasetFileProblem } from '../../src/load/dataset-file.js';
import { loadDatasetSource, type DatasetSource } from '../../src/load/dataset-source.js';
import { buildDataset, RANDOM_TOKEN_LO, RANDOM_TOKEN_SPAN } from '../../src/load/datasets.js';
import { estimatingTokenizer } from '../../src/load/tokenize.js';
import { parseTrace, scheduleRate, traceIds, traceScheduleMs, type TraceRequest } from '../../src/load/trace.js';
import { datasetFingerprint, planPoints, pointRecords, pointRuns, runServingSuite } from '../../src/suites/serving.js';
import { startSim } from '../support/sim.js';
import { nonClientReasons, suite } from '../serving/support.js';
import { scratchFolders } from '../support/scratch.js';
import { problemOf } from '../support/dataset-problem.js';

const tmp = scratchFolders('vpg-trace');

const line = (o: Record<string, unknown>): string => JSON.stringify(o);
const req = (timestamp: number, input_length: number, hash_ids: unknown, output_length = 4): string =>
  line({ timestamp, input_length, output_length, hash_ids });
const TOKENS = { lo: RANDOM_TOKEN_LO, span: RANDOM_TOKEN_SPAN };

/** The problem of a trace file holding `lines`, read as a run reads it. */
async function traceProblem(lines: string[], over: Record<string, unknown> = {}): Promise<DatasetFileProblem> {
  const d = tmp();
  writeFileSync(path.join(d, 't.jsonl'), lines.join('\n'));
  return problemOf(loadDatasetSource({ type: 'trace', path: 't.jsonl', ...over }, { baseDir: d, roots: null }));
}

describe('trace prompts: equal hash ids are equal tokens', () => {
  const r = (inputLength: number, hashIds: number[]): TraceRequest => ({ timestampMs: 0, inputLength, outputLength: 1, hashIds });

  it('shares exactly the blocks of the shared ids, and cuts the last block to input_length', () => {
    const a = traceIds(0, r(1100, [7, 8, 9]), TOKENS);
    const b = traceIds(0, r(600, [7, 3]), TOKENS);
    expect(a).toHaveLength(1100);
    expect(b).toHaveLength(600);
    expect(b.slice(0, 512)).toEqual(a.slice(0, 512));
    expect(b.slice(512)).not.toEqual(a.slice(512, 600));
    // The same id in another place of another prompt is the same block.
    expect(traceIds(0, r(1024, [3, 7]), TOKENS).slice(0, 88)).toEqual(b.slice(512));
    for (const id of a) expect(id >= RANDOM_TOKEN_LO && id < RANDOM_TOKEN_LO + RANDOM_TOKEN_SPAN).toBe(true);
  });

  it('is the same for the same seed and different for another, ids beyond 32 bits included', () => {
    const big = 2 ** 40 + 5;
    expect(traceIds(3, r(512, [big]), TOKENS)).toEqual(traceIds(3, r(512, [big]), TOKENS));
    expect(traceIds(3, r(512, [big]), TOKENS)).not.toEqual(traceIds(4, r(512, [big]), TOKENS));
    expect(traceIds(3, r(512, [big]), TOKENS)).not.toEqual(traceIds(3, r(512, [5]), TOKENS));
  });

  it('sends each request at timestamp / time-scale, and the schedule asks for its mean rate', () => {
    const { requests } = parseTrace(Buffer.from([req(0, 10, [1]), req(500, 10, [1]), req(2000, 10, [2])].join('\n')));
    expect([...traceScheduleMs(requests, 2)]).toEqual([0, 250, 1000]);
    expect(scheduleRate(traceScheduleMs(requests, 2))).toBe(3);
    expect(scheduleRate(new Float64Array([0, 0]))).toBe('inf');
  });
});

describe('a trace file is checked before the server boots, each problem at its line with the fix', () => {
  it('a missing file says how to give one', async () => {
    const p = await problemOf(loadDatasetSource({ type: 'trace', path: 'nope.jsonl' }, { baseDir: tmp(), roots: null }));
    expect(p.message).toMatch(/^file not found: .*nope\.jsonl$/);
    expect(p.hint).toContain("Mooncake's format");
  });

  it('a line that is not JSON is named by its line, never echoed', async () => {
    const p = await traceProblem([req(0, 10, [1]), '{"timestamp": 5, "secret-token-xyz"', req(9, 10, [1])]);
    expect(p.message).toBe('line 2: not valid JSON');
    expect(p.at).toEqual({ line: 2, column: 1 });
    expect(`${p.message} ${p.hint}`).not.toContain('secret-token-xyz');
  });

  it('missing and non-integer fields, and hash_ids that are not integers', async () => {
    expect((await traceProblem([line({ timestamp: 0, input_length: 10, hash_ids: [1] })])).message).toBe(
      'line 1: `output_length` is missing',
    );
    expect((await traceProblem([req(0.5, 10, [1])])).message).toBe('line 1: `timestamp` must be a non-negative integer');
    expect((await traceProblem([req(0, 10, [1]), req(1, '10' as unknown as number, [1])])).message).toBe(
      'line 2: `input_length` must be a non-negative integer',
    );
    expect((await traceProblem([req(0, 10, '1,2')])).message).toBe('line 1: `hash_ids` must be an array of non-negative integers');
    expect((await traceProblem([req(0, 10, [1, 2.5])])).message).toBe('line 1: `hash_ids` must be an array of non-negative integers');
  });

  it('timestamps that go back are refused: the file is replayed in order', async () => {
    const p = await traceProblem([req(0, 10, [1]), req(300, 10, [1]), req(200, 10, [1])]);
    expect(p.message).toBe("line 3: timestamp 200 is earlier than the line before's 300");
    expect(p.hint).toContain('sort its lines by timestamp');
  });

  it('input_length must fit its hash_ids: more than k blocks, or not reaching the last one, is refused', async () => {
    const over = await traceProblem([req(0, 1025, [1, 2])]);
    expect(over.message).toBe('line 1: input_length 1025 does not fit its 2 hash_ids (513 to 1024 tokens for 2 blocks of 512)');
    expect(over.hint).toContain('give ceil(input_length / 512) = 3 hash_ids');
    expect((await traceProblem([req(0, 512, [1, 2])])).message).toBe(
      'line 1: input_length 512 does not fit its 2 hash_ids (513 to 1024 tokens for 2 blocks of 512)',
    );
    expect((await traceProblem([req(0, 5, [])])).message).toBe('line 1: input_length 5 with no hash_ids');
    // Both ends of the range are fine.
    const d = tmp();
    writeFileSync(path.join(d, 'ok.jsonl'), [req(0, 513, [1, 2]), req(0, 1024, [1, 2]), ''].join('\n'));
    const ok = await loadDatasetSource({ type: 'trace', path: 'ok.jsonl' }, { baseDir: d, roots: null });
    expect(ok?.type === 'trace' && ok.requests.length).toBe(2);
  });

  it('a replay longer than a day at its time-scale is refused with the time-scale that fits', async () => {
    const p = await traceProblem([req(0, 10, [1]), req(2 * 86_400_000, 10, [1])]);
    expect(p.message).toBe('at time-scale 1 the replay takes 48.0 hours to send its requests; a point may take at most 24 hours');
    expect(p.hint).toContain('raise time-scale to at least 2');
    const d = tmp();
    writeFileSync(path.join(d, 't.jsonl'), [req(0, 10, [1]), req(2 * 86_400_000, 10, [1])].join('\n'));
    await expect(
      loadDatasetSource({ type: 'trace', path: 't.jsonl', 'time-scale': 2 }, { baseDir: d, roots: null }),
    ).resolves.toBeDefined();
  });
});

describe('a trace suite in the config', () => {
  function writeConfig(dir: string, suiteLine: string): string {
    const file = path.join(dir, 'gate.yml');
    writeFileSync(file, ['version: 1', 'server: { url: "http://127.0.0.1:1" }', 'suites:', suiteLine, ''].join('\n'));
    return file;
  }

  it('needs neither request-rates nor concurrency, and refuses either with the fix', async () => {
    const d = tmp();
    writeFileSync(path.join(d, 't.jsonl'), req(0, 10, [1]));
    const fine = await loadConfig(
      writeConfig(d, '  - { name: replay, kind: serving, max-concurrency: 4, dataset: { type: trace, path: t.jsonl } }'),
    );
    expect(fine.config.suites).toHaveLength(1);
    const file = writeConfig(d, '  - { name: replay, kind: serving, request-rates: [4], dataset: { type: trace, path: t.jsonl } }');
    const err = (await loadConfig(file).catch((e: unknown) => e)) as GateError;
    expect(isGateError(err, 'CONFIG')).toBe(true);
    const text = err.format();
    expect(text).toContain(`${file}:4`);
    expect(text).toContain('suites[0].request-rates');
    expect(text).toContain('`request-rates` has no meaning with a `trace` dataset');
    expect(text).toContain('dataset.time-scale');
  });

  it('a bad line is reported at file:line before anything boots', async () => {
    const d = tmp();
    writeFileSync(path.join(d, 't.jsonl'), [req(0, 10, [1]), req(5, 10, [1], 0)].join('\n'));
    const loaded = await loadConfig(writeConfig(d, '  - { name: replay, kind: serving, dataset: { type: trace, path: t.jsonl } }'));
    const err = (await prepareDatasets(loaded, { env: { GITHUB_WORKSPACE: d } }).catch((e: unknown) => e)) as GateError;
    expect(isGateError(err, 'DATASET')).toBe(true);
    expect(err.format()).toContain(`${path.join(d, 't.jsonl')}:2:1`);
    expect(err.format()).toContain('output_length is 0');
  });
});

describe('the dataset fingerprint of a trace', () => {
  it('changes with the file, even where only a timestamp differs, and with time-scale', async () => {
    const ds = { type: 'trace' as const, path: 't.jsonl' };
    const fp = async (text: string, d: typeof ds & { 'time-scale'?: number } = ds): Promise<string> => {
      const content = parseTrace(Buffer.from(text));
      const source: DatasetSource = { type: 'trace', file: 't.jsonl', ...content };
      const s = suite({ dataset: d });
      const entries = await buildDataset(d, { endpoint: 'completions', tokenizer: estimatingTokenizer(), count: 10, source });
      return datasetFingerprint(s, entries, source);
    };
    const base = await fp(`${req(0, 10, [1])}\n${req(100, 10, [1])}`);
    expect(await fp(`${req(0, 10, [1])}\n${req(100, 10, [1])}`)).toBe(base);
    expect(await fp(`${req(0, 10, [1])}\n${req(200, 10, [1])}`)).not.toBe(base);
    expect(await fp(`${req(0, 10, [1])}\n${req(100, 10, [1])}`, { ...ds, 'time-scale': 2 })).not.toBe(base);
  });
});

describe('replaying a trace against vllm-sim', () => {
  it('sends each of 20 requests (timestamps 0..1900 ms) within 5 ms of its schedule beyond its own stalls, and shared blocks hit the cache', async () => {
    const d = tmp();
    // Every request starts with block 0 (512 shared tokens) and ends with its own block.
    const lines = Array.from({ length: 20 }, (_, i) => req(i * 100, 520, [0, i + 1], 2));
    writeFileSync(path.join(d, 'trace.jsonl'), lines.join('\n'));
    const sim = await startSim(['--sim-seed', '1', '--sim-time-scale', '5', '--enable-prompt-tokens-details']);
    try {
      const s = suite({ dataset: { type: 'trace', path: 'trace.jsonl' }, 'reset-prefix-cache': 'never' });
      const res = await runServingSuite(s, { baseUrl: sim.url, model: 'sim-model' }, { datasetBaseDir: d });
      expect(res.points).toHaveLength(1);
      const point = res.points[0]!;
      expect(point.key).toBe('trace');
      expect(point.label).toBe('trace replay ×1');
      const records = pointRecords(point)![0]!;
      expect(records.map((r) => r.scheduledMs)).toEqual(lines.map((_, i) => i * 100));
      expect(records.every((r) => r.success && r.promptTokens === 520)).toBe(true);
      // Send lag = dispatch - schedule, as the results record it; never early. Within 5 ms of the
      // schedule beyond the client's own event-loop stalls: tests share two cores with other work, and
      // a process that is not scheduled sends late by as much as its loop stalled (on an idle machine
      // the stalls are ~0 and this is the plain 5 ms bound).
      const lags = records.map((r) => r.arrivalMs - r.scheduledMs);
      expect(Math.min(...lags)).toBeGreaterThanOrEqual(0);
      expect(point.metrics.send_lag_max_ms).toBeCloseTo(Math.max(...lags), 6);
      const stalls = pointRuns(point)![0]!.health.eventLoopLagMaxMs ?? 0;
      expect(Math.max(...lags)).toBeLessThan(5 + stalls);
      expect(nonClientReasons(point.validity)).toEqual([]);
      // After the first, each request finds block 0 cached: 512 tokens (the sim's 16-token blocks).
      expect(point.metrics.cached_tokens).toBeGreaterThanOrEqual(19 * 512);
    } finally {
      await sim.stop();
    }
  }, 20_000);

  it('plans one point from the trace, capped by max-concurrency and scaled by time-scale', () => {
    const content = parseTrace(Buffer.from([req(0, 10, [1]), req(1000, 10, [1]), req(3000, 10, [1])].join('\n')));
    const source: DatasetSource = { type: 'trace', file: 't.jsonl', ...content };
    const [p, ...rest] = planPoints(
      suite({ dataset: { type: 'trace', path: 't.jsonl', 'time-scale': 2, 'num-prompts': 2 }, 'max-concurrency': 4 }),
      source,
    );
    expect(rest).toEqual([]);
    expect(p).toMatchObject({ key: 'trace,max-concurrency=4', label: 'trace replay ×2, max concurrency 4', requests: 2, concurrency: 4 });
    expect([...p!.scheduleMs!]).toEqual([0, 500]);
    expect(p!.requestRate).toBe(4);
  });
});
