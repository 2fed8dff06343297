// Histories for the tests: seeded noise (one log-normal run factor, as scripts/bench-gate.ts draws
// runs) and results documents with increasing started-at, a commit each, and a step where asked.
import { Rng } from '../../src/load/rng.js';
import type { MetricMap, ResultsDocument } from '../../src/results/schema-types.gen.js';

/** A log-normal factor with mean 1 and coefficient of variation `cv`. */
export function noise(rng: Rng, cv: number): number {
  const s2 = Math.log(1 + cv * cv);
  return Math.exp(Math.sqrt(s2) * rng.normal() - s2 / 2);
}

/** `n` figures around `base` with run noise `cv`; from `at` on they are (1 + step) × higher. */
export function stepSeries(seed: number, o: { n: number; at?: number; step?: number; cv?: number; base?: number }): number[] {
  const rng = new Rng(seed);
  return Array.from(
    { length: o.n },
    (_, i) => (o.base ?? 100) * (o.at !== undefined && i >= o.at ? 1 + (o.step ?? 0) : 1) * noise(rng, o.cv ?? 0.02),
  );
}

export const sha = (i: number): string => i.toString(16).padStart(4, '0').repeat(10);

export interface RunSpec {
  /** Figures of the one serving point by metric name. */
  metrics: MetricMap;
  valid?: boolean;
  /** More points of the suite: key -> metrics. */
  points?: Record<string, MetricMap>;
  gpu?: string;
}

/** One run of a one-suite history: run `i` starts i days after 2026-01-01, at commit sha(i). */
export function runDoc(i: number, spec: RunSpec, suite = 'sweep'): ResultsDocument {
  const points = [
    {
      key: 'concurrency=8',
      label: 'concurrency 8',
      metrics: spec.metrics,
      validity: { valid: spec.valid ?? true, reasons: spec.valid === false ? ['the client was starved'] : [] },
    },
    ...Object.entries(spec.points ?? {}).map(([key, metrics]) => ({
      key,
      label: key.replace('=', ' '),
      metrics,
      validity: { valid: true, reasons: [] },
    })),
  ];
  return {
    'schema-version': 1,
    tool: { name: 'vllm-perf-gate', version: 'test' },
    run: {
      id: `run-${String(i).padStart(3, '0')}`,
      'started-at': new Date(Date.UTC(2026, 0, 1) + i * 86_400_000).toISOString(),
      'config-id': 'nightly',
      'config-hash': 'h',
      'git-sha': sha(i),
      'git-ref': 'refs/heads/main',
    },
    environment: { fingerprint: { 'gpu-name': spec.gpu ?? 'H100', 'gpu-count': 1, model: 'm', 'server-args': [] } },
    suites: [{ name: suite, kind: 'serving', points }],
    status: 'complete',
  };
}

/**
 * A nightly history of `n` runs: output throughput around 1500 tok/s and median TPOT around 20 ms
 * with 2% run noise; from run `at` on, throughput is (1 + step) × as high.
 */
export function stepHistory(seed: number, o: { n: number; at: number; step: number; cv?: number }): ResultsDocument[] {
  const rng = new Rng(seed);
  return Array.from({ length: o.n }, (_, i) => {
    const f = noise(rng, o.cv ?? 0.02);
    const s = i >= o.at ? 1 + o.step : 1;
    return runDoc(i, { metrics: { output_throughput: 1500 * s * f, median_tpot_ms: 20 * noise(rng, o.cv ?? 0.02), completed: 200 } });
  });
}
