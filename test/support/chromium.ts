// Headless Chromium (Debian's `chromium` package) driven over the DevTools protocol on a pipe
// (--remote-debugging-pipe: commands on fd 3, replies on fd 4, NUL-terminated JSON), so a test opens
// a page, evaluates in it and collects every console error, uncaught exception, log error (a
// Content-Security-Policy refusal is one) and network request, without a port or a library.
//
// Chromium missing is not a reason to skip: it is installed (apt-get, as root, as .ci/run runs) or
// the test fails saying how to install it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';

const NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

function onPath(): string | null {
  for (const name of NAMES) {
    const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  }
  return null;
}

/** The Chromium binary; installs Debian's package when there is none (needs root and the Debian mirror). */
export function chromiumPath(): string {
  const found = onPath();
  if (found) return found;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-qq'], { encoding: 'utf8', env });
  const install = spawnSync('apt-get', ['install', '-y', '-qq', 'chromium'], { encoding: 'utf8', env });
  const again = onPath();
  if (again) return again;
  throw new Error(
    `Chromium is not installed and could not be installed (apt-get update: ${update.status}, install: ${install.status}):\n${install.stderr || update.stderr}\n` +
      'install it with `apt-get install -y chromium` (Debian) and run the test again',
  );
}

export interface Page {
  /** Evaluates an expression in the page; its value, JSON-copied. */
  evaluate<T>(expression: string): Promise<T>;
  /** Console errors, uncaught exceptions and log errors so far. */
  errors: string[];
  /** Every URL the page requested. */
  requests: string[];
  /** Navigation start to the load event, ms (the inline script runs before it). */
  loadMs: number;
  close(): Promise<void>;
}

interface Message {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string };
  sessionId?: string;
}

/** Opens `file` in a fresh headless Chromium; resolves after the load event. */
export async function openPage(file: string, opts: { width?: number; height?: number; timeoutMs?: number } = {}): Promise<Page> {
  const profile = mkdtempSync(path.join(tmpdir(), 'vpg-chromium-'));
  const args = [
    '--headless=new',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-dev-shm-usage',
    '--no-first-run',
    '--no-default-browser-check',
    '--disable-extensions',
    '--remote-debugging-pipe',
    `--user-data-dir=${profile}`,
    `--window-size=${opts.width ?? 1200},${opts.height ?? 900}`,
    'about:blank',
  ];
  const proc: ChildProcess = spawn(chromiumPath(), args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  const toChrome = proc.stdio[3] as Writable;
  const fromChrome = proc.stdio[4] as Readable;
  const pending = new Map<number, { resolve: (r: Record<string, unknown>) => void; reject: (e: Error) => void }>();
  const listeners: ((m: Message) => void)[] = [];
  let nextId = 0;
  let buf = '';
  fromChrome.on('data', (b: Buffer) => {
    buf += b.toString('utf8');
    let end;
    while ((end = buf.indexOf('\0')) >= 0) {
      const m = JSON.parse(buf.slice(0, end)) as Message;
      buf = buf.slice(end + 1);
      if (m.id !== undefined && pending.has(m.id)) {
        const p = pending.get(m.id)!;
        pending.delete(m.id);
        if (m.error) p.reject(new Error(m.error.message));
        else p.resolve(m.result ?? {});
      } else for (const l of [...listeners]) l(m);
    }
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  void exited.then(() => {
    for (const p of pending.values()) p.reject(new Error(`Chromium exited:\n${stderr.slice(-2000)}`));
    pending.clear();
  });
  const send = (method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      const id = ++nextId;
      pending.set(id, { resolve, reject });
      toChrome.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    });
  const close = async (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) {
      void send('Browser.close').catch(() => undefined);
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(profile, { recursive: true, force: true });
  };

  try {
    const { targetId } = (await send('Target.createTarget', { url: 'about:blank' })) as { targetId: string };
    const { sessionId } = (await send('Target.attachToTarget', { targetId, flatten: true })) as { sessionId: string };
    const errors: string[] = [];
    const requests: string[] = [];
    listeners.push((m) => {
      if (m.sessionId !== sessionId || !m.params) return;
      const p = m.params as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
      if (m.method === 'Runtime.exceptionThrown')
        errors.push(`exception: ${p.exceptionDetails?.exception?.description ?? p.exceptionDetails?.text}`);
      if (m.method === 'Runtime.consoleAPICalled' && (p.type === 'error' || p.type === 'assert'))
        errors.push(
          `console.${p.type}: ${(p.args ?? []).map((a: { value?: unknown; description?: string }) => a.value ?? a.description).join(' ')}`,
        );
      if (m.method === 'Log.entryAdded' && p.entry?.level === 'error') errors.push(`log: ${p.entry.text}`);
      if (m.method === 'Network.requestWillBeSent') requests.push(String(p.request?.url));
    });
    for (const domain of ['Runtime', 'Log', 'Page', 'Network']) await send(`${domain}.enable`, {}, sessionId);
    const loaded = new Promise<void>((resolve) =>
      listeners.push((m) => m.sessionId === sessionId && m.method === 'Page.loadEventFired' && resolve()),
    );
    const t0 = performance.now();
    await send('Page.navigate', { url: pathToFileURL(file).href }, sessionId);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      loaded,
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${file} did not load in time`)), opts.timeoutMs ?? 30_000))),
    ]).finally(() => clearTimeout(timer));
    const loadMs = performance.now() - t0;
    const evaluate = async <T>(expression: string): Promise<T> => {
      const r = (await send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true }, sessionId)) as {
        result: { value?: T };
        exceptionDetails?: { text: string; exception?: { description?: string } };
      };
      if (r.exceptionDetails)
        throw new Error(`evaluate(${expression}): ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
      return r.result.value as T;
    };
    return { evaluate, errors, requests, loadMs, close };
  } catch (e) {
    await close();
    throw e;
  }
}
