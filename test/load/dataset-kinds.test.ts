import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/config/schema-types.gen.js';
import { DATASET_KINDS, datasetKind, numPromptsOf } from '../../src/load/datasets.js';

describe('dataset descriptors: what the pipeline asks of each dataset type, in one table', () => {
  it('has exactly one descriptor for every dataset type the config schema allows', () => {
    const schema = JSON.parse(readFileSync('schemas/config.schema.json', 'utf8')) as {
      definitions: { dataset: { oneOf: { properties: { type: { const: string } } }[] } };
    };
    const types = new Set(schema.definitions.dataset.oneOf.map((b) => b.properties.type.const));
    expect(types.size).toBeGreaterThan(0);
    expect(Object.keys(DATASET_KINDS).sort()).toEqual([...types].sort());
  });

  it('defaults num-prompts as vLLM does: 100 for a fixed prompt, 1000 otherwise; a given count wins', () => {
    expect(numPromptsOf({ type: 'fixed', prompt: 'hi' } as Dataset)).toBe(100);
    expect(numPromptsOf({ type: 'random' } as Dataset)).toBe(1000);
    expect(numPromptsOf({ type: 'sharegpt', path: 'x.json' } as Dataset)).toBe(1000);
    expect(numPromptsOf({ type: 'random', 'num-prompts': 7 } as Dataset)).toBe(7);
  });

  it('sends token ids (and so forces ignore-eos) for the random-id types only', () => {
    const tokenIdTypes = Object.entries(DATASET_KINDS)
      .filter(([, k]) => k.tokenIds)
      .map(([t]) => t)
      .sort();
    expect(tokenIdTypes).toEqual(['prefix-repetition', 'random', 'trace']);
  });

  it('says which settings share prefixes, so cache resets follow the data', () => {
    expect(datasetKind({ type: 'random' } as Dataset).sharesPrefixes({ type: 'random' } as never)).toBe(false);
    expect(datasetKind({ type: 'random' } as Dataset).sharesPrefixes({ type: 'random', 'prefix-len': 64 } as never)).toBe(true);
    expect(DATASET_KINDS['prefix-repetition'].sharesPrefixes({ type: 'prefix-repetition' })).toBe(true);
    expect(DATASET_KINDS.fixed.sharesPrefixes({ type: 'fixed', prompt: 'x' } as never)).toBe(false);
  });

  it('finds impossible settings by themselves, naming the key', () => {
    expect(DATASET_KINDS.sonnet.check({ type: 'sonnet', 'prefix-len': 600, 'input-len': 550 } as never)).toEqual([
      expect.objectContaining({ key: 'prefix-len', message: 'sonnet prefix-len 600 is longer than input-len 550' }),
    ]);
    expect(DATASET_KINDS.sonnet.check({ type: 'sonnet' } as never)).toEqual([]);
    expect(DATASET_KINDS['prefix-repetition'].check({ type: 'prefix-repetition', 'num-prefixes': 20, 'num-prompts': 10 })).toEqual([
      expect.objectContaining({ key: 'num-prefixes' }),
    ]);
  });
});
