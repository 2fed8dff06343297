// Shared by the server tests: a fake vllm on the fixtures, a virtual clock, and group checks.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Clock } from '../../src/clock.js';
import type { Server } from '../../src/config/schema-types.gen.js';

export const FIXTURES = path.resolve('test/fixtures');
export const FAKE_VLLM = path.join(FIXTURES, 'fake-vllm.mjs');

export function tmpDir(prefix = 'vpg-server-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A server config that boots test/fixtures/fake-vllm.mjs with these extra flags. */
export function fakeServer(flags: string[] = [], over: Partial<Server> = {}): Server {
  return {
    command: [process.execPath, FAKE_VLLM],
    model: 'fake/model',
    args: flags,
    'startup-timeout': '15s',
    'shutdown-grace': '5s',
    ...over,
  };
}

/** kill(pid, 0) as the kernel answers it: does any process (zombies included) have this pid or group? */
export function killZero(target: number): 'alive' | 'ESRCH' {
  try {
    process.kill(target, 0);
    return 'alive';
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH' ? 'ESRCH' : 'alive';
  }
}

/**
 * A clock whose sleeps return at once and move its time forward: a 20-minute wait runs in
 * milliseconds, yet every decision made on elapsed time is made exactly as with the real clock.
 * With `hold`, time stands still until it settles (e.g. until a child has printed something).
 */
export function virtualClock(startMs = 0, hold?: Promise<unknown>): Clock & { advance(ms: number): void } {
  let now = startMs;
  return {
    monotonicMs: () => now,
    wallNow: () => new Date(Date.UTC(2026, 0, 1) + now),
    sleep: async (ms, signal) => {
      if (signal?.aborted) throw signal.reason;
      if (hold) await hold;
      now += ms;
      await new Promise((r) => setImmediate(r));
    },
    advance: (ms) => {
      now += ms;
    },
  };
}

/** Polls until fn() is true or the deadline passes. */
export async function until(fn: () => boolean, ms = 5000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (fn()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return fn();
}
