// Adaptive points end to end: a suite with `stop: { when: precise }` run through the CLI against
// vllm-sim stops each point once its intervals are within the margin, records how and why, and
// its vLLM-format file counts only the requests measured.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultsDocument } from '../../src/results/schema-types.gen.js';
import { validateResults } from '../../src/results/validate.js';
import {
  cliEnv,
  newCase,
  readDoc,
  removeCases,
  run,
  runCli,
  simServer,
  STACK_LINE,
  writeConfig,
  type Case,
  type CliExit,
} from './support.js';

let c: Case;
let exit: CliExit;
let doc: ResultsDocument;
const PLANNED = 600;

beforeAll(async () => {
  c = newCase('adaptive');
  writeConfig(
    c,
    [
      'version: 1',
      'id: e2e-adaptive',
      simServer(c),
      'suites:',
      '  - name: precise',
      '    kind: serving',
      `    dataset: { type: random, input-len: 32, output-len: 8, num-prompts: ${PLANNED}, seed: 1 }`,
      '    concurrency: [4]',
      '    ignore-eos: true',
      '    stop: { when: precise, margin: 10%, min-requests: 48 }',
      '',
    ].join('\n'),
  );
  exit = await run(c);
  doc = readDoc(c);
}, 120_000);
afterAll(removeCases);

describe('vllm-perf-gate run with an adaptive serving suite', () => {
  it('stops the point early once precise, recording how, why and the intervals reached', () => {
    expect(exit.stderr).not.toMatch(STACK_LINE);
    const point = doc.suites[0]!.points[0]!;
    const stop = point.stop?.[0];
    expect(stop, exit.stderr).toBeDefined();
    expect(stop!.how).toBe('precise');
    expect(stop!['planned-requests']).toBe(PLANNED);
    expect(stop!.requests).toBeGreaterThanOrEqual(48);
    expect(stop!.requests).toBeLessThan(PLANNED / 2);
    expect(stop!.reason).toMatch(/^stopped after \d+ of 600 requests: every interval within ±10%/);
    for (const m of ['median_ttft_ms', 'median_tpot_ms', 'output_throughput']) {
      const iv = stop!.intervals[m];
      expect(iv, m).toBeTruthy();
      expect(iv!.low).toBeLessThanOrEqual(iv!.estimate);
      expect(iv!.high).toBeGreaterThanOrEqual(iv!.estimate);
    }
    expect(exit.stderr).toContain('precise concurrency=4: stopped after');
    expect(point.metrics.completed).toBe(stop!.requests);
  });

  it('is cut at a multiple of 16 requests, with its figures over every shorter multiple for runs cut earlier', () => {
    const point = doc.suites[0]!.points[0]!;
    const n = point.stop![0]!.requests;
    expect(n % 16).toBe(0);
    const figures = point['prefix-figures'] ?? [];
    expect(figures.map((f) => f.requests)).toEqual(Array.from({ length: n / 16 - 1 }, (_, i) => 16 * (i + 1)));
    expect(figures.every((f) => f.metrics.completed === f.requests)).toBe(true);
  });

  it('writes a results document the schema accepts and a vLLM file whose num_prompts is the requests measured', () => {
    expect(validateResults(doc)).toEqual([]);
    const point = doc.suites[0]!.points[0]!;
    const vllm = JSON.parse(readFileSync(path.join(c.out, point['vllm-result-file']!), 'utf8')) as {
      num_prompts: number;
      completed: number;
    };
    expect(vllm.num_prompts).toBe(point.stop![0]!.requests);
    expect(vllm.completed).toBe(vllm.num_prompts);
  });
});

describe('vllm-perf-gate run --baseline with an adaptive suite on a server 50% slower', () => {
  let slow: Case;
  let slowExit: CliExit;
  let slowDoc: ResultsDocument;

  beforeAll(async () => {
    // A margin no point can reach: only the gate's decision can stop it early.
    slow = newCase('adaptive-decided');
    // TTFT of 32-token prompts is mostly the API server's own delay, which the engine slowdown does
    // not scale: its interval may straddle the line for good. Observed, it leaves the decision to
    // the figures the slowdown moves (throughput, TPOT, ITL, E2E).
    const config = readFileSync(c.config, 'utf8').replace('margin: 10%', 'margin: 0.01%');
    writeConfig(slow, `${config}thresholds:\n  median_ttft_ms: observe\n`);
    const baseline = path.join(c.out, 'results.json');
    slowExit = await runCli(['run', '--config', slow.config, '--out', slow.out, '--baseline', baseline], {
      env: cliEnv({ VLLM_SIM_ARGS: '--sim-slowdown 1.5' }),
    }).done;
    slowDoc = readDoc(slow);
  }, 120_000);

  it('stops once every interval lies beyond the gate line, recording the line', () => {
    expect(slowExit.stderr).not.toMatch(STACK_LINE);
    const stop = slowDoc.suites[0]!.points[0]!.stop?.[0];
    expect(stop?.how, slowExit.stderr).toBe('decided');
    expect(stop!.requests).toBeLessThan(PLANNED / 2);
    expect(stop!.reason).toMatch(/lies? wholly beyond the gate's line, so more requests would not change the verdict/);
    const tpot = stop!.intervals.median_tpot_ms!;
    expect(tpot.line).toBeDefined();
    expect(tpot.low).toBeGreaterThan(tpot.line!);
  });
});
