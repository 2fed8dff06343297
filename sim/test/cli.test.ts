// The command line: start-up, flags, errors, offline benches.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, simJs, startSim } from '../../test/support/sim.js';
import { waitFor } from './helpers.js';

function run(args: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [simJs(), ...args], { encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, out: r.stdout + r.stderr };
}

describe('vllm-sim serve', () => {
  it('refuses connections until it logs Application startup complete, then answers /health', async () => {
    const port = await freePort();
    let out = '';
    const proc = spawn(process.execPath, [simJs(), 'serve', 'm', '--port', String(port), '--sim-startup-s', '1'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stdout.on('data', (b: Buffer) => (out += b.toString()));
    try {
      await waitFor(() => (out.includes('Starting to load model') ? true : undefined), 'the loading line');
      expect(out).not.toContain('Application startup complete.');
      await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
      await waitFor(() => (out.includes('Application startup complete.') ? true : undefined), 'start-up');
      expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
      const exit = new Promise<number | null>((r) => proc.once('exit', (c) => r(c)));
      proc.kill('SIGTERM');
      expect(await exit).toBe(0);
    } finally {
      proc.kill('SIGKILL');
    }
  });

  it('accepts other vllm serve flags, names them once as ignored, and takes --model instead of the positional', async () => {
    const sim = await startSim(['--model', 'other/model', '--dtype', 'bfloat16', '--enforce-eager', '--load-format=dummy', '-tp', '2'], {
      model: 'ignored-positional',
    }).catch(() => null);
    // The positional and --model both given is fine; --model wins.
    expect(sim).not.toBeNull();
    try {
      const log = sim!.log();
      const ignoredLines = log.split('\n').filter((l) => l.includes('not simulated (ignored)'));
      expect(ignoredLines).toHaveLength(1);
      expect(ignoredLines[0]).toContain('--dtype bfloat16, --enforce-eager, --load-format=dummy');
      const models = (await (await fetch(`${sim!.url}/v1/models`)).json()) as { data: { id: string }[] };
      expect(models.data[0]!.id).toBe('other/model');
    } finally {
      await sim?.stop();
    }
  });

  it.each([
    [['serve', 'm', '--port', 'abc'], 'argument --port: invalid int value'],
    [['serve', 'm', '--sim-time-scale', '0'], 'argument --sim-time-scale: must be > 0'],
    [['serve', 'm', '--sim-fault', 'http-500:2'], 'share P between 0 and 1'],
    [['serve', 'm', '--sim-fault', 'explode'], "unknown fault 'explode'"],
    [['serve', 'm', '--sim-profile', 'no-such-profile'], "unknown profile 'no-such-profile'"],
    [['serve'], 'the following arguments are required: model_tag'],
    [['frobnicate'], "invalid choice: 'frobnicate'"],
  ])('rejects %j with a clear error and exit code 2', (args, message) => {
    const r = run(args);
    expect(r.status).toBe(2);
    expect(r.out).toContain(message);
  });

  it("takes --max-model-len in vLLM's human-readable form (1k = 1000, 1K = 1024)", async () => {
    const sim = await startSim(['--max-model-len', '2K']);
    try {
      const models = (await (await fetch(`${sim.url}/v1/models`)).json()) as { data: { max_model_len: number }[] };
      expect(models.data[0]!.max_model_len).toBe(2048);
    } finally {
      await sim.stop();
    }
  });

  it('exits 0 on SIGTERM during start-up too', async () => {
    let out = '';
    const proc = spawn(process.execPath, [simJs(), 'serve', 'm', '--port', String(await freePort()), '--sim-startup-s', '30'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stdout.on('data', (b: Buffer) => (out += b.toString()));
    await waitFor(() => (out.includes('Starting to load model') ? true : undefined), 'the loading line');
    const exit = new Promise<number | null>((r) => proc.once('exit', (c) => r(c)));
    proc.kill('SIGTERM');
    expect(await exit).toBe(0);
  });

  it('does not let a valueless vLLM flag swallow the model that follows it', async () => {
    const port = await freePort();
    let out = '';
    const proc = spawn(
      process.execPath,
      [simJs(), 'serve', '--trust-remote-code', 'org/after-flag', '--port', String(port), '--sim-startup-s', '0'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    proc.stdout.on('data', (b: Buffer) => (out += b.toString()));
    try {
      await waitFor(() => (out.includes('Application startup complete.') ? true : undefined), 'start-up');
      const models = (await (await fetch(`http://127.0.0.1:${port}/v1/models`)).json()) as { data: { id: string }[] };
      expect(models.data[0]!.id).toBe('org/after-flag');
      expect(out).toContain('(ignored): --trust-remote-code');
    } finally {
      proc.kill('SIGKILL');
    }
  });

  it('prints its version', () => {
    const r = run(['--version']);
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/^vllm-sim \d+\.\d+\.\d+/);
  });
});

describe('vllm-sim bench (simulated time)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sim-bench-'));

  it('latency writes exactly vLLM keys, in seconds, one latency per iteration', () => {
    const out = path.join(dir, 'lat.json');
    const r = run([
      'bench',
      'latency',
      '--model',
      'm',
      '--input-len',
      '32',
      '--output-len',
      '16',
      '--batch-size',
      '4',
      '--num-iters-warmup',
      '1',
      '--num-iters',
      '3',
      '--output-json',
      out,
      '--load-format',
      'dummy',
      '--sim-profile',
      'l4-qwen2.5-0.5b',
    ]);
    expect(r.status).toBe(0);
    const j = JSON.parse(readFileSync(out, 'utf8')) as { latencies: number[]; percentiles: Record<string, number>; avg_latency: number };
    expect(Object.keys(j)).toEqual(['avg_latency', 'std_latency', 'latencies', 'percentiles']);
    expect(Object.keys(j.percentiles)).toEqual(['10', '25', '50', '75', '90', '99']);
    expect(j.latencies).toHaveLength(3);
    // 16 steps of ~5 ms for a batch of 4: about 0.08 s of simulated time.
    expect(j.avg_latency).toBeGreaterThan(0.06);
    expect(j.avg_latency).toBeLessThan(0.12);
  });

  it('throughput writes exactly vLLM keys, with tokens_per_second over prompt + output tokens', () => {
    const out = path.join(dir, 'tp.json');
    const r = run([
      'bench',
      'throughput',
      '--model',
      'm',
      '--input-len',
      '64',
      '--output-len',
      '32',
      '--num-prompts',
      '20',
      '--output-json',
      out,
      '--tensor-parallel-size',
      '1',
    ]);
    expect(r.status).toBe(0);
    const j = JSON.parse(readFileSync(out, 'utf8')) as Record<string, number>;
    expect(Object.keys(j)).toEqual(['elapsed_time', 'num_requests', 'total_num_tokens', 'requests_per_second', 'tokens_per_second']);
    expect(j.num_requests).toBe(20);
    expect(j.total_num_tokens).toBe(20 * 96);
    expect(j.tokens_per_second).toBeCloseTo(j.total_num_tokens! / j.elapsed_time!, 6);
  });

  it('throughput reads a ShareGPT dataset and takes lengths from its conversations', () => {
    const data = path.join(dir, 'sharegpt.json');
    const conv = (q: string, a: string) => ({
      conversations: [
        { from: 'human', value: q },
        { from: 'gpt', value: a },
      ],
    });
    writeFileSync(
      data,
      JSON.stringify([
        conv('What is the capital of France, please?', 'The capital of France is Paris, of course.'),
        conv('hi', 'too short to keep'),
      ]),
    );
    const out = path.join(dir, 'tp2.json');
    const r = run(['bench', 'throughput', '--model', 'm', '--dataset-path', data, '--num-prompts', '5', '--output-json', out]);
    expect(r.status).toBe(0);
    const j = JSON.parse(readFileSync(out, 'utf8')) as Record<string, number>;
    expect(j.num_requests).toBe(1);
  });
});
