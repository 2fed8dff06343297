// The load generator's HTTP/1.1 transport against raw TCP servers that write exact bytes, so
// every framing (content-length, chunked split anywhere, close-delimited, 1xx) and every failure is
// shown as a server would really send it.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionClosedError, Http1Pool, HttpParseError, type Http1Handler } from '../../src/load/http1.js';

interface Outcome {
  status: number | null;
  body: string;
  error: Error | null;
  started: number;
}

/** A server whose connection handler gets each request's raw head+body and answers with bytes. */
async function rawServer(
  onRequest: (sock: net.Socket, request: string, n: number) => void,
): Promise<{ url: string; connections: () => number; close: () => Promise<void> }> {
  let count = 0;
  let conns = 0;
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((sock) => {
    conns++;
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    let buf = '';
    sock.on('data', (b) => {
      buf += b.toString('latin1');
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const len = /content-length: (\d+)/i.exec(buf.slice(0, end));
        const total = end + 4 + (len ? Number(len[1]) : 0);
        if (buf.length < total) return;
        const req = buf.slice(0, total);
        buf = buf.slice(total);
        onRequest(sock, req, count++);
      }
    });
    sock.on('error', () => undefined);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => conns,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => srv.close(() => r()));
    },
  };
}

function collect(
  pool: Http1Pool,
  path = '/v1/completions',
  body: Buffer | null = Buffer.from('{"a":1}'),
): { done: Promise<Outcome>; abort: (e: Error) => void } {
  const out: Outcome = { status: null, body: '', error: null, started: 0 };
  let abort: (e: Error) => void = () => undefined;
  const done = new Promise<Outcome>((resolve) => {
    const h: Http1Handler = {
      onStart: () => void out.started++,
      onHead: (s) => void (out.status = s),
      onBody: (c) => void (out.body += c.toString('latin1')),
      onEnd: () => resolve(out),
      onError: (e) => {
        out.error = e;
        resolve(out);
      },
    };
    const ex = pool.request({ method: body ? 'POST' : 'GET', path, body }, h);
    abort = (e) => ex.abort(e);
  });
  return { done, abort: (e) => abort(e) };
}

/** Writes the pieces one after another with a pause, so the client reads them apart. */
async function writeApart(sock: net.Socket, pieces: string[]): Promise<void> {
  for (const p of pieces) {
    sock.write(p, 'latin1');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function setup(onRequest: Parameters<typeof rawServer>[0], connections = 4, headers: Record<string, string> = {}) {
  const srv = await rawServer(onRequest);
  const pool = new Http1Pool(srv.url, { connections, headers });
  cleanups.push(async () => {
    await pool.close();
    await srv.close();
  });
  return { srv, pool };
}

describe('HTTP/1.1 transport of the load generator', () => {
  it('writes the request line, host, the given headers and the body with its length', async () => {
    let seen = '';
    const { pool } = await setup(
      (sock, req) => {
        seen = req;
        sock.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
      },
      1,
      { authorization: 'Bearer t0k', 'content-type': 'application/json' },
    );
    const r = await collect(pool).done;
    expect(r).toMatchObject({ status: 200, body: 'ok', error: null, started: 1 });
    expect(seen).toMatch(/^POST \/v1\/completions HTTP\/1\.1\r\n/);
    expect(seen).toMatch(/\r\nhost: 127\.0\.0\.1:\d+\r\n/);
    expect(seen).toContain('\r\nauthorization: Bearer t0k\r\n');
    expect(seen).toContain('\r\ncontent-length: 7\r\n');
    expect(seen.endsWith('\r\n\r\n{"a":1}')).toBe(true);
  });

  it('de-chunks a chunked body split at every awkward place across reads, ignoring extensions and trailers', async () => {
    const { pool } = await setup((sock) => {
      void writeApart(sock, [
        'HTTP/1.1 200 OK\r\ntransfer-',
        'encoding: chunked\r\n\r',
        '\n5 ;ext=1\r\nhel',
        'lo\r',
        '\n1',
        '0\r\n',
        ' world, and more',
        '\r\n0\r\nx-trailer: 1\r\n',
        '\r\n',
      ]);
    });
    const r = await collect(pool).done;
    expect(r).toMatchObject({ status: 200, body: 'hello world, and more', error: null });
  });

  it('skips 1xx heads and reads a close-delimited body to the end of the connection', async () => {
    const { pool } = await setup((sock) => {
      void writeApart(sock, ['HTTP/1.1 100 Continue\r\n\r\n', 'HTTP/1.0 200 OK\r\ncontent-type: text/plain\r\n\r\nall of', ' it']).then(
        () => sock.end(),
      );
    });
    const r = await collect(pool).done;
    expect(r).toMatchObject({ status: 200, body: 'all of it', error: null });
  });

  it('keeps a connection alive across requests and opens a new one after connection: close', async () => {
    const { srv, pool } = await setup((sock, _req, n) => {
      sock.write(`HTTP/1.1 200 OK\r\ncontent-length: 1\r\n${n === 1 ? 'connection: close\r\n' : ''}\r\n${n}`);
      if (n === 1) sock.end();
    }, 1);
    for (let i = 0; i < 3; i++) expect((await collect(pool).done).body).toBe(String(i));
    expect(srv.connections()).toBe(2);
  });

  it('never opens more sockets than asked and serves queued requests in order', async () => {
    let open = 0;
    let maxOpen = 0;
    const { srv, pool } = await setup((sock, _req, n) => {
      open++;
      maxOpen = Math.max(maxOpen, open);
      setTimeout(() => {
        open--;
        sock.write(`HTTP/1.1 200 OK\r\ncontent-length: ${String(n).length}\r\n\r\n${n}`);
      }, 10);
    }, 2);
    const all = await Promise.all(Array.from({ length: 6 }, () => collect(pool).done));
    expect(all.every((r) => r.status === 200 && r.error === null)).toBe(true);
    expect(srv.connections()).toBe(2);
    expect(maxOpen).toBe(2);
  });

  it('reports a connection closed mid-body, an unparsable head and a refused connection as errors, never throws', async () => {
    const { pool } = await setup((sock, _req, n) => {
      if (n === 0) {
        sock.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\npartial');
        sock.destroy();
      } else sock.write('SMTP ready\r\n\r\n');
    }, 1);
    const cut = await collect(pool).done;
    expect(cut.error).toBeInstanceOf(ConnectionClosedError);
    expect(cut.body).toBe('partial');
    const bad = await collect(pool).done;
    expect(bad.error).toBeInstanceOf(HttpParseError);
    expect(bad.error!.message).toContain('SMTP ready');

    const dead = await rawServer(() => undefined);
    const url = dead.url;
    await dead.close();
    const refused = new Http1Pool(url, { connections: 1, headers: {} });
    const r = await collect(refused).done;
    expect((r.error as { code?: string }).code).toBe('ECONNREFUSED');
  });

  it('an abort ends the request with its reason and destroys its socket; a queued one never starts', async () => {
    const { srv, pool } = await setup((sock) => sock.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n'), 1);
    const first = collect(pool);
    const queued = collect(pool);
    await new Promise((r) => setTimeout(r, 30));
    queued.abort(new Error('cancelled while queued'));
    first.abort(new Error('cancelled'));
    const [a, b] = await Promise.all([first.done, queued.done]);
    expect(a.error!.message).toBe('cancelled');
    expect(a.body).toBe('abc');
    expect(b.error!.message).toBe('cancelled while queued');
    expect(b.started).toBe(0);
    // the pool still works afterwards, on a new socket
    const c = collect(pool);
    await new Promise((r) => setTimeout(r, 30));
    c.abort(new Error('done'));
    expect((await c.done).body).toBe('abc');
    expect(srv.connections()).toBe(2);
  });

  it('calls onRead once per socket read, before that read’s body pieces', async () => {
    const srv = await rawServer((sock) => {
      void writeApart(sock, ['HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n', '1\r\na\r\n1\r\nb\r\n', '1\r\nc\r\n0\r\n\r\n']);
    });
    const log: string[] = [];
    const pool = new Http1Pool(srv.url, { connections: 1, headers: {}, onRead: () => log.push('read') });
    cleanups.push(async () => {
      await pool.close();
      await srv.close();
    });
    await new Promise<void>((resolve, reject) => {
      pool.request(
        { method: 'GET', path: '/', body: null },
        {
          onStart: () => undefined,
          onHead: () => log.push('head'),
          onBody: (c) => log.push(c.toString()),
          onEnd: resolve,
          onError: reject,
        },
      );
    });
    expect(log).toEqual(['read', 'head', 'read', 'a', 'b', 'read', 'c']);
  });

  it('a chunk-size line that is not hex fails the request with what was wrong', async () => {
    const { pool } = await setup((sock) => sock.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\n'), 1);
    const r = await collect(pool).done;
    expect(r.body).toBe('abc');
    expect(r.error).toBeInstanceOf(HttpParseError);
    expect(r.error!.message).toMatch(/bad byte 0x7a in a chunk-size line/);
  });

  it('speaks HTTPS to an https origin and refuses a certificate it does not trust', async () => {
    const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/tls');
    const cert = readFileSync(path.join(dir, 'cert.pem'));
    const srv = tls.createServer({ key: readFileSync(path.join(dir, 'key.pem')), cert }, (sock) => {
      sock.once('data', () => void writeApart(sock, ['HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n', '6\r\nsecret\r\n0\r\n\r\n']));
      sock.on('error', () => undefined);
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const url = `https://127.0.0.1:${(srv.address() as net.AddressInfo).port}`;
    const trusted = new Http1Pool(url, { connections: 1, headers: {}, ca: cert });
    const untrusted = new Http1Pool(url, { connections: 1, headers: {} });
    cleanups.push(async () => {
      await trusted.close();
      await untrusted.close();
      await new Promise<void>((r) => srv.close(() => r()));
    });
    expect(await collect(trusted).done).toMatchObject({ status: 200, body: 'secret', error: null });
    const refused = await collect(untrusted).done;
    expect((refused.error as { code?: string }).code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
  });

  it('refuses header names and values that would inject lines into the request', () => {
    expect(() => new Http1Pool('http://127.0.0.1:1', { connections: 1, headers: { 'x-a': 'ok\r\nx-evil: 1' } })).toThrow(/line break/);
    expect(() => new Http1Pool('http://127.0.0.1:1', { connections: 1, headers: { 'bad name': 'v' } })).toThrow(/invalid HTTP header name/);
    expect(() => new Http1Pool('ftp://127.0.0.1:1', { connections: 1, headers: {} })).toThrow(/unsupported protocol/);
  });
});
