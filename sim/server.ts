// The HTTP front end: vLLM's OpenAI-compatible routes over node:http, streaming tokens as the
// engine emits them.
import { closeSync, openSync, writeSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { PerformanceObserver } from 'node:perf_hooks';
import type { EngineArgs, SimKnobs } from './args.js';
import { Engine, EngineRequest, requestTimes, targetLength, type EngineObserver } from './engine.js';
import { Faults, type RequestFault } from './faults.js';
import * as log from './log.js';
import { IdleScavenger } from './idle-gc.js';
import { COARSE_MARGIN_S, monoNow, RealtimeLoop, ringPercentiles } from './loop.js';
import { Metrics } from './metrics.js';
import { rootHash } from './prefix-cache.js';
import { hashString, mixSeed, streamRng } from './rng.js';
import { engineConfig } from './setup.js';
import {
  chatFormat,
  chatResponse,
  completionFormat,
  completionResponse,
  DONE_EVENT,
  errorBody,
  roleChunk,
  tokenChunk,
  usageChunk,
  usageJson,
  WORD_JSON,
  type StreamFormat,
} from './sse.js';
import { countTokens, decode, encode, renderChat, OUTPUT_IDS, OUTPUT_WORDS, type ChatMessage } from './tokenizer.js';

export const VLLM_VERSION = '0.11.0';

export interface ServeConfig {
  model: string;
  host: string;
  port: number;
  servedNames: string[];
  engine: EngineArgs;
  knobs: SimKnobs;
  forceIncludeUsage: boolean;
  logStats: boolean;
  /** --enable-prompt-tokens-details: usage carries prompt_tokens_details.cached_tokens. */
  promptTokensDetails: boolean;
  /** VLLM_SERVER_DEV_MODE: the development routes (POST /reset_prefix_cache) are served. */
  devMode: boolean;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly param: string | null = null,
  ) {
    super(message);
  }
}

/** What the server keeps per request in flight. */
class Job {
  text = '';
  prevTokenAt = 0;
  dead = false;
  tokenTimes: number[] | null = null;
  /** The request once finished, for its trace line (written after its last chunk). */
  finished: { r: EngineRequest; now: number; reason: string } | null = null;
  constructor(
    readonly res: ServerResponse,
    readonly chat: boolean,
    readonly stream: boolean,
    readonly fmt: StreamFormat | null,
    readonly id: string,
    readonly created: number,
    readonly model: string,
    readonly includeUsage: boolean,
    readonly continuousUsage: boolean,
    public wordState: number,
    readonly fault: RequestFault | null,
    readonly faultAt: number,
  ) {}
}

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
};

/**
 * Writes one HTTP/1.1 chunk of a streaming response. After the headers are out, the framed chunk
 * goes straight to the socket as one buffer: Node's res.write would cork, frame in four pieces
 * and uncork on nextTick for every token, which costs more than the token itself. res.end()
 * still writes the terminating zero-length chunk, in order, on the same socket.
 */
// eslint-disable-next-line no-control-regex -- ASCII starts at NUL
const ASCII = /^[\x00-\x7f]*$/;
/** Most work done on read requests, or on a step's writes, before the event loop polls for more (seconds). */
const SLICE_S = 0.00005;

function monotonicOriginMs(): number {
  const now = performance.now();
  return Number(process.hrtime.bigint()) / 1e6 - now;
}

function writeChunk(res: ServerResponse, data: string): void {
  const sock = res.socket;
  if (sock !== null && sock.destroyed) return; // client gone; 'close' will abort the request
  if (sock === null || !res.headersSent || res.writableEnded) {
    if (!res.writableEnded) res.write(data);
    return;
  }
  // Chunks are ASCII unless the model name or an error message is not; only then scan for length.
  if (ASCII.test(data)) sock.write(data.length.toString(16) + '\r\n' + data + '\r\n', 'latin1');
  else sock.write(Buffer.byteLength(data).toString(16) + '\r\n' + data + '\r\n', 'utf8');
}

function nextWord(job: Job): number {
  // xorshift32: no allocation per token.
  let x = job.wordState;
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  job.wordState = x >>> 0;
  return job.wordState % OUTPUT_WORDS.length;
}

export class SimServer implements EngineObserver {
  readonly engine: Engine;
  readonly loop: RealtimeLoop;
  readonly metrics: Metrics;
  readonly faults: Faults;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  /** Trace file descriptor: lines are written synchronously so a crash (crash-after) loses none. */
  private trace: number | null = null;
  private seq = 0;
  private completed = 0;
  private readonly idSalt: string;
  readonly runFactor: number;
  private statsPrompt = 0;
  /** Seconds each request waited between its arrival stamp and its handling (a ring). */
  private readonly intake = new Float64Array(1 << 16);
  private intakeCount = 0;
  /**
   * A step's writes still to do, in order: the job, its chunk (null: the job's trace line) and
   * whether the chunk ends the response. Written in slices (drainOutbox) so requests that arrive
   * meanwhile are read and stamped, as vLLM's API server interleaves them; a step's writes are all
   * done before the next step's (flushOutbox), so the queue never outgrows one step.
   */
  private readonly outJobs: Job[] = [];
  private readonly outData: (string | null)[] = [];
  private readonly outLast: boolean[] = [];
  private outHead = 0;
  /** The step (its time) whose writes are queued, or -1. */
  private outStep = -1;
  /** Time from each step's end to its last write (a ring), seconds. */
  private readonly emitSpan = new Float64Array(1 << 16);
  private emitCount = 0;
  /** Garbage-collection pauses since the last stats reset: count, total and longest (seconds). */
  private gc = { count: 0, total: 0, max: 0 };
  private readonly scavenger = new IdleScavenger();
  /** The last GC pauses, [start, end] pairs in seconds on the loop's clock. */
  private readonly gcSpans = new Float64Array(512);
  private gcSpanCount = 0;
  private readonly gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const d = e.duration / 1000;
      this.gc.count++;
      this.gc.total += d;
      if (d > this.gc.max) this.gc.max = d;
      const k = (this.gcSpanCount++ & (this.gcSpans.length / 2 - 1)) * 2;
      this.gcSpans[k] = e.startTime / 1000;
      this.gcSpans[k + 1] = e.startTime / 1000 + d;
    }
  });
  /**
   * Arrival stamps: a request arrives when the event loop's poll returned the batch of sockets its
   * head was read in (the first request handled in that poll phase takes the time; the batch ends
   * in the check phase). Its bytes were in the socket then, whatever the loop handled before it.
   * A request parsed inside the simulator's own work (a pipelined one, as a response ends) is not
   * a poll's read and takes its own time.
   */
  private batchOpen = false;
  private batchAt = 0;
  private ownWork = false;
  private readonly closeBatch = (): void => {
    this.batchOpen = false;
  };
  /** Requests read whose work is still to do, in arrival order. */
  private readonly posts: { path: string; chunks: Buffer[]; res: ServerResponse; arrival: number }[] = [];
  private statsGen = 0;
  /** The routes served: vLLM's, plus its development ones in dev mode. */
  readonly routes: Record<string, string[]>;
  /**
   * The log line's prefix cache hit rate, over the most recent ~1,000 requests as vLLM's
   * CachingMetrics: one [requests, queries, hits] entry per log interval, oldest dropped first.
   */
  private hitWindow: [number, number, number][] = [];
  private hitSeen = [0, 0, 0];

  constructor(readonly cfg: ServeConfig) {
    const setup = engineConfig(cfg.engine, cfg.knobs, cfg.knobs.timeScale);
    this.runFactor = setup.runFactor;
    this.gcObserver.observe({ entryTypes: ['gc'] });
    this.engine = new Engine(setup.config, this);
    this.loop = new RealtimeLoop(this.engine);
    this.metrics = new Metrics(cfg.servedNames[0]!, {
      blockSize: cfg.engine.blockSize,
      gpuMemoryUtilization: cfg.engine.gpuMemoryUtilization,
      numGpuBlocks: cfg.engine.numGpuBlocks,
      enablePrefixCaching: cfg.engine.enablePrefixCaching,
    });
    this.routes = cfg.devMode ? { ...ROUTES, ...DEV_ROUTES } : ROUTES;
    this.engine.onStep = (n) => this.metrics.iteration.observe(n);
    this.faults = new Faults(cfg.knobs.faults, streamRng(cfg.knobs.seed, 'faults'));
    this.idSalt = mixSeed(cfg.knobs.seed, hashString(cfg.model)).toString(16).padStart(8, '0');
    if (cfg.knobs.trace !== null) this.trace = openSync(cfg.knobs.trace, 'w');
    this.server = createServer({ keepAlive: true, noDelay: true }, (req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 5000;
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.cfg.port, this.cfg.host, () => {
        const addr = this.server.address();
        resolve(typeof addr === 'object' && addr !== null ? addr.port : this.cfg.port);
      });
    });
  }

  startStatsLog(): void {
    if (!this.cfg.logStats) return;
    const everyS = 10;
    setInterval(() => {
      const p = this.engine.promptTokensTotal - this.statsPrompt;
      const g = this.engine.generationTokensTotal - this.statsGen;
      this.statsPrompt += p;
      this.statsGen += g;
      if (p === 0 && g === 0 && !this.engine.hasWork()) return;
      log.api(
        'INFO',
        'loggers.py:123',
        `Engine 000: Avg prompt throughput: ${(p / everyS).toFixed(1)} tokens/s, Avg generation throughput: ${(g / everyS).toFixed(1)} tokens/s, ` +
          `Running: ${this.engine.numRunning} reqs, Waiting: ${this.engine.numWaiting} reqs, GPU KV cache usage: ${(this.engine.kvUsage * 100).toFixed(1)}%, ` +
          `Prefix cache hit rate: ${(this.recentHitRate() * 100).toFixed(1)}%`,
      );
    }, everyS * 1000).unref();
  }

  /** Hits / queries of the recent requests (vLLM's CachingMetrics with 1,000 requests). */
  private recentHitRate(): number {
    const e = this.engine;
    const seen = this.hitSeen;
    const entry: [number, number, number] = [e.prefixRequests - seen[0]!, e.prefixQueries - seen[1]!, e.prefixHits - seen[2]!];
    this.hitSeen = [e.prefixRequests, e.prefixQueries, e.prefixHits];
    if (entry[0] > 0) this.hitWindow.push(entry);
    let requests = this.hitWindow.reduce((a, w) => a + w[0], 0);
    while (this.hitWindow.length > 1 && requests - this.hitWindow[0]![0] >= 1000) requests -= this.hitWindow.shift()![0];
    const queries = this.hitWindow.reduce((a, w) => a + w[1], 0);
    return queries === 0 ? 0 : this.hitWindow.reduce((a, w) => a + w[2], 0) / queries;
  }

  async close(): Promise<void> {
    this.loop.stop();
    // A step's writes still queued hold the trace lines of requests whose last chunk is out (the
    // client may have finished with them already): the trace keeps every request that finished.
    this.flushOutbox();
    this.gcObserver.disconnect();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
    if (this.trace !== null) closeSync(this.trace);
    this.trace = null;
  }

  // ---- engine observer -------------------------------------------------------------------

  onToken(r: EngineRequest, now: number, last: boolean): void {
    const job = r.sink as Job;
    if (now !== this.outStep) this.beginStepWrites(now);
    if (r.generated === 1) this.metrics.ttft.observe(now - r.arrival);
    else this.metrics.itl.observe(now - job.prevTokenAt);
    job.prevTokenAt = now;
    // A streamed chunk's trace time is taken when it is written (writeOut).
    if (job.tokenTimes !== null && !job.stream) job.tokenTimes.push(now);
    if (job.dead) return;
    const w = nextWord(job);
    // The engine caches a block once its tokens are known, generated ones included.
    r.appendOutputId(OUTPUT_IDS[w]!);
    if (job.fault !== null && r.generated === job.faultAt && this.applyFault(job, r)) return;
    if (!job.stream) {
      job.text += OUTPUT_WORDS[w];
      if (last) this.respondFinal(job, r);
      return;
    }
    const f = job.fmt!;
    const usage = job.continuousUsage ? usageJson(r.promptTokens, r.generated) : null;
    let out = '';
    if (r.generated === 1 && job.chat) out = roleChunk(f, job.continuousUsage ? usageJson(r.promptTokens, 0) : null);
    out += tokenChunk(f, job.chat, WORD_JSON[w]!, last ? r.finishReason : null, usage);
    if (last) {
      if (job.includeUsage) out += usageChunk(f, r.promptTokens, r.generated, this.cachedTokensShown(r));
      out += DONE_EVENT;
    }
    this.outJobs.push(job);
    this.outData.push(out);
    this.outLast.push(last);
    if (this.outJobs.length - this.outHead === 1) setImmediate(this.drainOutbox);
  }

  /** A new step's tokens are coming: the previous step's writes are finished first. */
  private beginStepWrites(now: number): void {
    this.flushOutbox();
    this.outStep = now;
  }

  private writeOut(i: number): void {
    const job = this.outJobs[i]!;
    const data = this.outData[i] as string | null;
    if (data === null) return this.writeTrace(job);
    // The trace keeps when each streamed chunk went to the socket, the instant a client can be
    // compared with.
    if (job.tokenTimes !== null) job.tokenTimes.push(monoNow());
    writeChunk(job.res, data);
    if (this.outLast[i]) job.res.end();
  }

  private outboxDone(): void {
    if (this.outJobs.length === 0) return;
    if (this.outStep >= 0) this.emitSpan[this.emitCount++ & (this.emitSpan.length - 1)] = monoNow() - this.outStep;
    this.outJobs.length = 0;
    this.outData.length = 0;
    this.outLast.length = 0;
    this.outHead = 0;
  }

  private flushOutbox(): void {
    while (this.outHead < this.outJobs.length) this.writeOut(this.outHead++);
    this.outboxDone();
  }

  private readonly drainOutbox = (): void => {
    this.scavenger.maybe(this.loop.untilDeadline() - COARSE_MARGIN_S, monoNow);
    const until = monoNow() + SLICE_S;
    this.ownWork = true;
    try {
      while (this.outHead < this.outJobs.length) {
        this.writeOut(this.outHead++);
        if (monoNow() >= until) break;
      }
    } finally {
      this.ownWork = false;
    }
    if (this.outHead < this.outJobs.length) setImmediate(this.drainOutbox);
    else {
      this.outboxDone();
      // The step's writes are out: the time to the next deadline is quiet (see idle-gc.ts).
      this.scavenger.maybe(this.loop.untilDeadline() - COARSE_MARGIN_S, monoNow);
    }
  };

  /** cached_tokens for the usage: the prefix-cache hit at first scheduling, when the flag asks for it. */
  private cachedTokensShown(r: EngineRequest): number {
    return this.cfg.promptTokensDetails ? Math.max(0, r.cachedTokens) : 0;
  }

  onFinish(r: EngineRequest, now: number): void {
    const job = r.sink as Job;
    const m = this.metrics;
    const reason = r.finishReason ?? 'abort';
    m.success[reason] = (m.success[reason] ?? 0) + 1;
    if (reason !== 'abort') m.observeFinished(r, now);
    if (this.trace !== null) {
      job.finished = { r, now, reason };
      // After the job's last chunk when that is still queued.
      if (this.outHead < this.outJobs.length) {
        this.outJobs.push(job);
        this.outData.push(null);
        this.outLast.push(false);
      } else this.writeTrace(job);
    }
    this.completed++;
    const crashAfter = this.faults.crashAfter;
    if (crashAfter !== null && this.completed >= crashAfter) {
      // Let the step's responses reach the client, then die like a crashed engine.
      setImmediate(() => {
        this.flushOutbox();
        this.crash();
      });
    }
  }

  private writeTrace(job: Job): void {
    const f = job.finished;
    if (this.trace === null || f === null) return;
    const r = f.r;
    const t = requestTimes(r);
    writeSync(
      this.trace,
      JSON.stringify({
        id: job.id,
        arrival_s: r.arrival,
        first_token_s: r.firstTokenAt < 0 ? null : (job.tokenTimes?.[0] ?? r.firstTokenAt),
        token_times_s: job.tokenTimes ?? [],
        finish_s: f.now,
        prompt_tokens: r.promptTokens,
        output_tokens: r.generated,
        finish_reason: f.reason,
        // The engine's side, as the vllm:request_*_time_seconds histograms observe it.
        queued_s: r.readyAt,
        scheduled_s: r.firstScheduledAt < 0 ? null : r.firstScheduledAt,
        queue_time_s: t?.queue ?? null,
        prefill_time_s: t?.prefill ?? null,
        decode_time_s: t?.decode ?? null,
        inference_time_s: t?.inference ?? null,
        cached_tokens: Math.max(0, r.cachedTokens),
        preemptions: r.preemptions,
      }) + '\n',
    );
  }

  crash(): never {
    log.core('ERROR', 'core.py:710', 'EngineCore encountered a fatal error.');
    log.api(
      'ERROR',
      'async_llm.py:420',
      'AsyncLLM output_handler failed. vllm.v1.engine.exceptions.EngineDeadError: EngineCore encountered an issue.',
    );
    process.exit(1);
  }

  /** Returns true when the fault replaced the normal handling of this token. */
  private applyFault(job: Job, r: EngineRequest): boolean {
    const res = job.res;
    switch (job.fault) {
      case 'stream-error': {
        const body = JSON.stringify(errorBody(500, 'vllm-sim injected fault: stream-error'));
        if (job.stream) {
          writeChunk(res, `data: ${body}\n\n${DONE_EVENT}`);
          res.end();
        } else this.sendJson(res, 500, body);
        job.dead = true;
        this.engine.abort(r, r.lastTokenAt);
        return true;
      }
      case 'stream-stall':
        job.dead = true;
        this.engine.abort(r, r.lastTokenAt);
        return true;
      case 'drop-connection':
        job.dead = true;
        res.socket?.destroy();
        this.engine.abort(r, r.lastTokenAt);
        return true;
      case 'malformed-sse':
        if (job.stream) {
          writeChunk(res, `${job.fmt!.head.slice(0, job.fmt!.head.length - 30)}\n\n`);
          return false;
        }
        job.dead = true;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"id":"' + job.id + '","object":"text_comp');
        return true;
      default:
        return false;
    }
  }

  private respondFinal(job: Job, r: EngineRequest): void {
    const body = (job.chat ? chatResponse : completionResponse)(
      job.id,
      job.created,
      job.model,
      job.text,
      r.finishReason ?? 'abort',
      r.promptTokens,
      r.generated,
      this.cachedTokensShown(r),
    );
    this.sendJson(job.res, 200, body);
  }

  // ---- HTTP ------------------------------------------------------------------------------

  private sendJson(res: ServerResponse, status: number, body: string): void {
    if (res.headersSent) {
      res.end();
      return;
    }
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }

  private sendError(res: ServerResponse, e: HttpError): void {
    this.sendJson(res, e.status, JSON.stringify(errorBody(e.status, e.message, e.param)));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q >= 0 ? url.slice(0, q) : url;
    const method = req.method ?? 'GET';
    const route = this.routes[path];
    if (route === undefined) {
      req.resume();
      return this.sendJson(res, 404, '{"detail":"Not Found"}');
    }
    if (!route.includes(method)) {
      req.resume();
      return this.sendJson(res, 405, '{"detail":"Method Not Allowed"}');
    }
    if (method === 'GET' || method === 'HEAD') {
      req.resume();
      return this.handleGet(path, res, q >= 0 ? url.slice(q + 1) : '');
    }
    // The arrival is stamped as the request's head is read (arrivalStamp: when its poll batch came
    // in), and the work (JSON, tokenizing, admission) waits for the check phase (drainPosts), so no
    // request is stamped after the work of those read before it.
    const arrival = this.arrivalStamp();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.posts.push({ path, chunks, res, arrival });
      if (this.posts.length === 1) setImmediate(this.drainPosts);
    });
  }

  private arrivalStamp(): number {
    const now = monoNow();
    if (this.ownWork || this.loop.inStepWork) return now;
    if (!this.batchOpen) {
      this.batchOpen = true;
      this.batchAt = now;
      setImmediate(this.closeBatch);
    }
    return this.batchAt;
  }

  /**
   * Handles the requests read so far, a slice of at most SLICE_S at a time: between slices the
   * event loop polls again, so requests that arrive while a burst is handled are stamped as they
   * come instead of after the whole burst's work.
   */
  private readonly drainPosts = (): void => {
    const until = monoNow() + SLICE_S;
    let i = 0;
    this.ownWork = true;
    try {
      while (i < this.posts.length) {
        const p = this.posts[i++]!;
        this.handlePost(p.path, p.chunks, p.res, p.arrival);
        if (monoNow() >= until) break;
      }
    } finally {
      this.ownWork = false;
    }
    this.posts.splice(0, i);
    if (this.posts.length > 0) setImmediate(this.drainPosts);
  };

  private handlePost(path: string, chunks: Buffer[], res: ServerResponse, arrival: number): void {
    this.intake[this.intakeCount++ & (this.intake.length - 1)] = monoNow() - arrival;
    try {
      const raw = Buffer.concat(chunks).toString('utf8');
      if (path === '/ping') return this.sendJson(res, 200, '');
      if (path === '/reset_prefix_cache') return this.resetPrefixCache(res);
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch (e) {
        throw new HttpError(400, `Invalid JSON body: ${(e as Error).message}`);
      }
      if (body === null || typeof body !== 'object' || Array.isArray(body))
        throw new HttpError(400, 'The request body must be a JSON object.');
      const b = body as Record<string, unknown>;
      if (path === '/tokenize') return this.tokenize(res, b);
      if (path === '/detokenize') return this.detokenize(res, b);
      this.generate(res, b, path === '/v1/chat/completions', arrival);
    } catch (e) {
      if (e instanceof HttpError) this.sendError(res, e);
      else this.sendError(res, new HttpError(500, (e as Error).message));
    }
  }

  /**
   * vLLM's dev-mode POST /reset_prefix_cache: 200 with an empty body whether or not the engine
   * reset the cache (vLLM's API server does not check). The engine refuses while any request holds
   * KV blocks, and says so only in its log, as vLLM's block pool does.
   */
  private resetPrefixCache(res: ServerResponse): void {
    log.api('INFO', 'api_server.py:1146', 'Resetting prefix cache with specific None...');
    const held = this.engine.usedBlocks;
    if (this.engine.resetPrefixCache()) {
      log.core('INFO', 'block_pool.py:298', 'Successfully reset prefix cache');
      this.hitWindow = [];
    } else {
      log.core('WARNING', 'block_pool.py:286', `Failed to reset prefix cache because some blocks (${held}) are not freed yet`);
    }
    res.writeHead(200, { 'content-length': 0 });
    res.end();
  }

  private handleGet(path: string, res: ServerResponse, query: string): void {
    switch (path) {
      case '/health':
      case '/ping':
        res.writeHead(200, { 'content-length': 0 });
        return void res.end();
      case '/version':
        return this.sendJson(res, 200, JSON.stringify({ version: VLLM_VERSION }));
      case '/load':
        return this.sendJson(res, 200, JSON.stringify({ server_load: this.engine.inflight }));
      case '/v1/models':
        return this.sendJson(res, 200, JSON.stringify(this.models()));
      case '/metrics': {
        const text = this.metrics.render(this.engine);
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': Buffer.byteLength(text) });
        return void res.end(text);
      }
      case '/sim/stats': {
        const body = JSON.stringify(this.stats());
        if (/(^|&)reset=1(&|$)/.test(query)) {
          this.loop.resetErrors();
          this.emitCount = 0;
          this.intakeCount = 0;
          this.gc = { count: 0, total: 0, max: 0 };
          this.gcSpanCount = 0;
        }
        return this.sendJson(res, 200, body);
      }
      default:
        return this.sendJson(res, 404, '{"detail":"Not Found"}');
    }
  }

  /** Steps that fired over 0.5 ms late, and how many of them a GC pause overlapped. */
  private lateStepCauses(): { count: number; during_gc: number } {
    const late = this.loop.lateSteps();
    const n = Math.min(this.gcSpanCount, this.gcSpans.length / 2);
    let duringGc = 0;
    for (const [deadline, fired] of late) {
      for (let i = 0; i < n; i++) {
        if (this.gcSpans[i * 2]! < fired && this.gcSpans[i * 2 + 1]! > deadline) {
          duringGc++;
          break;
        }
      }
    }
    return { count: late.length, during_gc: duringGc };
  }

  stats(): Record<string, unknown> {
    const [p50, p99, p999, max] = this.loop.errorPercentiles([50, 99, 99.9, 100]);
    const [w50, w99, wmax] = ringPercentiles(this.emitSpan, this.emitCount, [50, 99, 100]);
    const [i50, i99, imax] = ringPercentiles(this.intake, this.intakeCount, [50, 99, 100]);
    return {
      steps: this.engine.steps,
      measured_steps: Math.min(this.loop.errorCount, this.loop.errors.length),
      step_error_ms: { p50: p50! * 1000, p99: p99! * 1000, p999: p999! * 1000, max: max! * 1000 },
      step_emit_work_ms: { p50: w50! * 1000, p99: w99! * 1000, max: wmax! * 1000 },
      gc_pause_ms: { count: this.gc.count, total: this.gc.total * 1000, max: this.gc.max * 1000 },
      late_steps: this.lateStepCauses(),
      intake_ms: { p50: i50! * 1000, p99: i99! * 1000, max: imax! * 1000 },
      cpu_s: (() => {
        const u = process.cpuUsage();
        return { user: u.user / 1e6, system: u.system / 1e6 };
      })(),
      requests_in_flight: this.engine.inflight,
      running: this.engine.numRunning,
      waiting: this.engine.numWaiting,
      generation_tokens_total: this.engine.generationTokensTotal,
      run_factor: this.runFactor,
      // The machine's monotonic clock (process.hrtime) at this process's performance.now() = 0, in
      // ms: the trace's seconds plus this are on a clock another process on the host can read too.
      monotonic_origin_ms: monotonicOriginMs(),
    };
  }

  private models(): unknown {
    const created = Math.floor(Date.now() / 1000);
    return {
      object: 'list',
      data: this.cfg.servedNames.map((id, i) => ({
        id,
        object: 'model',
        created,
        owned_by: 'vllm',
        root: this.cfg.model,
        parent: null,
        max_model_len: this.cfg.engine.maxModelLen,
        permission: [
          {
            id: `modelperm-${this.idSalt}${String(i).padStart(24, '0')}`,
            object: 'model_permission',
            created,
            allow_create_engine: false,
            allow_sampling: true,
            allow_logprobs: true,
            allow_search_indices: false,
            allow_view: true,
            allow_fine_tuning: false,
            organization: '*',
            group: null,
            is_blocking: false,
          },
        ],
      })),
    };
  }

  private checkModel(b: Record<string, unknown>): string {
    const model = b.model;
    if (model === undefined || model === null) return this.cfg.servedNames[0]!;
    if (typeof model !== 'string' || !this.cfg.servedNames.includes(model)) {
      throw new HttpError(404, `The model \`${String(model)}\` does not exist.`, 'model');
    }
    return model;
  }

  private tokenize(res: ServerResponse, b: Record<string, unknown>): void {
    this.checkModel(b);
    let text: string;
    if (Array.isArray(b.messages)) text = renderChat(b.messages as ChatMessage[]);
    else if (typeof b.prompt === 'string') text = b.prompt;
    else throw new HttpError(400, 'Either `prompt` (a string) or `messages` must be given.');
    const tokens = encode(text);
    const out: Record<string, unknown> = { count: tokens.length, max_model_len: this.cfg.engine.maxModelLen, tokens, token_strs: null };
    if (b.return_token_strs === true) out.token_strs = tokens.map((t) => decode([t]));
    this.sendJson(res, 200, JSON.stringify(out));
  }

  private detokenize(res: ServerResponse, b: Record<string, unknown>): void {
    this.checkModel(b);
    if (!Array.isArray(b.tokens) || !b.tokens.every((t) => Number.isInteger(t))) {
      throw new HttpError(400, '`tokens` must be a list of integers.', 'tokens');
    }
    this.sendJson(res, 200, JSON.stringify({ prompt: decode(b.tokens as number[]) }));
  }

  /**
   * Prompt token count, a key for seeding, and (with prefix caching on) the token ids the engine
   * hashes, from a completions prompt or chat messages.
   */
  private promptOf(b: Record<string, unknown>, chat: boolean): { tokens: number; key: string; ids: number[] | null } {
    const p = this.promptText(b, chat);
    if (typeof p !== 'string') return { tokens: p.length, key: p.join(','), ids: this.cfg.engine.enablePrefixCaching ? p.slice() : null };
    if (!this.cfg.engine.enablePrefixCaching) return { tokens: countTokens(p), key: p, ids: null };
    const ids = encode(p);
    return { tokens: ids.length, key: p, ids };
  }

  /** The prompt as text (chat messages rendered with the template) or as the token ids given. */
  private promptText(b: Record<string, unknown>, chat: boolean): string | number[] {
    if (chat) {
      const msgs = b.messages;
      if (!Array.isArray(msgs) || msgs.length === 0) throw new HttpError(400, '`messages` must be a non-empty list.', 'messages');
      for (const m of msgs) {
        if (m === null || typeof m !== 'object' || typeof (m as { role?: unknown }).role !== 'string') {
          throw new HttpError(400, 'Each message needs a `role`.', 'messages');
        }
      }
      return renderChat(msgs as ChatMessage[]);
    }
    let p = b.prompt;
    if (Array.isArray(p) && p.length === 1 && (typeof p[0] === 'string' || Array.isArray(p[0]))) p = p[0];
    if (typeof p === 'string') {
      if (p.length === 0) throw new HttpError(400, 'The prompt cannot be empty.', 'prompt');
      return p;
    }
    if (Array.isArray(p) && p.length > 0 && p.every((t) => Number.isInteger(t))) return p as number[];
    if (Array.isArray(p) && p.length > 1) throw new HttpError(400, 'vllm-sim serves one prompt per request.', 'prompt');
    throw new HttpError(400, '`prompt` must be a non-empty string or a non-empty list of token ids.', 'prompt');
  }

  private generate(res: ServerResponse, b: Record<string, unknown>, chat: boolean, arrival: number): void {
    const model = this.checkModel(b);
    const prompt = this.promptOf(b, chat);
    const maxLen = this.cfg.engine.maxModelLen;
    const mt = chat ? (b.max_completion_tokens ?? b.max_tokens) : b.max_tokens;
    let maxTokens: number;
    if (mt === undefined || mt === null) maxTokens = chat ? maxLen - prompt.tokens : 16;
    else if (typeof mt === 'number' && Number.isInteger(mt) && mt >= 1) maxTokens = mt;
    else throw new HttpError(400, `max_tokens must be at least 1, got ${JSON.stringify(mt)}.`, 'max_tokens');
    if (prompt.tokens + maxTokens > maxLen || maxTokens < 1) {
      throw new HttpError(
        400,
        `This model's maximum context length is ${maxLen} tokens. However, you requested ${prompt.tokens + Math.max(maxTokens, 0)} tokens ` +
          `(${prompt.tokens} in the messages, ${Math.max(maxTokens, 0)} in the completion). Please reduce the length of the messages or completion.`,
        chat ? 'messages' : 'prompt',
      );
    }
    if (b.n !== undefined && b.n !== null && b.n !== 1) throw new HttpError(400, 'vllm-sim supports n = 1 only.', 'n');
    const stream = b.stream === true;
    const so = b.stream_options;
    if (so !== undefined && so !== null && !stream)
      throw new HttpError(400, 'Stream options can only be defined when `stream=True`.', 'stream_options');
    const opts = (so ?? {}) as { include_usage?: unknown; continuous_usage_stats?: unknown };
    const includeUsage = stream && (opts.include_usage === true || this.cfg.forceIncludeUsage);
    const continuousUsage = includeUsage && opts.continuous_usage_stats === true;
    const ignoreEos = b.ignore_eos === true;
    const salt = b.cache_salt;
    if (salt !== undefined && salt !== null && (typeof salt !== 'string' || salt.length === 0)) {
      throw new HttpError(400, "Parameter 'cache_salt' must be a non-empty string if provided.", 'cache_salt');
    }

    const seq = ++this.seq;
    if (this.faults.crashAfter === 0) this.crash();
    const fault = this.faults.draw();
    if (fault === 'http-500') throw new HttpError(500, 'vllm-sim injected fault: http-500');
    if (fault === 'http-429') throw new HttpError(429, 'vllm-sim injected fault: http-429 (too many requests)');

    // Greedy decoding repeats for the same prompt; sampling differs per request unless seeded.
    const reqSeed = typeof b.seed === 'number' ? b.seed : b.temperature === 0 ? 0 : seq;
    const rs = mixSeed(this.cfg.knobs.seed, hashString(prompt.key), reqSeed);
    const u = (mixSeed(rs, 1) + 0.5) / 4294967296;
    const target = targetLength(maxTokens, ignoreEos, this.cfg.knobs.profile.eos_hazard, u);
    const id = `${chat ? 'chatcmpl' : 'cmpl'}-${this.idSalt}${seq.toString(16).padStart(24, '0')}`;
    const created = Math.floor(Date.now() / 1000);
    const fmt = stream ? (chat ? chatFormat : completionFormat)(id, created, model) : null;
    const faultAt = stream ? Math.max(1, Math.floor(target / 2)) : target;
    const job = new Job(res, chat, stream, fmt, id, created, model, includeUsage, continuousUsage, mixSeed(rs, 2) || 1, fault, faultAt);
    if (this.trace !== null) job.tokenTimes = [];
    const er = new EngineRequest(id, prompt.tokens, maxTokens, target, arrival, job, prompt.ids);
    // vLLM puts cache_salt into the first block's hash, so salted prompts share only with the same salt.
    er.hashRoot = rootHash(this.cfg.knobs.seed, typeof salt === 'string' ? hashString(salt) : null);
    this.metrics.maxTokensHist.observe(maxTokens);
    this.metrics.nHist.observe(1);
    if (stream) {
      res.writeHead(200, SSE_HEADERS);
      res.flushHeaders();
    }
    res.on('close', () => {
      if (er.finishReason === null) this.engine.abort(er, monoNow());
    });
    this.engine.add(er);
    this.loop.kick();
  }
}

const ROUTES: Record<string, string[]> = {
  '/health': ['GET', 'HEAD'],
  '/ping': ['GET', 'POST', 'HEAD'],
  '/version': ['GET', 'HEAD'],
  '/load': ['GET', 'HEAD'],
  '/v1/models': ['GET', 'HEAD'],
  '/metrics': ['GET', 'HEAD'],
  '/sim/stats': ['GET'],
  '/tokenize': ['POST'],
  '/detokenize': ['POST'],
  '/v1/completions': ['POST'],
  '/v1/chat/completions': ['POST'],
};

/** vLLM's development routes, served only with VLLM_SERVER_DEV_MODE=1. */
const DEV_ROUTES: Record<string, string[]> = {
  '/reset_prefix_cache': ['POST'],
};
