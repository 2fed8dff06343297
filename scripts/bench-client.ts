// npm run bench:client — what the measuring client does on this machine, in three figures:
//  1. the highest request rate one client process sends (open loop, vLLM's Poisson arrivals) with
//     send-lag p99 under 1 ms, against a trivial local server in its own process (target >= 3,000);
//  2. streamed tokens/s it parses on one core against a local server replaying pre-built vLLM SSE
//     as fast as it can (concurrency 16, 512 tokens per request; target >= 250,000), next to the
//     same parse loop with a hand-written SSE splitter (why src/load/sse.ts uses eventsource-parser);
//  3. its measurement error against vllm-sim's --sim-trace at 256 concurrent streams: TTFT and ITL
//     medians, client vs server (target within 0.5 ms).
// Environment: RATES="1000,2000,..." POINT_S=2 STREAMS=256 WAVES=8 (2,048 requests: the first wave of 256 sent at once weighs less in the median) SKIP=1,2 (skip parts).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { createParser } from 'eventsource-parser';
import { arrivalScheduleMs } from '../src/load/arrivals.js';
import type { RequestSpec } from '../src/load/client.js';
import { runPoint } from '../src/load/runner.js';
import { servingMetrics } from '../src/metrics/serving.js';
import { parseTrace, traceAgreement } from '../src/metrics/trace-agreement.js';
import { pointRuns, runServingSuite } from '../src/suites/serving.js';
import { SseSplitter } from './hand-sse-splitter.js';

const SKIP = new Set((process.env.SKIP ?? '').split(',').filter(Boolean));
const POINT_S = Number(process.env.POINT_S ?? 2);
const STREAMS = Number(process.env.STREAMS ?? 256);
const WAVES = Number(process.env.WAVES ?? 8);

/** A child node process running `code` (an HTTP server that prints its port). */
async function serverProcess(code: string): Promise<{ url: string; proc: ChildProcess }> {
  const proc = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    proc.stdout!.once('data', (b: Buffer) => resolve(Number(b.toString().trim())));
    proc.once('exit', (c) => reject(new Error(`server exited ${c}`)));
  });
  return { url: `http://127.0.0.1:${port}`, proc };
}

const TRIVIAL_SERVER = `
import { createServer } from 'node:http';
const body = JSON.stringify({ id: 'cmpl-x', object: 'text_completion', choices: [{ index: 0, text: 'ok', finish_reason: 'length' }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } });
const s = createServer((req, res) => { req.resume(); req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }); res.end(body); }); });
s.keepAliveTimeout = 60000;
s.listen(0, '127.0.0.1', () => console.log(s.address().port));
`;

const TOKENS = 512;
const chunkText = (i: number): string =>
  `data: {"id":"cmpl-0123456789abcdef","object":"text_completion","created":1700000000,"model":"bench","choices":[{"index":0,"text":" tok${i}","logprobs":null,"finish_reason":${i === TOKENS - 1 ? '"length"' : 'null'},"stop_reason":null}],"usage":null}\n\n`;

const REPLAY_SERVER = `
import { createServer } from 'node:http';
const TOKENS = ${TOKENS};
const chunks = [];
for (let i = 0; i < TOKENS; i++) chunks.push(Buffer.from(${JSON.stringify(chunkText(0))}.replace(' tok0', ' tok' + i)));
chunks.push(Buffer.from('data: {"id":"cmpl-0123456789abcdef","object":"text_completion","created":1700000000,"model":"bench","choices":[],"usage":{"prompt_tokens":8,"total_tokens":' + (8 + TOKENS) + ',"completion_tokens":' + TOKENS + '}}\\n\\ndata: [DONE]\\n\\n'));
const s = createServer((req, res) => { req.resume(); req.on('end', () => {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const c of chunks) res.write(c);
  res.end();
}); });
s.keepAliveTimeout = 60000;
s.listen(0, '127.0.0.1', () => console.log(s.address().port));
`;

const spec = (body: Buffer, maxTokens = 1): RequestSpec => ({ body, datasetIndex: 0, intendedPromptTokens: null, maxTokens });

async function maxRate(): Promise<void> {
  const srv = await serverProcess(TRIVIAL_SERVER);
  const rates = (process.env.RATES ?? '500,1000,2000,3000,4000,5000,6000,8000').split(',').map(Number);
  const body = Buffer.from(JSON.stringify({ model: 'bench', prompt: 'hi', max_tokens: 1, stream: false }));
  console.log(`1. open-loop send rate against a trivial local server (${POINT_S} s per rate, Poisson arrivals)`);
  console.log('   rate req/s   achieved   send lag p50 / p99 / max (ms)   loop lag p99 (ms)   failed');
  let best = 0;
  const under: number[] = [];
  // One unmeasured second first, so the figures are of a warmed-up (JIT-compiled) client.
  await runPoint({
    client: { baseUrl: srv.url, path: '/v1/completions', headers: {}, stream: false, timeoutMs: 30_000 },
    specs: Array.from({ length: 2000 }, () => spec(body)),
    shape: { kind: 'open', scheduleMs: arrivalScheduleMs(2000, 2000, 1, 1), maxConcurrency: null },
  });
  try {
    for (const rate of rates) {
      const n = Math.round(rate * POINT_S);
      const specs = Array.from({ length: n }, () => spec(body));
      const run = await runPoint({
        client: { baseUrl: srv.url, path: '/v1/completions', headers: {}, stream: false, timeoutMs: 30_000 },
        specs,
        shape: { kind: 'open', scheduleMs: arrivalScheduleMs(n, rate, 1, 0), maxConcurrency: null },
      });
      const m = servingMetrics({
        records: run.records,
        durationMs: run.durationMs,
        percentiles: [50, 99],
        stream: false,
        requestRate: rate,
        maxConcurrency: null,
        health: run.health,
      });
      const p99 = m.send_lag_p99_ms ?? Infinity;
      if (p99 < 1 && (m.failed ?? 0) === 0) {
        best = Math.max(best, rate);
        under.push(rate);
      }
      console.log(
        `   ${String(rate).padStart(10)}   ${(m.achieved_request_rate ?? 0).toFixed(0).padStart(8)}   ${fmt(m.send_lag_p50_ms)} / ${fmt(m.send_lag_p99_ms)} / ${fmt(m.send_lag_max_ms)}`.padEnd(
          66,
        ) +
          `${fmt(m.event_loop_lag_p99_ms)}`.padEnd(20) +
          `${m.failed}`,
      );
    }
  } finally {
    srv.proc.kill();
  }
  console.log(
    `   => highest rate with send-lag p99 < 1 ms: ${best} req/s (target >= 3,000); rates under 1 ms: ${under.join(', ') || 'none'}\n`,
  );
}

async function parseRate(): Promise<void> {
  const srv = await serverProcess(REPLAY_SERVER);
  const requests = Number(process.env.REPLAY_REQUESTS ?? 400);
  const body = Buffer.from(
    JSON.stringify({ model: 'bench', prompt: 'hi', max_tokens: TOKENS, stream: true, stream_options: { include_usage: true } }),
  );
  console.log(
    `2. streamed tokens parsed: a local server replays pre-built vLLM SSE (${TOKENS} tokens/request, concurrency 16, ${requests} requests)`,
  );
  try {
    // one short round first so JIT warm-up is not in the figure
    await runPoint({
      client: { baseUrl: srv.url, path: '/v1/completions', headers: {}, stream: true, timeoutMs: 60_000 },
      specs: Array.from({ length: 32 }, () => spec(body, TOKENS)),
      shape: { kind: 'closed', concurrency: 16 },
    });
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const run = await runPoint({
      client: { baseUrl: srv.url, path: '/v1/completions', headers: {}, stream: true, timeoutMs: 60_000 },
      specs: Array.from({ length: requests }, () => spec(body, TOKENS)),
      shape: { kind: 'closed', concurrency: 16 },
    });
    const wall = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuS = (cpu.user + cpu.system) / 1e6;
    const tokens = run.records.reduce((a, r) => a + r.tokenChunks, 0);
    const ok = run.records.filter((r) => r.success).length;
    console.log(
      `   ${tokens} token chunks in ${wall.toFixed(2)} s wall, ${cpuS.toFixed(2)} s client CPU (${((cpuS / wall) * 100).toFixed(0)}% of a core), ${ok}/${requests} ok, ${(run.health.events / run.health.reads).toFixed(1)} events per read`,
    );
    console.log(
      `   => ${Math.round(tokens / wall).toLocaleString('en-US')} tokens/s wall; ${Math.round(tokens / cpuS).toLocaleString('en-US')} tokens per client CPU-second (target >= 250,000 on one core)`,
    );
  } finally {
    srv.proc.kill();
  }
  // The parse loop alone, eventsource-parser vs the hand-written splitter, on the same events.
  const chunks = Array.from({ length: TOKENS }, (_, i) => Buffer.from(chunkText(i)));
  const onData = (d: string): void => {
    if (d !== '[DONE]') JSON.parse(d);
  };
  const esp = (): ((b: Buffer) => void) => {
    const dec = new TextDecoder();
    const p = createParser({ onEvent: (e) => onData(e.data) });
    return (b) => p.feed(dec.decode(b, { stream: true }));
  };
  const hand = (): ((b: Buffer) => void) => {
    const s = new SseSplitter();
    return (b) => void s.push(b, onData);
  };
  const time = (mk: () => (b: Buffer) => void): number => {
    for (let w = 0; w < 40; w++) chunks.forEach(mk());
    const t = performance.now();
    const reps = 400;
    for (let r = 0; r < reps; r++) chunks.forEach(mk());
    return (reps * chunks.length) / ((performance.now() - t) / 1000);
  };
  const a = time(esp);
  const b = time(hand);
  console.log(
    `   parse loop alone (SSE split + JSON.parse, one event per read): eventsource-parser ${Math.round(a).toLocaleString('en-US')}/s, hand-written splitter ${Math.round(b).toLocaleString('en-US')}/s\n`,
  );
}

async function traceError(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'vpg-bench-client-'));
  const simJs = path.join(dir, 'sim.mjs');
  await build({ entryPoints: ['sim/cli.ts'], bundle: true, platform: 'node', format: 'esm', outfile: simJs, logLevel: 'error' });
  const trace = path.join(dir, 'trace.jsonl');
  // Steps of ~15 ms (+10 us per sequence), a GPU-like pace: at 256 streams the server writes
  // ~15,000 tokens/s, so neither process is pegged on a 2-core box and the trace is on time.
  const profile = path.join(dir, 'bench-256.json');
  writeFileSync(
    profile,
    JSON.stringify({
      name: 'bench-256',
      step_base_s: 0.015,
      step_per_seq_s: 0.00001,
      step_per_prefill_token_s: 0.000001,
      max_num_seqs: Math.max(512, STREAMS),
      max_num_batched_tokens: 65536,
      kv_cache_tokens: 4_000_000,
    }),
  );
  const proc = spawn(
    process.execPath,
    [
      ...(process.env.SIM_NODE_ARGS ?? '').split(' ').filter(Boolean),
      simJs,
      'serve',
      'bench-model',
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--sim-startup-s',
      '0',
      '--sim-trace',
      trace,
      '--sim-profile',
      profile,
      '--disable-log-stats',
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
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
  console.log(
    `3. measurement error against vllm-sim --sim-trace (15 ms steps), ${STREAMS} concurrent streams, random 128 in / 64 out (range ratio 0.5), ${WAVES} waves`,
  );
  try {
    const suite = {
      name: 'trace',
      kind: 'serving' as const,
      // Lengths vary (vLLM's --random-range-ratio 0.5), so after the first wave requests finish
      // and are replaced a few per step, as in a served workload. The first wave (all sent at t0)
      // is a burst the server reads one request after another: its stamps trail the client's by
      // the server's own intake time, which is part of TTFT (the client is right to count it).
      dataset: { type: 'random' as const, 'input-len': 128, 'output-len': 64, 'range-ratio': 0.5, 'num-prompts': STREAMS * WAVES },
      concurrency: [STREAMS] as [number],
      warmup: 0,
    };
    const cpu0 = process.cpuUsage();
    const s = await runServingSuite(suite, { baseUrl: url, model: 'bench-model' });
    const cpu = process.cpuUsage(cpu0);
    // The simulator's own view: how late its steps fired and how long writing a step's tokens took
    // (part of what the client sees as delivery time is the server still writing).
    const simStats = (await fetch(`${url}/sim/stats`)
      .then((r) => r.json())
      .catch(() => null)) as {
      step_error_ms?: { p50: number; p99: number };
      step_emit_work_ms?: { p50: number; p99: number };
      intake_ms?: { p50: number; p99: number };
      cpu_s?: { user: number; system: number };
      monotonic_origin_ms?: number;
    } | null;
    // Both processes' performance.now() clocks on the host's monotonic clock: a server time plus
    // this is a client time, so the two delays can be measured outright, not beyond the fastest.
    const n0 = performance.now();
    const clientOrigin = Number(process.hrtime.bigint()) / 1e6 - n0;
    const s2c = typeof simStats?.monotonic_origin_ms === 'number' ? simStats.monotonic_origin_ms - clientOrigin : undefined;
    await new Promise<void>((r) => {
      proc.once('exit', () => r());
      proc.kill('SIGTERM');
    });
    const p = s.points[0]!;
    const run = pointRuns(p)![0]!;
    const traceLines = parseTrace(readFileSync(trace, 'utf8'));
    const a = traceAgreement(run.records, traceLines, run.t0Ms, s2c);
    console.log(
      `   joined ${a.joined} requests; point valid: ${p.validity.valid}${p.validity.valid ? '' : ` (${p.validity.reasons.join('; ')})`}`,
    );
    console.log(
      `   TTFT median: client ${fmt(a.clientMedianTtftMs)} ms, server ${fmt(a.serverMedianTtftMs)} ms -> error ${fmt(a.ttftMedianErrorMs)} ms (per-request median |error| ${fmt(a.ttftMedianAbsErrorMs)} ms)`,
    );
    console.log(
      `   TTFT error split (medians, both clocks on the host's monotonic clock): request reaching the server ${fmt(a.requestTransitAbsMedianMs)} ms, first token reaching the client ${fmt(a.firstTokenDeliveryAbsMedianMs)} ms ` +
        `(beyond the fastest request: ${fmt(a.requestTransitMedianMs)} and ${fmt(a.firstTokenDeliveryMedianMs)} ms)`,
    );
    console.log(
      `   requests whose client TTFT is below the server's (a timestamp earlier than its bytes; must be 0): ${a.clientTtftBelowServer} of ${a.joined}`,
    );
    console.log(
      `   ITL  median: client ${fmt(a.clientMedianItlMs)} ms, server ${fmt(a.serverMedianItlMs)} ms -> error ${fmt(a.itlMedianErrorMs)} ms (per-gap median |error| ${fmt(a.itlMedianAbsErrorMs)} ms)`,
    );
    // The first wave (all sent at t0) against the rest: requests sent one at a time as slots free,
    // the steady state a closed loop measures for the rest of a run.
    for (const [label, keep] of [
      [`first wave (${STREAMS} sent at t0)`, (i: number) => i < STREAMS],
      ['steady state (every request after the first wave)', (i: number) => i >= STREAMS],
    ] as const) {
      const part = traceAgreement(
        run.records.filter((r) => keep(r.index)),
        traceLines,
        run.t0Ms,
        s2c,
      );
      console.log(
        `   ${label}, ${part.joined} requests: TTFT error ${fmt(part.ttftMedianErrorMs)} ms (per-request median |error| ${fmt(part.ttftMedianAbsErrorMs)}; way in ${fmt(part.requestTransitAbsMedianMs)}, way out ${fmt(part.firstTokenDeliveryAbsMedianMs)}), ITL error ${fmt(part.itlMedianErrorMs)} ms`,
      );
    }
    if (simStats?.step_error_ms && simStats.step_emit_work_ms) {
      console.log(
        `   server: step lateness p50/p99 ${fmt(simStats.step_error_ms.p50)}/${fmt(simStats.step_error_ms.p99)} ms, writing a step's tokens p50/p99 ${fmt(simStats.step_emit_work_ms.p50)}/${fmt(simStats.step_emit_work_ms.p99)} ms, ` +
          `a request's wait from its arrival stamp to its handling p50/p99 ${fmt(simStats.intake_ms?.p50)}/${fmt(simStats.intake_ms?.p99)} ms, CPU ${simStats.cpu_s ? (simStats.cpu_s.user + simStats.cpu_s.system).toFixed(2) : 'n/a'} s`,
      );
    }
    console.log(
      `   client CPU ${(((cpu.user + cpu.system) / 1e6 / p.metrics.duration!) * 100).toFixed(0)}% of a core over the ${fmt(p.metrics.duration)} s point`,
    );
    console.log(
      `   client health: send lag p99 ${fmt(p.metrics.send_lag_p99_ms)} ms, event-loop lag p99 ${fmt(p.metrics.event_loop_lag_p99_ms)} ms, ${fmt(p.metrics.events_per_read)} events per read, coalesced chunks ${fmt((p.metrics.coalesced_chunk_ratio ?? 0) * 100)}%`,
    );
    console.log('   (target: TTFT and ITL median error within 0.5 ms)');
  } finally {
    if (proc.exitCode === null) proc.kill('SIGKILL');
  }
}

function fmt(v: number | null | undefined): string {
  return typeof v === 'number' && Number.isFinite(v) ? v.toFixed(3) : 'n/a';
}

console.log(
  `bench:client on Node ${process.version}, ${(await import('node:os')).cpus().length} CPUs, load average ${(await import('node:os'))
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}\n`,
);
if (!SKIP.has('1')) await maxRate();
if (!SKIP.has('2')) await parseRate();
if (!SKIP.has('3')) await traceError();
