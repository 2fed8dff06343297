// vLLM v1's KV block pool with automatic prefix caching (vllm/v1/core/block_pool.py,
// kv_cache_utils.py and kv_cache_manager.py, vLLM 0.11). Every block of the KV cache sits in one
// free queue while no request holds it; a block that was filled holds the chained hash of its
// tokens and stays findable until it is popped from the front of that queue for reuse (LRU
// eviction). A request's blocks are freed tail first, so the head of a prompt, the part another
// request most likely shares, is evicted last.

/** A block's hash: 53 bits, so a JS number holds it exactly (vLLM's builtin hash is 64 bits). */
export type BlockHash = number;

const NO_HASH = -1;

function mix32(h: number, v: number): number {
  // murmur3's 32-bit block mix.
  v = Math.imul(v, 0xcc9e2d51);
  v = (v << 15) | (v >>> 17);
  v = Math.imul(v, 0x1b873593);
  h ^= v;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * The hash of one full block, chained as vLLM's `hash_block_tokens(parent_block_hash,
 * curr_block_token_ids)`: it covers the parent block's hash and this block's token ids, so equal
 * hashes mean equal prefixes up to and including the block.
 */
export function hashBlockTokens(parent: BlockHash, ids: readonly number[], start: number, blockSize: number): BlockHash {
  const pHi = Math.floor(parent / 4294967296);
  const pLo = parent >>> 0;
  // Two lanes with different seeds give 64 bits of state, of which 53 are kept.
  let a = mix32(mix32(0x2545f491, pHi), pLo);
  let b = mix32(mix32(0x61c88647, pLo), pHi);
  for (let i = start; i < start + blockSize; i++) {
    const t = ids[i]! | 0;
    a = mix32(a, t);
    b = mix32(b, t ^ 0x5bd1e995);
  }
  a = fmix32(a ^ blockSize);
  b = fmix32(b ^ (blockSize * 31));
  return (a >>> 11) * 4294967296 + b;
}

/** The root parent hash (vLLM's NONE_HASH), from the seed and an optional `cache_salt`. */
export function rootHash(seed: number, salt: number | null): BlockHash {
  const a = fmix32(mix32(0x7f4a7c15, seed));
  const b = fmix32(mix32(0x3c6ef372, salt === null ? 0 : salt ^ 0x9e3779b9));
  return (a >>> 11) * 4294967296 + b;
}

/** Chained hashes of every full block of ids, appended to hashes (those already there are kept). */
export function extendBlockHashes(hashes: BlockHash[], ids: readonly number[], blockSize: number, root: BlockHash): void {
  while ((hashes.length + 1) * blockSize <= ids.length) {
    const parent = hashes.length === 0 ? root : hashes[hashes.length - 1]!;
    hashes.push(hashBlockTokens(parent, ids, hashes.length * blockSize, blockSize));
  }
}

/**
 * The blocks of the KV cache. A block is free when no request holds it (ref count 0); free blocks
 * wait in one doubly linked queue, oldest first. Allocation pops the front and drops whatever hash
 * the block held (eviction); freeing appends at the back. A cache hit on a free block takes it out
 * of the queue (vLLM's `touch`).
 */
export class BlockPool {
  private readonly prev: Int32Array;
  private readonly next: Int32Array;
  private readonly ref: Int32Array;
  private readonly hashOf: Float64Array;
  private readonly cached = new Map<BlockHash, number>();
  /** Sentinel index of the free queue (one past the last block). */
  private readonly head: number;
  numFree: number;
  /** Cached blocks dropped to make room, since start. */
  evictions = 0;

  constructor(readonly numBlocks: number) {
    const n = numBlocks + 1;
    this.prev = new Int32Array(n);
    this.next = new Int32Array(n);
    this.ref = new Int32Array(numBlocks);
    this.hashOf = new Float64Array(numBlocks).fill(NO_HASH);
    this.head = numBlocks;
    for (let i = 0; i < n; i++) {
      this.next[i] = (i + 1) % n;
      this.prev[i] = (i + n - 1) % n;
    }
    this.numFree = numBlocks;
  }

  private unlink(id: number): void {
    const p = this.prev[id]!;
    const q = this.next[id]!;
    this.next[p] = q;
    this.prev[q] = p;
    this.numFree--;
  }

  private append(id: number): void {
    const last = this.prev[this.head]!;
    this.next[last] = id;
    this.prev[id] = last;
    this.next[id] = this.head;
    this.prev[this.head] = id;
    this.numFree++;
  }

  /** The cached block holding this hash, or -1. */
  lookup(hash: BlockHash): number {
    return this.cached.get(hash) ?? -1;
  }

  /** True when the block is in the free queue (a hit on it takes a free block away). */
  isFree(id: number): boolean {
    return this.ref[id] === 0;
  }

  /** Pops n blocks from the front of the free queue, evicting their hashes. The caller checked numFree. */
  allocate(n: number, into: number[]): void {
    for (let k = 0; k < n; k++) {
      const id = this.next[this.head]!;
      this.unlink(id);
      const h = this.hashOf[id]!;
      if (h !== NO_HASH) {
        if (this.cached.get(h) === id) this.cached.delete(h);
        this.hashOf[id] = NO_HASH;
        this.evictions++;
      }
      this.ref[id] = 1;
      into.push(id);
    }
  }

  /** Takes a reference on cache-hit blocks, removing free ones from the queue. */
  touch(ids: readonly number[]): void {
    for (const id of ids) {
      const r = this.ref[id]!;
      if (r === 0) this.unlink(id);
      this.ref[id] = r + 1;
    }
  }

  /** Drops a request's references, its tail block first, so the tail is evicted before the head. */
  freeReversed(ids: readonly number[]): void {
    for (let k = ids.length - 1; k >= 0; k--) {
      const id = ids[k]!;
      const r = this.ref[id]! - 1;
      this.ref[id] = r;
      if (r === 0) this.append(id);
    }
  }

  /** Makes a full block findable by its hash; a second block with a hash already cached stays anonymous. */
  cacheBlock(id: number, hash: BlockHash): void {
    if (this.hashOf[id] !== NO_HASH || this.cached.has(hash)) return;
    this.hashOf[id] = hash;
    this.cached.set(hash, id);
  }

  /** vLLM's `reset_prefix_cache`: forgets every hash, refused (false) while any block is held. */
  reset(): boolean {
    if (this.numFree !== this.numBlocks) return false;
    this.cached.clear();
    this.hashOf.fill(NO_HASH);
    return true;
  }

  get numCached(): number {
    return this.cached.size;
  }
}
