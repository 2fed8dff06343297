// The prefix cache's parts on their own: chained block hashes, the block pool's LRU free queue,
// and the scheduler skipping the prefill of cached blocks (driven by hand on a fake clock).
import { describe, expect, it } from 'vitest';
import { Engine, EngineRequest, type EngineConfig } from '../engine.js';
import { BlockPool, extendBlockHashes, rootHash } from '../prefix-cache.js';
import { Rng } from '../rng.js';
import { encode } from '../tokenizer.js';

const ids = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => from + i);

describe('block hashes', () => {
  const root = rootHash(0, null);
  const hashes = (tokens: number[]): number[] => {
    const h: number[] = [];
    extendBlockHashes(h, tokens, 4, root);
    return h;
  };

  it('cover full blocks only: a partial last block has no hash', () => {
    expect(hashes(ids(0, 11))).toHaveLength(2);
    expect(hashes(ids(0, 12))).toHaveLength(3);
  });

  it('are chained: equal blocks after different parents hash differently', () => {
    const a = hashes([1, 2, 3, 4, 9, 9, 9, 9]);
    const b = hashes([5, 6, 7, 8, 9, 9, 9, 9]);
    expect(a[0]).not.toBe(b[0]);
    expect(a[1]).not.toBe(b[1]);
    expect(hashes([1, 2, 3, 4, 9, 9, 9, 9, 7])).toEqual(a);
  });

  it('differ with a cache_salt, which seeds the first block', () => {
    const h = (salt: number | null): number[] => {
      const out: number[] = [];
      extendBlockHashes(out, ids(0, 8), 4, rootHash(0, salt));
      return out;
    };
    expect(h(1)[0]).not.toBe(h(null)[0]);
    expect(h(1)).toEqual(h(1));
  });

  it('are shared by prompts whose text shares a prefix', () => {
    const prefix = ' the cat sat on a mat'.repeat(8);
    const a = encode(prefix + ' and then ran away.');
    const b = encode(prefix + ' but a dog came by.');
    const ha = hashes(a);
    const hb = hashes(b);
    const shared = Math.floor(encode(prefix).length / 4);
    expect(shared).toBeGreaterThan(4);
    expect(ha.slice(0, shared)).toEqual(hb.slice(0, shared));
    expect(ha.at(-1)).not.toBe(hb.at(-1));
  });
});

describe('block pool', () => {
  it('evicts the least recently freed cached block first, and a hit on a free block moves it to the back', () => {
    const pool = new BlockPool(3);
    const a: number[] = [];
    const b: number[] = [];
    pool.allocate(1, a);
    pool.allocate(1, b);
    pool.cacheBlock(a[0]!, 11);
    pool.cacheBlock(b[0]!, 22);
    pool.freeReversed(a);
    pool.freeReversed(b);
    // Queue: [never used, a, b]. A hit on a takes it out; freed again it goes behind b.
    const hit = [pool.lookup(11)];
    pool.touch(hit);
    pool.freeReversed(hit);
    const c: number[] = [];
    pool.allocate(2, c); // the never-used block, then b
    expect(pool.lookup(22)).toBe(-1);
    expect(pool.lookup(11)).toBe(a[0]);
    expect(pool.evictions).toBe(1);
  });

  it('frees a request tail first, so its head blocks are evicted last', () => {
    const pool = new BlockPool(4);
    const r: number[] = [];
    pool.allocate(4, r);
    r.forEach((id, i) => pool.cacheBlock(id, 100 + i));
    pool.freeReversed(r);
    pool.allocate(1, []);
    expect(pool.lookup(103)).toBe(-1);
    expect(pool.lookup(100)).toBe(r[0]);
  });

  it('refuses a reset while any block is held, and forgets every hash once none is', () => {
    const pool = new BlockPool(2);
    const r: number[] = [];
    pool.allocate(1, r);
    pool.cacheBlock(r[0]!, 7);
    expect(pool.reset()).toBe(false);
    expect(pool.lookup(7)).toBe(r[0]);
    pool.freeReversed(r);
    expect(pool.reset()).toBe(true);
    expect(pool.lookup(7)).toBe(-1);
  });
});

describe('the scheduler with prefix caching', () => {
  function setup(over: Partial<EngineConfig> = {}) {
    const cfg: EngineConfig = {
      maxNumSeqs: 8,
      maxNumBatchedTokens: 64,
      maxModelLen: 1000,
      kvBlocks: 100,
      blockSize: 4,
      chunkedPrefill: true,
      enablePrefixCaching: true,
      cost: { base: 1, perSeq: 0, perPrefillToken: 0, perContextToken: 0 },
      costFactor: 1,
      noiseCv: 0,
      noiseRng: new Rng(1),
      frontendBase: 0,
      frontendPerInflight: 0,
      frontendInflightExp: 1,
      frontendCv: 0,
      frontendRng: new Rng(2),
      ...over,
    };
    const scheduled: number[] = [];
    const engine = new Engine(cfg, { onToken: () => undefined, onFinish: () => undefined });
    engine.onStep = (n) => scheduled.push(n);
    let now = 0;
    const run = (prompt: number[] | null, promptLen = prompt?.length ?? 0): EngineRequest => {
      const r = new EngineRequest(`r${now}`, promptLen, 1, 1, now, null, prompt === null ? null : prompt.slice());
      engine.add(r);
      for (;;) {
        const d = engine.beginStep(now);
        if (d < 0) break;
        now += d;
        engine.endStep(now);
      }
      return r;
    };
    return { engine, scheduled, run };
  }

  it('prefills only the tokens after the cached full blocks, and counts queries and hits in tokens', () => {
    const s = setup();
    s.run(ids(0, 20));
    const b = s.run([...ids(0, 16), 90, 91, 92, 93, 94, 95]);
    expect(b.cachedTokens).toBe(16);
    expect(s.scheduled).toEqual([20, 6]);
    expect([s.engine.prefixQueries, s.engine.prefixHits]).toEqual([42, 16]);
  });

  it('recomputes the last block of a prompt found whole (its last token needs logits)', () => {
    const s = setup();
    s.run(ids(0, 16));
    const again = s.run(ids(0, 16));
    expect(again.cachedTokens).toBe(12);
    expect(s.scheduled.at(-1)).toBe(4);
  });

  it('never hits without token ids or with caching off, and counts no queries when off', () => {
    const noIds = setup();
    noIds.run(null, 20);
    expect(noIds.run(null, 20).cachedTokens).toBe(0);
    const off = setup({ enablePrefixCaching: false });
    off.run(ids(0, 20));
    expect(off.run(ids(0, 20)).cachedTokens).toBe(0);
    expect([off.engine.prefixQueries, off.engine.prefixHits]).toEqual([0, 0]);
  });

  it('shares the blocks of a cached prefix between running requests: the KV holds them once', () => {
    const s = setup();
    s.run(ids(0, 40));
    const before = s.engine.usedBlocks;
    const a = new EngineRequest('a', 44, 50, 50, 0, null, [...ids(0, 40), 1, 2, 3, 4]);
    const b = new EngineRequest('b', 44, 50, 50, 0, null, [...ids(0, 40), 5, 6, 7, 8]);
    s.engine.add(a);
    s.engine.add(b);
    s.engine.beginStep(100);
    // 10 shared prefix blocks + one own block each.
    expect(s.engine.usedBlocks - before).toBe(12);
    expect([a.cachedTokens, b.cachedTokens]).toEqual([40, 40]);
  });
});
