// Prompts are planned, not held: a random or sonnet dataset keeps its seeded draws and makes each
// prompt when read, and request bodies past a budget are built as they are sent; what is sent (and
// the dataset fingerprint a baseline is matched by) is the same as when everything was built up front.
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dataset, ServingSuite } from '../../src/config/schema-types.gen.js';
import { buildDataset, randomIds, randomPlan, type EntryList } from '../../src/load/datasets.js';
import { firstSpecs, PREBUILT_BODY_BYTES, requestBody, requestSpecs, type BodyOptions } from '../../src/load/request-body.js';
import { runPoint } from '../../src/load/runner.js';
import { estimatingTokenizer } from '../../src/load/tokenize.js';
import { datasetFingerprint } from '../../src/suites/serving.js';
import { startSim, type RunningSim } from '../support/sim.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'vpg-datasets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const body: BodyOptions = { endpoint: 'completions', model: 'sim-model', stream: true, ignoreEos: true };

async function entries(ds: Dataset, count = (ds as { 'num-prompts'?: number })['num-prompts'] ?? 1000): Promise<EntryList> {
  return buildDataset(ds, { endpoint: 'completions', tokenizer: estimatingTokenizer(), count, baseDir: dir });
}

function fingerprint(ds: Dataset, list: EntryList): string {
  return datasetFingerprint({ name: 'x', kind: 'serving', dataset: ds } as ServingSuite, list);
}

describe('the prompts are the ones every earlier version sent', () => {
  // Fingerprints of the same datasets as built up front (all prompts in one array) before prompts
  // became lazy: a baseline recorded then still matches.
  it('random, sonnet, sharegpt and fixed keep their dataset fingerprints', async () => {
    const conv = (q: string, a: string): unknown => ({
      conversations: [
        { from: 'human', value: q },
        { from: 'gpt', value: a },
      ],
    });
    writeFileSync(
      path.join(dir, 'sg.json'),
      JSON.stringify([
        conv('What is the capital city of France and why is it famous?', 'Paris is the capital of France, famous for art.'),
        conv('hi', 'x'),
        { conversations: [{ from: 'human', value: 'one' }] },
        conv('Write a haiku about the sea in the early morning light.', 'Grey waves fold and break, gulls wheel over the cold sand.'),
      ]),
    );
    const cases: [Dataset, string][] = [
      [
        { type: 'random', 'input-len': 64, 'output-len': 8, 'num-prompts': 50, seed: 3, 'range-ratio': 0.5, 'prefix-len': 5 },
        '738d2181d074a803b388c23c751be0a55dfc698b99847f56147d828a70135380',
      ],
      [{ type: 'random' }, 'b17003f3bf84683e102d2490dff35c86483b6da987e3aee836dfbeceb380997c'],
      [{ type: 'sonnet', 'num-prompts': 20, seed: 2 }, 'b9d8b15600f47e562e92180798078b30e24ef79c356178b57806499e7cc9cee1'],
      [
        { type: 'sharegpt', path: 'sg.json', 'num-prompts': 7, seed: 1 },
        'ccfe15b299292ebe633bc2826ed7042d1ced5d203e5b36616cd223315e534c99',
      ],
      [{ type: 'fixed', prompt: 'hello there', 'num-prompts': 5 }, '1294bc675c55dc07b5d802f6b27d13edde7bd4f0535a9e8fa1efa3f56b465823'],
    ];
    for (const [ds, hash] of cases) expect(fingerprint(ds, await entries(ds)), ds.type).toBe(`sha256:${hash}`);
  });

  it('a random entry is made from its draws: prefix, then consecutive ids from its offset', () => {
    const plan = randomPlan({ type: 'random', 'input-len': 4, 'prefix-len': 2, seed: 9 }, 3);
    const ids = randomIds(plan, 1);
    expect(ids.slice(0, 2)).toEqual(plan.prefix);
    expect(ids.slice(2)).toEqual([0, 1, 2, 3].map((j) => 1000 + ((plan.offset[1]! + 1 + j) % 20_000)));
  });

  it('specs past the byte budget are built when asked, byte for byte as the prebuilt ones', async () => {
    const ds: Dataset = { type: 'random', 'input-len': 16, 'num-prompts': 40, 'range-ratio': 0.5 };
    const list = await entries(ds);
    const eager = requestSpecs(list, body);
    const lazy = requestSpecs(list, body, 500); // a few bodies fit, the rest are built on demand
    expect(Array.isArray(eager)).toBe(true);
    expect(Array.isArray(lazy)).toBe(false);
    expect(lazy.length).toBe(40);
    for (let i = 0; i < 40; i++) {
      const [a, b] = [eager.at(i)!, lazy.at(i)!];
      expect(b.body.equals(a.body)).toBe(true);
      expect({ ...b, body: null }).toEqual({ ...a, body: null });
      expect(b.body.toString()).toBe(requestBody(list.at(i)!, body));
    }
    expect(lazy.at(40)).toBeUndefined();
    const first = firstSpecs(lazy, 10);
    expect([first.length, first.at(9)?.datasetIndex, first.at(10)]).toEqual([10, 9, undefined]);
  });
});

describe('memory does not grow with num-prompts x input-len', () => {
  it('100,000 random prompts of 1,024 tokens (the most num-prompts allows) hold under 100 MiB beside the body budget', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    const before = process.memoryUsage();
    const ds: Dataset = { type: 'random', 'input-len': 1024, 'output-len': 128, 'num-prompts': 100_000 };
    const list = await entries(ds);
    const specs = requestSpecs(list, body);
    gc();
    const after = process.memoryUsage();
    const grew = after.heapUsed - before.heapUsed + (after.arrayBuffers - before.arrayBuffers);
    // Built up front, the same dataset held 1.6 GiB (ids arrays and bodies of every prompt).
    expect(grew).toBeLessThan(PREBUILT_BODY_BYTES + 100 * 1024 * 1024);
    expect(specs.length).toBe(100_000);
    expect(specs.at(99_999)!.body.length).toBeGreaterThan(1024 * 4);
  }, 30_000);
});

describe('lazy specs against the real simulator', () => {
  let sim: RunningSim;
  beforeAll(async () => {
    sim = await startSim(['--sim-seed', '1']);
  });
  afterAll(async () => sim?.stop());

  it('every lazily built request is sent whole: the server counts the prompt lengths the dataset meant', async () => {
    const list = await entries({ type: 'random', 'input-len': 24, 'output-len': 4, 'num-prompts': 30, 'range-ratio': 0.5 });
    const specs = requestSpecs(list, body, 1_000);
    expect(Array.isArray(specs)).toBe(false);
    const run = await runPoint({
      client: { baseUrl: sim.url, path: '/v1/completions', headers: {}, stream: true, timeoutMs: 30_000 },
      specs,
      shape: { kind: 'open', scheduleMs: new Float64Array(30), maxConcurrency: 4 },
    });
    expect(run.records.map((r) => r.success)).toEqual(Array(30).fill(true));
    for (const r of run.records) expect(r.promptTokens).toBe(r.intendedPromptTokens);
  });
});
