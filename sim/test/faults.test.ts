// Every --sim-fault kind, over a real socket.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { freePort, simJs, startSim } from '../../test/support/sim.js';
import { post, sseData, waitFor } from './helpers.js';

const streamBody = { prompt: 'fault test', max_tokens: 8, ignore_eos: true, stream: true };

function spawnSim(args: string[]): { done: Promise<number | null>; out: () => string; kill: () => void } {
  let out = '';
  const proc = spawn(process.execPath, [simJs(), 'serve', 'm', '--sim-startup-s', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const done = new Promise<number | null>((r) => proc.once('exit', (c) => r(c)));
  return { done, out: () => out, kill: () => proc.kill('SIGTERM') };
}

describe('start-up faults', () => {
  it('boot-exit prints a CUDA out-of-memory error during start-up and exits 1', async () => {
    const p = spawnSim(['--port', String(await freePort()), '--sim-fault', 'boot-exit']);
    expect(await p.done).toBe(1);
    expect(p.out()).toContain('CUDA out of memory');
    expect(p.out()).not.toContain('Application startup complete');
  });

  it('boot-hang never becomes ready: the port refuses connections, and SIGTERM ends it', async () => {
    const port = await freePort();
    const p = spawnSim(['--port', String(port), '--sim-fault', 'boot-hang']);
    await waitFor(() => (p.out().includes('Capturing CUDA graphs') ? true : undefined), 'the hang point');
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
    expect(p.out()).not.toContain('Application startup complete');
    p.kill();
    expect(await p.done).toBe(0);
  });
});

describe('request faults', () => {
  it('crash-after:N serves N requests, then the process exits 1', async () => {
    const sim = await startSim(['--sim-fault', 'crash-after:2']);
    const exited = new Promise<number | null>((r) => sim.proc.once('exit', (c) => r(c)));
    for (let i = 0; i < 2; i++) expect((await post(`${sim.url}/v1/completions`, { prompt: 'x', max_tokens: 2 })).status).toBe(200);
    expect(await exited).toBe(1);
    await expect(post(`${sim.url}/v1/completions`, { prompt: 'x', max_tokens: 2 })).rejects.toThrow();
  });

  it('http-500:1 and http-429:1 answer every request with that status in vLLM error shape', async () => {
    const sim = await startSim(['--sim-fault', 'http-500:1']);
    const sim2 = await startSim(['--sim-fault', 'http-429:1']);
    try {
      const r1 = await post(`${sim.url}/v1/completions`, { prompt: 'x', max_tokens: 2 });
      expect(r1.status).toBe(500);
      expect(((await r1.json()) as { error: { code: number } }).error.code).toBe(500);
      const r2 = await post(`${sim2.url}/v1/chat/completions`, { messages: [{ role: 'user', content: 'x' }], max_tokens: 2 });
      expect(r2.status).toBe(429);
      expect(((await r2.json()) as { error: { code: number } }).error.code).toBe(429);
      expect((await fetch(`${sim.url}/health`)).status).toBe(200);
    } finally {
      await Promise.all([sim.stop(), sim2.stop()]);
    }
  });

  it('draws the share P from the seed, so the same seed fails the same requests', async () => {
    const statuses = async (): Promise<number[]> => {
      const sim = await startSim(['--sim-fault', 'http-500:0.5', '--sim-seed', '7']);
      try {
        const out: number[] = [];
        for (let i = 0; i < 12; i++) {
          const r = await post(`${sim.url}/v1/completions`, { prompt: 'x', max_tokens: 1 });
          await r.text();
          out.push(r.status);
        }
        return out;
      } finally {
        await sim.stop();
      }
    };
    const a = await statuses();
    expect(a).toEqual(await statuses());
    expect(a).toContain(500);
    expect(a).toContain(200);
  });

  it('stream-error:1 sends a data: {"error": ...} event mid-stream, then [DONE]', async () => {
    const sim = await startSim(['--sim-fault', 'stream-error:1']);
    try {
      const events = sseData(await (await post(`${sim.url}/v1/completions`, streamBody)).text());
      expect(events.at(-1)).toBe('[DONE]');
      const err = JSON.parse(events.at(-2)!) as { error: { code: number; message: string } };
      expect(err.error.code).toBe(500);
      expect(events.length).toBeGreaterThan(2); // some tokens came first
      expect(events.length).toBeLessThan(8 + 2);
    } finally {
      await sim.stop();
    }
  });

  it('stream-stall:1 stops sending mid-stream and keeps the connection open', async () => {
    const sim = await startSim(['--sim-fault', 'stream-stall:1']);
    try {
      const res = await post(`${sim.url}/v1/completions`, streamBody);
      const reader = res.body!.getReader();
      // max_tokens 8: the stall comes at token 4, after three token events.
      let text = '';
      while ((text.match(/data: \{/g) ?? []).length < 3) {
        const chunk = await reader.read();
        expect(chunk.done).toBe(false);
        text += new TextDecoder().decode(chunk.value);
      }
      expect(text.match(/data: \{/g)).toHaveLength(3);
      // The engine drops the stalled request (counted as abort) while the response stays open.
      await waitFor(async () => {
        const m = await (await fetch(`${sim.url}/metrics`)).text();
        return /request_success_total\{finished_reason="abort"[^}]*\} 1/.test(m) ? true : undefined;
      }, 'the stalled request to be aborted');
      const pending = await Promise.race([reader.read().then(() => 'data'), new Promise((r) => setTimeout(() => r('open'), 300))]);
      expect(pending).toBe('open');
      await reader.cancel();
    } finally {
      await sim.stop();
    }
  });

  it('drop-connection:1 closes the connection mid-response', async () => {
    const sim = await startSim(['--sim-fault', 'drop-connection:1']);
    try {
      const res = await post(`${sim.url}/v1/completions`, streamBody);
      await expect(res.text()).rejects.toThrow();
    } finally {
      await sim.stop();
    }
  });

  it('malformed-sse:1 sends an event whose data is not valid JSON, then carries on to [DONE]', async () => {
    const sim = await startSim(['--sim-fault', 'malformed-sse:1']);
    try {
      const events = sseData(await (await post(`${sim.url}/v1/completions`, streamBody)).text());
      expect(events.at(-1)).toBe('[DONE]');
      const bad = events.filter((e) => {
        if (e === '[DONE]') return false;
        try {
          JSON.parse(e);
          return false;
        } catch {
          return true;
        }
      });
      expect(bad).toHaveLength(1);
    } finally {
      await sim.stop();
    }
  });
});
