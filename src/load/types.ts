// What the load generator records about each request, and about itself, during one point.
// Times are milliseconds on performance.now()'s clock, relative to the point's start (t0 = the
// instant before the first dispatch, as vLLM's `benchmark_start_time`).

/** Why a request failed. */
export type ErrorKind =
  | 'http' // a status other than 200
  | 'timeout' // request-timeout elapsed first
  | 'connection' // refused, reset, or closed before the response ended
  | 'stream-error' // the server sent `data: {"error": ...}` in the stream
  | 'malformed-stream' // an event that is not JSON, a stream without a token chunk or without [DONE]
  | 'other';

export const ERROR_KINDS: readonly ErrorKind[] = ['http', 'timeout', 'connection', 'stream-error', 'malformed-stream', 'other'];

export interface RequestRecord {
  /** Order of dispatch within the point, from 0. */
  index: number;
  /** Which dataset entry it carried. */
  datasetIndex: number;
  success: boolean;
  errorKind: ErrorKind | null;
  /** Short message for failed requests (never a stack trace). */
  error: string | null;
  /** HTTP status of the response; null when none arrived. */
  httpStatus: number | null;
  /**
   * When the request was due: its arrival time in the open-loop schedule; in a closed loop the
   * instant its slot became free (0 for the first C requests).
   */
  scheduledMs: number;
  /** When the client actually dispatched it (vLLM's request_arrival_time). sendLag = arrival - scheduled. */
  arrivalMs: number;
  /** When it was handed to the HTTP library, after any wait for a concurrency slot. */
  dispatchMs: number;
  /**
   * st (vLLM's start_time): when its bytes were written to the socket. Later than dispatch when the
   * request waited for a socket (connecting, or all busy), which is the client's delay, not the
   * server's, so TTFT and latency run from here.
   */
  startMs: number;
  /** First token chunk - start; null when no token chunk came (or non-streaming). */
  ttftMs: number | null;
  /** Gaps between consecutive token chunks (one per chunk after the first, vLLM's itl). */
  itlMs: number[];
  /** Last token chunk - start (streaming) or end of the body - start (non-streaming). */
  latencyMs: number | null;
  /** When the client saw the response complete (its end of body) or fail, ms since t0. */
  endMs: number | null;
  /** usage.prompt_tokens as the server reported it. */
  promptTokens: number | null;
  /** The prompt length the dataset meant to send (token ids counted, or the server's /tokenize). */
  intendedPromptTokens: number | null;
  /** usage.prompt_tokens_details.cached_tokens (the prefix cache's share of the prompt), when the server sent it. */
  cachedTokens?: number | null;
  /** usage.completion_tokens as the server reported it. */
  outputTokens: number | null;
  /** SSE events with a non-empty `choices` (vLLM's token chunks). */
  tokenChunks: number;
  /** max_tokens asked. */
  maxTokens: number;
  /** Token chunks that came in the same socket read as the previous token chunk of this request. */
  coalescedChunks: number;
  /** The response's `id` (cmpl-..., chatcmpl-...), to join with a server-side trace. */
  responseId: string | null;
}

/** How the client itself fared during a point: the signals that it, not the server, was the bottleneck. */
export interface ClientHealth {
  /**
   * Event-loop delay beyond the sampling interval (perf_hooks.monitorEventLoopDelay), ms. In a run
   * shorter than half a second (under 100 samples) the p99 is in effect the maximum: one stall
   * there touches a large share of the run's timestamps.
   */
  eventLoopLagP99Ms: number | null;
  eventLoopLagMaxMs: number | null;
  /** Socket reads that delivered response bytes of streaming requests (not HTTP chunks: one read can hold several). */
  reads: number;
  /** SSE events parsed from those reads. */
  events: number;
}

/** All that one point produced; the metrics module turns it into figures. */
export interface PointRun {
  records: RequestRecord[];
  /** t0 to the end of the last request (vLLM's benchmark_duration), ms. */
  durationMs: number;
  health: ClientHealth;
  /** performance.now() at t0 in this process, to place the records on an absolute clock. */
  t0Ms: number;
  /** True when the run was aborted before every request finished. */
  aborted: boolean;
}
