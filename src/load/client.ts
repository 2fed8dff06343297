// The streaming HTTP client: one undici Pool per point (connections sized to the concurrency,
// keep-alive), raw dispatch handlers, and timestamps taken with performance.now() the moment a read
// delivers bytes, before any decoding or JSON parsing. Measures each request as vLLM's
// endpoint_request_func does (research doc §1.5): TTFT at the first event with a non-empty
// `choices`, one ITL per later such event, latency at the last of them (the usage chunk and [DONE]
// do not extend it), token counts from `usage`. Failures are classified, never thrown.
import { Pool, type Dispatcher } from 'undici';
import { SseReader } from './sse.js';
import type { ErrorKind, RequestRecord } from './types.js';

/** A request ready to send: its body is built and encoded before the point starts. */
export interface RequestSpec {
  /** UTF-8 JSON (a Buffer is used as is; a string would be encoded again on every send). */
  body: Buffer;
  datasetIndex: number;
  intendedPromptTokens: number | null;
  maxTokens: number;
}

export interface ClientOptions {
  /** e.g. http://127.0.0.1:8000 (a path prefix is kept). */
  baseUrl: string;
  /** e.g. /v1/completions */
  path: string;
  headers: Record<string, string>;
  stream: boolean;
  /** A request still running after this long is aborted and counted as a timeout. */
  timeoutMs: number;
  /** Sockets to open at most (the concurrency, or the number of requests for an uncapped rate). */
  connections: number;
}

export class TimeoutError extends Error {
  constructor(ms: number) {
    super(`no complete response within ${ms} ms (request-timeout)`);
    this.name = 'TimeoutError';
  }
}

class CancelledError extends Error {
  constructor() {
    super('the run was cancelled');
    this.name = 'CancelledError';
  }
}

/**
 * Socket reads, told apart. undici hands the body over per HTTP chunk, so one socket read that
 * holds several SSE events arrives as several calls within one event-loop callback. A counter
 * bumped at the first call of a callback, and closed by a microtask (which runs when that callback
 * returns), numbers the reads; all calls of one read share its number and its arrival time.
 */
let readTurn = 0;
let readOpen = false;
let readNowMs = 0;
const closeRead = (): void => {
  readOpen = false;
};
function enterRead(): void {
  if (readOpen) return;
  readOpen = true;
  readTurn++;
  readNowMs = performance.now();
  queueMicrotask(closeRead);
}

/**
 * Streams with bytes read (and stamped) but not parsed yet. A burst of streams (one token each per
 * engine step) is read one socket after another in one poll phase; each read is stamped when its
 * callback starts, so the parsing of the reads before it would make it late. Reads only stamp and
 * queue their bytes; the SSE parsing of all of them runs in the check phase right after.
 */
const unparsed: RequestHandler[] = [];
const parseUnparsed = (): void => {
  for (let i = 0; i < unparsed.length; i++) unparsed[i]!.parsePending();
  unparsed.length = 0;
};

const CONNECTION_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_CONNECT_TIMEOUT', 'ENOTFOUND', 'EHOSTUNREACH']);
const MAX_ERROR_BODY = 4096;
/** A server that does not answer GET /health quickly is simply not primed. */
const PRIME_TIMEOUT_MS = 2000;

export class LoadClient {
  private readonly pool: Pool;
  private readonly origin: string;
  private readonly path: string;
  private readonly headers: Record<string, string>;
  readonly stream: boolean;
  readonly timeoutMs: number;
  private readonly inFlight = new Set<RequestHandler>();
  /** Reads that delivered bytes of streaming bodies, and SSE events parsed from them. */
  reads = 0;
  events = 0;

  constructor(opts: ClientOptions) {
    const url = new URL(opts.baseUrl);
    this.origin = url.origin;
    this.path = url.pathname.replace(/\/+$/, '') + opts.path;
    this.headers = { 'content-type': 'application/json', ...opts.headers };
    this.stream = opts.stream;
    this.timeoutMs = opts.timeoutMs;
    this.pool = new Pool(this.origin, {
      connections: Math.max(1, opts.connections),
      pipelining: 1,
      keepAliveTimeout: 60_000,
      // Our own request-timeout governs; undici's would cut long generations at 300 s.
      headersTimeout: 0,
      bodyTimeout: 0,
    });
  }

  /**
   * Sends one request now. `rec.dispatchMs` and `rec.startMs` must already be set to now (ms since
   * t0); startMs moves to the moment the bytes are written. The record is filled in and `done(rec)`
   * is called exactly once, whatever happens.
   */
  send(spec: RequestSpec, rec: RequestRecord, t0: number, done: (rec: RequestRecord) => void): void {
    const h = new RequestHandler(this, rec, t0, done);
    this.inFlight.add(h);
    const opts: Dispatcher.DispatchOptions = { origin: this.origin, path: this.path, method: 'POST', headers: this.headers, body: spec.body };
    try {
      this.pool.dispatch(opts, h);
    } catch (err) {
      h.fail(classify(err as Error), (err as Error).message);
    }
  }

  /**
   * Opens `sockets` connections before a point with concurrent GET /health requests, and runs the
   * client's code path once. Measured here: each new connection blocks the event loop ~1 ms (and
   * the first use of the code path ~10 ms of JIT), which would show up as send lag and late
   * timestamps inside the measured window. The engine does no work for /health; failures are fine.
   */
  async prime(sockets: number): Promise<void> {
    const path = this.path.replace(/\/v1\/(chat\/)?completions$/, '') + '/health';
    await Promise.all(
      Array.from({ length: Math.max(1, sockets) }, async () => {
        try {
          const res = await this.pool.request({ path, method: 'GET', headers: this.headers, signal: AbortSignal.timeout(PRIME_TIMEOUT_MS) });
          await res.body.dump();
        } catch {
          // a server without /health is fine
        }
      }),
    );
  }

  /** Aborts every request still running (they finish as failures of kind 'other'). */
  cancelAll(): void {
    for (const h of [...this.inFlight]) h.abort(new CancelledError());
  }

  release(h: RequestHandler): void {
    this.inFlight.delete(h);
  }

  async close(): Promise<void> {
    this.cancelAll();
    await this.pool.destroy().catch(() => undefined);
  }
}

function classify(err: Error): ErrorKind {
  if (err instanceof TimeoutError) return 'timeout';
  const code = (err as { code?: string }).code;
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return 'timeout';
  if ((code && CONNECTION_CODES.has(code)) || /other side closed|socket hang up|ECONNRESET/i.test(err.message)) return 'connection';
  return 'other';
}

class RequestHandler implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | null = null;
  private pendingAbort: Error | null = null;
  private readonly timer: NodeJS.Timeout;
  private finished = false;
  private status = 0;
  private readonly sse: SseReader | null;
  private body: Buffer[] | null = null;
  private bodyBytes = 0;
  private readNow = 0;
  private readSeq = 0;
  private lastRead = 0;
  /** Bytes read and not parsed yet (see parseUnparsed), with each read's time and number. */
  private readonly pending: Buffer[] = [];
  private readonly pendingAt: number[] = [];
  private readonly pendingRead: number[] = [];
  private lastTokenRead = -1;
  private lastTokenMs = 0;
  private doneSeen = false;
  private prevRoleOnly = false;
  private streamError: string | null = null;
  private badEvent: string | null = null;

  constructor(
    private readonly client: LoadClient,
    private readonly rec: RequestRecord,
    private readonly t0: number,
    private readonly done: (rec: RequestRecord) => void,
  ) {
    this.sse = client.stream ? new SseReader((d) => this.onEvent(d)) : null;
    this.timer = setTimeout(() => this.abort(new TimeoutError(client.timeoutMs)), client.timeoutMs);
  }

  abort(reason: Error): void {
    if (this.finished) return;
    if (this.controller) this.controller.abort(reason);
    else this.pendingAbort = reason;
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    // undici calls this right before it writes the request on its socket: the real start.
    if (this.controller === null) this.rec.startMs = performance.now() - this.t0;
    this.controller = controller;
    if (this.pendingAbort) controller.abort(this.pendingAbort);
  }

  onResponseStart(_c: Dispatcher.DispatchController, statusCode: number): void {
    this.status = statusCode;
    this.rec.httpStatus = statusCode;
    if (statusCode !== 200 || !this.sse) this.body = [];
  }

  onResponseData(_c: Dispatcher.DispatchController, chunk: Buffer): void {
    // The moment the bytes arrived: taken once per socket read, before any decoding or parsing.
    enterRead();
    this.readNow = readNowMs - this.t0;
    if (this.body !== null) {
      if (this.status === 200 || this.bodyBytes < MAX_ERROR_BODY) {
        this.body.push(chunk);
        this.bodyBytes += chunk.length;
      }
      return;
    }
    if (this.lastRead !== readTurn) {
      this.lastRead = readTurn;
      this.client.reads++;
    }
    if (this.pending.length === 0 && unparsed.push(this) === 1) setImmediate(parseUnparsed);
    this.pending.push(chunk);
    this.pendingAt.push(this.readNow);
    this.pendingRead.push(readTurn);
  }

  /** Parses the bytes read so far, each read with its own arrival time and number. */
  parsePending(): void {
    const n = this.pending.length;
    if (n === 0) return;
    if (!this.finished) {
      for (let i = 0; i < n; i++) {
        this.readNow = this.pendingAt[i]!;
        this.readSeq = this.pendingRead[i]!;
        this.client.events += this.sse!.push(this.pending[i]!);
      }
    }
    this.pending.length = 0;
    this.pendingAt.length = 0;
    this.pendingRead.length = 0;
  }

  private onEvent(data: string): void {
    const rec = this.rec;
    // Fast path for the bulk of a stream: a later token chunk in vLLM's shape is recognised without
    // building its object (JSON escaping keeps these markers out of generated text). It halves the
    // client's CPU per token and the garbage that makes GC pauses, which delay every timestamp.
    // The first chunk, the chunk after chat's role chunk, usage, errors and anything else take the
    // full parse below.
    if (
      rec.tokenChunks > 0 &&
      !this.prevRoleOnly &&
      data.charCodeAt(0) === 123 /* { */ &&
      data.charCodeAt(data.length - 1) === 125 /* } */ &&
      data.includes('"choices":[{') &&
      !data.includes('"usage":{') &&
      !data.includes('"error"')
    ) {
      this.tokenChunk(rec);
      return;
    }
    if (data === '[DONE]') {
      this.doneSeen = true;
      return;
    }
    let obj: { id?: unknown; choices?: unknown; usage?: Usage | null; error?: { message?: unknown } | unknown };
    try {
      obj = JSON.parse(data);
    } catch {
      this.badEvent ??= data.slice(0, 120);
      return;
    }
    if (obj === null || typeof obj !== 'object') {
      this.badEvent ??= data.slice(0, 120);
      return;
    }
    const choices = obj.choices;
    if (Array.isArray(choices) && choices.length > 0) {
      if (rec.tokenChunks === 0 && typeof obj.id === 'string') rec.responseId = obj.id;
      this.tokenChunk(rec);
      const delta = (choices[0] as { delta?: { role?: unknown; content?: unknown } } | undefined)?.delta;
      this.prevRoleOnly = delta !== undefined && delta.role !== undefined && !delta.content;
    } else if (obj.error !== undefined && obj.error !== null) {
      this.streamError ??= errorMessage(obj) ?? data.slice(0, 200);
    }
    if (obj.usage) readUsage(rec, obj.usage);
  }

  /** A token chunk arrived in the current read: TTFT for the first, one ITL sample for each later one. */
  private tokenChunk(rec: RequestRecord): void {
    const now = this.readNow;
    if (rec.tokenChunks === 0) {
      rec.ttftMs = now - rec.startMs;
    } else {
      rec.itlMs.push(now - this.lastTokenMs);
      // vLLM's chat role chunk is written together with the first token: not a late read.
      if (this.lastTokenRead === this.readSeq && !this.prevRoleOnly) rec.coalescedChunks++;
      this.prevRoleOnly = false;
    }
    this.lastTokenMs = now;
    this.lastTokenRead = this.readSeq;
    rec.tokenChunks++;
  }

  onResponseEnd(): void {
    if (this.finished) return;
    const rec = this.rec;
    if (this.status !== 200) {
      const text = Buffer.concat(this.body ?? []).toString('utf8');
      return this.fail('http', `HTTP ${this.status}${describeErrorBody(text)}`);
    }
    if (this.sse) {
      this.parsePending();
      this.client.events += this.sse.end();
      if (this.streamError !== null) return this.fail('stream-error', this.streamError);
      const bad = this.badEvent ?? this.sse.malformed;
      if (bad !== null) return this.fail('malformed-stream', `not an SSE JSON event: ${bad}`);
      if (rec.tokenChunks === 0) return this.fail('malformed-stream', 'the stream carried no token chunk');
      if (!this.doneSeen) return this.fail('malformed-stream', 'the stream ended without data: [DONE]');
      rec.latencyMs = this.lastTokenMs - rec.startMs;
      return this.succeed();
    }
    // Non-streaming: the whole body is the response; latency runs to its last byte.
    rec.latencyMs = this.readNow - rec.startMs;
    let obj: { choices?: unknown; usage?: Usage | null; id?: unknown };
    try {
      obj = JSON.parse(Buffer.concat(this.body ?? []).toString('utf8'));
    } catch {
      return this.fail('malformed-stream', 'the response body is not JSON');
    }
    if (!Array.isArray(obj?.choices) || obj.choices.length === 0) return this.fail('malformed-stream', 'the response has no choices');
    rec.tokenChunks = 1;
    if (typeof obj.id === 'string') rec.responseId = obj.id;
    if (obj.usage) readUsage(rec, obj.usage);
    this.succeed();
  }

  onResponseError(_c: Dispatcher.DispatchController, err: Error): void {
    if (this.finished) return;
    this.fail(classify(err), err instanceof TimeoutError || err instanceof CancelledError ? err.message : `${(err as { code?: string }).code ?? err.name}: ${err.message}`);
  }

  private succeed(): void {
    this.rec.success = true;
    this.finish();
  }

  fail(kind: ErrorKind, message: string): void {
    if (this.finished) return;
    this.rec.success = false;
    this.rec.errorKind = kind;
    this.rec.error = message;
    // A failed request has no latency figures (vLLM keeps them out of every summary).
    this.finish();
  }

  private finish(): void {
    this.finished = true;
    // The response is complete (or failed) now: a closed loop's next request is due from here.
    this.rec.endMs = performance.now() - this.t0;
    clearTimeout(this.timer);
    this.client.release(this);
    this.done(this.rec);
  }
}

interface Usage {
  prompt_tokens?: unknown;
  completion_tokens?: unknown;
}

function readUsage(rec: RequestRecord, u: Usage): void {
  if (typeof u.completion_tokens === 'number') rec.outputTokens = u.completion_tokens;
  if (typeof u.prompt_tokens === 'number') rec.promptTokens = u.prompt_tokens;
}

function errorMessage(obj: { error?: unknown; message?: unknown }): string | null {
  const e = obj.error;
  if (typeof e === 'string') return e;
  if (e && typeof e === 'object' && typeof (e as { message?: unknown }).message === 'string') return (e as { message: string }).message;
  if (typeof obj.message === 'string') return obj.message;
  return null;
}

/** `: message` from vLLM's error envelope (new `{"error": {...}}` or old flat), when there is one. */
function describeErrorBody(text: string): string {
  if (!text) return '';
  try {
    const m = errorMessage(JSON.parse(text));
    if (m) return `: ${m}`;
  } catch {
    // not JSON: show the start of it
  }
  return `: ${text.slice(0, 120)}`;
}
