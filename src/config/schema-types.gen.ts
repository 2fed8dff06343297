/* Generated from schemas/config.schema.json by scripts/gen-types.mjs. Do not edit: edit the schema and run npm run gen:types. */

/**
 * This interface was referenced by `VllmPerfGateConfig`'s JSON-Schema
 * via the `definition` "suiteEntry".
 */
export type SuiteEntry = ServingSuite | LatencySuite | ThroughputSuite | PresetSuite | VllmSuiteFile;
/**
 * Unique name of the suite; points are matched with the baseline by suite name and point key.
 *
 * This interface was referenced by `VllmPerfGateConfig`'s JSON-Schema
 * via the `definition` "suiteName".
 */
export type SuiteName = string;
/**
 * Where prompts come from.
 *
 * This interface was referenced by `VllmPerfGateConfig`'s JSON-Schema
 * via the `definition` "dataset".
 */
export type Dataset =
  | {
      /**
       * Random token ids, as vLLM's `--dataset-name random`.
       */
      type: 'random';
      /**
       * Prompt length in tokens (vLLM --random-input-len). At most 2,097,152 (2^21): twice the longest context window vLLM serves (about 1M tokens).
       */
      'input-len'?: number;
      /**
       * Output length in tokens asked with max_tokens (vLLM --random-output-len). At most 2,097,152 (2^21): twice the longest context window vLLM serves (about 1M tokens).
       */
      'output-len'?: number;
      /**
       * Tokens of a prefix shared by every prompt, before the random part (vLLM --random-prefix-len). At most 2,097,152 (2^21): twice the longest context window vLLM serves (about 1M tokens).
       */
      'prefix-len'?: number;
      /**
       * Lengths are drawn uniformly from [len*(1-r), len*(1+r)] (vLLM --random-range-ratio); 0 makes every request the same length.
       */
      'range-ratio'?: number;
      /**
       * Requests per point (vLLM --num-prompts). At most 100,000: vLLM's CI and nightly suites send up to a few thousand a point, and every prompt of a suite is built before its first point.
       */
      'num-prompts'?: number;
      /**
       * Seed of the prompt generator (vLLM --seed). 0 to 4294967295: the range NumPy's seed accepts (vLLM's benchmarks seed NumPy with it).
       */
      seed?: number;
    }
  | {
      /**
       * A ShareGPT conversation file, as vLLM's `--dataset-name sharegpt`.
       */
      type: 'sharegpt';
      /**
       * The ShareGPT JSON file (e.g. ShareGPT_V3_unfiltered_cleaned_split.json), relative to the config file.
       */
      path: string;
      /**
       * Conversations sampled per point (vLLM --num-prompts). At most 100,000: vLLM's CI and nightly suites send up to a few thousand a point, and every prompt of a suite is built before its first point.
       */
      'num-prompts'?: number;
      /**
       * Overrides the reference completion's length. At most 2,097,152 (2^21): twice the longest context window vLLM serves (about 1M tokens).
       */
      'output-len'?: number;
      /**
       * Seed of the sample (vLLM --seed). 0 to 4294967295: the range NumPy's seed accepts (vLLM's benchmarks seed NumPy with it).
       */
      seed?: number;
    }
  | {
      /**
       * Prompts packed from the lines of a text file, as vLLM's `--dataset-name sonnet`.
       */
      type: 'sonnet';
      /**
       * Text file to draw lines from. Defaults to a built-in public-domain text.
       */
      path?: string;
      /**
       * Prompt length in tokens (vLLM --sonnet-input-len). At most 2,097,152 (2^21): twice the longest context window vLLM serves (about 1M tokens).
       */
      'input-len'?: number;
      /**
       * Output length in tokens (vLLM --sonnet-output-len). At most 2,097,152 (2^21): twice the longest context window vLLM serves (about 1M tokens).
       */
      'output-len'?: number;
      /**
       * Tokens of the prefix shared by every prompt (vLLM --sonnet-prefix-len). At most 2,097,152 (2^21): twice the longest context window vLLM serves (about 1M tokens).
       */
      'prefix-len'?: number;
      /**
       * Requests per point (vLLM --num-prompts). At most 100,000: vLLM's CI and nightly suites send up to a few thousand a point, and every prompt of a suite is built before its first point.
       */
      'num-prompts'?: number;
      /**
       * Seed of the line sampling. 0 to 4294967295: the range NumPy's seed accepts (vLLM's benchmarks seed NumPy with it).
       */
      seed?: number;
    }
  | {
      /**
       * The same prompt every time.
       */
      type: 'fixed';
      /**
       * The prompt text (a completion prompt, or the user message with endpoint: chat).
       */
      prompt: string;
      /**
       * max_tokens of every request. At most 2,097,152 (2^21): twice the longest context window vLLM serves (about 1M tokens).
       */
      'max-tokens'?: number;
      /**
       * Requests per point. At most 100,000: vLLM's CI and nightly suites send up to a few thousand a point, and every prompt of a suite is built before its first point.
       */
      'num-prompts'?: number;
    }
  | {
      /**
       * Prompts sharing a few prefixes, as vLLM's `--dataset-name prefix_repetition`.
       */
      type: 'prefix-repetition';
      /**
       * Tokens of each shared prefix (vLLM --prefix-repetition-prefix-len). At most 2,097,152 (2^21): twice the longest context window vLLM serves (about 1M tokens).
       */
      'prefix-len'?: number;
      /**
       * Tokens of the random part after the prefix, new for every prompt (vLLM --prefix-repetition-suffix-len). At most 2,097,152 (2^21): twice the longest context window vLLM serves (about 1M tokens).
       */
      'suffix-len'?: number;
      /**
       * How many distinct prefixes the prompts share, each used by an equal share of them (vLLM --prefix-repetition-num-prefixes). At most num-prompts.
       */
      'num-prefixes'?: number;
      /**
       * Output length in tokens asked with max_tokens (vLLM --prefix-repetition-output-len). At most 2,097,152 (2^21): twice the longest context window vLLM serves (about 1M tokens).
       */
      'output-len'?: number;
      /**
       * Requests per point (vLLM --num-prompts). At most 100,000: vLLM's CI and nightly suites send up to a few thousand a point, and every prompt of a suite is built before its first point.
       */
      'num-prompts'?: number;
      /**
       * Seed of the prompt generator (vLLM --seed). 0 to 4294967295: the range NumPy's seed accepts (vLLM's benchmarks seed NumPy with it).
       */
      seed?: number;
    }
  | {
      /**
       * A timed request trace (Mooncake's format), as vLLM's `--dataset-name timed_trace`.
       */
      type: 'trace';
      /**
       * The trace file, relative to the config file: one JSON object a line with `timestamp` (ms since the trace's start, non-decreasing), `input_length`, `output_length` and `hash_ids` (ids of 512-token blocks; equal ids mean equal blocks).
       */
      path: string;
      /**
       * How much faster than recorded the trace is replayed: request i is sent timestamp_i / time-scale ms after the point starts (2 replays it in half the time, 0.5 at half the pace).
       */
      'time-scale'?: number;
      /**
       * Replay only the first N requests of the trace (vLLM --num-prompts); all of them when absent. At most 100,000: a trace of more is refused unless num-prompts cuts it.
       */
      'num-prompts'?: number;
      /**
       * Seed of the token blocks the hash ids stand for: the same seed gives the same prompts. 0 to 4294967295, as the other datasets' seeds.
       */
      seed?: number;
    }
  | {
      /**
       * Multi-turn chat sessions from a ShareGPT file.
       */
      type: 'multi-turn';
      /**
       * The ShareGPT JSON file (the format of the `sharegpt` dataset), relative to the config file. A conversation's turns are its human messages, each with the gpt message after it; a leading system message is kept in every turn.
       */
      path: string;
      /**
       * Sessions (conversations) per point, drawn with the seed. The file must hold at least this many usable conversations. At most 10,000: with max-turns, every turn of every session is built before the first point.
       */
      'num-sessions'?: number;
      /**
       * Turns of a conversation sent at most; a session also ends before the first turn whose prompt and answer together pass 2,048 tokens (vLLM's ShareGPT limit). With max-turns 2 or more, a usable conversation has 2 turns at least.
       */
      'max-turns'?: number;
      /**
       * Time a session waits after an answer before it sends its next turn (a user reading and typing), e.g. "500ms".
       */
      'think-time'?: number | string;
      /**
       * Tokens asked for every turn (max_completion_tokens); when absent, the length of the turn's recorded answer. At most 2,097,152 (2^21): twice the longest context window vLLM serves (about 1M tokens).
       */
      'output-len'?: number;
      /**
       * Seed of the draw: which conversations, in which order. 0 to 4294967295, as the other datasets' seeds.
       */
      seed?: number;
    };
/**
 * A tolerance sentence: "-5%" (a drop of more than 5% is a regression), "+10%", "+20ms", "+10% or +20ms" (a regression must exceed both), "observe" (report, never gate), "gate" (gate with the default tolerance).
 *
 * This interface was referenced by `VllmPerfGateConfig`'s JSON-Schema
 * via the `definition` "threshold".
 */
export type Threshold = string;
/**
 * A duration: a number of seconds, or a string such as "500ms", "30s", "20m", "1h". At most 24 hours: no start-up, request or bench of a real run takes longer, and a timer beyond 24.8 days would fire at once.
 *
 * This interface was referenced by `VllmPerfGateConfig`'s JSON-Schema
 * via the `definition` "duration".
 */
export type Duration = number | string;

/**
 * vllm-perf-gate configuration: the server to boot, the suites to run against it, and the tolerances that decide pass or fail. Keys are kebab-case, as vLLM's flags are written.
 */
export interface VllmPerfGateConfig {
  /**
   * Config format version. Always 1.
   */
  version: 1;
  /**
   * Stable identifier of this config: names the PR comment marker, the artifact and the baseline history. Defaults to the config file name without extension.
   */
  id?: string;
  server?: Server;
  /**
   * What to run, in order. Each entry is a suite (kind: serving | latency | throughput), a built-in preset (preset: NAME) or a vLLM CI suite file (vllm-suite: PATH).
   *
   * @minItems 1
   */
  suites: [SuiteEntry, ...SuiteEntry[]];
  thresholds?: Thresholds;
  gate?: Gate;
  client?: Client;
  /**
   * A/B mode: two config files (baseline, candidate) whose `server` sections are booted in turn on the same GPU and compared with each other instead of with a stored baseline. Their suites are ignored; this file's suites are run against both.
   *
   * @minItems 2
   * @maxItems 2
   */
  'compare-servers'?: [string, string];
  /**
   * A/B mode: how many interleaved rounds (A B A B ...) to run.
   */
  rounds?: number;
  /**
   * Folders outside the workspace that dataset files may be read from (absolute, or relative to the config file). A dataset path is resolved through its symlinks and must lie inside the workspace ($GITHUB_WORKSPACE when set, else the git repository holding the config file, else the config file's folder) or inside one of these folders; anything else is refused before the server starts.
   */
  'dataset-roots'?: string[];
}
/**
 * The engine under test. Either booted from `command` + `serve` + `model` + `args`, or reached at `url` (nothing is booted or torn down).
 *
 * This interface was referenced by `VllmPerfGateConfig`'s JSON-Schema
 * via the `definition` "server".
 */
export interface Server {
  /**
   * The vLLM executable: a string (one program name or path, never run through a shell) or an argv array such as [python, -m, vllm.entrypoints.cli.main]. `serve MODEL` and the args are appended.
   */
  command?: string | [string, ...string[]];
  /**
   * Model passed to `vllm serve` as its positional argument (a Hugging Face id or a local path).
   */
  model?: string;
  /**
   * Name the server exposes and requests use as `model`. Defaults to `model`.
   */
  'served-model-name'?: string;
  /**
   * Extra `vllm serve` flags. As a map: snake_case or kebab keys become --kebab-key; true or "" is a bare flag; false is omitted; arrays repeat the value. As a list: passed verbatim.
   */
  args?:
    | {
        [k: string]: string | number | boolean | null | (string | number)[] | undefined;
      }
    | string[];
  env?: StringMap;
  /**
   * Names of runner environment variables passed to the server whose values are secrets (e.g. HF_TOKEN, VLLM_API_KEY); they are masked.
   */
  'secret-env'?: string[];
  /**
   * Base URL of an already running server (e.g. http://10.0.0.5:8000). Nothing is booted or torn down; readiness is still awaited.
   */
  url?: string;
  /**
   * Host the booted server binds (--host).
   */
  host?: string;
  /**
   * Port of the booted server (--port): a number, or "auto" to pick a free one.
   */
  port?: number | 'auto';
  /**
   * Name of an environment variable holding the API key sent as `Authorization: Bearer` (vLLM's --api-key). Masked.
   */
  'api-key-env'?: string;
  /**
   * How long to wait for /health and /v1/models before giving up.
   */
  'startup-timeout'?: number | string;
  /**
   * Time between SIGTERM and SIGKILL at teardown.
   */
  'shutdown-grace'?: number | string;
  /**
   * How often /metrics and nvidia-smi are sampled during serving points. 0 disables sampling.
   */
  'metrics-interval'?: number | string;
}
/**
 * Environment variables merged over the runner's for the server and offline benches. Values of variables whose names look secret are masked in logs: a name with a word (split at _ - . and case steps) ending in KEY, KEYS, TOKEN, SECRET, PASSWORD, PASSWD or PASSPHRASE, or a word PASS, AUTH, AUTHORIZATION, CREDENTIAL(S) or COOKIE, e.g. HF_TOKEN, MY_KEY, WANDB_API_KEY.
 */
export interface StringMap {
  [k: string]: string | number | boolean | undefined;
}
/**
 * An online serving benchmark, measured as `vllm bench serve` measures it: a request-rate sweep (open loop, `request-rates`) or a concurrency sweep (closed loop, `concurrency`); give one of the two, or `search` for the highest load that meets an SLO.
 *
 * This interface was referenced by `VllmPerfGateConfig`'s JSON-Schema
 * via the `definition` "servingSuite".
 */
export interface ServingSuite {
  name: SuiteName;
  /**
   * Online serving against the server (vllm bench serve).
   */
  kind: 'serving';
  /**
   * /v1/completions or /v1/chat/completions.
   */
  endpoint?: 'completions' | 'chat';
  /**
   * Stream tokens (SSE). Non-streaming points report latency, not TTFT/ITL.
   */
  stream?: boolean;
  dataset: Dataset;
  /**
   * Open-loop sweep: one point per rate (requests/s), arrivals drawn as vLLM draws them; "inf" sends all at once. 0.01 to 1,000,000 requests/s: vLLM's benchmarks use 0.1 and up, and above a million a second is "inf"; a point's requests must also arrive within 24 hours (num-prompts / rate).
   *
   * @minItems 1
   */
  'request-rates'?: [number | 'inf', ...(number | 'inf')[]];
  /**
   * Closed-loop sweep: one point per level, exactly that many requests in flight. At most 16,384: 16 times the largest batch vLLM's benchmarks run, and every request in flight holds a connection.
   *
   * @minItems 1
   */
  concurrency?: [number, ...number[]];
  /**
   * Cap on requests in flight under a request rate (vLLM's --max-concurrency). Time spent waiting for a slot is recorded as client queue time. At most 16,384, as `concurrency`.
   */
  'max-concurrency'?: number;
  /**
   * Gamma shape of the arrival gaps: 1 is Poisson, lower is burstier. 0.01 to 1000: below, nearly every gap is 0 and one is the whole run; above, the gaps are constant.
   */
  burstiness?: number;
  /**
   * Closed loop: send concurrency x this many requests per point instead of the dataset's num-prompts. concurrency x this is at most 100,000, as num-prompts.
   */
  'prompts-per-concurrency'?: number;
  /**
   * Ask for exactly max_tokens output tokens.
   */
  'ignore-eos'?: boolean;
  /**
   * Empty the server's prefix cache (POST /reset_prefix_cache, which vLLM serves with VLLM_SERVER_DEV_MODE=1) after each point's warm-up and before each repeat, so a point is not faster because the one before warmed the cache. auto: when the dataset shares prefixes (prefix-repetition, random with prefix-len); always; never. Each point records whether the reset happened, was refused or is not served.
   */
  'reset-prefix-cache'?: 'auto' | 'always' | 'never';
  /**
   * Requests sent before each point and left out of its figures. At most 10,000 (vLLM's --num-warmups is usually a few).
   */
  warmup?: number;
  /**
   * Sampling temperature sent with every request. Unset: the server's default (vLLM bench serve no longer sends temperature 0 by default).
   */
  temperature?: number;
  /**
   * Top-p sent with every request. Unset: the server's default.
   */
  'top-p'?: number;
  /**
   * Seed of the arrival process. 0 to 4294967295: the range NumPy's seed accepts (vLLM's benchmarks seed NumPy with it).
   */
  seed?: number;
  goodput?: Goodput;
  /**
   * Percentiles reported for TTFT, TPOT, ITL and E2E latency.
   *
   * @minItems 1
   */
  percentiles?: [number, ...number[]];
  /**
   * A request taking longer is aborted and counted as a timeout.
   */
  'request-timeout'?: number | string;
  /**
   * Time limit of each point (each repeat), warm-up included. A point still running after it is stopped (requests in flight are cancelled), marked invalid with the reason, and the sweep goes on with the next point. Default: 1h, or, for a request rate whose arrivals take longer, the time the point's last request is due plus request-timeout.
   */
  'max-duration'?: number | string;
  stop?: AdaptiveStop;
  search?: SloSearch;
  /**
   * Share of failed requests above which a point is invalid.
   */
  'max-error-rate'?: number;
  /**
   * Merged into every request body (vLLM's --extra-body).
   */
  'extra-body'?: {};
  headers?: StringMap1;
  /**
   * Run every point this many times; the gate compares their mean and uses their spread.
   */
  repeat?: number;
  server?: Server1;
}
/**
 * Service-level objectives in milliseconds; a request is good when it meets every one given (vLLM's --goodput).
 *
 * This interface was referenced by `VllmPerfGateConfig`'s JSON-Schema
 * via the `definition` "goodput".
 */
export interface Goodput {
  /**
   * Time to first token must be at most this (ms).
   */
  'ttft-ms'?: number;
  /**
   * Time per output token must be at most this (ms).
   */
  'tpot-ms'?: number;
  /**
   * End-to-end latency must be at most this (ms).
   */
  'e2el-ms'?: number;
}
/**
 * Adaptive points: each point is cut (at a multiple of 16 requests, the load going on until those finish) once its figures are precise enough, or once the gate's pass/fail decision against the baseline can no longer change, instead of sending every prompt; the gate then compares it over the same first requests of every baseline run. The point's request count (num-prompts, or concurrency x prompts-per-concurrency) becomes its upper bound. Intervals are batch means over the steady state at 95% confidence (docs/gate.md says why).
 *
 * This interface was referenced by `VllmPerfGateConfig`'s JSON-Schema
 * via the `definition` "adaptiveStop".
 */
export interface AdaptiveStop {
  /**
   * Stop a point once every watched metric's confidence interval is within the margin, or once its verdict is settled: one gated metric past the gate's line, or every one inside it, over these requests and (by the baseline runs' own moves) over all of the baseline's requests too.
   */
  when: 'precise';
  /**
   * Largest relative half-width of the confidence interval a precise metric may have, e.g. "2%".
   */
  margin?: string;
  /**
   * Completed requests a point always measures before it may stop.
   */
  'min-requests'?: number;
  /**
   * A point that has not become precise after this long (measured part) stops sending, lets the requests in flight finish and stays valid, its stop recorded as max-duration. Unlimited when absent (the request count still bounds it).
   */
  'max-duration'?: number | string;
  /**
   * The metrics that must be precise, and then also the only ones the verdict is decided on. Default: median_ttft_ms and median_tpot_ms when streaming, median_e2el_ms otherwise, plus output_throughput in a closed loop or at an unbounded rate (below saturation an open loop's throughput is its arrival rate); the verdict is then decided on every gated metric an interval can be built for (means and medians of TTFT, TPOT, ITL and E2E latency, and output_throughput where it is watched).
   *
   * @minItems 1
   */
  metrics?: [
    (
      | 'mean_ttft_ms'
      | 'median_ttft_ms'
      | 'mean_tpot_ms'
      | 'median_tpot_ms'
      | 'mean_itl_ms'
      | 'median_itl_ms'
      | 'mean_e2el_ms'
      | 'median_e2el_ms'
      | 'output_throughput'
    ),
    ...(
      | 'mean_ttft_ms'
      | 'median_ttft_ms'
      | 'mean_tpot_ms'
      | 'median_tpot_ms'
      | 'mean_itl_ms'
      | 'median_itl_ms'
      | 'mean_e2el_ms'
      | 'median_e2el_ms'
      | 'output_throughput'
    )[]
  ];
}
/**
 * SLO knee search: instead of sweeping a list of loads, find the highest request rate or concurrency at which a point still meets the SLO. The load doubles from `start` while the SLO is met (up to `max`), then the search bisects between the last load that met it and the first that did not until they are within `tolerance`. Each probe is a measured point (key `slo-probe:rate=R` or `slo-probe:concurrency=C`, not judged by the gate); the result is the point `slo-knee` with the gated metric max_rate_under_slo (req/s) or max_concurrency_under_slo. When even `start` misses the SLO, `slo-knee` is invalid and says why. Replaces `request-rates` and `concurrency`.
 *
 * This interface was referenced by `VllmPerfGateConfig`'s JSON-Schema
 * via the `definition` "sloSearch".
 */
export interface SloSearch {
  /**
   * Upper bound (ms) of each latency statistic a point must meet, e.g. `{ p99-ttft-ms: 500, p99-tpot-ms: 50 }`: mean-, median- or pNN- (a percentile in the suite's `percentiles`) of ttft, tpot, itl or e2el, followed by -ms. A probe meets the SLO when it is valid and every named statistic is at most its bound.
   */
  slo: {
    [k: string]: number | undefined;
  };
  /**
   * What load the search varies: the request rate (open loop; `max-concurrency` still caps it) or the concurrency (closed loop; `prompts-per-concurrency` applies).
   */
  over: 'request-rate' | 'concurrency';
  /**
   * The bisection stops once the first load that missed the SLO is within this share above the last that met it, e.g. "5%" (a concurrency stops at adjacent levels).
   */
  tolerance?: string;
  /**
   * The first load probed: requests/s, or a whole concurrency.
   */
  start?: number;
  /**
   * The highest load probed (a concurrency at most 16,384). When it still meets the SLO the knee is reported as `max` (at least). Default: start x 1024 (10 doublings).
   */
  max?: number;
}
/**
 * Extra HTTP headers on every request.
 */
export interface StringMap1 {
  [k: string]: string | number | boolean | undefined;
}
/**
 * The engine under test. Either booted from `command` + `serve` + `model` + `args`, or reached at `url` (nothing is booted or torn down).
 */
export interface Server1 {
  /**
   * The vLLM executable: a string (one program name or path, never run through a shell) or an argv array such as [python, -m, vllm.entrypoints.cli.main]. `serve MODEL` and the args are appended.
   */
  command?: string | [string, ...string[]];
  /**
   * Model passed to `vllm serve` as its positional argument (a Hugging Face id or a local path).
   */
  model?: string;
  /**
   * Name the server exposes and requests use as `model`. Defaults to `model`.
   */
  'served-model-name'?: string;
  /**
   * Extra `vllm serve` flags. As a map: snake_case or kebab keys become --kebab-key; true or "" is a bare flag; false is omitted; arrays repeat the value. As a list: passed verbatim.
   */
  args?:
    | {
        [k: string]: string | number | boolean | null | (string | number)[] | undefined;
      }
    | string[];
  env?: StringMap;
  /**
   * Names of runner environment variables passed to the server whose values are secrets (e.g. HF_TOKEN, VLLM_API_KEY); they are masked.
   */
  'secret-env'?: string[];
  /**
   * Base URL of an already running server (e.g. http://10.0.0.5:8000). Nothing is booted or torn down; readiness is still awaited.
   */
  url?: string;
  /**
   * Host the booted server binds (--host).
   */
  host?: string;
  /**
   * Port of the booted server (--port): a number, or "auto" to pick a free one.
   */
  port?: number | 'auto';
  /**
   * Name of an environment variable holding the API key sent as `Authorization: Bearer` (vLLM's --api-key). Masked.
   */
  'api-key-env'?: string;
  /**
   * How long to wait for /health and /v1/models before giving up.
   */
  'startup-timeout'?: number | string;
  /**
   * Time between SIGTERM and SIGKILL at teardown.
   */
  'shutdown-grace'?: number | string;
  /**
   * How often /metrics and nvidia-smi are sampled during serving points. 0 disables sampling.
   */
  'metrics-interval'?: number | string;
}
/**
 * Offline latency: `vllm bench latency` (one batch, timed over iterations). Runs while no server of ours holds the GPU.
 *
 * This interface was referenced by `VllmPerfGateConfig`'s JSON-Schema
 * via the `definition` "latencySuite".
 */
export interface LatencySuite {
  name: SuiteName;
  /**
   * Offline latency (vllm bench latency).
   */
  kind: 'latency';
  args?: OfflineArgs;
  /**
   * The bench is stopped and the suite failed after this long.
   */
  timeout?: number | string;
  /**
   * Run the bench this many times; the gate compares their mean and uses their spread.
   */
  repeat?: number;
  server?: Server;
}
/**
 * Flags of `vllm bench latency|throughput` (kebab or snake_case keys; true or "" is a bare flag).
 *
 * This interface was referenced by `VllmPerfGateConfig`'s JSON-Schema
 * via the `definition` "offlineArgs".
 */
export interface OfflineArgs {
  [k: string]: string | number | boolean | null | (string | number)[] | undefined;
}
/**
 * Offline throughput: `vllm bench throughput`. Runs while no server of ours holds the GPU.
 *
 * This interface was referenced by `VllmPerfGateConfig`'s JSON-Schema
 * via the `definition` "throughputSuite".
 */
export interface ThroughputSuite {
  name: SuiteName;
  /**
   * Offline throughput (vllm bench throughput).
   */
  kind: 'throughput';
  args?: OfflineArgs;
  /**
   * The bench is stopped and the suite failed after this long.
   */
  timeout?: number | string;
  /**
   * Run the bench this many times; the gate compares their mean and uses their spread.
   */
  repeat?: number;
  server?: Server;
}
/**
 * A built-in standard suite; any key of the suites it expands to may be given next to it to override it.
 *
 * This interface was referenced by `VllmPerfGateConfig`'s JSON-Schema
 * via the `definition` "presetSuite".
 */
export interface PresetSuite {
  /**
   * Which standard suite (see docs/presets.md).
   */
  preset: 'vllm-nightly' | 'concurrency-sweep' | 'max-throughput' | 'min-latency' | 'chat-client' | 'prefix-cache';
  name?: SuiteName;
  /**
   * ShareGPT file for presets that need one (vllm-nightly).
   */
  'dataset-path'?: string;
}
/**
 * A vLLM CI suite file (serving-tests.json, latency-tests.json, throughput-tests.json); each test becomes a suite.
 *
 * This interface was referenced by `VllmPerfGateConfig`'s JSON-Schema
 * via the `definition` "vllmSuiteFile".
 */
export interface VllmSuiteFile {
  /**
   * Path of the suite file (relative to the config file); vLLM's formats: an array of tests, or {defaults, tests}.
   */
  'vllm-suite': string;
  /**
   * Only these test names (default: all).
   */
  tests?: string[];
  /**
   * Keys merged into every suite the file expands to (e.g. a smaller dataset num-prompts).
   */
  overrides?: {};
}
/**
 * Tolerances per metric, readable as sentences. `-` means a drop is bad, `+` a rise.
 *
 * This interface was referenced by `VllmPerfGateConfig`'s JSON-Schema
 * via the `definition` "thresholds".
 */
export interface Thresholds {
  /**
   * Tolerance per metric family.
   */
  default?: {
    /**
     * Default tolerance of throughput metrics (higher is better).
     */
    throughput?: string;
    /**
     * Default tolerance of latency metrics (lower is better).
     */
    latency?: string;
    /**
     * Default tolerance of the server start-up time.
     */
    startup?: string;
  };
  /**
   * Per-suite overrides, keyed by suite name.
   */
  suites?: {
    [k: string]: ThresholdMap | undefined;
  };
  [k: string]:
    | Threshold
    | {
        /**
         * Default tolerance of throughput metrics (higher is better).
         */
        throughput?: string;
        /**
         * Default tolerance of latency metrics (lower is better).
         */
        latency?: string;
        /**
         * Default tolerance of the server start-up time.
         */
        startup?: string;
      }
    | {
        [k: string]: ThresholdMap | undefined;
      }
    | undefined;
}
/**
 * Per-metric tolerances keyed by metric name (e.g. median_ttft_ms, output_throughput).
 *
 * This interface was referenced by `VllmPerfGateConfig`'s JSON-Schema
 * via the `definition` "thresholdMap".
 */
export interface ThresholdMap {
  [k: string]: Threshold | undefined;
}
/**
 * How the verdict is reached.
 *
 * This interface was referenced by `VllmPerfGateConfig`'s JSON-Schema
 * via the `definition` "gate".
 */
export interface Gate {
  /**
   * Level of the prediction interval a regression must leave.
   */
  confidence?: number;
  /**
   * With a one-run baseline, the smallest relative change of each metric family that can count (run-to-run noise of GPU benchmarks).
   */
  'noise-floor'?: {
    /**
     * Throughput metrics (relative, 0.03 = 3%).
     */
    throughput?: number;
    /**
     * TPOT, ITL, E2E and offline latency (relative).
     */
    latency?: number;
    /**
     * Time to first token, the noisiest at low load (relative).
     */
    ttft?: number;
    /**
     * Server start-up time (relative).
     */
    startup?: number;
  };
  /**
   * Run regressed points once more; they must regress again (one false alarm in a hundred becomes about one in ten thousand; see docs/gate.md). false saves the rerun time.
   */
  'confirm-regressions'?: boolean;
  /**
   * Power the rerun plans aim for: for an inconclusive metric, the report says how many repeats (or baseline runs) would see a true change of the tolerance's size outside the noise interval this often (see docs/gate.md).
   */
  power?: number;
  /**
   * Rerun the points whose gated metrics are inconclusive, with as many more repeats as the plan asks for (at most max-repeats in all), and judge them again on all their repeats. Absent: no rerun; the report still gives the plan.
   */
  'rerun-inconclusive'?: {
    /**
     * Repeats of a point in all, its first run's included, that a planned rerun may bring it to: the GPU time a rerun may take, e.g. 6.
     */
    'max-repeats': number;
  };
  /**
   * Compare even when the GPU, model, server args or dataset differ from the baseline's.
   */
  'allow-fingerprint-mismatch'?: boolean;
  /**
   * When the baseline ran on another setup (GPU, model, server args or dataset differ) and nothing could be judged: fail (the verdict not-comparable fails the check) or pass (the verdict stays not-comparable, the check passes). To judge across setups instead, set allow-fingerprint-mismatch.
   */
  'on-not-comparable'?: 'fail' | 'pass';
  /**
   * When a point of the newest baseline run was not measured by this run (a suite renamed or dropped, a point removed): fail, or warn (listed, the check passes). Per suite under gate.suites.
   */
  'on-missing'?: 'fail' | 'warn';
  /**
   * Baseline suite names mapped to this run's: `{ sweep: sweep-v2 }` judges suite sweep-v2 against the baseline's sweep (a renamed suite). The CLI's --suite-map OLD=NEW does the same.
   */
  'suite-map'?: {
    [k: string]: SuiteName | undefined;
  };
  /**
   * Per-suite gate settings, keyed by suite name (a baseline suite this config no longer has may be named).
   */
  suites?: {
    /**
     * Gate settings of one suite.
     */
    [k: string]:
      | {
          /**
           * gate.on-missing for this suite's baseline points.
           */
          'on-missing'?: 'fail' | 'warn';
        }
      | undefined;
  };
}
/**
 * Limits of the rules that call a serving point invalid because the benchmark client, not the server, was the bottleneck: its timestamps were late or it could not keep to the schedule. The defaults suit a runner whose CPU serves the benchmark alone; where the client shares a small machine with other work, raise them, knowing that latencies may then be read late by up to the limit.
 *
 * This interface was referenced by `VllmPerfGateConfig`'s JSON-Schema
 * via the `definition` "client".
 */
export interface Client {
  /**
   * p99 delay of the client's event loop above which a point is invalid (every timestamp the client took may be this late).
   */
  'max-event-loop-lag'?: number | string;
  /**
   * p99 lateness of requests against their schedule (request rates and closed loops) above which a point is invalid.
   */
  'max-send-lag'?: number | string;
  /**
   * Share of the configured request rate the client must reach; below it a point is invalid.
   */
  'min-send-rate'?: number;
  /**
   * Share of streamed token chunks read together with the previous chunk of their stream above which a point is invalid (the client read late, so ITL is understated).
   */
  'max-coalesced-chunks'?: number;
}
/**
 * This interface was referenced by `VllmPerfGateConfig`'s JSON-Schema
 * via the `definition` "stringMap".
 */
export interface StringMap2 {
  [k: string]: string | number | boolean | undefined;
}
