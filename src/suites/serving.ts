// A serving suite: builds the prompts once, then runs each point of its sweep (request rates, open
// loop; or concurrency levels, closed loop) and turns the records into the results document's
// points: vLLM-named metrics, validity with reasons, errors by class. A cancel returns the points
// done so far (the interrupted one marked invalid) instead of throwing the work away.
import { createHash } from 'node:crypto';
import type { ServingSuite } from '../config/schema-types.gen.js';
import { parseDuration } from '../config/duration.js';
import { GateError } from '../errors.js';
import { arrivalScheduleMs } from '../load/arrivals.js';
import { buildDataset, datasetKind, numPromptsOf, sourceOf, type EntryList } from '../load/datasets.js';
import type { DatasetSource } from '../load/dataset-source.js';
import { multiTurnSuiteProblems, sessionPlanOf } from '../load/multi-turn.js';
import { endpointPath, firstSpecs, requestSpecs } from '../load/request-body.js';
import { runPoint, type LoadShape, type PointProgress, type TimedPointRun } from '../load/runner.js';
import { estimatingTokenizer, serverTokenizer, type Tokenizer } from '../load/tokenize.js';
import { scheduleRate, traceRequests, traceScheduleMs } from '../load/trace.js';
import type { SessionPlan } from '../load/sessions.js';
import type { PointRun, RequestRecord } from '../load/types.js';
import { errorSummary } from '../metrics/errors.js';
import { meanMetrics } from '../metrics/repeats.js';
import { adaptivePlan, adaptiveRecord, CHECK_EVERY, type LinesAt } from './adaptive.js';
import { probePlan, runSearch, searchSpec, type MeasuredPoint } from './search.js';
import { servingMetrics, sessionMetrics, type GoodputSlo } from '../metrics/serving.js';
import { durationText, pointValidity, type ClientLimits, type PointStop } from '../metrics/validity.js';
import { servingPointKey, servingPointLabel } from '../results/point-key.js';
import type { AdaptiveStop, MetricMap, Point, Suite } from '../results/schema-types.gen.js';
import type { ResetOutcome } from '../server/prefix-cache.js';
import { formatVllmDate } from '../results/vllm-format.js';

export interface ServingTarget {
  baseUrl: string;
  /** The request "model" field: the served name. */
  model: string;
  /** What vLLM would call tokenizer_id (defaults to model). */
  tokenizerModel?: string;
  apiKey?: string;
}

export interface ServingProgress extends PointProgress {
  suite: string;
  pointKey: string;
  /** 0-based index of the point in the sweep, and how many there are. */
  pointIndex: number;
  points: number;
  /** 1-based repeat of the point when the suite repeats points. */
  repeat: number;
}

export interface PointEndDetail {
  point: Point;
  /** Raw records of each repeat of the point (one array unless the suite repeats). */
  records: RequestRecord[][];
}

export interface RunServingOptions {
  signal?: AbortSignal;
  onProgress?: (ev: ServingProgress) => void;
  /** Called once per point, after its (first) warmup and right before its first request is measured. */
  onPointStart?: (pointKey: string) => void | Promise<void>;
  onPointEnd?: (pointKey: string, detail: PointEndDetail) => void | Promise<void>;
  /** Called while a point's load runs, at its first response and when its last request is sent (telemetry scrapes then). */
  onLoadMark?: () => void;
  /** Wall clock for `started-at` and vLLM's date. */
  clock?: { wallNow(): Date };
  log?: (line: string) => void;
  /** Folder relative dataset paths are read from (default: the working directory). */
  datasetBaseDir?: string;
  /** What the dataset read from disk, read and checked before the server booted (read here when absent). */
  datasetSource?: DatasetSource;
  /** Where the suite sits in the config, for errors (e.g. `suites[2]`). */
  configPath?: string;
  progressIntervalMs?: number;
  /** Empties the server's prefix cache (POST /reset_prefix_cache); the suite's reset-prefix-cache says when. */
  resetPrefixCache?: () => Promise<ResetOutcome>;
  /** The gate's pass/fail lines of a point, by request count and metric, when a baseline is known (adaptive points stop once decided). */
  decisionLines?: (pointKey: string) => LinesAt | undefined;
  /** Adaptive points are never cut below this many requests (a confirmation rerun's first count). */
  cutFloor?: (pointKey: string) => number | undefined;
  /** Limits of the rules about the client itself (the config's `client` block). */
  clientLimits?: ClientLimits;
}

const runsOf = new WeakMap<Point, PointRun[]>();

/** The raw request records behind a point this module produced (one array per repeat). */
export function pointRecords(point: Point): RequestRecord[][] | undefined {
  return runsOf.get(point)?.map((r) => r.records);
}

/** Everything the load generator returned for a point (records, duration, client health, t0). */
export function pointRuns(point: Point): readonly PointRun[] | undefined {
  return runsOf.get(point);
}

/** One point of a sweep, as planned. */
export interface PlannedPoint {
  key: string;
  label: string;
  requestRate: number | 'inf' | null;
  /** Closed-loop level, or the cap under a rate. */
  concurrency: number | null;
  closed: boolean;
  requests: number;
  /** A fixed schedule (a trace's timestamps / time-scale, ms) instead of arrivals drawn from the rate, which is then its mean. */
  scheduleMs?: Float64Array;
}

const DEFAULT_PERCENTILES = [50, 90, 95, 99];
/** A point's time limit when the suite sets no max-duration, unless its arrivals take longer. */
const DEFAULT_MAX_DURATION_MS = 3_600_000;

/**
 * The time limit of a point without max-duration: an hour, or, for arrivals that take longer, the
 * time its last request is due plus one request-timeout (the longest a request sent then may take).
 */
export function defaultTimeLimitMs(shape: LoadShape, requestTimeoutMs: number): number {
  const lastDue = shape.kind === 'open' && shape.scheduleMs.length > 0 ? shape.scheduleMs[shape.scheduleMs.length - 1]! : 0;
  return Math.max(DEFAULT_MAX_DURATION_MS, Math.ceil(lastDue + requestTimeoutMs));
}

/**
 * The points a suite sweeps, in config order, with the number of requests each sends. A trace is one
 * point on its own schedule, planned from the trace read (`source`).
 */
export function planPoints(suite: ServingSuite, source?: DatasetSource): PlannedPoint[] {
  if (suite.dataset.type === 'trace') {
    const timeScale = suite.dataset['time-scale'] ?? 1;
    const cap = suite['max-concurrency'] ?? null;
    const requests = source?.type === 'trace' ? traceRequests(source, suite.dataset['num-prompts']) : [];
    const scheduleMs = traceScheduleMs(requests, timeScale);
    const shape = { trace: { timeScale }, maxConcurrency: cap };
    const key = servingPointKey(shape);
    const label = servingPointLabel(shape);
    return [{ key, label, requestRate: scheduleRate(scheduleMs), concurrency: cap, closed: false, requests: requests.length, scheduleMs }];
  }
  const numPrompts = numPromptsOf(suite.dataset);
  if (suite.concurrency && suite.concurrency.length > 0) {
    const ppc = suite['prompts-per-concurrency'];
    return suite.concurrency.map((c) => ({
      key: servingPointKey({ concurrency: c }),
      label: servingPointLabel({ concurrency: c }),
      requestRate: null,
      concurrency: c,
      closed: true,
      requests: ppc !== undefined ? c * ppc : numPrompts,
    }));
  }
  const cap = suite['max-concurrency'] ?? null;
  return (suite['request-rates'] ?? ['inf']).map((r) => {
    const rate = r === 'inf' || r === Infinity ? 'inf' : r;
    return {
      key: servingPointKey({ requestRate: rate, maxConcurrency: cap }),
      label: servingPointLabel({ requestRate: rate, maxConcurrency: cap }),
      requestRate: rate,
      concurrency: cap,
      closed: false,
      requests: numPrompts,
    };
  });
}

export async function runServingSuite(suite: ServingSuite, target: ServingTarget, opts: RunServingOptions = {}): Promise<Suite> {
  const log = opts.log ?? (() => undefined);
  const endpoint = suite.endpoint ?? 'completions';
  const stream = suite.stream ?? true;
  // vLLM forces ignore_eos for token-id datasets (every output exactly output-len long).
  const tokenIds = datasetKind(suite.dataset).tokenIds;
  const ignoreEos = suite['ignore-eos'] === true || tokenIds;
  const percentiles = suite.percentiles ?? DEFAULT_PERCENTILES;
  const timeoutMs = parseDuration(suite['request-timeout'] ?? '10m', { path: `${opts.configPath ?? 'suite'}.request-timeout` });
  const maxDurationMs =
    suite['max-duration'] !== undefined
      ? parseDuration(suite['max-duration'], { path: `${opts.configPath ?? 'suite'}.max-duration` })
      : undefined;
  // A search plans its probes one by one; its dataset is built for the largest.
  const search = suite.search ? searchSpec(suite.search) : undefined;
  // A trace's point is planned from its file: the copy read before the server booted, else read now.
  const datasetPath = `${opts.configPath ?? 'suite'}.dataset`;
  const source =
    suite.dataset.type === 'trace'
      ? await sourceOf(suite.dataset, { source: opts.datasetSource, baseDir: opts.datasetBaseDir, configPath: datasetPath })
      : opts.datasetSource;
  const plan = search ? [] : planPoints(suite, source);
  const wallNow = (): Date => (opts.clock ?? { wallNow: () => new Date() }).wallNow();
  const adaptive = suite.stop
    ? adaptivePlan(suite.stop, { stream: suite.stream ?? true, path: `${opts.configPath ?? 'suite'}.stop` })
    : undefined;
  const repeat = Math.max(1, suite.repeat ?? 1);
  const headers: Record<string, string> = {};
  if (target.apiKey) headers.authorization = `Bearer ${target.apiKey}`;
  for (const [k, v] of Object.entries(suite.headers ?? {})) if (v !== undefined) headers[k.toLowerCase()] = String(v);

  const unfit = multiTurnSuiteProblems(suite)[0];
  if (unfit)
    throw new GateError('CONFIG', unfit.message, { where: { path: `${opts.configPath ?? 'suite'}.${unfit.key}` }, hint: unfit.hint });
  const needsTokenizer = !(tokenIds && endpoint === 'completions');
  const tokenizer: Tokenizer = needsTokenizer
    ? await serverTokenizer({ baseUrl: target.baseUrl, model: target.model, headers, log })
    : estimatingTokenizer();
  const count = Math.max(...plan.map((p) => p.requests), search ? probePlan(suite, search, search.max).requests : 1, 1);
  const entries = await buildDataset(suite.dataset, {
    endpoint,
    tokenizer,
    count,
    baseDir: opts.datasetBaseDir,
    configPath: datasetPath,
    log,
    source,
  });
  const bodyOpts = {
    endpoint,
    model: target.model,
    stream,
    ignoreEos,
    temperature: suite.temperature,
    topP: suite['top-p'],
    extraBody: suite['extra-body'] as Record<string, unknown> | undefined,
  };
  const specs = requestSpecs(entries, bodyOpts);
  // Sessions (multi-turn): a point sends every turn of every session, `concurrency` sessions at once.
  const sessions = sessionPlanOf(entries);
  if (sessions) for (const p of plan) p.requests = entries.length;
  const reset = resetsPrefixCache(suite) && opts.resetPrefixCache ? onceUnavailable(opts.resetPrefixCache, suite.name, log) : undefined;
  const warmupCount = suite.warmup ?? 0;
  const warmup = warmupCount > 0 ? Array.from({ length: warmupCount }, () => specs.at(0)!) : [];
  const goodput: GoodputSlo | undefined = suite.goodput
    ? { ttftMs: suite.goodput['ttft-ms'], tpotMs: suite.goodput['tpot-ms'], e2elMs: suite.goodput['e2el-ms'] }
    : undefined;

  const result: Suite = {
    name: suite.name,
    kind: 'serving',
    parameters: suiteParameters(suite, { endpoint, stream, ignoreEos, percentiles, model: target.model }),
    'dataset-fingerprint': datasetFingerprint(suite, entries, source),
    points: [],
  };

  /** Measures one planned point and adds it to the suite; undefined when nothing ran. */
  const measure = async (pp: PlannedPoint, pi: number, points: number): Promise<MeasuredPoint> => {
    if (opts.signal?.aborted) return undefined;
    const startedAt = wallNow();
    const runs: StoppedRun[] = [];
    const stops: AdaptiveStop[] = [];
    const resets: ResetOutcome[] = [];
    for (let rep = 1; rep <= repeat; rep++) {
      if (opts.signal?.aborted) break;
      const shape: LoadShape = sessions
        ? { kind: 'sessions', concurrency: pp.concurrency ?? 1, plan: sessions }
        : pp.closed
          ? { kind: 'closed', concurrency: pp.concurrency! }
          : {
              kind: 'open',
              scheduleMs:
                pp.scheduleMs ?? arrivalScheduleMs(pp.requests, pp.requestRate!, suite.burstiness ?? 1, (suite.seed ?? 0) + rep - 1),
              maxConcurrency: pp.concurrency,
            };
      log(`${suite.name} ${pp.key}${repeat > 1 ? ` (repeat ${rep}/${repeat})` : ''}: ${pp.requests} requests`);
      const limitMs = maxDurationMs ?? defaultTimeLimitMs(shape, timeoutMs);
      const early = adaptive ? adaptive.forPoint(pp, opts.decisionLines?.(pp.key), opts.cutFloor?.(pp.key)) : undefined;
      const run = await runPoint({
        client: { baseUrl: target.baseUrl, path: endpointPath(endpoint), headers, stream, timeoutMs },
        specs: firstSpecs(specs, pp.requests),
        shape,
        warmup,
        beforeMeasure: async () => {
          if (reset) resets.push(await reset(pp.key));
          if (rep === 1) await opts.onPointStart?.(pp.key);
        },
        signal: opts.signal,
        maxDurationMs: limitMs,
        onLoadMark: opts.onLoadMark,
        stopWhen: early?.stopWhen,
        progressIntervalMs: opts.progressIntervalMs,
        onProgress: opts.onProgress
          ? (p) => opts.onProgress!({ ...p, suite: suite.name, pointKey: pp.key, pointIndex: pi, points, repeat: rep })
          : undefined,
      });
      const stopped: PointStop | undefined = run.timedOut ? { by: 'time-limit', limitMs } : run.aborted ? stopOf(opts.signal) : undefined;
      if (stopped?.by === 'time-limit')
        log(`${suite.name} ${pp.key}: still running after max-duration ${durationText(limitMs)}; stopped and marked invalid`);
      runs.push({ ...run, stopped });
      if (early) {
        const rec = adaptiveRecord(early, run, pp.requests);
        stops.push(rec);
        log(`${suite.name} ${pp.key}: ${rec.reason}`);
      }
      // A point stopped by its time limit ends alone; a cancel or a crash ends the suite.
      if (run.aborted && !run.timedOut) break;
    }
    if (runs.length === 0) return undefined;
    const point = buildPoint(pp, runs, {
      stream,
      percentiles,
      goodput,
      ignoreEos,
      maxErrorRate: suite['max-error-rate'] ?? 0,
      startedAt,
      endpoint,
      target,
      burstiness: suite.burstiness ?? 1,
      sessions,
      ...(opts.clientLimits ? { client: opts.clientLimits } : {}),
      ...(adaptive ? { prefixStep: CHECK_EVERY } : {}),
    });
    if (resets.length > 0) point['prefix-cache-reset'] = resets;
    if (stops.length > 0) point.stop = stops;
    runsOf.set(point, runs);
    result.points.push(point);
    await opts.onPointEnd?.(pp.key, { point, records: runs.map((r) => r.records) });
    return { point, ended: runs.some((r) => r.aborted && !r.timedOut) };
  };
  if (search) {
    // A probe of sessions, as a sweep point, sends every turn of every session.
    const { knee, outcome } = await runSearch(
      suite,
      search,
      (pp, i) => measure(sessions ? { ...pp, requests: entries.length } : pp, i, i + 1),
      wallNow(),
    );
    result.points.push(knee);
    log(`${suite.name} ${knee.key}: ${knee.search?.summary ?? ''}`);
    if (outcome.outcome === 'interrupted' && opts.signal?.aborted) {
      const by = stopOf(opts.signal).by === 'server-crash' ? 'the server crashed' : 'cancelled';
      result.error = {
        code: by === 'cancelled' ? 'CANCELLED' : 'SERVER_CRASH',
        message: `SLO search: ${by} after ${outcome.probes.length} probe(s)`,
      };
    }
    return result;
  }
  for (let pi = 0; pi < plan.length; pi++) {
    const done = await measure(plan[pi]!, pi, plan.length);
    if (!done || done.ended) break;
  }
  if (opts.signal?.aborted && result.points.length < plan.length) {
    const crashed = stopOf(opts.signal).by === 'server-crash';
    result.error = crashed
      ? { code: 'SERVER_CRASH', message: `the server crashed after ${result.points.length} of ${plan.length} points` }
      : { code: 'CANCELLED', message: `cancelled after ${result.points.length} of ${plan.length} points` };
  }
  return result;
}

interface PointContext {
  stream: boolean;
  percentiles: number[];
  goodput: GoodputSlo | undefined;
  ignoreEos: boolean;
  maxErrorRate: number;
  startedAt: Date;
  endpoint: 'completions' | 'chat';
  target: ServingTarget;
  burstiness: number;
  client?: ClientLimits;
  sessions?: SessionPlan | undefined;
  /** Adaptive points: record figures over the first N requests, every this many. */
  prefixStep?: number;
}

/** A point's run with what ended it early, if anything did. */
type StoppedRun = TimedPointRun & { stopped: PointStop | undefined };

/** What an aborted signal stopped: a server crash (its reason is SERVER_CRASH) or a cancel. */
function stopOf(signal: AbortSignal | undefined): PointStop {
  const reason: unknown = signal?.reason;
  return reason instanceof GateError && reason.code === 'SERVER_CRASH' ? { by: 'server-crash' } : { by: 'cancel' };
}

function buildPoint(pp: PlannedPoint, runs: StoppedRun[], c: PointContext): Point {
  const metricsOf = (run: StoppedRun, records: readonly RequestRecord[], durationMs: number): MetricMap =>
    servingMetrics({
      records,
      durationMs,
      percentiles: c.percentiles,
      stream: c.stream,
      goodput: c.goodput,
      requestRate: pp.requestRate,
      // A session's turn waits for its own previous answer, not for a slot: no client queue time.
      maxConcurrency: c.sessions ? null : pp.concurrency,
      closedLoop: pp.closed && !c.sessions,
      health: run.health,
    });
  const each = runs.map((run) => {
    const metrics = metricsOf(run, run.records, run.durationMs);
    Object.assign(metrics, cachedTokens(run.records));
    if (c.sessions) Object.assign(metrics, sessionMetrics(run.records, c.sessions, c.percentiles, c.stream));
    const validity = pointValidity({
      metrics,
      requestRate: run.earlyEnd !== null ? scheduledRate(run.records, pp.requestRate) : pp.requestRate,
      closedLoop: pp.closed,
      maxErrorRate: c.maxErrorRate,
      ignoreEos: c.ignoreEos,
      stream: c.stream,
      stopped: run.stopped,
      ...(c.client ? { client: c.client } : {}),
    });
    return { metrics, validity, errors: errorSummary(run.records) };
  });
  const reasons = [...new Set(each.flatMap((e, i) => e.validity.reasons.map((r) => (each.length > 1 ? `repeat ${i + 1}: ${r}` : r))))];
  const backend = c.endpoint === 'chat' ? 'openai-chat' : 'openai';
  const point: Point = {
    key: pp.key,
    label: pp.label,
    'request-rate': pp.requestRate,
    concurrency: pp.concurrency,
    metrics: each.length === 1 ? each[0]!.metrics : meanMetrics(each.map((e) => e.metrics)),
    validity: { valid: reasons.length === 0, reasons },
    errors: mergeErrors(each.map((e) => e.errors)),
    'started-at': c.startedAt.toISOString(),
    'vllm-meta': {
      date: formatVllmDate(c.startedAt),
      endpoint_type: backend,
      backend,
      label: null,
      model_id: c.target.model,
      tokenizer_id: c.target.tokenizerModel ?? c.target.model,
      // Requests measured, which an adaptive point may make fewer than planned.
      num_prompts: runs.some((r) => r.earlyEnd !== null)
        ? Math.round(runs.reduce((a, r) => a + r.records.length, 0) / runs.length)
        : pp.requests,
      burstiness: c.burstiness === Infinity ? 'inf' : c.burstiness,
    },
  };
  if (each.length > 1) point.repeats = each.map((e) => e.metrics);
  else if (c.prefixStep && !c.sessions) {
    const run = runs[0]!;
    const figures = prefixFigures(run.records, c.prefixStep, (records, ms) => metricsOf(run, records, ms));
    if (figures.length > 0) point['prefix-figures'] = figures;
  }
  return point;
}

/**
 * Figures over the first N requests sent, for N every `step` below the count measured: what a run
 * of the same point cut at N is compared with. N requests' duration runs to the last of them done.
 */
export function prefixFigures(
  records: readonly RequestRecord[],
  step: number,
  metricsOf: (records: readonly RequestRecord[], durationMs: number) => MetricMap,
): NonNullable<Point['prefix-figures']> {
  const inOrder = [...records].sort((a, b) => a.index - b.index);
  const out: NonNullable<Point['prefix-figures']> = [];
  for (let n = step; n < inOrder.length; n += step) {
    // Only a prefix with no gap: a cancelled run may lack some of its first requests.
    if (inOrder[n - 1]!.index !== n - 1) break;
    const part = inOrder.slice(0, n);
    let durationMs = 0;
    for (const r of part) durationMs = Math.max(durationMs, r.endMs ?? 0);
    out.push({ requests: n, metrics: metricsOf(part, durationMs) });
  }
  return out;
}

/** Whether the suite empties the prefix cache before each point and repeat. */
export function resetsPrefixCache(suite: ServingSuite): boolean {
  const mode = suite['reset-prefix-cache'] ?? 'auto';
  return mode === 'always' || (mode === 'auto' && datasetKind(suite.dataset).sharesPrefixes(suite.dataset));
}

/** Resets, each logged when it did not happen; a route not served is said once per suite (it will not change). */
function onceUnavailable(
  reset: () => Promise<ResetOutcome>,
  suite: string,
  log: (line: string) => void,
): (key: string) => Promise<ResetOutcome> {
  let said = false;
  return async (key) => {
    const outcome = await reset();
    if (outcome.status === 'refused' || outcome.status === 'failed' || (outcome.status === 'unavailable' && !said)) {
      said ||= outcome.status === 'unavailable';
      log(
        `${suite} ${key}: the prefix cache was not reset (${outcome.status}: ${outcome.detail ?? ''}); a point may start with a cache the one before warmed`,
      );
    }
    return outcome;
  };
}

/**
 * The rate the Poisson schedule itself asked for over the requests a stopped point sent: a few dozen
 * arrivals run ahead of or behind the nominal rate by chance (CV 1/sqrt(n)), which is not the
 * client falling behind.
 */
export function scheduledRate(records: readonly RequestRecord[], rate: number | 'inf' | null): number | 'inf' | null {
  if (typeof rate !== 'number' || records.length === 0) return rate;
  let last = 0;
  for (const r of records) last = Math.max(last, r.scheduledMs);
  return last > 0 ? records.length / (last / 1000) : rate;
}

/** usage.prompt_tokens_details.cached_tokens summed over the point, when the server returned it at all. */
export function cachedTokens(records: readonly RequestRecord[]): MetricMap {
  let sum = 0;
  let seen = false;
  for (const r of records) {
    if (typeof r.cachedTokens !== 'number') continue;
    sum += r.cachedTokens;
    seen = true;
  }
  return seen ? { cached_tokens: sum } : {};
}

export { meanMetrics } from '../metrics/repeats.js';

function mergeErrors(es: ReturnType<typeof errorSummary>[]): ReturnType<typeof errorSummary> {
  if (es.length === 1) return es[0]!;
  const sum = (pick: (e: (typeof es)[number]) => Record<string, number | undefined> | undefined): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const e of es) for (const [k, v] of Object.entries(pick(e) ?? {})) out[k] = (out[k] ?? 0) + (v ?? 0);
    return out;
  };
  const examples = [...new Set(es.flatMap((e) => e.examples ?? []))].slice(0, 5);
  return {
    total: es.reduce((a, e) => a + e.total, 0),
    'by-kind': sum((e) => e['by-kind']),
    'http-status': sum((e) => e['http-status']),
    examples: examples as never,
  };
}

function suiteParameters(
  suite: ServingSuite,
  eff: { endpoint: string; stream: boolean; ignoreEos: boolean; percentiles: number[]; model: string },
): Record<string, unknown> {
  const { name: _n, kind: _k, server: _s, headers: _h, ...rest } = suite;
  return {
    ...rest,
    endpoint: eff.endpoint,
    stream: eff.stream,
    'ignore-eos': eff.ignoreEos,
    percentiles: eff.percentiles,
    model: eff.model,
  };
}

/**
 * sha256 over the dataset's parameters and every prompt and output length actually sent; for a trace,
 * also its file's content (the timestamps are in no prompt).
 */
export function datasetFingerprint(suite: ServingSuite, entries: EntryList, source?: DatasetSource): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ dataset: suite.dataset, endpoint: suite.endpoint ?? 'completions' }));
  if (source?.type === 'trace') h.update(`\u0000trace:${source.sha256}\u0000`);
  for (let i = 0; i < entries.length; i++) {
    const e = entries.at(i)!;
    const prompt = e.prompt; // made when read: read once
    h.update(typeof prompt === 'string' ? prompt : prompt.join(','));
    h.update(`\u0000${e.outputLen}\u0000`);
  }
  return `sha256:${h.digest('hex')}`;
}
