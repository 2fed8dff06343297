// A confirmation rerun runs only the points that regressed: runPlan's `only` keys, read with the
// point-key scheme (rate=R, rate=R,max-concurrency=C, concurrency=C), pick exactly those points.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { runPlan } from '../../src/suites/run-plan.js';
import { pathWithSim } from '../support/sim.js';

const dir = mkdtempSync(path.join(tmpdir(), 'vpg-rerun-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('runPlan with only some point keys (a confirmation rerun)', () => {
  it('runs exactly the named points of each suite, capped rates and closed loops alike', async () => {
    const config = path.join(dir, 'perf.yml');
    const dataset = '{ type: random, input-len: 16, output-len: 4, num-prompts: 2, seed: 1 }';
    writeFileSync(
      config,
      [
        'version: 1',
        'id: rerun',
        'server:',
        '  command: vllm-sim',
        '  model: rerun-points/sim',
        '  args: { max-model-len: 2048, sim-startup-s: 0.1, sim-time-scale: 5, sim-seed: 1 }',
        '  startup-timeout: 20s',
        '  shutdown-grace: 5s',
        'suites:',
        '  - name: rates',
        '    kind: serving',
        `    dataset: ${dataset}`,
        '    request-rates: [1, 10, inf]',
        '    max-concurrency: 2',
        '  - name: levels',
        '    kind: serving',
        `    dataset: ${dataset}`,
        '    concurrency: [1, 2, 4]',
        '  - name: untouched',
        '    kind: serving',
        `    dataset: ${dataset}`,
        '    concurrency: [1]',
        '',
      ].join('\n'),
    );
    const loaded = await loadConfig(config);
    const only = [
      { suite: 'rates', keys: ['rate=10,max-concurrency=2', 'rate=inf,max-concurrency=2'] },
      { suite: 'levels', keys: ['concurrency=2'] },
    ];
    const { doc } = await runPlan(loaded, { outDir: path.join(dir, 'out'), only, env: { ...process.env, PATH: pathWithSim() } });
    expect(doc.suites.map((s) => [s.name, s.points.map((p) => p.key)])).toEqual([
      ['rates', ['rate=10,max-concurrency=2', 'rate=inf,max-concurrency=2']],
      ['levels', ['concurrency=2']],
    ]);
  }, 60_000);
});
