// Every simulator fault: the run completes, the failures are counted under the right class, and
// the point is marked invalid (max-error-rate 0).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runServingSuite } from '../../src/suites/serving.js';
import { startSim, type RunningSim } from '../support/sim.js';
import { suite } from './support.js';

const FAULTS = [
  ['http-500', 'http'],
  ['http-429', 'http'],
  ['stream-error', 'stream-error'],
  ['stream-stall', 'timeout'],
  ['drop-connection', 'connection'],
  ['malformed-sse', 'malformed-stream'],
] as const;

const sims = new Map<string, RunningSim>();
beforeAll(async () => {
  const started = await Promise.all(FAULTS.map(([f]) => startSim(['--sim-seed', '3', '--sim-fault', `${f}:0.4`])));
  FAULTS.forEach(([f], i) => sims.set(f, started[i]!));
});
afterAll(async () => {
  await Promise.all([...sims.values()].map((s) => s.stop()));
});

describe('simulator faults are counted, classified and invalidate the point', () => {
  for (const [fault, kind] of FAULTS) {
    it(`${fault} is counted as ${kind}`, async () => {
      const sim = sims.get(fault)!;
      const s = await runServingSuite(
        suite({
          dataset: { type: 'random', 'input-len': 16, 'output-len': 8, 'num-prompts': 12 },
          concurrency: [4],
          'request-timeout': '500ms',
        }),
        { baseUrl: sim.url, model: 'sim-model' },
      );
      const p = s.points[0]!;
      expect(p.metrics.completed! + p.metrics.failed!).toBe(12);
      expect(p.metrics.failed!).toBeGreaterThan(0);
      expect(p.metrics.completed!).toBeGreaterThan(0);
      expect(p.errors!['by-kind']).toEqual({ [kind]: p.metrics.failed });
      if (kind === 'http') expect(p.errors!['http-status']![fault.slice(5)]).toBe(p.metrics.failed);
      expect(p.validity.valid).toBe(false);
      expect(p.validity.reasons.some((r) => r.startsWith('error rate'))).toBe(true);
      expect(p.errors!.examples!.length).toBeGreaterThan(0);
    });
  }

  it('a tolerated error rate keeps the point valid as far as errors go', async () => {
    const sim = sims.get('http-500')!;
    const s = await runServingSuite(
      suite({ dataset: { type: 'random', 'input-len': 16, 'output-len': 8, 'num-prompts': 12 }, concurrency: [4], 'max-error-rate': 0.9 }),
      { baseUrl: sim.url, model: 'sim-model' },
    );
    expect(s.points[0]!.validity.reasons.some((r) => r.startsWith('error rate'))).toBe(false);
  });
});
