// The continuous-batching engine model, shaped like vLLM's V1 scheduler. It knows no clock: a
// driver calls beginStep(now) to schedule a batch and learn how long the step takes, and
// endStep(now) when that time has passed, at which point every token the step produced is
// emitted. The real-time driver (loop.ts) and the simulated-time drivers (offline.ts) share it.
// KV blocks come from a block pool with vLLM's automatic prefix caching (prefix-cache.ts).
import { BlockPool, extendBlockHashes, type BlockHash } from './prefix-cache.js';
import type { Rng } from './rng.js';

export interface StepCost {
  base: number;
  perSeq: number;
  perPrefillToken: number;
  perContextToken: number;
}

export interface EngineConfig {
  maxNumSeqs: number;
  maxNumBatchedTokens: number;
  maxModelLen: number;
  kvBlocks: number;
  blockSize: number;
  chunkedPrefill: boolean;
  /** vLLM's --enable-prefix-caching: full blocks are hashed and reused across requests. */
  enablePrefixCaching: boolean;
  cost: StepCost;
  /** Multiplies every step cost: slowdown x run factor x time scale. */
  costFactor: number;
  /** Per-step jitter, coefficient of variation. */
  noiseCv: number;
  noiseRng: Rng;
  /** Front-end delay before a request can be scheduled: base + perInflight x requests in flight (already scaled). */
  frontendBase: number;
  frontendPerInflight: number;
  /** Exponent of the in-flight count in the front-end delay (1 = linear). */
  frontendInflightExp: number;
  /** Jitter of the front-end delay (coefficient of variation), from its own seeded stream. */
  frontendCv: number;
  frontendRng: Rng;
}

export type FinishReason = 'length' | 'stop' | 'abort';

export interface EngineObserver {
  /** A token was produced for req at time now; last is true on its final token. */
  onToken(req: EngineRequest, now: number, last: boolean): void;
  /** The request left the engine (after its last token, or aborted). */
  onFinish(req: EngineRequest, now: number): void;
}

const PENDING = 0;
const WAITING = 1;
const RUNNING = 2;
const DONE = 3;

export class EngineRequest {
  state = PENDING;
  /** Tokens whose KV is computed. */
  computed = 0;
  generated = 0;
  /** The KV blocks the request holds, in token order. */
  readonly blockIds: number[] = [];
  /** Leading blocks of blockIds registered in the prefix cache. */
  cachedBlocks = 0;
  /** Chained hashes of the full blocks of tokenIds, computed as they are needed. */
  readonly blockHashes: BlockHash[] = [];
  /** Root of the hash chain (vLLM's NONE_HASH, salted by the request's cache_salt). */
  hashRoot: BlockHash = 0;
  /** Prompt tokens found in the prefix cache when first scheduled (vLLM's num_cached_tokens); -1 before. */
  cachedTokens = -1;
  scheduledNow = 0;
  readyAt = 0;
  firstScheduledAt = -1;
  firstTokenAt = -1;
  lastTokenAt = -1;
  finishedAt = -1;
  preemptions = 0;
  finishReason: FinishReason | null = null;
  constructor(
    readonly id: string,
    readonly promptTokens: number,
    readonly maxTokens: number,
    /** Tokens the model will produce before EOS (== maxTokens with ignore_eos). */
    readonly targetTokens: number,
    readonly arrival: number,
    /** Anything the front end wants to hang on the request (the HTTP stream). */
    public sink: unknown = null,
    /**
     * Token ids of the prompt, then of each output token as the front end learns it; null when
     * unknown (the offline benches), and such a request never hits the prefix cache.
     */
    readonly tokenIds: number[] | null = null,
  ) {}
  get numTokens(): number {
    return this.promptTokens + this.generated;
  }
  get blocks(): number {
    return this.blockIds.length;
  }
  /** Records the id of the token just produced, so the block it fills can be cached. */
  appendOutputId(id: number): void {
    this.tokenIds?.push(id);
  }
}

export interface StepStats {
  steps: number;
  lastBatchSize: number;
  lastScheduledTokens: number;
}

export class Engine {
  private pending: EngineRequest[] = [];
  private waiting: EngineRequest[] = [];
  private running: EngineRequest[] = [];
  private batch: EngineRequest[] = [];
  private readonly pool: BlockPool;
  /** Blocks of the cache hit found for the head of the waiting queue (scratch). */
  private readonly hit: number[] = [];
  inflight = 0;
  preemptionsTotal = 0;
  promptTokensTotal = 0;
  generationTokensTotal = 0;
  /**
   * Prefix-cache lookups of new requests, counted at admission as vLLM's PrefixCacheStats: requests,
   * queried tokens (the request's tokens) and hit tokens. A preempted request's second lookup
   * (its own blocks found again) is kept apart, as vLLM does, and is not in these counters.
   */
  prefixRequests = 0;
  prefixQueries = 0;
  prefixHits = 0;
  preemptedQueries = 0;
  preemptedHits = 0;
  steps = 0;
  lastScheduledTokens = 0;
  /** Optional hook, e.g. the iteration-tokens histogram. */
  onStep: ((scheduledTokens: number) => void) | null = null;
  onPreempt: ((req: EngineRequest) => void) | null = null;

  constructor(
    readonly cfg: EngineConfig,
    private readonly observer: EngineObserver,
  ) {
    this.pool = new BlockPool(cfg.kvBlocks);
  }

  get numRunning(): number {
    return this.running.length;
  }
  get numWaiting(): number {
    return this.waiting.length + this.pending.length;
  }
  get kvUsage(): number {
    return this.cfg.kvBlocks === 0 ? 0 : (this.cfg.kvBlocks - this.pool.numFree) / this.cfg.kvBlocks;
  }
  /** Blocks held by requests (cached blocks no request holds count as free, as in vLLM). */
  get usedBlocks(): number {
    return this.cfg.kvBlocks - this.pool.numFree;
  }
  /** Full blocks findable in the prefix cache. */
  get cachedBlockCount(): number {
    return this.pool.numCached;
  }
  /** Cached blocks evicted (reused for other tokens) since start. */
  get evictions(): number {
    return this.pool.evictions;
  }
  /** vLLM's reset_prefix_cache: refused (false) while any request holds blocks. */
  resetPrefixCache(): boolean {
    return this.pool.reset();
  }
  hasWork(): boolean {
    return this.running.length > 0 || this.waiting.length > 0 || this.pending.length > 0;
  }

  /** Accepts a request that arrived at req.arrival; it becomes schedulable after the front-end delay. */
  add(req: EngineRequest): void {
    this.inflight++;
    const c = this.cfg;
    const n = this.inflight;
    const delay = c.frontendBase + c.frontendPerInflight * (c.frontendInflightExp === 1 ? n : Math.pow(n, c.frontendInflightExp));
    req.readyAt = req.arrival + (delay > 0 && c.frontendCv > 0 ? delay * c.frontendRng.factor(c.frontendCv) : delay);
    req.state = PENDING;
    this.pending.push(req);
  }

  /** Earliest time a pending request becomes schedulable (Infinity if none). */
  nextReadyAt(): number {
    let t = Infinity;
    for (const r of this.pending) if (r.readyAt < t) t = r.readyAt;
    return t;
  }

  /** Removes a request (client went away); frees its KV blocks. */
  abort(req: EngineRequest, now: number): void {
    if (req.state === DONE) return;
    const list = req.state === PENDING ? this.pending : req.state === WAITING ? this.waiting : this.running;
    const i = list.indexOf(req);
    if (i >= 0) list.splice(i, 1);
    this.release(req);
    req.finishReason = 'abort';
    this.finish(req, now);
  }

  private blocksFor(tokens: number): number {
    return Math.ceil(tokens / this.cfg.blockSize);
  }

  /** Gives a request's blocks back to the pool, tail first; cached ones stay findable until evicted. */
  private release(r: EngineRequest): void {
    this.pool.freeReversed(r.blockIds);
    r.blockIds.length = 0;
    r.cachedBlocks = 0;
  }

  /**
   * The longest run of leading full blocks of r already in the cache, into this.hit. As vLLM's
   * get_computed_blocks, at most numTokens - 1 tokens can hit: the last token is always computed
   * for its logits, so a prompt found whole recomputes its last block.
   */
  private findCacheHit(r: EngineRequest): number {
    const hit = this.hit;
    hit.length = 0;
    const ids = r.tokenIds;
    if (!this.cfg.enablePrefixCaching || ids === null) return 0;
    const bs = this.cfg.blockSize;
    extendBlockHashes(r.blockHashes, ids, bs, r.hashRoot);
    const most = Math.min(Math.floor((r.numTokens - 1) / bs), r.blockHashes.length);
    for (let i = 0; i < most; i++) {
      const id = this.pool.lookup(r.blockHashes[i]!);
      if (id < 0) break;
      hit.push(id);
    }
    return hit.length;
  }

  /** Registers the full blocks of r's first `tokens` tokens in the cache (vLLM caches them when scheduled). */
  private cacheFullBlocks(r: EngineRequest, tokens: number): void {
    const ids = r.tokenIds;
    if (!this.cfg.enablePrefixCaching || ids === null) return;
    const bs = this.cfg.blockSize;
    const full = Math.min(Math.floor(Math.min(tokens, ids.length) / bs), r.blockIds.length);
    if (full <= r.cachedBlocks) return;
    extendBlockHashes(r.blockHashes, ids, bs, r.hashRoot);
    for (let i = r.cachedBlocks; i < full; i++) this.pool.cacheBlock(r.blockIds[i]!, r.blockHashes[i]!);
    r.cachedBlocks = full;
  }

  private recordLookup(r: EngineRequest, hitTokens: number): void {
    if (!this.cfg.enablePrefixCaching) return;
    if (r.preemptions > 0) {
      this.preemptedQueries += r.numTokens;
      this.preemptedHits += hitTokens;
      return;
    }
    this.prefixRequests++;
    this.prefixQueries += r.numTokens;
    this.prefixHits += hitTokens;
  }

  private admitPending(now: number): void {
    if (this.pending.length === 0) return;
    let keep = 0;
    for (let i = 0; i < this.pending.length; i++) {
      const r = this.pending[i]!;
      if (r.readyAt <= now) {
        r.state = WAITING;
        this.waiting.push(r);
      } else {
        this.pending[keep++] = r;
      }
    }
    this.pending.length = keep;
  }

  private preemptLast(): EngineRequest {
    const victim = this.running.pop()!;
    this.release(victim);
    victim.computed = 0;
    victim.state = WAITING;
    victim.preemptions++;
    this.preemptionsTotal++;
    this.waiting.unshift(victim);
    this.onPreempt?.(victim);
    return victim;
  }

  /**
   * Schedules one step at time now: running requests first (decode or their next prefill chunk),
   * then waiting ones FCFS while the token budget, max_num_seqs and free KV blocks allow; a waiting
   * request starts after the blocks it finds in the prefix cache, which cost no prefill.
   * Returns the step's duration in seconds, or -1 when there is nothing to run.
   */
  beginStep(now: number): number {
    this.admitPending(now);
    const cfg = this.cfg;
    let budget = cfg.maxNumBatchedTokens;
    const batch = this.batch;
    batch.length = 0;
    let preempted = false;
    let prefillTokens = 0;
    let contextTokens = 0;

    for (let i = 0; i < this.running.length && budget > 0; i++) {
      const r = this.running[i]!;
      const remaining = r.numTokens - r.computed;
      const n = remaining < budget ? remaining : budget;
      const need = this.blocksFor(r.computed + n) - r.blocks;
      let selfPreempted = false;
      while (need > this.pool.numFree) {
        const victim = this.preemptLast();
        preempted = true;
        if (victim === r) {
          selfPreempted = true;
          break;
        }
      }
      if (selfPreempted) break;
      if (need > 0) this.pool.allocate(need, r.blockIds);
      this.cacheFullBlocks(r, r.computed + n);
      r.scheduledNow = n;
      budget -= n;
      if (remaining > 1 || r.generated === 0) prefillTokens += n;
      contextTokens += r.computed + n;
      batch.push(r);
    }

    if (!preempted) {
      while (this.waiting.length > 0 && this.running.length < cfg.maxNumSeqs && budget > 0) {
        // A waiting request holds no blocks and has computed nothing (preemption frees both).
        const r = this.waiting[0]!;
        const hitBlocks = this.findCacheHit(r);
        const hitTokens = hitBlocks * cfg.blockSize;
        const remaining = r.numTokens - hitTokens;
        if (!cfg.chunkedPrefill && remaining > budget) break;
        const n = remaining < budget ? remaining : budget;
        const fresh = this.blocksFor(hitTokens + n) - hitBlocks;
        // A hit on a free cached block takes it out of the free queue too.
        let hitFree = 0;
        for (let k = 0; k < hitBlocks; k++) if (this.pool.isFree(this.hit[k]!)) hitFree++;
        if (fresh + hitFree > this.pool.numFree) break;
        this.waiting.shift();
        r.state = RUNNING;
        this.running.push(r);
        this.pool.touch(this.hit);
        for (let k = 0; k < hitBlocks; k++) r.blockIds.push(this.hit[k]!);
        r.cachedBlocks = hitBlocks;
        this.pool.allocate(fresh, r.blockIds);
        r.computed = hitTokens;
        this.recordLookup(r, hitTokens);
        if (r.cachedTokens < 0) r.cachedTokens = hitTokens;
        this.cacheFullBlocks(r, hitTokens + n);
        r.scheduledNow = n;
        budget -= n;
        prefillTokens += n;
        contextTokens += r.computed + n;
        if (r.firstScheduledAt < 0) r.firstScheduledAt = now;
        batch.push(r);
      }
    }

    if (batch.length === 0) return -1;
    const scheduled = cfg.maxNumBatchedTokens - budget;
    this.lastScheduledTokens = scheduled;
    this.steps++;
    this.onStep?.(scheduled);
    const c = cfg.cost;
    const cost = c.base + c.perSeq * batch.length + c.perPrefillToken * prefillTokens + c.perContextToken * contextTokens;
    const noise = cfg.noiseCv > 0 ? cfg.noiseRng.factor(cfg.noiseCv) : 1;
    return cost * cfg.costFactor * noise;
  }

  /** Ends the step begun last: applies the computed tokens and emits one token per request whose prefill or decode completed. */
  endStep(now: number): void {
    const batch = this.batch;
    let finishedAny = false;
    for (let i = 0; i < batch.length; i++) {
      const r = batch[i]!;
      if (r.state !== RUNNING) continue; // aborted during the step
      r.computed += r.scheduledNow;
      if (r.computed < r.numTokens) continue; // a prefill chunk, no output yet
      if (r.generated === 0 && r.preemptions === 0) this.promptTokensTotal += r.promptTokens;
      r.generated++;
      this.generationTokensTotal++;
      if (r.firstTokenAt < 0) r.firstTokenAt = now;
      r.lastTokenAt = now;
      const last = r.generated >= r.targetTokens || r.numTokens >= this.cfg.maxModelLen;
      if (last) {
        r.finishReason = r.generated >= r.maxTokens || r.numTokens >= this.cfg.maxModelLen ? 'length' : 'stop';
        r.state = DONE;
        this.release(r);
        finishedAny = true;
      }
      this.observer.onToken(r, now, last);
    }
    if (finishedAny) {
      let keep = 0;
      for (let i = 0; i < this.running.length; i++) {
        const r = this.running[i]!;
        if (r.state === DONE) this.finish(r, now);
        else this.running[keep++] = r;
      }
      this.running.length = keep;
    }
    batch.length = 0;
  }

  private finish(req: EngineRequest, now: number): void {
    req.state = DONE;
    req.finishedAt = now;
    this.inflight--;
    this.observer.onFinish(req, now);
  }
}

/** Draws the output length of a request: exactly maxTokens with ignore_eos, else a seeded early EOS. */
export function targetLength(maxTokens: number, ignoreEos: boolean, eosHazard: number, u: number): number {
  if (ignoreEos || eosHazard <= 0 || maxTokens <= 1) return maxTokens;
  // Geometric: first token k at which EOS is sampled, with per-token chance eosHazard.
  const k = Math.ceil(Math.log(1 - u) / Math.log(1 - eosHazard));
  return k >= 1 && k < maxTokens ? k : maxTokens;
}

/** A finished request's phases, in seconds, as vLLM's FinishedRequestStats (vllm/v1/metrics/stats.py) defines them. */
export interface RequestTimes {
  /** From the engine receiving the request (after the front end) to its first scheduling. */
  queue: number;
  /** From first scheduled to its first token (preemptions during prefill included). */
  prefill: number;
  /** From the first token to the last. */
  decode: number;
  /** From first scheduled to the last token. */
  inference: number;
}

/** The phases of a request that produced at least one token; null for one that never did. */
export function requestTimes(r: EngineRequest): RequestTimes | null {
  if (r.firstScheduledAt < 0 || r.firstTokenAt < 0) return null;
  return {
    queue: r.firstScheduledAt - r.readyAt,
    prefill: r.firstTokenAt - r.firstScheduledAt,
    decode: r.lastTokenAt - r.firstTokenAt,
    inference: r.lastTokenAt - r.firstScheduledAt,
  };
}
