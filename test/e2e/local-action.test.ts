// The way the docs tell users to try the action on their own machine: `npx local-action run . src/main.ts .env`
// (@github/local-action runs the TypeScript source with inputs from a dotenv file). It must boot the
// configured server, run, compare with a `file` baseline and set every output, as on a runner.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateResults } from '../../src/results/validate.js';
import { cliEnv, newCase, run, simProcesses, simServer, writeConfig } from './support.js';

const LOCAL_ACTION = path.resolve('node_modules/@github/local-action/bin/local-action.js');

describe('the action under @github/local-action', () => {
  it('boots vllm-sim, compares with a file baseline and sets the outputs; no simulator is left', { timeout: 120_000 }, async () => {
    const c = newCase('local-action');
    writeConfig(
      c,
      [
        'version: 1',
        simServer(c),
        'suites:',
        '  - name: tiny',
        '    kind: serving',
        '    dataset: { type: random, input-len: 32, output-len: 8, num-prompts: 8 }',
        '    concurrency: [2]',
        '',
      ].join('\n'),
    );
    // The baseline: a run of the same config by the CLI, committed to the "repository" (the case folder).
    const base = await run(c);
    expect(base.code === 0 || base.code === 1, base.stderr).toBe(true);
    const baseline = path.relative(c.dir, path.join(c.out, 'results.json'));

    const summary = path.join(c.dir, 'summary.md');
    writeFileSync(summary, '');
    const envFile = path.join(c.dir, '.env');
    writeFileSync(
      envFile,
      [
        `INPUT_CONFIG=${path.basename(c.config)}`,
        'INPUT_MODE=gate',
        'INPUT_COMMENT=never',
        'INPUT_BASELINE-SOURCE=file',
        `INPUT_BASELINE-PATH=${baseline}`,
        'INPUT_RESULTS-DIR=action-out',
        'GITHUB_REPOSITORY=octo/gpu-app',
        `GITHUB_WORKSPACE=${c.dir}`,
        `LOCAL_ACTION_WORKSPACE=${c.dir}`,
        `GITHUB_STEP_SUMMARY=${summary}`,
        '',
      ].join('\n'),
    );
    const env = cliEnv();
    delete env.GITHUB_ACTIONS;
    delete env.ACTIONS_RUNTIME_TOKEN;
    const r = spawnSync(process.execPath, [LOCAL_ACTION, 'run', path.resolve('.'), 'src/main.ts', envFile], {
      // local-action runs `npm exec tsx`, which must find this repository's tsx.
      cwd: path.resolve('.'),
      env,
      encoding: 'utf8',
      timeout: 100_000,
    });
    const out = `${r.stdout}\n${r.stderr}`;
    expect(r.status, out).toBe(0);
    expect(out).toContain(`::info::baseline: file ${baseline} (1 run(s))`);
    expect(out).toMatch(/::info::server ready at http:\/\/127\.0\.0\.1:\d+ after [\d.]+ s/);
    // local-action prints the outputs as a table; the verdict is pass or fail (a loaded machine may make
    // a point invalid, which fails it honestly), never unset.
    const verdict = /│\s*\d+\s*│\s*'verdict'\s*│\s*'([a-z-]+)'/.exec(out)?.[1];
    expect(['pass', 'fail']).toContain(verdict);
    const resultsPath = /'results-path'\s*│\s*'([^']+)'/.exec(out)?.[1];
    expect(resultsPath).toBe(path.join(c.dir, 'action-out', 'results.json'));
    const doc = JSON.parse(readFileSync(resultsPath!, 'utf8')) as unknown;
    expect(validateResults(doc)).toEqual([]);
    expect(existsSync(path.join(c.dir, 'action-out', 'server.log'))).toBe(true);
    expect(readFileSync(summary, 'utf8')).toContain('tiny');
    expect(simProcesses(c)).toEqual([]);
  });
});
