// VLLM_SIM_ARGS: --sim-* knobs from the environment, so a "slower engine build" can be injected
// without changing the server's flags (and so without changing the run's fingerprint).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { simJs } from '../../test/support/sim.js';

function latencyAvg(env: Record<string, string>): number {
  const out = path.join(mkdtempSync(path.join(tmpdir(), 'sim-env-')), 'lat.json');
  const r = spawnSync(
    process.execPath,
    [
      simJs(),
      'bench',
      'latency',
      '--model',
      'm',
      '--input-len',
      '16',
      '--output-len',
      '16',
      '--batch-size',
      '2',
      '--num-iters-warmup',
      '0',
      '--num-iters',
      '3',
      '--output-json',
      out,
    ],
    { env: { ...process.env, ...env }, encoding: 'utf8' },
  );
  expect(r.status, r.stderr).toBe(0);
  return (JSON.parse(readFileSync(out, 'utf8')) as { avg_latency: number }).avg_latency;
}

describe('VLLM_SIM_ARGS', () => {
  it('applies a --sim-slowdown given in the environment as if it were on the command line', () => {
    const base = latencyAvg({});
    const slow = latencyAvg({ VLLM_SIM_ARGS: '--sim-slowdown 2' });
    expect(slow / base).toBeGreaterThan(1.9);
    expect(slow / base).toBeLessThan(2.1);
  });

  it('refuses anything but --sim-* knobs, with exit code 2', () => {
    const r = spawnSync(process.execPath, [simJs(), 'serve', 'm', '--sim-startup-s', '0'], {
      env: { ...process.env, VLLM_SIM_ARGS: '--port 1' },
      encoding: 'utf8',
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('VLLM_SIM_ARGS takes only --sim-* knobs, not --port');
  });
});
