// npm run bench:sim — what one vllm-sim process sustains on this machine, and how its calibrated
// profiles compare with the user reports they were fitted to.
//  1. Builds sim/cli.ts, spawns `vllm-sim serve` as its own process with a profile whose steps
//     last ~20 ms at 1,000 sequences, and holds STREAMS concurrent streaming requests open with a
//     small raw-socket HTTP/1.1 client (closed loop). Prints concurrent streams, streamed tokens/s (counted
//     by the client) and the server's step-timing error (GET /sim/stats: fire time - deadline).
//  2. Runs the closed-loop calibration of l4-qwen2.5-0.5b (a published 256-in/128-out
//     concurrency sweep on an L4) and rtx5090-qwen2.5-7b (a published chat-client report) in simulated
//     time and prints them next to the reports' figures.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { simulateClosedLoop } from '../sim/offline.js';
import { PROFILES } from '../sim/profiles.js';

const STREAM_COUNTS = (process.env.STREAMS ?? '250,500,1000').split(',').map(Number);
let STREAMS = 1000;
const WARMUP_S = Number(process.env.WARMUP_S ?? 4);
const MEASURE_S = Number(process.env.MEASURE_S ?? 6);
const MAX_TOKENS = 256;
const PIN = process.env.PIN === '1' && spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0;

async function startSim(dir: string, simArgs?: string[]): Promise<{ url: string; stop: () => void }> {
  const simJs = path.join(dir, 'sim.mjs');
  await build({ entryPoints: ['sim/cli.ts'], bundle: true, platform: 'node', format: 'esm', outfile: simJs, logLevel: 'error' });
  const profile = path.join(dir, 'bench-profile.json');
  // 9 ms + 10 us per sequence: ~19 ms steps with 1,000 sequences, i.e. ~50,000 tokens/s.
  writeFileSync(
    profile,
    JSON.stringify({
      name: 'bench-1k',
      step_base_s: 0.009,
      step_per_seq_s: 0.00001,
      step_per_prefill_token_s: 0.000001,
      max_num_seqs: 2048,
      max_num_batched_tokens: 16384,
      kv_cache_tokens: 4_000_000,
    }),
  );
  // PIN=1 (with taskset): simulator on CPU 0, this client on CPU 1. Off by default: on this
  // 2-core VM it made no measurable difference.
  const pin = PIN ? ['taskset', '-c', '0', process.execPath] : [process.execPath];
  if (PIN) spawnSync('taskset', ['-pc', '1', String(process.pid)], { stdio: 'ignore' });
  const proc = spawn(
    pin[0]!,
    [
      ...pin.slice(1),
      simJs,
      'serve',
      'bench-model',
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--sim-startup-s',
      '0',
      ...(simArgs ?? ['--sim-profile', profile]),
      '--disable-log-stats',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /Starting vLLM API server 0 on (http:\/\/[^\s]+)/.exec(out);
      if (m && out.includes('Application startup complete.')) resolve(m[1]!);
    });
    proc.once('exit', (c) => reject(new Error(`vllm-sim exited ${c}:\n${out}`)));
  });
  proc.stdout!.resume();
  return { url, stop: () => proc.kill('SIGTERM') };
}

/**
 * A small HTTP/1.1 keep-alive client on raw sockets: one connection per stream, each sends a
 * streaming completion, counts token events ("data: {") in the raw bytes, and sends the next
 * request when the chunked body's last chunk ("0\r\n\r\n") arrives. No HTTP parser, no string
 * decoding: the client must cost less than the server it measures on a 2-core machine.
 */
async function loadTest(url: string): Promise<{ streams: number; tokensPerS: number; minOpen: number; stats: Record<string, unknown> }> {
  const u = new URL(url);
  const MARK = Buffer.from('data: {');
  const END = Buffer.from('0\r\n\r\n');
  let tokens = 0;
  let open = 0;
  let running = true;
  let errors = 0;
  let n = 0;
  // Output lengths spread over [MAX_TOKENS/2, 3*MAX_TOKENS/2) so streams end and restart at
  // different steps (a steady state), not all in one step.
  const requestBytes = (): Buffer => {
    const body = JSON.stringify({
      model: 'bench-model',
      prompt: 'The quick brown fox jumps over the lazy dog',
      max_tokens: MAX_TOKENS / 2 + ((n++ * 7919) % MAX_TOKENS),
      ignore_eos: true,
      stream: true,
    });
    return Buffer.from(
      `POST /v1/completions HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  };
  const stream = (): void => {
    const sock = connect(Number(u.port), u.hostname);
    sock.setNoDelay(true);
    let inFlight = false;
    const send = (): void => {
      inFlight = true;
      open++;
      sock.write(requestBytes());
    };
    sock.on('connect', send);
    sock.on('data', (b: Buffer) => {
      let i = b.indexOf(MARK);
      while (i >= 0) {
        tokens++;
        i = b.indexOf(MARK, i + 7);
      }
      // The terminating chunk ends the response (it arrives in the same or a later read).
      // ("0\r\n\r\n" at the end of a read, at its start or after the previous chunk's "\n").
      const at = b.length - END.length;
      if (at >= 0 && b.indexOf(END, at) === at && (at === 0 || b[at - 1] === 10)) {
        inFlight = false;
        open--;
        if (running) send();
      }
    });
    sock.on('error', () => errors++);
    sock.on('close', () => {
      if (inFlight) open--;
    });
    sockets.push(sock);
  };
  const sockets: Socket[] = [];
  for (let i = 0; i < STREAMS; i++) stream();
  await new Promise((r) => setTimeout(r, WARMUP_S * 1000));
  const s0 = (await (await fetch(`${url}/sim/stats?reset=1`)).json()) as { cpu_s: { user: number; system: number } };
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const k0 = tokens;
  let minOpen = open;
  const sampler = setInterval(() => (minOpen = Math.min(minOpen, open)), 50);
  await new Promise((r) => setTimeout(r, MEASURE_S * 1000));
  clearInterval(sampler);
  const wall = (performance.now() - t0) / 1000;
  const tokensPerS = (tokens - k0) / wall;
  const c1 = process.cpuUsage(c0);
  const stats = (await (await fetch(`${url}/sim/stats`)).json()) as Record<string, unknown> & { cpu_s: { user: number; system: number } };
  const simCpu = (stats.cpu_s.user - s0.cpu_s.user + stats.cpu_s.system - s0.cpu_s.system) / wall;
  const clientCpu = (c1.user + c1.system) / 1e6 / wall;
  console.log(
    `CPU during the window: simulator ${(simCpu * 100).toFixed(0)}% of a core (${(((stats.cpu_s.system - s0.cpu_s.system) / wall) * 100).toFixed(0)}% in the kernel), client ${(clientCpu * 100).toFixed(0)}%`,
  );
  running = false;
  for (const s of sockets) s.destroy();
  if (errors > 0) console.log(`client errors: ${errors}`);
  return { streams: STREAMS, tokensPerS, minOpen, stats };
}

/** Median of a list (sorted copy). */
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor(s.length / 2)]!;
}

/**
 * The real-time server against the simulated-time model: the L4 profile served over sockets at
 * concurrency 8 (256 token-id prompt, 128 tokens, ignore_eos), measured by the client per chunk.
 */
async function realtimeCheck(dir: string): Promise<void> {
  const C = 8;
  const N = 48;
  // Every request sends the same token ids, which the model in simulated time never caches (it
  // has no token ids): prefix caching off, so both sides prefill the whole prompt.
  const sim = await startSim(dir, ['--sim-profile', 'l4-qwen2.5-0.5b', '--sim-seed', '1', '--no-enable-prefix-caching']);
  try {
    const u = new URL(sim.url);
    const body = JSON.stringify({
      model: 'bench-model',
      prompt: Array.from({ length: 256 }, (_, i) => 1000 + i),
      max_tokens: 128,
      ignore_eos: true,
      stream: true,
    });
    const req = Buffer.from(
      `POST /v1/completions HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    const MARK = Buffer.from('data: {');
    const END = Buffer.from('0\r\n\r\n');
    const ttft: number[] = [];
    const itl: number[] = [];
    const e2e: number[] = [];
    let sent = 0;
    await new Promise<void>((resolve) => {
      let active = C;
      for (let i = 0; i < C; i++) {
        const sock = connect(Number(u.port), u.hostname);
        sock.setNoDelay(true);
        let t0 = 0;
        let last = 0;
        let n = 0;
        const send = (): void => {
          sent++;
          n = 0;
          t0 = performance.now();
          sock.write(req);
        };
        sock.on('connect', send);
        sock.on('data', (b: Buffer) => {
          const now = performance.now();
          let j = b.indexOf(MARK);
          while (j >= 0) {
            if (n === 0) ttft.push(now - t0);
            else itl.push(now - last);
            last = now;
            n++;
            j = b.indexOf(MARK, j + 7);
          }
          const at = b.length - END.length;
          if (at >= 0 && b.indexOf(END, at) === at && (at === 0 || b[at - 1] === 10)) {
            e2e.push(now - t0);
            if (sent < N) send();
            else {
              sock.destroy();
              if (--active === 0) resolve();
            }
          }
        });
      }
    });
    const m = simulateClosedLoop(PROFILES['l4-qwen2.5-0.5b']!, {
      concurrency: C,
      numRequests: N,
      promptTokens: 256,
      maxTokens: 128,
      ignoreEos: true,
      seed: 1,
    });
    console.log(
      `\nReal-time check, l4-qwen2.5-0.5b served over sockets at concurrency ${C} (${N} requests), client-measured vs the simulated-time model:`,
    );
    console.log(
      `TTFT p50 ${median(ttft).toFixed(1)} / ${m.ttftMs.p50.toFixed(1)} ms | ITL p50 ${median(itl).toFixed(2)} / ${m.itlMs.p50.toFixed(2)} ms | E2E p50 ${median(e2e).toFixed(0)} / ${m.e2eMs.p50.toFixed(0)} ms`,
    );
  } finally {
    sim.stop();
  }
}

function calibration(): void {
  const seed003: Record<number, [number, number, number, number, number]> = {
    1: [27.0, 5.1, 679, 168, 6.1],
    2: [37.8, 5.2, 698, 367, 6.3],
    4: [50.1, 5.3, 722, 698, 6.4],
    8: [60.9, 5.5, 772, 1312, 7.4],
    16: [103.8, 6.0, 880, 2277, 8.9],
    32: [135.3, 7.1, 1082, 3773, 12.0],
  };
  console.log('\nCalibration, l4-qwen2.5-0.5b vs the L4 sweep (256 in / 128 out, ignore_eos, closed loop; simulated time):');
  console.log('conc | TTFT p50 ms sim/seed | ITL p50 ms sim/seed | ITL p95 ms sim/seed | E2E p50 ms sim/seed | out tok/s sim/seed');
  for (const c of [1, 2, 4, 8, 16, 32]) {
    const r = simulateClosedLoop(PROFILES['l4-qwen2.5-0.5b']!, {
      concurrency: c,
      numRequests: Math.max(40, 8 * c),
      promptTokens: 256,
      maxTokens: 128,
      ignoreEos: true,
    });
    const s = seed003[c]!;
    console.log(
      `${String(c).padStart(4)} | ${r.ttftMs.p50.toFixed(1).padStart(7)} / ${s[0].toFixed(1).padStart(6)} | ${r.itlMs.p50.toFixed(2).padStart(6)} / ${s[1].toFixed(1).padStart(4)} | ` +
        `${r.itlMs.p95.toFixed(2).padStart(6)} / ${s[4].toFixed(1).padStart(4)} | ` +
        `${r.e2eMs.p50.toFixed(0).padStart(7)} / ${String(s[2]).padStart(5)} | ${r.outputTokPerS.toFixed(0).padStart(6)} / ${String(s[3]).padStart(5)}`,
    );
  }
  console.log(
    '\nCalibration, rtx5090-qwen2.5-7b vs the chat-client report (short chat prompt, max_tokens 128, non-streaming; simulated time):',
  );
  console.log('conc | mean latency s sim/seed | completion tokens/request sim/seed');
  const seed000: [number, number, number, number][] = [
    [1, 20, 1.2827, 127.0],
    [4, 40, 1.3338, 127.8],
    [16, 80, 1.4688, 127.6],
  ];
  for (const [c, n, lat, tok] of seed000) {
    const r = simulateClosedLoop(PROFILES['rtx5090-qwen2.5-7b']!, {
      concurrency: c,
      numRequests: n,
      promptTokens: 30,
      maxTokens: 128,
      ignoreEos: false,
    });
    console.log(
      `${String(c).padStart(4)} | ${(r.e2eMs.mean / 1000).toFixed(3)} / ${lat.toFixed(3)} | ${(r.outputTokens / r.requests).toFixed(1)} / ${tok.toFixed(1)}`,
    );
  }
}

/**
 * How much CPU the machine gives two busy processes at once: the simulator and this client run
 * side by side, so their figures only mean something next to this.
 */
async function cpuCapacity(): Promise<number[]> {
  const spin =
    'const t0=performance.now(),c0=process.cpuUsage();while(performance.now()-t0<1500);const c=process.cpuUsage(c0);console.log((c.user+c.system)/1e3/(performance.now()-t0))';
  const one = (): Promise<number> =>
    new Promise((resolve) => {
      const p = spawn(process.execPath, ['-e', spin], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      p.stdout.on('data', (b: Buffer) => (out += b.toString()));
      p.once('exit', () => resolve(Number(out.trim())));
    });
  return Promise.all([one(), one()]);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-sim-'));
  const cap = await cpuCapacity();
  console.log(
    `machine check: two busy processes at once get ${cap.map((c) => `${(c * 100).toFixed(0)}%`).join(' and ')} of a core each (the simulator and the client share what there is)`,
  );
  for (const streams of STREAM_COUNTS) {
    STREAMS = streams;
    await measure(dir);
  }
  calibration();
  await realtimeCheck(dir);
}

async function measure(dir: string): Promise<void> {
  const sim = await startSim(dir);
  try {
    console.log(
      `\nvllm-sim bench${PIN ? ' (simulator on CPU 0, client on CPU 1)' : ''}: ${STREAMS} concurrent streaming requests (max_tokens ${MAX_TOKENS / 2}..${(3 * MAX_TOKENS) / 2}, closed loop), ${WARMUP_S} s warm-up, ${MEASURE_S} s measured`,
    );
    const r = await loadTest(sim.url);
    const err = r.stats.step_error_ms as { p50: number; p99: number; p999: number; max: number };
    console.log(`concurrent streams sustained: ${r.streams} (fewest open during the window: ${r.minOpen})`);
    console.log(`streamed tokens/s (client-counted): ${r.tokensPerS.toFixed(0)}`);
    console.log(
      `step-timing error (server): p50 ${err.p50.toFixed(3)} ms, p99 ${err.p99.toFixed(3)} ms, p99.9 ${err.p999.toFixed(3)} ms, max ${err.max.toFixed(3)} ms over ${String(r.stats.measured_steps)} steps`,
    );
    const w = r.stats.step_emit_work_ms as { p50: number; p99: number; max: number };
    console.log(
      `time to emit one step's tokens (server): p50 ${w.p50.toFixed(2)} ms, p99 ${w.p99.toFixed(2)} ms, max ${w.max.toFixed(2)} ms`,
    );
    const gc = r.stats.gc_pause_ms as { count: number; total: number; max: number } | undefined;
    if (gc)
      console.log(`garbage collection (server): ${gc.count} pauses, ${gc.total.toFixed(1)} ms in all, longest ${gc.max.toFixed(2)} ms`);
    const late = r.stats.late_steps as { count: number; during_gc: number } | undefined;
    if (late) console.log(`steps fired over 0.5 ms late (server): ${late.count}, of which ${late.during_gc} while a GC pause ran`);
  } finally {
    sim.stop();
  }
}

await main();
