// The smallest results documents the gate reads: one suite, one point, the metrics a test names.
import type { MetricMap, Point, ResultsDocument, Suite } from '../../src/results/schema-types.gen.js';

let counter = 0;

export interface PointSpec {
  key?: string;
  metrics: MetricMap;
  repeats?: MetricMap[];
  valid?: boolean;
  reasons?: string[];
  telemetry?: MetricMap;
  /** Requests measured (vLLM's num_prompts). */
  requests?: number;
  prefixes?: NonNullable<Point['prefix-figures']>;
}

export function point(spec: PointSpec): Point {
  const p: Point = {
    key: spec.key ?? 'concurrency=8',
    label: spec.key ?? 'concurrency 8',
    metrics: spec.metrics,
    validity: { valid: spec.valid ?? true, reasons: spec.reasons ?? [] },
  };
  if (spec.repeats) p.repeats = spec.repeats;
  if (spec.telemetry) p.telemetry = spec.telemetry;
  if (spec.requests !== undefined) p['vllm-meta'] = { num_prompts: spec.requests };
  if (spec.prefixes) p['prefix-figures'] = spec.prefixes;
  return p;
}

export function suite(name: string, points: Point[], extra: Partial<Suite> = {}): Suite {
  return { name, kind: 'serving', points, ...extra };
}

export function run(
  suites: Suite[],
  extra: {
    fingerprint?: ResultsDocument['environment']['fingerprint'];
    startupS?: number;
    status?: ResultsDocument['status'];
    label?: string;
  } = {},
): ResultsDocument {
  counter++;
  const doc: ResultsDocument = {
    'schema-version': 1,
    tool: { name: 'vllm-perf-gate', version: 'test' },
    run: {
      id: `run-${counter}`,
      'started-at': new Date(Date.UTC(2026, 0, 1, 0, counter)).toISOString(),
      'config-id': 'c',
      'config-hash': 'h',
      'git-sha': `sha${counter}`,
    },
    environment: {
      fingerprint: extra.fingerprint ?? {
        'gpu-name': 'NVIDIA H100',
        'gpu-count': 1,
        model: 'Qwen/Qwen2.5-7B',
        'server-args': ['--max-model-len', '4096'],
      },
    },
    suites,
    status: extra.status ?? 'complete',
  };
  if (extra.startupS !== undefined) doc.environment['startup-s'] = extra.startupS;
  if (extra.label) doc.run.label = extra.label;
  return doc;
}

/** A run of one suite `sweep` with one point carrying `metrics`. */
export function simple(metrics: MetricMap, spec: Omit<PointSpec, 'metrics'> = {}): ResultsDocument {
  return run([suite('sweep', [point({ ...spec, metrics })])]);
}

/** Runs whose output_throughput is each of `values`. */
export function history(values: number[], metric = 'output_throughput'): ResultsDocument[] {
  return values.map((v) => simple({ [metric]: v }));
}
