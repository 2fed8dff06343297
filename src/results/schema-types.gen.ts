/* Generated from schemas/results.schema.json by scripts/gen-types.mjs. Do not edit: edit the schema and run npm run gen:types. */

/**
 * One run of vllm-perf-gate: metadata, environment fingerprint, and per suite the points with their metrics and validity. Metric names and units follow `vllm bench serve` (e.g. median_ttft_ms, output_throughput).
 */
export interface ResultsDocument {
  'schema-version': 1;
  tool: {
    name: string;
    version: string;
  };
  run: {
    /**
     * Unique id of this run.
     */
    id: string;
    'started-at': string;
    'finished-at'?: string;
    'config-id': string;
    /**
     * sha256 of the expanded, defaulted config.
     */
    'config-hash': string;
    'config-path'?: string;
    'git-sha'?: string;
    'git-ref'?: string;
    /**
     * Free label, e.g. the A/B side (baseline | candidate) or the source of an imported file.
     */
    label?: string;
    /**
     * Where the figures came from: our own run, or imported vLLM result files (vllm-bench: files of several of vLLM's benchmarks, such as a vLLM CI results folder).
     */
    source?: 'vllm-perf-gate' | 'vllm-bench-serve' | 'vllm-bench-latency' | 'vllm-bench-throughput' | 'vllm-bench';
  };
  environment: Environment;
  suites: Suite[];
  /**
   * partial: some suites or points did not run (an error or a cancel); failed: nothing usable.
   */
  status: 'complete' | 'partial' | 'failed';
  error?: RunError;
}
/**
 * This interface was referenced by `ResultsDocument`'s JSON-Schema
 * via the `definition` "environment".
 */
export interface Environment {
  fingerprint?: Fingerprint;
  'driver-version'?: string | null;
  'cuda-version'?: string | null;
  gpus?: {
    index?: number;
    name?: string;
    'memory-total-mib'?: number | null;
  }[];
  'served-model-name'?: string | null;
  /**
   * argv of the booted server, secrets masked.
   */
  'server-command'?: string[];
  'server-url'?: string | null;
  runner?: string | null;
  os?: string | null;
  'node-version'?: string | null;
  /**
   * Spawn to ready, seconds.
   */
  'startup-s'?: number | null;
  'telemetry-notes'?: string[];
}
/**
 * What must match for two runs to be comparable.
 *
 * This interface was referenced by `ResultsDocument`'s JSON-Schema
 * via the `definition` "fingerprint".
 */
export interface Fingerprint {
  'gpu-name'?: string | null;
  'gpu-count'?: number | null;
  model?: string | null;
  'server-args'?: string[];
  /**
   * The server's /version.
   */
  'engine-version'?: string | null;
}
/**
 * This interface was referenced by `ResultsDocument`'s JSON-Schema
 * via the `definition` "suite".
 */
export interface Suite {
  name: string;
  kind: 'serving' | 'latency' | 'throughput' | 'startup';
  description?: string;
  /**
   * The suite as run (dataset, endpoint, lengths...), part of what makes points comparable.
   */
  parameters?: {};
  /**
   * Hash of the dataset parameters and prompts; differs => not comparable.
   */
  'dataset-fingerprint'?: string | null;
  points: Point[];
  error?: RunError;
}
/**
 * This interface was referenced by `ResultsDocument`'s JSON-Schema
 * via the `definition` "point".
 */
export interface Point {
  /**
   * Stable key matched against the baseline: `rate=4`, `rate=inf`, `concurrency=8`, `rate=inf,max-concurrency=16`, or `batch=8` / `offline` for offline suites.
   */
  key: string;
  /**
   * Human label, e.g. `4 req/s` or `concurrency 8`.
   */
  label?: string;
  'request-rate'?: number | 'inf' | null;
  /**
   * Closed-loop level or max-concurrency cap.
   */
  concurrency?: number | null;
  metrics: MetricMap;
  /**
   * With repeat > 1: each repeat's metrics; `metrics` holds their mean.
   */
  repeats?: MetricMap[];
  validity: Validity;
  errors?: Errors;
  telemetry?: MetricMap1;
  /**
   * The prefix-cache resets made before the point's measured requests, one per repeat (reset-prefix-cache in the suite): reset, refused (the engine still held blocks; the point may have started with a warm cache), unavailable (the server does not serve POST /reset_prefix_cache), unconfirmed (answered 200, no server log to tell) or failed.
   */
  'prefix-cache-reset'?: {
    /**
     * What the reset did.
     */
    status: 'reset' | 'refused' | 'unavailable' | 'unconfirmed' | 'failed';
    /**
     * The server's log line or answer behind it.
     */
    detail?: string;
  }[];
  /**
   * Adaptive points (a suite's stop): how each repeat of the point ended and the intervals it reached, one entry per repeat.
   */
  stop?: AdaptiveStop[];
  /**
   * Adaptive points: the point's figures over its first N requests (in the order they were sent), for every N a multiple of the stop check's step below the count it measured. A run cut at N is compared with these: under a seeded schedule the first N requests of every run ran under the same load.
   */
  'prefix-figures'?: {
    /**
     * N: the requests counted.
     */
    requests: number;
    metrics: MetricMap;
  }[];
  /**
   * gate.rerun-inconclusive: the point was rerun for more repeats because a gated metric was inconclusive; `repeats` and `metrics` include the rerun's.
   */
  rerun?: {
    /**
     * Repeats in all the plan asked for (capped at max-repeats).
     */
    'planned-repeats': number;
    /**
     * Repeats the rerun added.
     */
    'added-repeats': number;
    /**
     * The inconclusive metric(s) and the plan, one sentence each.
     */
    reason: string;
  };
  'started-at'?: string;
  /**
   * Path (relative to the results folder) of the same point in vLLM's --save-result format.
   */
  'vllm-result-file'?: string;
  'vllm-meta'?: VllmMeta;
  /**
   * A probe of an SLO knee search (its key starts with `slo-probe:`): measured like any point, recorded for the record, never judged by the gate (only the suite's `slo-knee` point is).
   */
  'search-probe'?: {
    /**
     * Its place in the search, from 1.
     */
    step: number;
    /**
     * Whether it met the SLO.
     */
    met: boolean;
  };
  search?: SloSearch;
}
/**
 * Metric name -> value (null when it could not be computed). Units are in the names (_ms, _s) or are per second (throughputs).
 *
 * This interface was referenced by `ResultsDocument`'s JSON-Schema
 * via the `definition` "metricMap".
 */
export interface MetricMap {
  [k: string]: number | null | undefined;
}
/**
 * This interface was referenced by `ResultsDocument`'s JSON-Schema
 * via the `definition` "validity".
 */
export interface Validity {
  valid: boolean;
  /**
   * Why the point is invalid, one sentence each.
   */
  reasons: string[];
}
/**
 * This interface was referenced by `ResultsDocument`'s JSON-Schema
 * via the `definition` "errors".
 */
export interface Errors {
  total: number;
  /**
   * Failed requests by class: http, timeout, connection, stream-error, malformed-stream, other.
   */
  'by-kind'?: {
    [k: string]: number | undefined;
  };
  /**
   * Responses by HTTP status code (successful ones included), as a chat client's report counts them.
   */
  'http-status'?: {
    [k: string]: number | undefined;
  };
  /**
   * A few error messages, escaped for display.
   *
   * @maxItems 5
   */
  examples?:
    | []
    | [string]
    | [string, string]
    | [string, string, string]
    | [string, string, string, string]
    | [string, string, string, string, string];
}
/**
 * Metric name -> value (null when it could not be computed). Units are in the names (_ms, _s) or are per second (throughputs).
 */
export interface MetricMap1 {
  [k: string]: number | null | undefined;
}
/**
 * This interface was referenced by `ResultsDocument`'s JSON-Schema
 * via the `definition` "adaptiveStop".
 */
export interface AdaptiveStop {
  /**
   * precise: every watched metric's interval within the margin; decided: every interval wholly on one side of the gate's line; max-duration: the stop's time limit came first; all-requests: every planned request was sent; interrupted: a cancel, a crash or the point's own time limit ended it (see validity).
   */
  how: 'precise' | 'decided' | 'max-duration' | 'all-requests' | 'interrupted';
  /**
   * The same, as a sentence with the figures.
   */
  reason: string;
  /**
   * Requests measured (sent and finished).
   */
  requests: number;
  /**
   * The most the point would have sent.
   */
  'planned-requests': number;
  /**
   * The relative half-width asked for.
   */
  margin?: number;
  /**
   * 95% batch-means confidence interval of each watched metric over the point's steady state, as the point ended (null: too few requests for one).
   */
  intervals: {
    [k: string]:
      | null
      | {
          /**
           * The statistic over the steady state.
           */
          estimate: number;
          /**
           * Lower end of the interval.
           */
          low: number;
          /**
           * Upper end of the interval.
           */
          high: number;
          /**
           * Half-width over the estimate.
           */
          'relative-half-width': number;
          /**
           * Batches the interval was built from.
           */
          batches: number;
          /**
           * The gate's line (baseline moved by the tolerance), when a baseline was known.
           */
          line?: number;
        }
      | undefined;
  };
}
/**
 * The fields of a `vllm bench serve --save-result` record that are not metrics, named as vLLM names them. Kept when a vLLM file is imported, so the point can be written back in vLLM's format unchanged; the serving runner may set them for its own points.
 *
 * This interface was referenced by `ResultsDocument`'s JSON-Schema
 * via the `definition` "vllmMeta".
 */
export interface VllmMeta {
  /**
   * vLLM's "%Y%m%d-%H%M%S" timestamp of the run.
   */
  date?: string;
  endpoint_type?: string | null;
  /**
   * vLLM's --backend: openai (completions), openai-chat, vllm, ...
   */
  backend?: string | null;
  /**
   * vLLM's --label.
   */
  label?: string | null;
  model_id?: string | null;
  tokenizer_id?: string | null;
  num_prompts?: number | null;
  burstiness?: number | 'inf' | null;
  /**
   * vLLM's --metadata KEY=VALUE pairs, in file order.
   */
  metadata?: {
    [k: string]: string | undefined;
  };
  ramp_up_strategy?: string | null;
  ramp_up_start_rps?: number | null;
  ramp_up_end_rps?: number | null;
  /**
   * The file the point was imported from.
   */
  file?: string;
  /**
   * Its line in that file (JSON lines written by --append-result).
   */
  line?: number;
}
/**
 * The `slo-knee` point of a suite with `search`: what was searched and how it went.
 *
 * This interface was referenced by `ResultsDocument`'s JSON-Schema
 * via the `definition` "sloSearch".
 */
export interface SloSearch {
  /**
   * The load varied.
   */
  over: 'request-rate' | 'concurrency';
  /**
   * The upper bound of each metric, by metric name (p99_ttft_ms: 500).
   */
  slo: {
    [k: string]: number | undefined;
  };
  /**
   * The relative width the bisection stopped at (0.05).
   */
  tolerance: number;
  /**
   * The first load probed.
   */
  start: number;
  /**
   * The highest load the search would probe.
   */
  max: number;
  /**
   * found: a load meets the SLO and one within the tolerance above it does not; max-reached: max still meets it (the knee is at least max); start-missed: the first load already misses it (no knee, the point is invalid); interrupted: a cancel or a crash ended the search (the point is invalid).
   */
  outcome: 'found' | 'max-reached' | 'start-missed' | 'interrupted';
  /**
   * The highest load that met the SLO (the gated metric's value); null when none did.
   */
  knee: number | null;
  /**
   * The lowest load above the knee that missed the SLO.
   */
  'missed-at'?: number | null;
  /**
   * The outcome as a sentence with the figures.
   */
  summary: string;
  /**
   * The probes in the order they ran.
   */
  probes: {
    /**
     * Requests/s, or the concurrency.
     */
    load: number;
    /**
     * Whether the probe doubled the load or bisected the bracket.
     */
    phase: 'double' | 'bisect';
    /**
     * Whether it met the SLO (valid, every bound met).
     */
    met: boolean;
    /**
     * Why it did not, in words.
     */
    missed?: string;
    /**
     * Why the probe was invalid (an invalid probe does not meet the SLO).
     */
    invalid?: string;
    /**
     * The bounds it did not meet (value null: not reported).
     */
    misses: {
      metric: string;
      value: number | null;
      bound: number;
    }[];
  }[];
}
/**
 * This interface was referenced by `ResultsDocument`'s JSON-Schema
 * via the `definition` "runError".
 */
export interface RunError {
  /**
   * Stable error code, e.g. BOOT_EXIT, BOOT_TIMEOUT, PORT_IN_USE, CANCELLED, CONFIG.
   */
  code?: string;
  message: string;
  hint?: string;
  where?: string;
}
