// Why the load generator reads its sockets itself (docs/measurement.md, "The load transport"):
// a server process writes a burst of SSE chunks to 256 streams every 15 ms, each stamped with the
// monotonic clock just before its write, ~11 us apart as vllm-sim writes a step; a client process
// reads them through one read path and stamps each read the way src/load/client.ts does (the time
// its poll batch started). Printed: write-to-stamp lag and client CPU per chunk, per read path.
// Then the floor under any read path on this machine: one-way latency between two processes.
//   npx tsx scripts/bench-read-path.ts            (STREAMS=256 SECONDS=6)
import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';

const STREAMS = Number(process.env.STREAMS ?? 256);
const SECONDS = Number(process.env.SECONDS ?? 6);
const self = fileURLToPath(import.meta.url);
const hrUs = (): number => Number(process.hrtime.bigint() / 1000n);
const q = (xs: number[], p: number): number => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

async function burstServer(): Promise<void> {
  const res: http.ServerResponse[] = [];
  const pad = 'x'.repeat(150);
  const srv = http.createServer({ noDelay: true }, (req, r) => {
    req.resume();
    req.on('end', () => {
      r.writeHead(200, { 'content-type': 'text/event-stream' });
      r.flushHeaders();
      res.push(r);
    });
  });
  srv.listen(0, '127.0.0.1', () => console.log((srv.address() as net.AddressInfo).port));
  const burst = (): void => {
    let i = 0;
    const slice = (): void => {
      const until = performance.now() + 0.05;
      while (i < res.length) {
        const d = `data: {"t":${hrUs()},"p":"${pad}"}\n\n`;
        res[i++]!.socket!.write(d.length.toString(16) + '\r\n' + d + '\r\n', 'latin1');
        if (performance.now() >= until) break;
      }
      if (i < res.length) setImmediate(slice);
    };
    slice();
  };
  setInterval(() => res.length >= STREAMS && burst(), 15);
}

async function readClient(port: number, mode: string): Promise<void> {
  const lags: number[] = [];
  let measuring = false;
  let batchOpen = false;
  let batchUs = 0;
  const stamp = (): number => {
    if (!batchOpen) {
      batchOpen = true;
      batchUs = hrUs();
      setImmediate(() => (batchOpen = false));
    }
    return batchUs;
  };
  const record = (text: string, at: number): void => {
    const i = text.indexOf('"t":');
    if (i >= 0 && measuring) lags.push(at - Number(text.slice(i + 4, text.indexOf(',', i))));
  };
  const body = '{"prompt":"x"}';
  const raw = `POST / HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`;
  if (mode === 'undici' || mode === 'undici-duplex') {
    let current = 0;
    const connect =
      mode === 'undici-duplex'
        ? (_o: unknown, cb: (err: Error | null, s: Duplex | null) => void): Duplex => {
            // undici over a Duplex fed by an onread socket: reads are stamped at once, and handed
            // to undici after the poll (one socket per check phase while reads keep coming).
            const buf = Buffer.allocUnsafe(65536);
            const pend: Buffer[] = [];
            const stamps: number[] = [];
            let readStamp = 0;
            const d = new Duplex({
              read() {},
              write(c, _e, done) {
                sock.write(c, done);
              },
              final(done) {
                sock.end();
                done();
              },
            });
            const origRead = d.read.bind(d);
            d.read = (n?: number) => {
              const c = origRead(n);
              if (c !== null) current = readStamp;
              return c;
            };
            const feed = (): void => {
              if (pend.length === 0) return;
              readStamp = stamps[0]!;
              d.push(Buffer.concat(pend.splice(0)));
              stamps.length = 0;
            };
            const sock = net.connect({
              port,
              host: '127.0.0.1',
              noDelay: true,
              onread: {
                buffer: buf,
                callback: (n: number) => {
                  pend.push(Buffer.from(buf.subarray(0, n)));
                  stamps.push(stamp());
                  setImmediate(feed);
                  return true;
                },
              },
            });
            sock.once('connect', () => cb(null, d));
            sock.once('error', (e) => cb(e, null));
            return d;
          }
        : undefined;
    const pool = new Pool(`http://127.0.0.1:${port}`, {
      connections: STREAMS,
      pipelining: 1,
      bodyTimeout: 0,
      headersTimeout: 0,
      ...(connect ? { connect: connect as never } : {}),
    });
    for (let i = 0; i < STREAMS; i++)
      pool.dispatch(
        { path: '/', method: 'POST', body, headers: { 'content-type': 'application/json' } },
        {
          onRequestStart() {},
          onResponseStart() {},
          onResponseData(_c, ch) {
            record(ch.toString('latin1', 0, 40), connect ? current : stamp());
          },
          onResponseEnd() {},
          onResponseError() {},
        },
      );
  } else {
    const buf = Buffer.allocUnsafe(65536);
    for (let i = 0; i < STREAMS; i++) {
      const s =
        mode === 'onread'
          ? net.connect({
              port,
              host: '127.0.0.1',
              noDelay: true,
              onread: { buffer: buf, callback: (n: number) => (record(buf.toString('latin1', 0, Math.min(n, 200)), stamp()), true) },
            })
          : net.connect({ port, host: '127.0.0.1', noDelay: true });
      if (mode === 'data') s.on('data', (b: Buffer) => record(b.toString('latin1', 0, Math.min(b.length, 200)), stamp()));
      s.write(raw);
    }
  }
  await new Promise((r) => setTimeout(r, 2000));
  measuring = true;
  const c0 = process.cpuUsage();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const c = process.cpuUsage(c0);
  lags.sort((a, b) => a - b);
  console.log(
    `   ${mode.padEnd(14)} ${String(lags.length).padStart(7)} chunks   lag p50 ${String(q(lags, 0.5)).padStart(4)} us   p90 ${String(q(lags, 0.9)).padStart(5)} us   CPU ${((c.user + c.system) / lags.length).toFixed(1)} us per chunk`,
  );
  process.exit(0);
}

async function pingPong(gapMs: number): Promise<void> {
  const lat: number[] = [];
  await new Promise<void>((resolve) => {
    const srv = net.createServer((sock) => {
      let buf = '';
      sock.on('data', (b) => {
        const now = hrUs();
        buf += b.toString();
        for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
          lat.push(now - Number(buf.slice(0, i)));
          buf = buf.slice(i + 1);
        }
      });
      sock.on('end', () => srv.close(() => resolve()));
    });
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      const code = `const s=require('net').connect(${port},'127.0.0.1');s.setNoDelay(true);let n=0;s.on('connect',()=>{const t=setInterval(()=>{s.write(String(process.hrtime.bigint()/1000n)+'\\n');if(++n===400){clearInterval(t);s.end();}},${gapMs});});`;
      spawn(process.execPath, ['-e', code], { stdio: 'inherit' });
    });
  });
  lat.sort((a, b) => a - b);
  console.log(
    `   one message every ${String(gapMs).padStart(2)} ms: one-way p10 ${q(lat, 0.1)} us, p50 ${q(lat, 0.5)} us, p90 ${q(lat, 0.9)} us`,
  );
}

async function main(): Promise<void> {
  const [role, arg1, arg2] = process.argv.slice(2);
  if (role === 'server') return burstServer();
  if (role === 'client') return readClient(Number(arg1), arg2!);
  console.log(`read paths: ${STREAMS} streams, a burst every 15 ms written ~11 us apart, ${SECONDS} s measured per path`);
  for (const mode of ['undici', 'data', 'undici-duplex', 'onread']) {
    const server = spawn(process.execPath, ['--import', 'tsx', self, 'server'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const port = await new Promise<number>((r) => server.stdout!.once('data', (b: Buffer) => r(Number(b.toString().trim()))));
    await new Promise<void>((r) =>
      spawn(process.execPath, ['--import', 'tsx', self, 'client', String(port), mode], { stdio: 'inherit' }).once('exit', () => r()),
    );
    server.kill();
  }
  console.log('floor: a timestamped line between two idle processes over loopback');
  await pingPong(2);
  await pingPong(15);
}

await main();
