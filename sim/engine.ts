// The continuous-batching engine model, shaped like vLLM's V1 scheduler. It knows no clock: a
// driver calls beginStep(now) to schedule a batch and learn how long the step takes, and
// endStep(now) when that time has passed, at which point every token the step produced is
// emitted. The real-time driver (loop.ts) and the simulated-time drivers (offline.ts) share it.
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
  blocks = 0;
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
  ) {}
  get numTokens(): number {
    return this.promptTokens + this.generated;
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
  private freeBlocks: number;
  inflight = 0;
  preemptionsTotal = 0;
  promptTokensTotal = 0;
  generationTokensTotal = 0;
  steps = 0;
  lastScheduledTokens = 0;
  /** Optional hook, e.g. the iteration-tokens histogram. */
  onStep: ((scheduledTokens: number) => void) | null = null;
  onPreempt: ((req: EngineRequest) => void) | null = null;

  constructor(
    readonly cfg: EngineConfig,
    private readonly observer: EngineObserver,
  ) {
    this.freeBlocks = cfg.kvBlocks;
  }

  get numRunning(): number {
    return this.running.length;
  }
  get numWaiting(): number {
    return this.waiting.length + this.pending.length;
  }
  get kvUsage(): number {
    return this.cfg.kvBlocks === 0 ? 0 : (this.cfg.kvBlocks - this.freeBlocks) / this.cfg.kvBlocks;
  }
  get usedBlocks(): number {
    return this.cfg.kvBlocks - this.freeBlocks;
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
    this.freeBlocks += req.blocks;
    req.blocks = 0;
    req.finishReason = 'abort';
    this.finish(req, now);
  }

  private blocksFor(tokens: number): number {
    return Math.ceil(tokens / this.cfg.blockSize);
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
    this.freeBlocks += victim.blocks;
    victim.blocks = 0;
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
   * then waiting ones FCFS while the token budget, max_num_seqs and free KV blocks allow.
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
      while (need > this.freeBlocks) {
        const victim = this.preemptLast();
        preempted = true;
        if (victim === r) {
          selfPreempted = true;
          break;
        }
      }
      if (selfPreempted) break;
      this.freeBlocks -= need;
      r.blocks += need;
      r.scheduledNow = n;
      budget -= n;
      if (remaining > 1 || r.generated === 0) prefillTokens += n;
      contextTokens += r.computed + n;
      batch.push(r);
    }

    if (!preempted) {
      while (this.waiting.length > 0 && this.running.length < cfg.maxNumSeqs && budget > 0) {
        const r = this.waiting[0]!;
        const remaining = r.numTokens - r.computed;
        if (!cfg.chunkedPrefill && remaining > budget) break;
        const n = remaining < budget ? remaining : budget;
        const need = this.blocksFor(r.computed + n) - r.blocks;
        if (need > this.freeBlocks) break;
        this.waiting.shift();
        r.state = RUNNING;
        this.running.push(r);
        this.freeBlocks -= need;
        r.blocks += need;
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
    const cost =
      c.base + c.perSeq * batch.length + c.perPrefillToken * prefillTokens + c.perContextToken * contextTokens;
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
        this.freeBlocks += r.blocks;
        r.blocks = 0;
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
