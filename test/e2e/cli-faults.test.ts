// The fault matrix of `vllm-perf-gate run`, end to end: the real binary in its own process, vllm-sim
// booted through PATH with an injected fault (--sim-fault), and for each failure what a user gets:
// the exit code, a message on stderr that names the problem and says what to do (never a stack
// trace), the results and the server log in the output folder, and no simulator left running.
// The library-level checks of the same faults are in test/server/faults.test.ts.
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server as NetServer } from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ResultsDocument } from '../../src/results/schema-types.gen.js';
import { validateResults } from '../../src/results/validate.js';
import { freePort } from '../support/sim.js';
import {
  groupExists,
  newCase,
  productReasons,
  readDoc,
  removeCases,
  run,
  runCli,
  serverGroups,
  serverLog,
  simProcesses,
  simServer,
  STACK_LINE,
  sweepSuite,
  writeConfig,
  type Case,
  type CliExit,
} from './support.js';

function config(c: Case, server: Parameters<typeof simServer>[1] = {}, suite: Parameters<typeof sweepSuite>[0] = {}): string {
  return writeConfig(c, ['version: 1', simServer(c, server), 'suites:', sweepSuite(suite), ''].join('\n'));
}

afterAll(removeCases);

/** Error codes and request-error kinds the cases below produced; the README must explain each. */
const seen = new Set<string>();

/** What every failure leaves: no stack trace, a results.json the schema accepts, and no simulator of this case alive. */
function expectCleanFailure(c: Case, exit: CliExit): ResultsDocument {
  expect(exit.stderr).not.toMatch(STACK_LINE);
  expect(exit.stderr).toContain(`results: ${path.join(c.out, 'results.json')}`);
  const doc = readDoc(c);
  expect(validateResults(doc)).toEqual([]);
  expectNoSimulator(c);
  if (doc.error) seen.add(`\`${doc.error.code}\``);
  for (const s of doc.suites)
    for (const p of s.points) for (const k of Object.keys(p.errors?.['by-kind'] ?? {})) if (!doc.error) seen.add(`\`${k}: `);
  return doc;
}

function expectNoSimulator(c: Case): void {
  expect(serverGroups(c).filter(groupExists)).toEqual([]);
  expect(simProcesses(c)).toEqual([]);
}

/** The stderr line that starts with `fix:` (the hint), or undefined. */
function fixLine(stderr: string): string | undefined {
  return /^\s*fix: (.+)$/m.exec(stderr)?.[1];
}

describe('failures before any load: the run stops at once and says why and what to do', () => {
  it('boot-exit: the server dies during start-up; the message quotes its CUDA out-of-memory error and hints at what to lower', async () => {
    const c = newCase('boot-exit');
    config(c, { faults: ['boot-exit'] });
    const exit = await run(c);
    expect(exit.code, exit.stderr).toBe(1);
    expect(exit.stderr).toMatch(/error: .*server\.log: the server exited with code 1 during start-up/);
    expect(exit.stderr).toContain('torch.OutOfMemoryError: CUDA out of memory');
    expect(fixLine(exit.stderr)).toMatch(/GPU ran out of memory: lower --gpu-memory-utilization/);
    expect(exit.stderr).toContain(`partial results and the server log are in ${c.out}`);
    const doc = expectCleanFailure(c, exit);
    expect(doc.status).toBe('failed');
    expect(doc.error).toMatchObject({ code: 'BOOT_EXIT', hint: expect.stringMatching(/GPU ran out of memory/) });
    expect(serverLog(c)).toContain('EngineCore failed to start.');
    expect(serverGroups(c).length).toBe(1);
  });

  it('boot-hang: the server never gets ready; after server.startup-timeout it is stopped and the hint says to raise the timeout', async () => {
    const c = newCase('boot-hang');
    config(c, { faults: ['boot-hang'], startupTimeout: '1500ms' });
    const exit = await run(c);
    expect(exit.code, exit.stderr).toBe(1);
    expect(exit.stderr).toMatch(/error: server\.startup-timeout: the server was not ready within 1\.5 s \(server\.startup-timeout\)/);
    expect(fixLine(exit.stderr)).toMatch(/raise server\.startup-timeout/);
    const doc = expectCleanFailure(c, exit);
    expect(doc).toMatchObject({ status: 'failed', error: { code: 'BOOT_TIMEOUT' } });
    expect(serverLog(c)).toContain('[vllm-perf-gate] stopping the server: not ready within server.startup-timeout');
    expect(serverGroups(c).length).toBe(1);
  });

  describe('port already in use', () => {
    let holder: NetServer | undefined;
    afterEach(async () => {
      await new Promise<void>((r) => (holder ? holder.close(() => r()) : r()));
    });

    it('fails at once, naming the port and the process holding it, and suggests server.port: auto; nothing is spawned', async () => {
      const port = await freePort();
      holder = createServer();
      await new Promise<void>((r) => holder!.listen(port, '127.0.0.1', r));
      const c = newCase('port');
      config(c, { extra: [`port: ${port}`] });
      const exit = await run(c);
      expect(exit.code, exit.stderr).toBe(1);
      expect(exit.stderr).toContain(`error: server.port: port ${port} on 127.0.0.1 is already in use by process ${process.pid}`);
      expect(fixLine(exit.stderr)).toMatch(new RegExp(`stop process ${process.pid} .*or set server\\.port: auto`));
      // The server was never started, so there is no server log, and the CLI does not claim one.
      expect(exit.stderr).toContain(`partial results are in ${c.out}`);
      expect(existsSync(path.join(c.out, 'server.log'))).toBe(false);
      const doc = expectCleanFailure(c, exit);
      expect(doc).toMatchObject({ status: 'failed', error: { code: 'PORT_IN_USE', where: 'server.port' } });
    });
  });

  it('a bad config: exit 2 before anything starts, with file:line:col, the key path and a did-you-mean', async () => {
    const c = newCase('bad-config');
    writeConfig(
      c,
      [
        'version: 1',
        simServer(c),
        'suites:',
        '  - name: sweep',
        '    kind: serving',
        '    dataset: { type: random, input-len: 32, output-len: 8, num-prompts: 8 }',
        '    concurency: [1, 2]',
        '',
      ].join('\n'),
    );
    const line = 1 + 1 + simServer(c).split('\n').length + 4; // the `concurency` line
    const exit = await run(c);
    expect(exit.code, exit.stderr).toBe(2);
    expect(exit.stderr).toContain(`${c.config}:${line}:5: suites[0].concurency: unknown key \`concurency\``);
    expect(fixLine(exit.stderr)).toBe('did you mean `concurrency`?');
    expect(exit.stderr).not.toMatch(STACK_LINE);
    expect(existsSync(c.out)).toBe(false);
    expectNoSimulator(c);
    seen.add('`CONFIG`');
  });
});

describe('the server crashes mid-sweep (crash-after:N)', () => {
  it('keeps the points measured before the crash, records SERVER_CRASH with the engine error, and exits 1', async () => {
    const c = newCase('crash');
    config(c, { faults: ['crash-after:5'] });
    const exit = await run(c);
    expect(exit.code, exit.stderr).toBe(1);
    expect(exit.stderr).toContain('the server exited with code 1 while the suites ran');
    expect(exit.stderr).toContain('EngineDeadError');
    expect(fixLine(exit.stderr)).toMatch(/read the log above/);
    const doc = expectCleanFailure(c, exit);
    expect(doc).toMatchObject({ status: 'partial', error: { code: 'SERVER_CRASH' } });
    const [first, second] = doc.suites[0]!.points;
    expect(first).toMatchObject({ key: 'concurrency=1', metrics: { completed: 4, failed: 0 } });
    expect(productReasons(first!.validity.reasons)).toEqual([]);
    // The point the crash cut short is kept as measured, and marked invalid.
    expect(second?.key).toBe('concurrency=2');
    expect(second?.validity.valid).toBe(false);
    expect(second?.metrics.failed).toBeGreaterThan(0);
    expect(first?.['vllm-result-file']).toBeDefined();
    expect(serverLog(c)).toMatch(/\[vllm-perf-gate\] server process \d+ exited \(code 1\)/);
  });
});

// Each fault hits a share of the requests (seeded, so the same ones each run): 3 of the 4 at
// concurrency 1 and 1 of the 8 at concurrency 2. The run completes; the failures are counted per kind
// and make both points invalid (max-error-rate is 0 by default), so the gate fails with exit 1.
const requestFaults: { fault: string; kind: string; example: RegExp; suite?: string[] }[] = [
  { fault: 'http-500:0.3', kind: 'http', example: /http: HTTP 500: vllm-sim injected fault: http-500/ },
  { fault: 'http-429:0.3', kind: 'http', example: /http: HTTP 429: vllm-sim injected fault: http-429/ },
  { fault: 'stream-error:0.3', kind: 'stream-error', example: /stream-error: vllm-sim injected fault: stream-error/ },
  {
    fault: 'stream-stall:0.3',
    kind: 'timeout',
    example: /timeout: no complete response within 1000 ms \(request-timeout\)/,
    suite: ['request-timeout: 1s'],
  },
  { fault: 'drop-connection:0.3', kind: 'connection', example: /connection: .*other side closed/ },
  { fault: 'malformed-sse:0.3', kind: 'malformed-stream', example: /malformed-stream: not an SSE JSON event/ },
];

describe('requests fail while the server stays up: the run completes, counts the failures and fails the gate', () => {
  it.each(requestFaults)(
    '$fault: counted as $kind, both points invalid, exit 1 with a fix line',
    async ({ fault, kind, example, suite }) => {
      const c = newCase(fault.replace(/[^a-z0-9]+/g, '-'));
      config(c, { faults: [fault] }, suite ? { extra: suite } : {});
      const exit = await run(c);
      expect(exit.code, exit.stderr).toBe(1);
      expect(exit.stderr).toMatch(example);
      expect(exit.stderr).toMatch(
        /verdict: FAIL: 2 points are invalid: sweep · concurrency 1: error rate 75% \(3 of 4\) is over max-error-rate 0\.0%/,
      );
      expect(fixLine(exit.stderr)).toBe(
        `4 of 12 requests failed (${kind} 4): the Errors lines above and server.log say why; if some failures are expected, raise the suite's max-error-rate`,
      );
      expect(exit.stderr).not.toMatch(/^error: /m);
      const doc = expectCleanFailure(c, exit);
      expect(doc.status).toBe('complete');
      expect(doc.error).toBeUndefined();
      expect(
        doc.suites[0]!.points.map((p) => ({
          key: p.key,
          completed: p.metrics.completed,
          failed: p.metrics.failed,
          byKind: p.errors?.['by-kind'],
          valid: p.validity.valid,
        })),
      ).toEqual([
        { key: 'concurrency=1', completed: 1, failed: 3, byKind: { [kind]: 3 }, valid: false },
        { key: 'concurrency=2', completed: 7, failed: 1, byKind: { [kind]: 1 }, valid: false },
      ]);
      expect(serverLog(c)).toContain('[vllm-perf-gate] server stopped');
    },
  );
});

describe('the run is cancelled while the sweep runs', () => {
  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)('%s: the server is torn down, partial results and the report are written, exit %i', async (signal, code) => {
    const c = newCase(signal.toLowerCase());
    config(c, {}, { perPoint: 12 });
    const cli = runCli(['run', '--config', c.config, '--out', c.out]);
    // The first point is done and the second is under way.
    await cli.stderrMatches(/sweep concurrency=2: \d+ requests/);
    cli.child.kill(signal);
    const exit = await cli.done;
    expect({ code: exit.code, signal: exit.signal }, exit.stderr).toEqual({ code, signal: null });
    expect(exit.stderr).toContain(`${signal} received: cancelling; stopping the server and writing partial results`);
    expect(exit.stderr).toContain(`error: cancelled by ${signal}`);
    expect(exit.stderr).toContain(`partial results and the server log are in ${c.out}`);
    const doc = expectCleanFailure(c, exit);
    expect(doc).toMatchObject({ status: 'partial', error: { code: 'CANCELLED', message: `cancelled by ${signal}` } });
    const [first, second] = doc.suites[0]!.points;
    expect(first).toMatchObject({ key: 'concurrency=1', metrics: { completed: 12, failed: 0 } });
    expect(productReasons(first!.validity.reasons)).toEqual([]);
    if (second) expect(second.validity.reasons).toContain('the run was cancelled before this point finished');
    expect(serverLog(c)).toContain('[vllm-perf-gate] stopping the server: cancelled');
    for (const f of ['report.md', 'verdict.json']) expect(existsSync(path.join(c.out, f)), f).toBe(true);
  });
});

describe('the README', () => {
  it('"When things go wrong" names every error code and request-error kind the cases above produced', () => {
    const readme = readFileSync('README.md', 'utf8');
    const start = readme.indexOf('## When things go wrong');
    expect(start).toBeGreaterThan(-1);
    const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
    // Runs after the cases (vitest runs a file's tests in order); with -t filtering, fewer are checked.
    for (const s of seen) expect(section, s).toContain(s);
  });
});
