// A request trace in Mooncake's JSON-lines format, replayed at its own timestamps. One object a line:
//   {"timestamp": 27482, "input_length": 6955, "output_length": 52, "hash_ids": [46, 47, ..., 2354]}
// timestamp is the arrival in ms since the trace's start; hash_ids are ids of 512-token blocks, equal
// ids meaning equal blocks, so requests that start with the same ids share a prompt prefix
// (https://github.com/kvcache-ai/Mooncake/blob/d21da178bae8db9651cf18a76824c084145fc725/mooncake_trace.jsonl,
// described in FAST25-release/README.md of the same repository). vLLM replays such a file with
// `vllm bench serve --dataset-name timed_trace --timed-trace-chunk-hash-size 512` (docs/benchmarking/cli.md,
// "Replay timed traces"): each hash id becomes a block of pseudo-random token ids, the last block cut
// so the prompt is exactly input_length long, and request i is sent at its timestamp.
// Here a block's ids are drawn from (seed, hash id), so equal ids give equal tokens in every request
// and every run, and the server's prefix cache (vLLM v1 hashes full blocks, each chained to the one
// before) sees exactly the prefixes the trace shares. Ids are made when a prompt is read: nothing of
// a prompt is held, only the trace's own numbers.
import { createHash } from 'node:crypto';
import { DatasetFileProblem } from './dataset-file.js';
import { Rng } from './rng.js';

/** Tokens a hash id stands for (Mooncake's block size). */
export const TRACE_BLOCK_TOKENS = 512;
/** A trace file is capped at 256 MiB: Mooncake's published traces are a few MiB for tens of thousands of requests. */
export const MAX_TRACE_BYTES = 256 * 1024 * 1024;
/** Requests one point may replay, as num-prompts allows. */
export const MAX_TRACE_REQUESTS = 100_000;
/** Longest prompt of one request, as input-len allows: 2^21 tokens, twice the longest context vLLM serves. */
export const MAX_TRACE_INPUT_TOKENS = 2_097_152;
/** How long a replay may take to send its requests: a day, as a rate sweep's arrivals. */
export const MAX_TRACE_SPAN_MS = 86_400_000;

export const TRACE_FORMAT =
  'each line of a trace is a JSON object {"timestamp": ms, "input_length": n, "output_length": n, "hash_ids": [ids of 512-token blocks]} (Mooncake\'s format)';

export interface TraceRequest {
  /** ms since the trace's start. */
  timestampMs: number;
  inputLength: number;
  outputLength: number;
  hashIds: number[];
}

export interface TraceContent {
  requests: TraceRequest[];
  /** sha256 of the file's bytes, for the dataset fingerprint. */
  sha256: string;
}

/** A problem on a line of the file (1-based), with the fix. */
function lineProblem(line: number, message: string, hint: string): DatasetFileProblem {
  return new DatasetFileProblem(`line ${line}: ${message}`, hint, { line, column: 1 });
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v);
}

/**
 * Parses and checks a trace: every non-blank line an object with integer fields, timestamps
 * non-decreasing, and input_length within the blocks its hash_ids name ((k-1)*512+1 .. k*512 for k
 * ids). A problem names its line and never echoes the line's text (a trace may hold anything).
 */
export function parseTrace(bytes: Buffer): TraceContent {
  const text = bytes.toString('utf8');
  const requests: TraceRequest[] = [];
  let lineNo = 0;
  let prev = -Infinity;
  for (const raw of text.split('\n')) {
    lineNo++;
    if (raw.trim() === '') continue;
    let obj: unknown;
    try {
      obj = JSON.parse(raw);
    } catch {
      throw lineProblem(lineNo, 'not valid JSON', `${TRACE_FORMAT}; one object a line, nothing else`);
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj))
      throw lineProblem(lineNo, 'not a JSON object', `${TRACE_FORMAT}; one object a line, nothing else`);
    const o = obj as Record<string, unknown>;
    for (const key of ['timestamp', 'input_length', 'output_length'] as const) {
      if (!(key in o)) throw lineProblem(lineNo, `\`${key}\` is missing`, TRACE_FORMAT);
      if (!isCount(o[key]) || (o[key] as number) < 0)
        throw lineProblem(lineNo, `\`${key}\` must be a non-negative integer`, `${TRACE_FORMAT}; timestamps are whole milliseconds`);
    }
    const ts = o.timestamp as number;
    const input = o.input_length as number;
    const output = o.output_length as number;
    if (!('hash_ids' in o)) throw lineProblem(lineNo, '`hash_ids` is missing', TRACE_FORMAT);
    const ids = o.hash_ids;
    if (!Array.isArray(ids) || !ids.every((v) => isCount(v) && v >= 0))
      throw lineProblem(lineNo, '`hash_ids` must be an array of non-negative integers', TRACE_FORMAT);
    if (ts < prev)
      throw lineProblem(
        lineNo,
        `timestamp ${ts} is earlier than the line before's ${prev}`,
        'a trace is replayed in file order: sort its lines by timestamp',
      );
    prev = ts;
    if (input < 1 || output < 1)
      throw lineProblem(
        lineNo,
        `${input < 1 ? 'input_length' : 'output_length'} is 0`,
        'every request sends at least one prompt token and asks for at least one output token: drop the line or fix its lengths',
      );
    if (input > MAX_TRACE_INPUT_TOKENS)
      throw lineProblem(
        lineNo,
        `input_length ${input} is over ${MAX_TRACE_INPUT_TOKENS.toLocaleString('en-US')} tokens`,
        "that is twice the longest context vLLM serves: check the trace's lengths",
      );
    if (input > ids.length * TRACE_BLOCK_TOKENS || input < (ids.length - 1) * TRACE_BLOCK_TOKENS + 1) {
      const lo = Math.max(1, (ids.length - 1) * TRACE_BLOCK_TOKENS + 1);
      const hi = ids.length * TRACE_BLOCK_TOKENS;
      throw lineProblem(
        lineNo,
        ids.length === 0
          ? `input_length ${input} with no hash_ids`
          : `input_length ${input} does not fit its ${ids.length} hash_ids (${lo} to ${hi} tokens for ${ids.length} blocks of ${TRACE_BLOCK_TOKENS})`,
        `each hash id stands for ${TRACE_BLOCK_TOKENS} tokens and only the last block may be partial: give ceil(input_length / ${TRACE_BLOCK_TOKENS}) = ${Math.ceil(input / TRACE_BLOCK_TOKENS)} hash_ids, or fix input_length`,
      );
    }
    requests.push({ timestampMs: ts, inputLength: input, outputLength: output, hashIds: ids as number[] });
  }
  if (requests.length === 0) throw new DatasetFileProblem('the trace has no requests (every line is blank)', TRACE_FORMAT);
  return { requests, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** What replaying `count` requests at `timeScale` would break, or null: too many requests, or a schedule over a day. */
export function traceReplayProblem(
  content: TraceContent,
  opts: { numPrompts: number | undefined; timeScale: number },
): { message: string; hint: string } | null {
  const n = Math.min(content.requests.length, opts.numPrompts ?? Infinity);
  if (n > MAX_TRACE_REQUESTS)
    return {
      message: `the trace has ${content.requests.length.toLocaleString('en-US')} requests, over the ${MAX_TRACE_REQUESTS.toLocaleString('en-US')} a point may send`,
      hint: `set num-prompts (at most ${MAX_TRACE_REQUESTS.toLocaleString('en-US')}) to replay the first requests only`,
    };
  const spanMs = content.requests[n - 1]!.timestampMs / opts.timeScale;
  if (spanMs > MAX_TRACE_SPAN_MS)
    return {
      message: `at time-scale ${opts.timeScale} the replay takes ${(spanMs / 3_600_000).toFixed(1)} hours to send its requests; a point may take at most ${MAX_TRACE_SPAN_MS / 3_600_000} hours`,
      hint: `raise time-scale to at least ${Math.ceil((content.requests[n - 1]!.timestampMs / MAX_TRACE_SPAN_MS) * 100) / 100}, or replay fewer requests with num-prompts`,
    };
  return null;
}

/** The requests a replay sends: the first num-prompts of the trace, or all. */
export function traceRequests(content: TraceContent, numPrompts: number | undefined): TraceRequest[] {
  return numPrompts === undefined ? content.requests : content.requests.slice(0, numPrompts);
}

/** When each request is sent, in ms after the point starts: its timestamp divided by time-scale. */
export function traceScheduleMs(requests: readonly TraceRequest[], timeScale: number): Float64Array {
  return Float64Array.from(requests, (r) => r.timestampMs / timeScale);
}

/**
 * The rate a schedule asks for: requests over the time of the last one (as a rate sweep's schedule
 * puts its last arrival at N/rate), 'inf' when all are due at once. The send-rate and send-lag rules
 * of a point read it.
 */
export function scheduleRate(scheduleMs: Float64Array): number | 'inf' {
  const last = scheduleMs.length > 0 ? scheduleMs[scheduleMs.length - 1]! : 0;
  return last > 0 ? scheduleMs.length / (last / 1000) : 'inf';
}

/** A 32-bit seed for the block of `hashId` under `seed` (ids up to 2^53 are folded in whole). */
function blockSeed(seed: number, hashId: number): number {
  let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b);
  for (const part of [hashId >>> 0, Math.floor(hashId / 0x100000000) >>> 0]) {
    h = Math.imul(h ^ part, 0xcc9e2d51);
    h = Math.imul((h << 15) | (h >>> 17), 0x1b873593);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/**
 * The prompt's token ids: one seeded block per hash id, the last cut so there are exactly input_length,
 * each id drawn from [lo, lo + span).
 */
export function traceIds(seed: number, r: TraceRequest, tokens: { lo: number; span: number }): number[] {
  const ids: number[] = [];
  for (let k = 0; k < r.hashIds.length; k++) {
    const n = Math.min(TRACE_BLOCK_TOKENS, r.inputLength - k * TRACE_BLOCK_TOKENS);
    const rng = new Rng(blockSeed(seed, r.hashIds[k]!));
    for (let j = 0; j < n; j++) ids.push(tokens.lo + rng.int(0, tokens.span - 1));
  }
  return ids;
}
