// The three workload shapes beyond a sweep, through the real CLI in one config: a Mooncake trace
// replayed at its timestamps, ShareGPT conversations replayed as multi-turn chat sessions, and an SLO
// knee search over concurrency. One `run`, then a second `run --baseline` of the first's results.
// The knee is fixed by the server, not by timing: vllm-sim runs at most 2 sequences at once
// (--max-num-seqs 2), so at concurrency 2 a request's TTFT is a step or two (~20 ms), while at 3 or
// 4 a request waits for a whole 16-token answer to end (16 steps of 10 ms) before its first token;
// a 100 ms bound lies between the two. The thresholds are wide so that only the knee, which cannot
// move, decides the second run's verdict.
// The CLI is this working tree's src/, bundled privately (VPG_E2E_CLI may point at another build).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GateReport } from '../../src/compare/types.js';
import type { Point, ResultsDocument } from '../../src/results/schema-types.gen.js';
import { validateResults } from '../../src/results/validate.js';
import { bundleCliFromSource } from '../history/cli-support.js';
import { newCase, runCli, productReasons, removeCases, simServer, STACK_LINE, writeConfig, type CliExit } from './support.js';

const c = newCase('workloads');
const OUT2 = path.join(c.dir, 'out2');

/** 10 requests, 100 ms apart in the trace, replayed 3 times as fast; blocks 1, 2 and 4 are shared. */
const TRACE = Array.from({ length: 10 }, (_, i) =>
  JSON.stringify({
    timestamp: i * 100,
    input_length: i % 2 === 0 ? 600 : 100,
    output_length: 4,
    hash_ids: i % 2 === 0 ? [1, 2 + (i % 4)] : [9 + i],
  }),
).join('\n');

const talk = (name: string): unknown => ({
  conversations: [
    { from: 'human', value: `${name}: what is a KV cache?` },
    { from: 'gpt', value: `${name}: the keys and values of the tokens seen so far.` },
    { from: 'human', value: `${name}: and a prefix cache?` },
    { from: 'gpt', value: `${name}: KV blocks kept for prompts that start alike.` },
  ],
});

const cli = (args: string[], bin: string): Promise<CliExit> => runCli(args, { bin }).done;

const read = (dir: string, f: string): string => readFileSync(path.join(dir, f), 'utf8');
const points = (doc: ResultsDocument, suite: string): Point[] => doc.suites.find((s) => s.name === suite)!.points;

let first: CliExit;
let second: CliExit;
let doc: ResultsDocument;
let doc2: ResultsDocument;
beforeAll(async () => {
  const bundled = process.env.VPG_E2E_CLI ? path.resolve(process.env.VPG_E2E_CLI) : bundleCliFromSource();
  writeFileSync(path.join(c.dir, 'trace.jsonl'), `${TRACE}\n`);
  writeFileSync(path.join(c.dir, 'chats.json'), JSON.stringify(['a', 'b', 'c'].map(talk)));
  writeConfig(
    c,
    [
      'version: 1',
      simServer(c, { args: ['max-num-seqs: 2'] }),
      'suites:',
      '  - name: replay',
      '    kind: serving',
      '    dataset: { type: trace, path: trace.jsonl, time-scale: 3 }',
      '    ignore-eos: true',
      '  - name: chat',
      '    kind: serving',
      '    endpoint: chat',
      '    dataset: { type: multi-turn, path: chats.json, num-sessions: 3, max-turns: 2, output-len: 4, seed: 1 }',
      '    concurrency: [2]',
      '    ignore-eos: true',
      '  - name: knee',
      '    kind: serving',
      '    dataset: { type: random, input-len: 16, output-len: 16, num-prompts: 4, seed: 1 }',
      '    ignore-eos: true',
      '    prompts-per-concurrency: 1',
      '    search: { over: concurrency, slo: { p99-ttft-ms: 100 }, start: 2, max: 4 }',
      'thresholds:',
      '  default: { throughput: "-90%", latency: "+900%", startup: "+900%" }',
      '  max_concurrency_under_slo: "-1%"',
      '',
    ].join('\n'),
  );
  const cliPath = await bundled;
  first = await cli(['run', '--config', c.config, '--out', c.out], cliPath);
  doc = JSON.parse(read(c.out, 'results.json')) as ResultsDocument;
  second = await cli(['run', '--config', c.config, '--out', OUT2, '--baseline', path.join(c.out, 'results.json')], cliPath);
  doc2 = JSON.parse(read(OUT2, 'results.json')) as ResultsDocument;
}, 60_000);
afterAll(removeCases);

/** Exit 0 with every point valid; 1 only when the load client was starved of CPU (and says so). */
function expectPassed(exit: CliExit, d: ResultsDocument): void {
  expect(exit.stderr).not.toMatch(STACK_LINE);
  expect({ status: d.status, error: d.error }, exit.stderr).toEqual({ status: 'complete', error: undefined });
  const reasons = d.suites.flatMap((s) => s.points.flatMap((p) => p.validity.reasons));
  expect(productReasons(reasons)).toEqual([]);
  if (reasons.length === 0) expect(exit.code, exit.stderr).toBe(0);
  else {
    console.warn(`cli-workloads: the load client was starved of CPU, so the run is invalid: ${reasons.join('; ')}`);
    expect(exit.code, exit.stderr).toBe(1);
  }
}

describe('a trace replay, multi-turn sessions and an SLO knee search in one vllm-perf-gate run', () => {
  it('exits 0 twice, each point valid, and writes results documents the schema accepts', () => {
    expectPassed(first, doc);
    expectPassed(second, doc2);
    expect(validateResults(doc)).toEqual([]);
    expect(validateResults(doc2)).toEqual([]);
    expect(doc.suites.map((s) => [s.name, s.points.map((p) => p.key)])).toEqual([
      ['replay', ['trace']],
      ['chat', ['concurrency=2']],
      ['knee', ['slo-probe:concurrency=2', 'slo-probe:concurrency=4', 'slo-probe:concurrency=3', 'slo-knee']],
    ]);
  });

  it('replays the trace as one point titled by its time-scale, every request sent, shared blocks hitting the cache', () => {
    const [p] = points(doc, 'replay');
    expect(p).toMatchObject({ key: 'trace', label: 'trace replay ×3', concurrency: null });
    expect(p!.metrics).toMatchObject({ completed: 10, failed: 0, total_input_tokens: 5 * 600 + 5 * 100 });
    expect(p!.telemetry?.prefix_cache_hits).toBeGreaterThan(0);
  });

  it('sends each session turn by turn: 3 sessions of 2 turns, with their own figures', () => {
    const [p] = points(doc, 'chat');
    expect(p!.metrics).toMatchObject({ completed: 6, failed: 0, completed_sessions: 3, mean_turns_per_session: 2 });
    for (const m of ['median_first_turn_ttft_ms', 'median_later_turns_ttft_ms', 'median_session_duration_ms'])
      expect(p!.metrics[m], m).toBeGreaterThan(0);
  });

  it('finds the knee at the server limit, concurrency 2, in both runs', () => {
    for (const d of [doc, doc2]) {
      const knee = points(d, 'knee').at(-1)!;
      expect(knee.metrics).toEqual({ max_concurrency_under_slo: 2 });
      expect(knee.search).toMatchObject({ outcome: 'found', knee: 2, 'missed-at': 3 });
      expect(knee.search!.probes.map((x) => [x.load, x.met])).toEqual([
        [2, true],
        [4, false],
        [3, false],
      ]);
    }
  });

  it('judges the trace, the sessions and the knee against the first run; the probes are not judged, so none is missing', () => {
    const verdict = JSON.parse(read(OUT2, 'verdict.json')) as GateReport;
    expect(verdict.counts.missing).toBe(0);
    expect(verdict.points.map((p) => [p.suite, p.key])).toEqual([
      ['replay', 'trace'],
      ['chat', 'concurrency=2'],
      ['knee', 'slo-knee'],
      ['server-startup', expect.any(String)],
    ]);
    const knee = verdict.points.find((p) => p.key === 'slo-knee')!;
    expect(knee.metrics.map((m) => [m.metric, m.role, m.verdict])).toEqual([['max_concurrency_under_slo', 'gated', 'unchanged']]);
    expect(verdict.verdict).toBe(second.code === 0 ? 'pass' : 'fail');
  });

  it('shows the trace label and the knee line in report.md and summary.md, and the session figures in summary.md', () => {
    for (const f of ['report.md', 'summary.md']) {
      const md = read(OUT2, f);
      expect(md, f).toMatch(/^\| trace replay ×3 \|/m);
      expect(md, f).toContain('**max concurrency under SLO** (p99 TTFT ≤ 100 ms): 2, baseline 2 (±0.0%)');
    }
    const summary = read(OUT2, 'summary.md');
    expect(summary).toContain('**Sessions**');
    const sessions = summary.slice(summary.indexOf('**Sessions**'));
    expect(sessions).toMatch(
      /\| concurrency \| sessions completed \| turns per session \| TTFT turn 1 p50 \(ms\) \| TTFT later turns p50 \(ms\) \| session p50 \(ms\) \|/,
    );
    expect(sessions).toMatch(/^\| 2 \| 3 \(±0\.0%\) \| 2 \(±0\.0%\) \| /m);
    expect(read(OUT2, 'report.md')).not.toContain('sessions completed');
  });
});
