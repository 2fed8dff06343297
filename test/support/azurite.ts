// Starts Azurite's blob service (npm `azurite`) on a free loopback port, in memory, for tests of
// artifact upload and download through the real Azure SDK path that @actions/artifact uses.
import { spawn, type ChildProcess } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** Azurite's well-known development account (public, documented by Microsoft). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface RunningAzurite {
  /** e.g. http://127.0.0.1:41234 (the account is a path segment: `${blobUrl}/devstoreaccount1`). */
  blobUrl: string;
  port: number;
  account: string;
  key: string;
  proc: ChildProcess;
  log: () => string;
  stop: () => Promise<void>;
}

async function freePort(): Promise<number> {
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

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function azuriteBlobMain(): string {
  const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  return realpathSync(path.join(repo, 'node_modules/.bin/azurite-blob'));
}

/** Resolves once the blob port accepts connections; rejects with Azurite's output on failure. */
export async function startAzurite(opts: { timeoutMs?: number } = {}): Promise<RunningAzurite> {
  const port = await freePort();
  const args = [
    azuriteBlobMain(),
    '--blobHost',
    '127.0.0.1',
    '--blobPort',
    String(port),
    '--inMemoryPersistence',
    '--disableTelemetry',
    '--skipApiVersionCheck',
    '--loose',
    '--silent',
  ];
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr?.on('data', (b: Buffer) => (out += b.toString()));
  let exited: number | null = null;
  proc.once('exit', (code) => (exited = code ?? -1));
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  for (;;) {
    if (exited !== null) throw new Error(`azurite-blob exited with ${exited} before listening:\n${out}`);
    if (/successfully listens/.test(out) || (await canConnect(port))) break;
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`azurite-blob did not listen on ${port} in time:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    blobUrl: `http://127.0.0.1:${port}`,
    port,
    account: AZURITE_ACCOUNT,
    key: AZURITE_KEY,
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
