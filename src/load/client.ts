// The streaming HTTP client: one pool of keep-alive sockets per point (connections sized to the
// concurrency) on our own HTTP/1.1 transport (http1.ts says why not undici), and timestamps taken
// with performance.now() when a read delivers bytes, before any decoding or JSON parsing. Measures
// each request as vLLM's endpoint_request_func does (vllm/benchmarks/lib/endpoint_request_func.py): TTFT at the first event
// with a non-empty `choices`, one ITL per later such event, latency at the last of them (the usage
// chunk and [DONE] do not extend it), token counts from `usage`. Failures are classified, never
// thrown.
import { ConnectionClosedError, Http1Pool, type Http1Exchange, type Http1Handler } from './http1.js';
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
 * Socket reads, numbered and stamped. The transport calls enterRead once per socket read, before
 * any body piece of it. A read's stamp is the time the event loop's poll returned the batch of
 * sockets it belongs to (the first read of that poll phase; the batch ends in the check phase):
 * every socket in the batch already held its first bytes then, so each read's first event is
 * stamped at that instant, not after the reads the loop happened to handle before it. A later event
 * in the same read may have come after the poll returned, so it takes the read's own time.
 */
let readTurn = 0;
let readNowMs = 0;
let batchOpen = false;
let batchNowMs = 0;
const closeBatch = (): void => {
  batchOpen = false;
};
function enterRead(): void {
  readTurn++;
  readNowMs = performance.now();
  if (!batchOpen) {
    batchOpen = true;
    batchNowMs = readNowMs;
    setImmediate(closeBatch);
  }
}

/**
 * Streams with bytes read (and stamped) but not parsed yet. Reads only stamp and queue their bytes;
 * the SSE parsing runs after the poll phase, a slice at a time with a poll in between, so while a
 * server writes a burst of tokens the loop goes back to its sockets at least every PARSE_SLICE_MS
 * and the reads, not the parsing, keep pace with the writes. The backlog is parsed as the burst
 * ends; a response's end parses its own bytes at once.
 */
const unparsed: RequestHandler[] = [];
let unparsedHead = 0;
let parseScheduled = false;
const PARSE_SLICE_MS = 0.02;
const parseUnparsed = (): void => {
  const until = performance.now() + PARSE_SLICE_MS;
  while (unparsedHead < unparsed.length) {
    unparsed[unparsedHead++]!.parsePending();
    if (performance.now() >= until) break;
  }
  if (unparsedHead < unparsed.length) {
    setImmediate(parseUnparsed);
    return;
  }
  unparsed.length = 0;
  unparsedHead = 0;
  parseScheduled = false;
};
function queueParse(h: RequestHandler): void {
  unparsed.push(h);
  if (!parseScheduled) {
    parseScheduled = true;
    setImmediate(parseUnparsed);
  }
}

const CONNECTION_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);
const MAX_ERROR_BODY = 4096;
/** A server that does not answer GET /health quickly is simply not primed. */
const PRIME_TIMEOUT_MS = 2000;

export class LoadClient {
  private readonly pool: Http1Pool;
  private readonly path: string;
  readonly stream: boolean;
  readonly timeoutMs: number;
  private readonly inFlight = new Set<RequestHandler>();
  /** Reads that delivered bytes of streaming bodies, and SSE events parsed from them. */
  reads = 0;
  events = 0;

  constructor(opts: ClientOptions) {
    const url = new URL(opts.baseUrl);
    this.path = url.pathname.replace(/\/+$/, '') + opts.path;
    this.stream = opts.stream;
    this.timeoutMs = opts.timeoutMs;
    this.pool = new Http1Pool(url.origin, {
      connections: Math.max(1, opts.connections),
      headers: { 'content-type': 'application/json', ...opts.headers },
      onRead: enterRead,
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
    try {
      h.exchange = this.pool.request({ method: 'POST', path: this.path, body: spec.body }, h);
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
      Array.from(
        { length: Math.max(1, sockets) },
        () =>
          new Promise<void>((resolve) => {
            // Any answer, or none, is fine: a server without /health is simply not primed.
            const ignore = (): void => undefined;
            const ex = this.pool.request(
              { method: 'GET', path, body: null },
              { onStart: ignore, onHead: ignore, onBody: ignore, onEnd: resolve, onError: () => resolve() },
            );
            setTimeout(() => ex.abort(new Error('no answer to GET /health')), PRIME_TIMEOUT_MS).unref();
          }),
      ),
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
    await this.pool.close();
  }
}

function classify(err: Error): ErrorKind {
  if (err instanceof TimeoutError) return 'timeout';
  if (err instanceof ConnectionClosedError) return 'connection';
  const code = (err as { code?: string }).code;
  if (code && CONNECTION_CODES.has(code)) return 'connection';
  return 'other';
}

class RequestHandler implements Http1Handler {
  exchange: Http1Exchange | null = null;
  private readonly timer: NodeJS.Timeout;
  private finished = false;
  private status = 0;
  private readonly sse: SseReader | null;
  private body: Buffer[] | null = null;
  private bodyBytes = 0;
  private readNow = 0;
  private readSeq = 0;
  private lastRead = 0;
  /** Bytes read and not parsed yet (see parseUnparsed), with each read's times and number. */
  private readonly pending: Buffer[] = [];
  private readonly pendingAt: number[] = [];
  private readonly pendingBatchAt: number[] = [];
  private readonly pendingRead: number[] = [];
  private batchNow = 0;
  /** The read whose first event was stamped last, and the stamp of the event being handled. */
  private eventRead = -1;
  private eventNow = 0;
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
    if (this.exchange) this.exchange.abort(reason);
    else this.fail(classify(reason), reason.message);
  }

  onStart(): void {
    // Right before the request's bytes are written on its socket (once: nothing is retried).
    this.rec.startMs = performance.now() - this.t0;
  }

  onHead(statusCode: number): void {
    this.status = statusCode;
    this.rec.httpStatus = statusCode;
    if (statusCode !== 200 || !this.sse) this.body = [];
  }

  onBody(chunk: Buffer): void {
    // The read's stamp (enterRead ran as the read began), before any decoding or parsing.
    this.readNow = readNowMs - this.t0;
    if (this.body !== null) {
      if (this.status === 200 || this.bodyBytes < MAX_ERROR_BODY) {
        this.body.push(Buffer.from(chunk)); // the transport reuses its read buffer
        this.bodyBytes += chunk.length;
      }
      return;
    }
    if (this.lastRead !== readTurn) {
      this.lastRead = readTurn;
      this.client.reads++;
    }
    if (this.pending.length === 0) queueParse(this);
    this.pending.push(Buffer.from(chunk)); // the transport reuses its read buffer
    this.pendingAt.push(this.readNow);
    this.pendingBatchAt.push(batchNowMs - this.t0);
    this.pendingRead.push(readTurn);
  }

  /** Parses the bytes read so far, each read with its own arrival time and number. */
  parsePending(): void {
    const n = this.pending.length;
    if (n === 0) return;
    if (!this.finished) {
      for (let i = 0; i < n; i++) {
        this.readNow = this.pendingAt[i]!;
        this.batchNow = this.pendingBatchAt[i]!;
        this.readSeq = this.pendingRead[i]!;
        this.client.events += this.sse!.push(this.pending[i]!);
      }
    }
    this.pending.length = 0;
    this.pendingAt.length = 0;
    this.pendingBatchAt.length = 0;
    this.pendingRead.length = 0;
  }

  private onEvent(data: string): void {
    const rec = this.rec;
    if (this.eventRead !== this.readSeq) {
      this.eventRead = this.readSeq;
      this.eventNow = this.batchNow;
    } else this.eventNow = this.readNow;
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
    const now = this.eventNow;
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

  onEnd(): void {
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

  onError(err: Error): void {
    if (this.finished) return;
    this.fail(
      classify(err),
      err instanceof TimeoutError || err instanceof CancelledError
        ? err.message
        : `${(err as { code?: string }).code ?? err.name}: ${err.message}`,
    );
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
  prompt_tokens_details?: { cached_tokens?: unknown } | null;
}

function readUsage(rec: RequestRecord, u: Usage): void {
  if (typeof u.completion_tokens === 'number') rec.outputTokens = u.completion_tokens;
  if (typeof u.prompt_tokens === 'number') rec.promptTokens = u.prompt_tokens;
  const cached = u.prompt_tokens_details?.cached_tokens;
  if (typeof cached === 'number') rec.cachedTokens = cached;
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
