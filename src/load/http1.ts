// The load generator's own HTTP/1.1 transport: keep-alive sockets read with `onread` (one
// reusable buffer handed straight from libuv to one callback, no stream machinery per read), a
// response parser for status line, headers and content-length, chunked or close-delimited bodies.
//
// Why not undici here (it serves every other request of the action): a token's timestamp can only
// be taken when the event loop gets to the socket, and at 256 streams a server writes a step's
// tokens ~11 us apart. Through undici (net.Socket's Readable, then llhttp) a read costs more than
// that, so the client falls behind within each burst and every token is stamped late: measured on
// a 2-core runner with a no-op handler, p50 of 140-220 us from write to stamp through undici and
// 27-39 us through `onread` (docs/measurement.md has the test). That gap is the client's
// measurement error, so the load path reads its sockets itself.
import net from 'node:net';
import tls from 'node:tls';

/** What a request's owner hears, in this order: start, head, body pieces, then end or error. */
export interface Http1Handler {
  /** The request's bytes are about to be written: its start. */
  onStart(): void;
  onHead(status: number): void;
  /** A piece of the (de-chunked) body, valid only during the call (the read buffer is reused). */
  onBody(chunk: Buffer): void;
  onEnd(): void;
  onError(err: Error): void;
}

export interface Http1Request {
  method: 'GET' | 'POST';
  path: string;
  body: Buffer | null;
}

export interface Http1PoolOptions {
  /** Sockets open at most; requests beyond wait for one in order. */
  connections: number;
  /** Sent with every request (host, content-length and connection are set here). */
  headers: Record<string, string>;
  /** Called once per socket read that carries response bytes, before any onBody from it. */
  onRead?: () => void;
  /** Certificates to trust for https besides the system's (a private CA). */
  ca?: string | Buffer;
}

/** The server closed the connection before the response was complete. */
export class ConnectionClosedError extends Error {
  readonly code = 'ERR_CONNECTION_CLOSED';
  constructor() {
    super('other side closed the connection before the response was complete');
    this.name = 'ConnectionClosedError';
  }
}

/** The bytes received are not an HTTP/1.1 response. */
export class HttpParseError extends Error {
  readonly code = 'ERR_HTTP_PARSE';
  constructor(what: string) {
    super(`the response is not valid HTTP/1.1: ${what}`);
    this.name = 'HttpParseError';
  }
}

/** Longest response head accepted (vLLM's are a few hundred bytes). */
const MAX_HEAD = 64 * 1024;
/**
 * An idle keep-alive socket older than this is closed instead of reused: servers close idle
 * connections (uvicorn, vLLM's server, after 5 s), and a request written as that happens is lost.
 */
const IDLE_REUSE_MS = 4000;
const READ_BUFFER = 64 * 1024;
const CRLF2 = Buffer.from('\r\n\r\n');

/** A request handed to the pool: what to write, who to tell, and how to cancel it. */
export class Http1Exchange {
  conn: Connection | null = null;
  done = false;
  constructor(
    readonly head: Buffer,
    readonly body: Buffer | null,
    readonly handler: Http1Handler,
    private readonly pool: Http1Pool,
  ) {}

  /** Cancels the request: its socket is destroyed and the handler hears `reason`. */
  abort(reason: Error): void {
    if (this.done) return;
    if (this.conn) this.conn.fail(reason);
    else {
      this.pool.dequeue(this);
      this.finish();
      this.handler.onError(reason);
    }
  }

  finish(): void {
    this.done = true;
  }
}

export class Http1Pool {
  private readonly host: string;
  private readonly port: number;
  private readonly secure: boolean;
  private readonly servername: string;
  private readonly headerBlock: string;
  readonly onRead: (() => void) | undefined;
  private readonly idle: Connection[] = [];
  private readonly queue: Http1Exchange[] = [];
  private open = 0;
  private closed = false;
  /** One read buffer for every socket: reads are handled one at a time, each to the end. */
  readonly readBuffer = Buffer.allocUnsafe(READ_BUFFER);

  constructor(
    origin: string,
    private readonly opts: Http1PoolOptions,
  ) {
    const url = new URL(origin);
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new Error(`unsupported protocol ${url.protocol} in ${origin} (use http:// or https://)`);
    this.secure = url.protocol === 'https:';
    this.host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    this.servername = this.host;
    this.port = url.port ? Number(url.port) : this.secure ? 443 : 80;
    this.onRead = opts.onRead;
    let block = `host: ${url.host}\r\n`;
    for (const [k, v] of Object.entries(opts.headers)) {
      // A header name or value with a line break would let config text write its own request.
      if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(k)) throw new Error(`invalid HTTP header name ${JSON.stringify(k)}`);
      if (/[\r\n\0]/.test(v)) throw new Error(`the value of HTTP header ${k} contains a line break`);
      const lower = k.toLowerCase();
      if (lower === 'host' || lower === 'content-length' || lower === 'connection' || lower === 'transfer-encoding') continue;
      block += `${k}: ${v}\r\n`;
    }
    this.headerBlock = block;
  }

  request(req: Http1Request, handler: Http1Handler): Http1Exchange {
    const head = Buffer.from(
      `${req.method} ${req.path} HTTP/1.1\r\n${this.headerBlock}${req.body ? `content-length: ${req.body.length}\r\n` : ''}connection: keep-alive\r\n\r\n`,
      'latin1',
    );
    const ex = new Http1Exchange(head, req.body, handler, this);
    if (this.closed) {
      ex.finish();
      handler.onError(new ConnectionClosedError());
      return ex;
    }
    const conn = this.takeIdle();
    if (conn) conn.send(ex);
    else if (this.open < Math.max(1, this.opts.connections)) this.connect().send(ex);
    else this.queue.push(ex);
    return ex;
  }

  dequeue(ex: Http1Exchange): void {
    const i = this.queue.indexOf(ex);
    if (i >= 0) this.queue.splice(i, 1);
  }

  /** A connection finished its exchange and can carry another. */
  release(conn: Connection): void {
    if (this.closed) return conn.destroy();
    const next = this.queue.shift();
    if (next) return conn.send(next);
    conn.idleSince = performance.now();
    this.idle.push(conn);
  }

  /** A connection is gone; a queued request gets a new one. */
  dropped(conn: Connection): void {
    this.open--;
    const i = this.idle.indexOf(conn);
    if (i >= 0) this.idle.splice(i, 1);
    if (!this.closed && this.queue.length > 0 && this.open < Math.max(1, this.opts.connections)) this.connect().send(this.queue.shift()!);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const ex of this.queue.splice(0)) {
      ex.finish();
      ex.handler.onError(new ConnectionClosedError());
    }
    for (const c of this.idle.splice(0)) c.destroy();
  }

  private takeIdle(): Connection | null {
    const now = performance.now();
    while (this.idle.length > 0) {
      const c = this.idle.pop()!;
      if (now - c.idleSince < IDLE_REUSE_MS && !c.gone) return c;
      c.destroy();
    }
    return null;
  }

  private connect(): Connection {
    this.open++;
    return new Connection(
      this,
      this.secure
        ? { host: this.host, port: this.port, servername: this.servername, ca: this.opts.ca }
        : { host: this.host, port: this.port },
      this.secure,
    );
  }
}

const enum State {
  Head,
  Length,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailers,
  UntilClose,
}

class Connection {
  private readonly socket: net.Socket;
  private connected = false;
  private ex: Http1Exchange | null = null;
  gone = false;
  idleSince = 0;
  // Response parsing state.
  private state = State.Head;
  private head: Buffer | null = null;
  private remaining = 0;
  private keepAlive = true;
  private trailerLine = '';
  // Chunk-size line state.
  private lineBytes = 0;
  private sizeDigits = 0;
  private sizeEnded = false;
  private inExtension = false;
  /** Inside onData: a completed exchange hands the socket back only after the whole read. */
  private reading = false;
  private finished = false;

  constructor(
    private readonly pool: Http1Pool,
    where: { host: string; port: number; servername?: string; ca?: string | Buffer | undefined },
    secure: boolean,
  ) {
    if (secure) {
      // TLS sockets are read through their stream; plain ones straight from libuv.
      const { ca, ...at } = where;
      // An IP address is no server name (SNI), and a ca given adds to the system's roots.
      this.socket = tls.connect({
        ...at,
        servername: net.isIP(at.servername ?? '') ? '' : at.servername,
        ALPNProtocols: ['http/1.1'],
        ...(ca ? { ca: [...tls.rootCertificates, ca.toString()] } : {}),
      });
      this.socket.on('data', (b: Buffer) => this.onData(b, 0, b.length));
      this.socket.once('secureConnect', () => this.onConnect());
    } else {
      const buf = pool.readBuffer;
      const onread = (n: number): boolean => {
        this.onData(buf, 0, n);
        return true;
      };
      this.socket = net.connect({ ...where, noDelay: true, onread: { buffer: buf, callback: onread } });
      this.socket.once('connect', () => this.onConnect());
    }
    this.socket.on('error', (err) => this.fail(err));
    this.socket.on('end', () => this.onEnd());
    this.socket.on('close', () => this.onClose());
  }

  send(ex: Http1Exchange): void {
    this.ex = ex;
    ex.conn = this;
    this.state = State.Head;
    this.head = null;
    this.keepAlive = true;
    if (this.connected) this.write();
  }

  destroy(): void {
    this.gone = true;
    this.socket.destroy();
  }

  /** Ends the current exchange with an error (and the socket with it). */
  fail(err: Error): void {
    const ex = this.ex;
    this.ex = null;
    if (!this.gone) this.destroy();
    if (ex && !ex.done) {
      ex.finish();
      ex.handler.onError(err);
    }
  }

  private onConnect(): void {
    this.connected = true;
    if (this.ex) this.write();
  }

  private write(): void {
    const ex = this.ex!;
    ex.handler.onStart();
    if (ex.body) {
      this.socket.cork();
      this.socket.write(ex.head);
      this.socket.write(ex.body);
      this.socket.uncork();
    } else this.socket.write(ex.head);
  }

  private onEnd(): void {
    if (this.ex && this.state === State.UntilClose) return this.complete();
    if (this.ex) this.fail(new ConnectionClosedError());
    this.destroy();
  }

  private onClose(): void {
    this.gone = true;
    if (this.ex) this.fail(new ConnectionClosedError());
    this.pool.dropped(this);
  }

  private onData(buf: Buffer, start: number, end: number): void {
    if (this.ex === null) {
      // Bytes nobody asked for (a keep-alive socket must be silent between responses).
      if (end > start) this.destroy();
      return;
    }
    this.pool.onRead?.();
    this.reading = true;
    this.finished = false;
    let i = start;
    while (i < end && this.ex !== null) {
      switch (this.state) {
        case State.Head: {
          i = this.readHead(buf, i, end);
          break;
        }
        case State.Length: {
          i = this.deliver(buf, i, end);
          if (this.remaining === 0 && this.ex !== null) this.complete();
          break;
        }
        case State.UntilClose: {
          this.ex.handler.onBody(buf.subarray(i, end));
          i = end;
          break;
        }
        case State.ChunkSize: {
          // Hex digits, then optionally `;extensions` (ignored), then CRLF; read byte by byte, as a
          // size line can be split across reads and this runs once per token.
          let done = false;
          while (i < end) {
            const c = buf[i++]!;
            if (c === 10) {
              done = true;
              break;
            }
            if (++this.lineBytes > 1024) return this.fail(new HttpParseError('a chunk-size line longer than 1 KiB'));
            if (this.inExtension || c === 13) continue;
            const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
            if (d >= 0 && !this.sizeEnded && this.sizeDigits < 12) {
              this.remaining = this.remaining * 16 + d;
              this.sizeDigits++;
            } else if (c === 59 /* ; */) this.inExtension = true;
            else if ((c === 32 || c === 9) && this.sizeDigits > 0) this.sizeEnded = true;
            else return this.fail(new HttpParseError(`bad byte 0x${c.toString(16)} in a chunk-size line`));
          }
          if (!done) break;
          if (this.sizeDigits === 0) return this.fail(new HttpParseError('a chunk-size line without a size'));
          this.state = this.remaining === 0 ? State.Trailers : State.ChunkData;
          break;
        }
        case State.ChunkData: {
          i = this.deliver(buf, i, end);
          if (this.remaining === 0) {
            this.state = State.ChunkDataEnd;
            this.remaining = 2;
          }
          break;
        }
        case State.ChunkDataEnd: {
          // The CRLF after a chunk's data.
          const n = Math.min(this.remaining, end - i);
          i += n;
          this.remaining -= n;
          if (this.remaining === 0) {
            this.state = State.ChunkSize;
            this.startSizeLine();
          }
          break;
        }
        case State.Trailers: {
          // Trailer lines, then an empty line; trailers are ignored.
          // Searched within this read only: the buffer past `end` holds an older read's bytes.
          const nl = buf.subarray(i, end).indexOf(10);
          const stop = nl < 0 ? end : i + nl;
          this.trailerLine += buf.toString('latin1', i, stop);
          if (this.trailerLine.length > MAX_HEAD) return this.fail(new HttpParseError('trailers longer than 64 KiB'));
          if (stop === end) {
            i = end;
            break;
          }
          i = stop + 1;
          const line = this.trailerLine.trim();
          this.trailerLine = '';
          if (line === '') this.complete();
          break;
        }
      }
    }
    this.reading = false;
    if (!this.finished) return;
    // Bytes after a complete response that nobody asked for: the socket is not reused.
    if (i < end) this.keepAlive = false;
    this.handBack();
  }

  /** Hands the body bytes still due (at most to `end`) to the handler; returns where it stopped. */
  private deliver(buf: Buffer, i: number, end: number): number {
    const n = Math.min(this.remaining, end - i);
    this.remaining -= n;
    this.ex!.handler.onBody(buf.subarray(i, i + n));
    return i + n;
  }

  /** Accumulates the head; returns where the body starts in buf (or end while the head is incomplete). */
  private readHead(buf: Buffer, i: number, end: number): number {
    const piece = buf.subarray(i, end);
    const prev = this.head;
    const all = prev === null ? piece : Buffer.concat([prev, piece]);
    const from = prev === null ? 0 : Math.max(0, prev.length - 3);
    const at = all.indexOf(CRLF2, from);
    if (at < 0) {
      if (all.length > MAX_HEAD) {
        this.fail(new HttpParseError('a response head longer than 64 KiB'));
        return end;
      }
      this.head = prev === null ? Buffer.from(piece) : all; // the read buffer is reused: copy
      return end;
    }
    this.head = null;
    const bodyStart = i + (at + 4 - (prev === null ? 0 : prev.length));
    const text = all.toString('latin1', 0, at);
    const lines = text.split('\r\n');
    const m = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(lines[0]!);
    if (!m) {
      this.fail(new HttpParseError(`status line ${JSON.stringify(lines[0]!.slice(0, 60))}`));
      return end;
    }
    const status = Number(m[2]);
    let length = -1;
    let chunked = false;
    let connection = '';
    for (let k = 1; k < lines.length; k++) {
      const line = lines[k]!;
      const c = line.indexOf(':');
      if (c <= 0) continue;
      const name = line.slice(0, c).trim().toLowerCase();
      const value = line.slice(c + 1).trim();
      if (name === 'content-length') {
        if (!/^\d{1,15}$/.test(value) || (length >= 0 && Number(value) !== length)) {
          this.fail(new HttpParseError(`content-length ${JSON.stringify(value.slice(0, 20))}`));
          return end;
        }
        length = Number(value);
      } else if (name === 'transfer-encoding') chunked = /(^|,)\s*chunked\s*$/i.test(value);
      else if (name === 'connection') connection = value.toLowerCase();
    }
    if (status >= 100 && status < 200) {
      // 100 Continue and 103 Early Hints precede the real response; 101 would switch protocols.
      if (status === 101) this.fail(new HttpParseError('the server switched protocols (101)'));
      return bodyStart;
    }
    this.keepAlive = m[1] === '1' ? !/\bclose\b/.test(connection) : /\bkeep-alive\b/.test(connection);
    this.ex!.handler.onHead(status);
    if (this.ex === null) return end; // the handler gave up
    if (status === 204 || status === 304) {
      this.complete();
      return bodyStart;
    }
    if (chunked) {
      this.state = State.ChunkSize;
      this.startSizeLine();
    } else if (length >= 0) {
      this.state = State.Length;
      this.remaining = length;
      if (length === 0) this.complete();
    } else {
      this.state = State.UntilClose;
      this.keepAlive = false;
    }
    return bodyStart;
  }

  /** A chunk-size line begins: the size is read into `remaining`. */
  private startSizeLine(): void {
    this.remaining = 0;
    this.lineBytes = 0;
    this.sizeDigits = 0;
    this.sizeEnded = false;
    this.inExtension = false;
  }

  private complete(): void {
    const ex = this.ex!;
    this.ex = null;
    this.state = State.Head;
    if (!ex.done) {
      ex.finish();
      ex.handler.onEnd();
    }
    this.finished = true;
    if (!this.reading) this.handBack();
  }

  private handBack(): void {
    this.finished = false;
    if (this.gone) return;
    if (this.keepAlive) this.pool.release(this);
    else this.destroy();
  }
}
