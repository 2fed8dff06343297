// Outputs arrive whole: the real binary in its own process, its stdout and stderr read through real
// pipes by a reader that is slow to start, as `vllm-perf-gate compare ... | jq .verdict` reads it on a
// busy runner. A pipe holds 64 KiB; whatever the CLI had not handed over when it exited was lost.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultsDocument } from '../../src/results/schema-types.gen.js';
import { BIN, cliEnv, STACK_LINE } from './support.js';

const PIPE_BYTES = 65_536;
let dir: string;
let baseline: string;
let current: string;

/** A fixture run with its suites repeated `n` times under new names: real input, large output. */
function grown(name: string, n: number): ResultsDocument {
  const doc = JSON.parse(readFileSync(path.resolve('test/report/fixtures', name), 'utf8')) as ResultsDocument;
  const suites = doc.suites;
  doc.suites = Array.from({ length: n }, (_, i) => suites.map((s) => ({ ...structuredClone(s), name: `${s.name}-${i}` }))).flat();
  return doc;
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'vpg-cli-output-'));
  baseline = path.join(dir, 'baseline.json');
  current = path.join(dir, 'current.json');
  writeFileSync(baseline, JSON.stringify(grown('nightly.baseline.json', 60)));
  writeFileSync(current, JSON.stringify(grown('nightly.current.json', 60)));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Piped {
  code: number | null;
  /** What the reader received of the stream under test. */
  received: Buffer;
}

/**
 * A reader that waits half a second before it reads (the CLI has written all it will by then, and
 * reached its exit) and then reads slowly, so that the writer finds the pipe full again and again.
 */
const SLOW_READER =
  'const s = process.stdin; s.pause(); setTimeout(() => { s.on("data", (b) => { s.pause(); ' +
  'process.stdout.write(b, () => setTimeout(() => s.resume(), 1)); }); s.resume(); }, 500);';

/**
 * `vllm-perf-gate ARGS | slow reader` through a real pipe (Node's own stdio pipes are socket pairs,
 * with larger buffers than the 64 KiB of a pipe); `stream: 'stderr'` pipes stderr instead.
 */
function runPiped(args: string[], stream: 'stdout' | 'stderr' = 'stdout'): Promise<Piped> {
  const redirect = stream === 'stdout' ? '' : '2>&1 >/dev/null';
  const script = `set -o pipefail; "$NODE" "$BIN" "$@" ${redirect} | "$NODE" -e "$SLOW_READER"`;
  const child = spawn('bash', ['-c', script, 'bash', ...args], {
    env: { ...cliEnv(), NODE: process.execPath, BIN, SLOW_READER },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const chunks: Buffer[] = [];
  child.stdout!.on('data', (b: Buffer) => chunks.push(b));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, received: Buffer.concat(chunks) }));
  });
}

/** The same command with stdout written to a file (never cut: writes to a file are synchronous). */
function runToFile(args: string[], file: string): Promise<Buffer> {
  const fd = openSync(file, 'w');
  const child = spawn(process.execPath, [BIN, ...args], { env: cliEnv(), stdio: ['ignore', fd, 'ignore'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', () => {
      closeSync(fd);
      resolve(readFileSync(file));
    });
  });
}

describe('every byte of a large output reaches a slow reader through a pipe', () => {
  it('compare --format json: more than 1 MB arrives whole and parses as one report', async () => {
    const r = await runPiped(['compare', '--baseline', baseline, '--current', current, '--format', 'json']);
    expect(r.code).not.toBe(2);
    expect(r.received.length).toBeGreaterThan(1_000_000);
    const report = JSON.parse(r.received.toString()) as { verdict: string; points: unknown[] };
    expect(report.verdict).toMatch(/^(pass|fail|inconclusive|no-baseline|not-comparable)$/);
    expect(report.points.length).toBeGreaterThan(60);
    expect(
      r.received.equals(
        await runToFile(['compare', '--baseline', baseline, '--current', current, '--format', 'json'], path.join(dir, 'out.json')),
      ),
    ).toBe(true);
  });

  it('compare --format text: the piped output is byte for byte what a file receives', async () => {
    const args = ['compare', '--baseline', baseline, '--current', current, '--format', 'text'];
    const whole = await runToFile(args, path.join(dir, 'out.text'));
    // Larger than a pipe's buffer, or this test could not see a cut.
    expect(whole.length).toBeGreaterThan(PIPE_BYTES);
    const r = await runPiped(args);
    expect(r.received.length).toBe(whole.length);
    expect(r.received.equals(whole)).toBe(true);
  });

  it('compare --format markdown: the comment of a huge run fits a GitHub comment and arrives whole', async () => {
    const args = ['compare', '--baseline', baseline, '--current', current, '--format', 'markdown'];
    const whole = await runToFile(args, path.join(dir, 'out.md'));
    // GitHub refuses a comment body over 65,536 characters; the comment is cut to fit by sections,
    // so its size in bytes sits near a pipe's buffer and cannot show a cut: text and json do that.
    expect([...whole.toString()].length).toBeLessThanOrEqual(65_536);
    expect(whole.toString()).toContain('vllm-perf-gate');
    const r = await runPiped(args);
    expect(r.received.equals(whole)).toBe(true);
  });

  it('stderr arrives whole too: a note for each of 1,500 files a history skips', async () => {
    const history = path.join(dir, 'history');
    mkdirSync(history);
    const names = Array.from({ length: 1500 }, (_, i) => `broken-${String(i).padStart(4, '0')}.json`);
    for (const n of names) writeFileSync(path.join(history, n), '{"request_throughput": ');
    // One usable run, so that the command goes on to judge and print after the notes.
    writeFileSync(path.join(history, 'run.json'), readFileSync(baseline));
    const r = await runPiped(['compare', '--baseline', history, '--current', current, '--format', 'json'], 'stderr');
    const text = r.received.toString();
    expect(text).not.toMatch(STACK_LINE);
    expect(r.received.length).toBeGreaterThan(PIPE_BYTES);
    const notes = text.split('\n').filter((l) => l.startsWith('note: '));
    expect(notes.filter((l) => /broken-\d{4}\.json:1:24: skipped, not valid JSON/.test(l))).toHaveLength(1500);
    expect(r.code).not.toBe(2);
  });
});
