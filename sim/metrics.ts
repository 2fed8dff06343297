// The /metrics endpoint: vLLM's V1 metric names, the model_name label, vLLM's histogram buckets.
// Names, help texts and buckets are those of PrometheusStatLogger in vllm/v1/metrics/loggers.py of
// vLLM 0.11 (the queue, prefill, decode, inference and e2e histograms share its
// `request_latency_buckets`, unchanged since 0.9).
import { requestTimes, type Engine, type EngineRequest } from './engine.js';

const TTFT_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80, 160, 640, 2560];
const ITL_BUCKETS = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80];
const REQUEST_BUCKETS = [0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920, 7680];
const TOKEN_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000];
const ITERATION_BUCKETS = [1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384];

export class Histogram {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
  ) {
    this.counts = new Float64Array(buckets.length);
  }
  observe(v: number): void {
    this.sum += v;
    this.count++;
    const b = this.buckets;
    for (let i = 0; i < b.length; i++) {
      if (v <= b[i]!) {
        this.counts[i]!++;
        return;
      }
    }
  }
  render(labels: string): string {
    let s = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} histogram\n`;
    let cum = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      cum += this.counts[i]!;
      s += `${this.name}_bucket{le="${fmtLe(this.buckets[i]!)}",${labels}} ${fmt(cum)}\n`;
    }
    s += `${this.name}_bucket{le="+Inf",${labels}} ${fmt(this.count)}\n`;
    s += `${this.name}_count{${labels}} ${fmt(this.count)}\n`;
    s += `${this.name}_sum{${labels}} ${fmt(this.sum)}\n`;
    return s;
  }
}

function fmt(v: number): string {
  return Number.isInteger(v) ? v.toFixed(1) : String(v);
}
function fmtLe(v: number): string {
  return Number.isInteger(v) ? v.toFixed(1) : String(v);
}

export interface CacheInfo {
  blockSize: number;
  gpuMemoryUtilization: number;
  numGpuBlocks: number;
  enablePrefixCaching: boolean;
}

export class Metrics {
  readonly ttft = new Histogram('vllm:time_to_first_token_seconds', 'Histogram of time to first token in seconds.', TTFT_BUCKETS);
  readonly itl = new Histogram('vllm:inter_token_latency_seconds', 'Histogram of inter-token latency in seconds.', ITL_BUCKETS);
  readonly tpot = new Histogram(
    'vllm:request_time_per_output_token_seconds',
    'Histogram of time_per_output_token_seconds per request.',
    ITL_BUCKETS,
  );
  readonly e2e = new Histogram('vllm:e2e_request_latency_seconds', 'Histogram of e2e request latency in seconds.', REQUEST_BUCKETS);
  readonly queue = new Histogram(
    'vllm:request_queue_time_seconds',
    'Histogram of time spent in WAITING phase for request.',
    REQUEST_BUCKETS,
  );
  readonly inference = new Histogram(
    'vllm:request_inference_time_seconds',
    'Histogram of time spent in RUNNING phase for request.',
    REQUEST_BUCKETS,
  );
  readonly prefill = new Histogram(
    'vllm:request_prefill_time_seconds',
    'Histogram of time spent in PREFILL phase for request.',
    REQUEST_BUCKETS,
  );
  readonly decode = new Histogram(
    'vllm:request_decode_time_seconds',
    'Histogram of time spent in DECODE phase for request.',
    REQUEST_BUCKETS,
  );
  readonly promptHist = new Histogram('vllm:request_prompt_tokens', 'Number of prefill tokens processed.', TOKEN_BUCKETS);
  readonly genHist = new Histogram('vllm:request_generation_tokens', 'Number of generation tokens processed.', TOKEN_BUCKETS);
  readonly maxTokensHist = new Histogram('vllm:request_params_max_tokens', 'Histogram of the max_tokens request parameter.', TOKEN_BUCKETS);
  readonly nHist = new Histogram('vllm:request_params_n', 'Histogram of the n request parameter.', [1, 2, 5, 10, 20]);
  readonly iteration = new Histogram('vllm:iteration_tokens_total', 'Histogram of number of tokens per engine_step.', ITERATION_BUCKETS);
  readonly success: Record<string, number> = { stop: 0, length: 0, abort: 0 };

  constructor(
    private readonly modelName: string,
    private readonly cache: CacheInfo,
  ) {}

  /** Observes a request that finished (not aborted) at time now: e2e and its phases. */
  observeFinished(r: EngineRequest, now: number): void {
    this.e2e.observe(now - r.arrival);
    const t = requestTimes(r);
    if (t !== null) {
      this.queue.observe(t.queue);
      this.prefill.observe(t.prefill);
      this.decode.observe(t.decode);
      this.inference.observe(t.inference);
    }
    this.promptHist.observe(r.promptTokens);
    this.genHist.observe(r.generated);
    if (r.generated > 1) this.tpot.observe((now - r.firstTokenAt) / (r.generated - 1));
  }

  render(engine: Engine): string {
    const l = `model_name=${JSON.stringify(this.modelName)}`;
    let s = '';
    const gauge = (name: string, help: string, v: number): void => {
      s += `# HELP ${name} ${help}\n# TYPE ${name} gauge\n${name}{${l}} ${fmt(v)}\n`;
    };
    const counter = (name: string, help: string, v: number): void => {
      s += `# HELP ${name}_total ${help}\n# TYPE ${name}_total counter\n${name}_total{${l}} ${fmt(v)}\n`;
    };
    gauge('vllm:num_requests_running', 'Number of requests in model execution batches.', engine.numRunning);
    gauge('vllm:num_requests_waiting', 'Number of requests waiting to be processed.', engine.numWaiting);
    gauge('vllm:kv_cache_usage_perc', 'KV-cache usage. 1 means 100 percent usage.', engine.kvUsage);
    counter('vllm:num_preemptions', 'Cumulative number of preemption from the engine.', engine.preemptionsTotal);
    counter('vllm:prompt_tokens', 'Number of prefill tokens processed.', engine.promptTokensTotal);
    counter('vllm:generation_tokens', 'Number of generation tokens processed.', engine.generationTokensTotal);
    // Both stay 0 with --no-enable-prefix-caching: vLLM skips the lookup and its stats then.
    counter('vllm:prefix_cache_queries', 'Prefix cache queries, in terms of number of queried tokens.', engine.prefixQueries);
    counter('vllm:prefix_cache_hits', 'Prefix cache hits, in terms of number of cached tokens.', engine.prefixHits);
    s += '# HELP vllm:request_success_total Count of successfully processed requests.\n# TYPE vllm:request_success_total counter\n';
    for (const reason of Object.keys(this.success)) {
      s += `vllm:request_success_total{finished_reason="${reason}",${l}} ${fmt(this.success[reason]!)}\n`;
    }
    for (const h of [
      this.iteration,
      this.promptHist,
      this.genHist,
      this.nHist,
      this.maxTokensHist,
      this.ttft,
      this.itl,
      this.tpot,
      this.e2e,
      this.queue,
      this.inference,
      this.prefill,
      this.decode,
    ]) {
      s += h.render(l);
    }
    const c = this.cache;
    s +=
      '# HELP vllm:cache_config_info Information of the LLMEngine CacheConfig\n# TYPE vllm:cache_config_info gauge\n' +
      `vllm:cache_config_info{block_size="${c.blockSize}",cache_dtype="auto",calculate_kv_scales="False",cpu_offload_gb="0",enable_prefix_caching="${c.enablePrefixCaching ? 'True' : 'False'}",gpu_memory_utilization="${c.gpuMemoryUtilization}",is_attention_free="False",num_cpu_blocks="None",num_gpu_blocks="${c.numGpuBlocks}",num_gpu_blocks_override="None",prefix_caching_hash_algo="builtin",sliding_window="None",swap_space="0",swap_space_bytes="0"} 1.0\n`;
    return s;
  }
}
