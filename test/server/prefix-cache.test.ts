// The prefix-cache reset against a real HTTP server on a real socket. vLLM answers 200 whether the
// engine reset its cache or refused (blocks still held), so the outcome is read from the server's
// log lines that came after the request; 404 means the route is not served (no dev mode).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { newLines, prefixCacheResetter } from '../../src/server/prefix-cache.js';

const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

/** A server whose /reset_prefix_cache answers `status` and appends `logs[i]` (the i-th call's line) to `log`. */
async function resetServer(status: number, log: string[], logs: string[]): Promise<{ url: string; calls: () => number }> {
  let calls = 0;
  const server = http.createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/reset_prefix_cache') {
      const line = logs[Math.min(calls, logs.length - 1)];
      calls++;
      // The engine logs after the API server answered, as a separate process would.
      res.writeHead(status).end();
      if (line) setTimeout(() => log.push(line), 5);
      return;
    }
    res.writeHead(404).end();
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls: () => calls };
}

const OK = 'INFO 12-02 11:30:01 [block_pool.py:388] Successfully reset prefix cache';
const REFUSED = 'WARNING 12-02 11:30:01 [block_pool.py:370] Failed to reset prefix cache because some blocks (12) are not freed yet';

describe('prefixCacheResetter', () => {
  it('reads "reset" from the line the engine logged after the request, not from an earlier one', async () => {
    const log = [OK, 'INFO other line'];
    const s = await resetServer(200, log, [OK]);
    const reset = prefixCacheResetter(s.url, { logLines: (n) => log.slice(-n) });
    expect(await reset()).toEqual({ status: 'reset' });
  });

  it('reads "refused" from the engine\'s warning, after trying again twice, whatever an earlier reset logged', async () => {
    const log: string[] = [OK];
    const s = await resetServer(200, log, [REFUSED]);
    const outcome = await prefixCacheResetter(s.url, { logLines: (n) => log.slice(-n) })();
    expect(outcome).toEqual({ status: 'refused', detail: REFUSED });
    expect(s.calls()).toBe(3);
  });

  it('takes a reset that succeeds on a retry as done', async () => {
    const log: string[] = [];
    const s = await resetServer(200, log, [REFUSED, OK]);
    expect(await prefixCacheResetter(s.url, { logLines: (n) => log.slice(-n) })()).toEqual({ status: 'reset' });
    expect(s.calls()).toBe(2);
  });

  it('calls a 404 unavailable, and does not ask again', async () => {
    const s = await resetServer(404, [], []);
    const reset = prefixCacheResetter(s.url);
    expect((await reset()).status).toBe('unavailable');
    expect((await reset()).status).toBe('unavailable');
    expect(s.calls()).toBe(1);
  });

  it('calls a 200 without a log to read (a server it did not start) unconfirmed, another status failed', async () => {
    const s = await resetServer(200, [], []);
    expect(await prefixCacheResetter(s.url)()).toEqual({ status: 'unconfirmed' });
    const bad = await resetServer(500, [], []);
    expect(await prefixCacheResetter(bad.url)()).toMatchObject({ status: 'failed', detail: expect.stringContaining('answered 500') });
  });
});

describe('newLines', () => {
  it('is what the log added, also when its oldest lines dropped out of the tail', () => {
    expect(newLines(['a', 'b', 'c'], ['a', 'b', 'c', 'd'])).toEqual(['d']);
    expect(newLines(['a', 'b', 'c'], ['b', 'c', 'd', 'e'])).toEqual(['d', 'e']);
    expect(newLines(['a', 'b'], ['a', 'b'])).toEqual([]);
    expect(newLines([], ['x'])).toEqual(['x']);
  });
});
