// Datasets whose prompts share prefixes, as vLLM's bench builds them: prefix-repetition (a few
// random prefixes, each shared by an equal share of the prompts) and random with prefix-len. Each is
// made again from its seed, and its parameters and prompts enter the dataset fingerprint.
import { describe, expect, it } from 'vitest';
import type { Dataset, ServingSuite } from '../../src/config/schema-types.gen.js';
import { buildDataset, type EntryList } from '../../src/load/datasets.js';
import { estimatingTokenizer } from '../../src/load/tokenize.js';
import { datasetFingerprint } from '../../src/suites/serving.js';
import { GateError } from '../../src/errors.js';

async function entries(ds: Dataset, count: number): Promise<EntryList> {
  return buildDataset(ds, { endpoint: 'completions', tokenizer: estimatingTokenizer(), count });
}

function idsOf(list: EntryList): number[][] {
  return Array.from({ length: list.length }, (_, i) => list.at(i)!.prompt as number[]);
}

function fingerprint(ds: Dataset, list: EntryList): string {
  return datasetFingerprint({ name: 'x', kind: 'serving', dataset: ds } as ServingSuite, list);
}

const key = (ids: number[], n: number): string => ids.slice(0, n).join(',');

describe('prefix-repetition', () => {
  const ds: Dataset = { type: 'prefix-repetition', 'prefix-len': 48, 'suffix-len': 16, 'num-prefixes': 4, 'output-len': 7, seed: 9 };

  it('makes num-prefixes prefixes of prefix-len ids, each shared by an equal share of the prompts, with fresh suffixes', async () => {
    const list = await entries(ds, 20);
    const prompts = idsOf(list);
    expect(prompts.every((p) => p.length === 64)).toBe(true);
    const groups = new Map<string, number>();
    for (const p of prompts) groups.set(key(p, 48), (groups.get(key(p, 48)) ?? 0) + 1);
    expect([...groups.values()]).toEqual([5, 5, 5, 5]);
    // Suffixes are each prompt's own.
    expect(new Set(prompts.map((p) => p.slice(48).join(','))).size).toBe(20);
    expect(list.at(3)!.intendedPromptTokens).toBe(64);
    expect(list.at(3)!.outputLen).toBe(7);
  });

  it('shuffles the prompts, so the prefixes are not sent one after another', async () => {
    const prompts = idsOf(await entries(ds, 20));
    const firstFive = new Set(prompts.slice(0, 5).map((p) => key(p, 48)));
    expect(firstFive.size).toBeGreaterThan(1);
  });

  it('is made again from its seed, and another seed makes other prompts', async () => {
    const a = idsOf(await entries(ds, 20));
    expect(idsOf(await entries(ds, 20))).toEqual(a);
    expect(idsOf(await entries({ ...ds, seed: 10 }, 20))).not.toEqual(a);
  });

  it('enters the dataset fingerprint: each of its keys changes it', async () => {
    const base = fingerprint(ds, await entries(ds, 20));
    expect(fingerprint(ds, await entries(ds, 20))).toBe(base);
    for (const change of [{ 'prefix-len': 32 }, { 'suffix-len': 8 }, { 'num-prefixes': 2 }, { 'output-len': 8 }, { seed: 1 }]) {
      const other = { ...ds, ...change } as Dataset;
      expect(fingerprint(other, await entries(other, 20)), JSON.stringify(change)).not.toBe(base);
    }
  });

  it("uses vLLM's defaults: 10 prefixes of 256 tokens, 256-token suffixes, 128 output tokens", async () => {
    const list = await entries({ type: 'prefix-repetition' }, 30);
    const prompts = idsOf(list);
    expect(prompts[0]!.length).toBe(512);
    expect(new Set(prompts.map((p) => key(p, 256))).size).toBe(10);
    expect(list.at(0)!.outputLen).toBe(128);
  });

  it('refuses more prefixes than prompts, naming the key', async () => {
    const err = await entries({ type: 'prefix-repetition', 'num-prefixes': 8 }, 5).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GateError);
    expect((err as GateError).message).toMatch(/num-prefixes 8 is more than the 5 prompts/);
    expect((err as GateError).where.path).toBe('dataset.num-prefixes');
  });
});

describe('random with prefix-len', () => {
  it('puts the same prefix-len ids before every random prompt, made again from the seed', async () => {
    const ds: Dataset = { type: 'random', 'input-len': 32, 'prefix-len': 40, 'output-len': 4, seed: 5 };
    const prompts = idsOf(await entries(ds, 10));
    expect(prompts.every((p) => p.length === 72)).toBe(true);
    expect(new Set(prompts.map((p) => key(p, 40))).size).toBe(1);
    expect(new Set(prompts.map((p) => p.slice(40).join(','))).size).toBe(10);
    expect(idsOf(await entries(ds, 10))).toEqual(prompts);
    const a = fingerprint(ds, await entries(ds, 10));
    const other: Dataset = { ...ds, 'prefix-len': 41 };
    expect(fingerprint(other, await entries(other, 10))).not.toBe(a);
  });
});
