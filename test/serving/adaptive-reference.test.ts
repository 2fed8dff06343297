// An adaptive point stops once the verdict is settled only in a run that is judged: a run that will
// be the baseline (referenceRun, the Action's baseline mode) measures on, so later runs cut at any
// count find its figures over the same requests.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type LoadedConfig } from '../../src/config/load.js';
import { runGate } from '../../src/pipeline.js';
import type { ResultsDocument } from '../../src/results/schema-types.gen.js';
import { point, run, suite } from '../compare/docs.js';
import { pathWithSim, SHARED_MACHINE_CLIENT } from '../support/sim.js';

const dir = mkdtempSync(path.join(tmpdir(), 'vpg-adaptive-ref-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let loaded: LoadedConfig;
beforeAll(async () => {
  const config = path.join(dir, 'perf.yml');
  writeFileSync(
    config,
    [
      'version: 1',
      'id: adaptive-reference',
      'server:',
      '  command: vllm-sim',
      '  model: adaptive-reference/sim',
      '  args: { max-model-len: 2048, sim-startup-s: 0.1, sim-time-scale: 5, sim-seed: 1 }',
      '  startup-timeout: 20s',
      ...SHARED_MACHINE_CLIENT,
      'suites:',
      '  - name: levels',
      '    kind: serving',
      '    dataset: { type: random, input-len: 16, output-len: 8, num-prompts: 64, seed: 1 }',
      '    concurrency: [8]',
      '    ignore-eos: true',
      // A margin no point reaches: only a settled verdict can stop it.
      '    stop: { when: precise, margin: 0.01%, min-requests: 32 }',
      'gate:',
      '  allow-fingerprint-mismatch: true',
      '',
    ].join('\n'),
  );
  loaded = await loadConfig(config);
});

// Baseline runs a thousand times slower over every count: any point of this run is far inside the line.
const slow = { median_ttft_ms: 1e6, median_tpot_ms: 1e6 };
const baseline: ResultsDocument[] = [0, 1].map(() =>
  run([suite('levels', [point({ metrics: slow, requests: 64, prefixes: [16, 32, 48].map((requests) => ({ requests, metrics: slow })) })])]),
);

describe('adaptive points and the run that becomes the baseline', () => {
  it('cuts a judged run once decided, and compares it over the requests it measured', async () => {
    const gate = await runGate(loaded, { outDir: path.join(dir, 'judged'), baseline, env: { ...process.env, PATH: pathWithSim() } });
    const stop = gate.doc.suites[0]!.points[0]!.stop![0]!;
    expect(stop.how).toBe('decided');
    expect(stop.requests).toBeLessThan(64);
    expect(gate.report.points[0]!.comparedOver).toBe(stop.requests);
  }, 60_000);

  it('measures every request of a reference run, with its figures over each multiple of 16', async () => {
    const gate = await runGate(loaded, {
      outDir: path.join(dir, 'reference'),
      baseline,
      referenceRun: true,
      env: { ...process.env, PATH: pathWithSim() },
    });
    const p = gate.doc.suites[0]!.points[0]!;
    expect(p.stop![0]!.how).toBe('all-requests');
    expect(p['prefix-figures']!.map((f) => f.requests)).toEqual([16, 32, 48]);
  }, 60_000);
});
