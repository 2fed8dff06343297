// gate.rerun-inconclusive through the pipeline on vllm-sim: a gated metric inconclusive against the
// history gets its point rerun for the planned repeats (capped), and the run is judged again on all of
// them. The metric is a token count (2 prompts of 4 output tokens: 8), so the verdict does not hang
// on timing; the history around 9 is a fixture, judged across setups (allow-fingerprint-mismatch).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { runGate } from '../../src/pipeline.js';
import type { ResultsDocument } from '../../src/results/schema-types.gen.js';
import { point, run, suite } from '../compare/docs.js';
import { pathWithSim, SHARED_MACHINE_CLIENT } from '../support/sim.js';

const dir = mkdtempSync(path.join(tmpdir(), 'vpg-inconclusive-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('gate.rerun-inconclusive', () => {
  it('reruns the inconclusive point for more repeats, records why, and judges it again', async () => {
    const config = path.join(dir, 'perf.yml');
    writeFileSync(
      config,
      [
        'version: 1',
        'id: inconclusive',
        'server:',
        '  command: vllm-sim',
        '  model: rerun-inconclusive/sim',
        '  args: { max-model-len: 2048, sim-startup-s: 0.1, sim-time-scale: 5, sim-seed: 1 }',
        '  startup-timeout: 20s',
        '  shutdown-grace: 5s',
        ...SHARED_MACHINE_CLIENT,
        'suites:',
        '  - name: levels',
        '    kind: serving',
        '    dataset: { type: random, input-len: 16, output-len: 4, num-prompts: 2, seed: 1 }',
        '    concurrency: [2]',
        '    ignore-eos: true',
        'thresholds:',
        "  total_output_tokens: '-10%'",
        'gate:',
        '  allow-fingerprint-mismatch: true',
        '  confirm-regressions: false',
        '  rerun-inconclusive: { max-repeats: 3 }',
        '',
      ].join('\n'),
    );
    const loaded = await loadConfig(config);
    // mean 9, sd 0.255: 8 is −11.1%, beyond −10% but inside the 99% prediction interval (±1.28);
    // 4 repeats would tell a 10% change from this noise with 80% power, so the rerun adds 2 (cap 3).
    const baseline: ResultsDocument[] = [9, 9.3, 8.7, 9.2, 8.8].map((v) =>
      run([suite('levels', [point({ key: 'concurrency=2', metrics: { total_output_tokens: v } })])]),
    );
    const outDir = path.join(dir, 'out');
    const gate = await runGate(loaded, { outDir, baseline, env: { ...process.env, PATH: pathWithSim() } });

    const p = gate.doc.suites[0]!.points[0]!;
    expect(p.repeats?.map((r) => r.total_output_tokens)).toEqual([8, 8, 8]);
    expect(p.rerun).toMatchObject({ 'planned-repeats': 3, 'added-repeats': 2 });
    expect(p.rerun!.reason).toBe(
      'total_output_tokens inconclusive (−11.1% ± 14.3%): 4 repeats would detect a 10% change with 80% power (capped at 3)',
    );
    const written = JSON.parse(readFileSync(gate.resultsPath, 'utf8')) as ResultsDocument;
    expect(written.suites[0]!.points[0]!.repeats).toHaveLength(3);

    const m = gate.report.points[0]!.metrics.find((x) => x.metric === 'total_output_tokens')!;
    // Three repeats of 8 against the history: ±0.69 now (two-sample t), so the −11.1% is a regression.
    expect(m).toMatchObject({ verdict: 'regressed', interval: { method: 'two-sample-t' } });
    expect(m.plan).toBeUndefined();
    expect(gate.report.notes.some((n) => n.startsWith('levels · concurrency 2: rerun for 2 more repeats (3 in all)'))).toBe(true);
  }, 60_000);
});
