import { describe, expect, it } from 'vitest';
import { parsePointKey, servingPointKey, servingPointLabel } from '../../src/results/point-key.js';

describe('point keys', () => {
  it('key open-loop points by rate, capped ones by rate and cap, closed-loop ones by concurrency', () => {
    expect(servingPointKey({ requestRate: 4 })).toBe('rate=4');
    expect(servingPointKey({ requestRate: 'inf' })).toBe('rate=inf');
    expect(servingPointKey({ requestRate: 0.5, maxConcurrency: 16 })).toBe('rate=0.5,max-concurrency=16');
    expect(servingPointKey({ concurrency: 8 })).toBe('concurrency=8');
  });

  it('write a rate Python saved as 10.0 the way the config writes 10', () => {
    expect(servingPointKey({ requestRate: JSON.parse('10.0') as number })).toBe('rate=10');
  });

  it('parse back to the same shape', () => {
    for (const shape of [
      { requestRate: 4, concurrency: null, maxConcurrency: null },
      { requestRate: 'inf' as const, concurrency: null, maxConcurrency: 16 },
      { requestRate: null, concurrency: 8, maxConcurrency: null },
    ]) {
      expect(parsePointKey(servingPointKey(shape))).toEqual(shape);
    }
    expect(parsePointKey('offline')).toBeUndefined();
  });

  it('label points for people', () => {
    expect(servingPointLabel({ requestRate: 4 })).toBe('4 req/s');
    expect(servingPointLabel({ requestRate: 'inf', maxConcurrency: 16 })).toBe('inf req/s, max concurrency 16');
    expect(servingPointLabel({ concurrency: 8 })).toBe('concurrency 8');
  });
});
