// The SLO knee search end to end against the real simulator: a server that runs at most 2 sequences
// at once (--max-num-seqs 2) makes a third request wait for a whole request to finish, so its TTFT
// jumps from a step or two to the length of a request. The search over concurrency must find 2, by
// probes measured like sweep points, and the knee must reach the results document and the gate.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricInfo } from '../../src/catalog/metrics.js';
import { compareRuns } from '../../src/compare/compare.js';
import { gateSettings } from '../../src/compare/settings.js';
import type { ResultsDocument, Suite } from '../../src/results/schema-types.gen.js';
import { validateResults } from '../../src/results/validate.js';
import { writeVllmServeFiles } from '../../src/results/write.js';
import { renderComment } from '../../src/report/markdown.js';
import { runServingSuite } from '../../src/suites/serving.js';
import { startSim, type RunningSim } from '../support/sim.js';
import { suite } from './support.js';

/** 4 ms steps (sim-fast at time scale 2): a 64-token answer holds its slot for about 260 ms. */
const OUTPUT_LEN = 64;
/** Between one or two steps (a request that starts at once) and a whole request (one that waits for a slot). */
const TTFT_BOUND_MS = 130;
/** The client's own health limits of a shared test machine (see SHARED_MACHINE_CLIENT). */
const SHARED_MACHINE = { minSendRate: 0.2, maxSendLagP99Ms: 2000, maxEventLoopLagP99Ms: 2000, maxCoalescedChunkRatio: 1 };

let sim: RunningSim;
let result: Suite;
beforeAll(async () => {
  sim = await startSim(['--sim-seed', '1', '--sim-time-scale', '2', '--max-num-seqs', '2']);
  result = await runServingSuite(
    suite({
      name: 'knee',
      dataset: { type: 'random', 'input-len': 16, 'output-len': OUTPUT_LEN, 'num-prompts': 8, seed: 1 },
      'ignore-eos': true,
      'prompts-per-concurrency': 1,
      search: { slo: { 'p99-ttft-ms': TTFT_BOUND_MS }, over: 'concurrency', tolerance: '5%', start: 1, max: 8 },
    }),
    { baseUrl: sim.url, model: 'sim-model' },
    { clientLimits: SHARED_MACHINE },
  );
}, 30_000);
const dir = mkdtempSync(path.join(tmpdir(), 'vpg-search-'));
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await sim?.stop();
});

describe('an SLO knee search against vllm-sim', () => {
  it('doubles from the start while the SLO holds, then bisects to adjacent levels: the knee is the scheduler limit', () => {
    const knee = result.points.find((p) => p.key === 'slo-knee')!;
    expect(knee, JSON.stringify(result.points.map((p) => [p.key, p.validity]))).toBeDefined();
    const probes = knee.search!.probes;
    expect(probes.map((p) => [p.load, p.phase, p.met])).toEqual([
      [1, 'double', true],
      [2, 'double', true],
      [4, 'double', false],
      [3, 'bisect', false],
    ]);
    for (const p of probes.filter((x) => !x.met)) expect(p.misses.map((m) => m.metric)).toEqual(['p99_ttft_ms']);
    expect(knee.search).toMatchObject({ outcome: 'found', knee: 2, 'missed-at': 3 });
    expect(knee.validity.valid).toBe(true);
    expect(knee.metrics).toEqual({ max_concurrency_under_slo: 2 });
    expect(metricInfo('max_concurrency_under_slo').direction).toBe('higher-is-better');
  });

  it('records each probe as a measured point whose key says it is a probe', () => {
    const probes = result.points.filter((p) => p['search-probe']);
    expect(probes.map((p) => p.key)).toEqual([
      'slo-probe:concurrency=1',
      'slo-probe:concurrency=2',
      'slo-probe:concurrency=4',
      'slo-probe:concurrency=3',
    ]);
    expect(probes.map((p) => p['search-probe'])).toEqual([
      { step: 1, met: true },
      { step: 2, met: true },
      { step: 3, met: false },
      { step: 4, met: false },
    ]);
    for (const p of probes) expect(p.metrics.completed).toBe(p.concurrency);
    expect(result.points.at(-1)!.key).toBe('slo-knee');
  });

  it('writes a valid results document, and the gate judges the knee alone, higher being better', async () => {
    const doc: ResultsDocument = {
      'schema-version': 1,
      tool: { name: 'vllm-perf-gate', version: 'test' },
      run: { id: 'current', 'started-at': '2026-01-02T00:00:00Z', 'config-id': 'knee', 'config-hash': 'h' },
      environment: {},
      suites: [result],
      status: 'complete',
    };
    expect(validateResults(doc)).toEqual([]);
    // Each probe is written in vLLM's format like a sweep point; the knee, no measurement of vLLM's, is not.
    const written = await writeVllmServeFiles(dir, doc);
    expect(written.suites[0]!.points.map((p) => p['vllm-result-file'] !== undefined)).toEqual([true, true, true, true, false]);
    expect(readdirSync(path.join(dir, 'vllm'))).toHaveLength(4);
    // A baseline (a fixture, not a measurement) whose server held twice the concurrency under the same SLO.
    const baseline = structuredClone(doc);
    baseline.run = { ...baseline.run, id: 'baseline', 'started-at': '2026-01-01T00:00:00Z' };
    baseline.suites[0]!.points = baseline.suites[0]!.points.filter((p) => p.key !== 'slo-probe:concurrency=3');
    baseline.suites[0]!.points.at(-1)!.metrics = { max_concurrency_under_slo: 4 };
    const report = compareRuns([baseline], doc, gateSettings());
    expect(report.points.map((p) => p.key)).toEqual(['slo-knee']);
    expect(report.points[0]!.metrics[0]).toMatchObject({ metric: 'max_concurrency_under_slo', verdict: 'regressed', role: 'gated' });
    expect(report.verdict).toBe('fail');
    const md = renderComment(report, doc, { configId: 'knee', baselineDoc: baseline });
    if (process.env.SHOW_MD) console.log(md);
    expect(md).toContain('**max concurrency under SLO** (p99 TTFT ≤ 130 ms): 2, baseline 4 (−50.0%) 🔴');
    expect(md).toContain('4 probes: 1 ✓ · 2 ✓ · 4 ✗ p99\\_ttft\\_ms');
  });
});
