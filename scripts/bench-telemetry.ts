// What the telemetry sampler costs the process that also runs the load generator: CPU time per
// scrape of /metrics (request + parse + summary), measured over many scrapes of
//   1. a running vllm-sim (its /metrics as the sampler sees it in tests and demos), and
//   2. a real vLLM /metrics dump served locally (../shared/reference, when present), made larger
//      by repeating its series for 8 engines, as a data-parallel server would expose them.
// Servers run in other processes: the figures are the sampler's own CPU time.
// Usage: npx tsx scripts/bench-telemetry.ts [scrapes=400]
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GPU_QUERY_ARGS, parseGpuQuery, runNvidiaSmi } from '../src/server/nvidia-smi.js';
import { startTelemetry } from '../src/server/telemetry.js';

const SCRAPES = Number(process.argv[2] ?? 400);

async function measure(label: string, baseUrl: string, bytes: number): Promise<void> {
  // Warm up (JIT, connection) before measuring.
  const warm = await startTelemetry(baseUrl, { intervalMs: 0, nvidiaSmi: false });
  for (let i = 0; i < 20; i++) await warm.mark();
  await warm.stop();

  const t = await startTelemetry(baseUrl, { intervalMs: 0, nvidiaSmi: false });
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  for (let i = 0; i < SCRAPES; i++) await t.mark();
  const cpu = process.cpuUsage(cpu0);
  const wall = performance.now() - wall0;
  await t.stop();
  const s = t.stats();
  const perScrapeUs = (cpu.user + cpu.system) / SCRAPES;
  console.log(
    `${label.padEnd(44)} ${String(bytes).padStart(7)} B  ${perScrapeUs.toFixed(0).padStart(5)} µs CPU/scrape ` +
      `(parse ${(s.parseCpuMicros / s.scrapes).toFixed(0)} µs)  ${(wall / SCRAPES).toFixed(2)} ms wall/scrape  ` +
      `at 1 s interval: ${((perScrapeUs / 1e6) * 100).toFixed(3)}% of one core`,
  );
}

async function fromSim(): Promise<void> {
  const port = 18000 + Math.floor(Math.random() * 1000);
  const sim = spawn(process.execPath, ['--import', 'tsx', 'sim/cli.ts', 'serve', 'm', '--port', String(port), '--sim-startup-s', '0'], {
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${url}/health`)).status === 200) break;
      } catch {
        // not listening yet
      }
      if (i > 200) throw new Error('vllm-sim did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
    // Some traffic, so histograms have buckets filled.
    for (let i = 0; i < 5; i++) {
      await fetch(`${url}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'm', prompt: 'hello there', max_tokens: 4 }),
      }).then((r) => r.text());
    }
    const bytes = (await (await fetch(`${url}/metrics`)).text()).length;
    await measure('vllm-sim /metrics', url, bytes);
  } finally {
    sim.kill('SIGTERM');
  }
}

async function fromReference(): Promise<void> {
  const file = path.resolve('../shared/reference/metrics_v0-era_aibrix-runtime-rst_Qwen2.5-Coder-1.5B.prom.txt');
  if (!existsSync(file)) {
    console.log('(reference /metrics dump absent: skipped)');
    return;
  }
  const one = readFileSync(file, 'utf8');
  const eight = Array.from({ length: 8 }, (_, e) => one.replace(/\{/g, `{engine="${e}",`)).join('\n');
  for (const [label, text] of [
    ['real vLLM dump (V0 era, 1 engine)', one],
    ['same, 8 engines (data parallel)', eight],
  ] as const) {
    // Served from another process, so that only the sampler's CPU time is counted here.
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'vpg-bench-')), 'metrics.txt');
    writeFileSync(file, text);
    const code = `const t=require('fs').readFileSync(${JSON.stringify(file)});require('http').createServer((q,r)=>r.end(t)).listen(0,'127.0.0.1',function(){console.log(this.address().port)})`;
    const srv = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    const port = await new Promise<number>((r) => srv.stdout!.once('data', (b: Buffer) => r(Number(b.toString().trim()))));
    await measure(label, `http://127.0.0.1:${port}`, text.length);
    srv.kill();
  }
}

/** Our side of one nvidia-smi sample (spawn + parse), with the fake nvidia-smi of the tests. */
async function nvidiaSmiCost(): Promise<void> {
  const env = { ...process.env, PATH: `${path.resolve('test/fixtures')}:${process.env.PATH}` };
  const n = 100;
  for (let i = 0; i < 10; i++) await runNvidiaSmi(GPU_QUERY_ARGS, { env });
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  for (let i = 0; i < n; i++) {
    const r = await runNvidiaSmi(GPU_QUERY_ARGS, { env });
    if (r.ok) parseGpuQuery(r.stdout);
  }
  const cpu = process.cpuUsage(cpu0);
  const us = (cpu.user + cpu.system) / n;
  console.log(
    `${'nvidia-smi sample (fake script), our side'.padEnd(44)} ${''.padStart(9)}  ${us.toFixed(0).padStart(5)} µs CPU/sample  ${((performance.now() - wall0) / n).toFixed(2)} ms wall/sample  ` +
      `at 1 s interval: ${((us / 1e6) * 100).toFixed(3)}% of one core (nvidia-smi's own CPU not included)`,
  );
}

await fromSim();
await fromReference();
await nvidiaSmiCost();
