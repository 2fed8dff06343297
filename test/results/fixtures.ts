// Small results fixtures written from the facts of vLLM's formats (research doc §1.7, §2), not copies.
import type { Point, ResultsDocument } from '../../src/results/schema-types.gen.js';

/** A modern `vllm bench serve --save-result` record (keys in vLLM's order), as Python writes it. */
export const MODERN_LINE =
  '{"date": "20260101-120000", "endpoint_type": "openai", "backend": "openai", "label": null, "model_id": "org/tiny", ' +
  '"tokenizer_id": "org/tiny", "num_prompts": 10, "request_rate": 2.0, "burstiness": 1.0, "max_concurrency": null, ' +
  '"duration": 5.0, "completed": 10, "failed": 0, "total_input_tokens": 1000, "total_output_tokens": 500, ' +
  '"request_throughput": 2.0, "request_goodput": null, "output_throughput": 100.0, "total_token_throughput": 300.0, ' +
  '"max_output_tokens_per_s": 120.0, "max_concurrent_requests": 3, "rtfx": 0.0, "mean_ttft_ms": 20.5, ' +
  '"median_ttft_ms": 20.0, "std_ttft_ms": 1.5, "p99_ttft_ms": 25.0, "mean_tpot_ms": 10.0, "median_tpot_ms": 10.0, ' +
  '"std_tpot_ms": 0.5, "p99_tpot_ms": 11.0, "mean_itl_ms": 10.0, "median_itl_ms": 9.5, "std_itl_ms": 1.0, "p99_itl_ms": 15.0}';

/** A legacy benchmark_serving.py record: no endpoint_type/label/failed, --metadata pairs, and the "request_goodput:" typo. */
export function legacyLine(rate: number | '"inf"', date: string, deployment: string): string {
  return (
    `{"date": "${date}", "backend": "vllm", "model_id": "org/tiny", "tokenizer_id": "org/tiny", "num_prompts": 10, ` +
    `"deployment": "${deployment}", "gpu": "1xL4", "request_rate": ${rate}, "burstiness": 1.0, "max_concurrency": null, ` +
    '"duration": 5.0, "completed": 9, "total_input_tokens": 900, "total_output_tokens": 450, "request_throughput": 1.8, ' +
    '"request_goodput:": null, "output_throughput": 90.0, "total_token_throughput": 270.0, "mean_ttft_ms": 30.0, ' +
    '"median_ttft_ms": 29.0, "std_ttft_ms": 2.0, "p99_ttft_ms": 35.0, "mean_tpot_ms": NaN, "median_tpot_ms": 12.0, ' +
    '"std_tpot_ms": 1.0, "p99_tpot_ms": 14.0, "mean_itl_ms": 12.0, "median_itl_ms": 11.0, "std_itl_ms": 2.0, "p99_itl_ms": 20.0}'
  );
}

export function servingPoint(key: string, extra: Partial<Point> = {}): Point {
  return {
    key,
    'request-rate': null,
    concurrency: null,
    metrics: {
      duration: 4,
      completed: 8,
      failed: 0,
      total_input_tokens: 2048,
      total_output_tokens: 1024,
      request_throughput: 2,
      request_goodput: null,
      output_throughput: 256,
      total_token_throughput: 768,
      max_output_tokens_per_s: 300,
      max_concurrent_requests: 4,
      mean_ttft_ms: 12,
      median_ttft_ms: 11,
      std_ttft_ms: 1,
      p50_ttft_ms: 11,
      p99_ttft_ms: 15,
      p90_ttft_ms: 14,
      mean_tpot_ms: 5,
      median_tpot_ms: 5,
      std_tpot_ms: 0.2,
      p50_tpot_ms: 5,
      p90_tpot_ms: 5.5,
      p99_tpot_ms: 6,
      mean_itl_ms: 5,
      median_itl_ms: 5,
      std_itl_ms: 0.3,
      p50_itl_ms: 5,
      p90_itl_ms: 5.6,
      p99_itl_ms: 7,
      mean_e2el_ms: 650,
      median_e2el_ms: 640,
      std_e2el_ms: 10,
      p50_e2el_ms: 640,
      p90_e2el_ms: 660,
      p99_e2el_ms: 700,
      error_rate: 0,
    },
    validity: { valid: true, reasons: [] },
    'started-at': '2026-11-22T10:00:00.000Z',
    ...extra,
  };
}

export function ourDocument(startedAt = '2026-11-22T10:00:00.000Z'): ResultsDocument {
  return {
    'schema-version': 1,
    tool: { name: 'vllm-perf-gate', version: '0.1.0' },
    run: { id: `run-${startedAt}`, 'started-at': startedAt, 'config-id': 'gate', 'config-hash': 'abc' },
    environment: { fingerprint: { model: 'org/tiny' }, 'served-model-name': 'tiny' },
    suites: [
      {
        name: 'sweep',
        kind: 'serving',
        parameters: { endpoint: 'completions', burstiness: 1 },
        points: [servingPoint('concurrency=4', { concurrency: 4 }), servingPoint('rate=2', { 'request-rate': 2 })],
      },
    ],
    status: 'complete',
  };
}
