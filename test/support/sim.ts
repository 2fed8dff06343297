// Starts a real vllm-sim process on a free port for a test and stops it afterwards.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { inject } from 'vitest';

export function simJs(): string {
  return inject('simJs');
}

/** PATH with the test `vllm-sim` shim first. */
export function pathWithSim(extra: string[] = []): string {
  return [...extra, inject('simBinDir'), process.env.PATH ?? ''].join(':');
}

/**
 * The `client` block of the test configs that boot the simulator through the CLI or the Action. The
 * load client shares two cores with the simulator and with other test files, so a busy machine can
 * make it late (its own-health rules then rightly call the point invalid); these tests are about
 * other things, so the limits are ones a busy machine stays under. The rules are tested with their
 * default limits in test/metrics/validity.test.ts.
 */
export const SHARED_MACHINE_CLIENT: readonly string[] = [
  'client:',
  '  max-event-loop-lag: 2s',
  '  max-send-lag: 2s',
  '  min-send-rate: 0.2',
  '  max-coalesced-chunks: 1',
];

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      if (addr === null || typeof addr === 'string') return reject(new Error('no port'));
      srv.close(() => resolve(addr.port));
    });
  });
}

export interface RunningSim {
  url: string;
  port: number;
  proc: ChildProcess;
  log: () => string;
  stop: () => Promise<void>;
}

/**
 * Spawns `vllm-sim serve MODEL --port P ...args` and resolves once GET /health answers 200.
 * Defaults keep start-up instant (--sim-startup-s 0).
 */
export async function startSim(args: string[] = [], opts: { model?: string; timeoutMs?: number } = {}): Promise<RunningSim> {
  const port = await freePort();
  const model = opts.model ?? 'sim-model';
  const argv = [simJs(), 'serve', model, '--port', String(port), '--sim-startup-s', '0', ...args];
  const proc = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr?.on('data', (b: Buffer) => (out += b.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  let exited: number | null = null;
  proc.once('exit', (code) => (exited = code ?? -1));
  for (;;) {
    if (exited !== null) throw new Error(`vllm-sim exited with ${exited} before ready:\n${out}`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.status === 200) break;
    } catch {
      // connection refused until ready, as vLLM does
    }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`vllm-sim not ready in time:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    url,
    port,
    proc,
    log: () => out,
    stop: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const done = new Promise<void>((r) => proc.once('exit', () => r()));
      proc.kill('SIGTERM');
      await done;
    },
  };
}
