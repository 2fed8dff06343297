// vLLM CI suite files -> ordinary suites. Each test becomes a suite named by its test_name; its
// client_parameters map onto our serving suite keys, its server_parameters onto a per-suite `server`
// (a test whose server differs from the config's gets its own boot), and its latency/throughput
// `parameters` onto offline suite args. What we cannot honour is a CONFIG error naming the file,
// the line, the test and the key. The mapping table lives in docs/presets.md.
import path from 'node:path';
import configSchema from '../../schemas/config.schema.json' with { type: 'json' };
import { GateError } from '../errors.js';
import type { Goodput, LatencySuite, Server, ServingSuite, ThroughputSuite, VllmSuiteFile } from './schema-types.gen.js';
import { SHAREGPT_FILE, configRelative, exists, sharegptCandidates, type ExpandContext, type Expansion } from './presets-common.js';
import { didYouMean } from './did-you-mean.js';
import { applyOverrides, isPlainObject, kebab, type ExpandedSuite } from './presets-overrides.js';
import { formatAt, readSuiteFile, type Located, type SuiteFile, type SuiteFileTest } from './presets-vllm-file.js';

type Args = NonNullable<LatencySuite['args']>;
type ArgValue = Args[string];
type Env = NonNullable<Server['env']>;

/** Client keys that change nothing we measure or that we always do anyway; read and left out, with a note. */
const CLIENT_IGNORED: Record<string, string> = {
  save_result: 'results are always saved',
  save_detailed: 'results are always saved',
  append_result: 'results are always saved',
  result_dir: 'results are written under --out',
  result_filename: 'results are written under --out',
  metadata: 'run metadata is recorded by vllm-perf-gate',
  label: 'suites are named by test_name',
  disable_tqdm: 'progress is shown by vllm-perf-gate',
  percentile_metrics: 'TTFT, TPOT, ITL and E2E latency percentiles are always reported',
  tokenizer: 'the client does not tokenize; prompt lengths are checked against the server-reported usage',
  tokenizer_mode: 'the client does not tokenize',
  trust_remote_code: 'the client does not tokenize',
  skip_tokenizer_init: 'the client does not tokenize',
  ready_check_timeout_sec: 'readiness is awaited before every suite (server.startup-timeout)',
  request_id_prefix: 'request ids are chosen by vllm-perf-gate',
};

/** Sampling keys vLLM's client puts into the request body as they are. */
const CLIENT_BODY_KEYS = ['top_k', 'min_p', 'frequency_penalty', 'presence_penalty', 'repetition_penalty', 'logprobs'];

/**
 * Dataset-specific client keys and the datasets they apply to. vLLM maps the generic --input-len to
 * the random dataset only and --output-len to random and sharegpt; on another dataset it ignores
 * them, and so do we (with a note).
 */
const DATASET_KEYS: Record<string, readonly string[]> = {
  random_input_len: ['random'],
  random_output_len: ['random'],
  random_prefix_len: ['random'],
  random_range_ratio: ['random'],
  sharegpt_output_len: ['sharegpt'],
  sonnet_input_len: ['sonnet'],
  sonnet_output_len: ['sonnet'],
  sonnet_prefix_len: ['sonnet'],
  input_len: ['random'],
  output_len: ['random', 'sharegpt'],
};

const SUPPORTED_DATASETS = ['random', 'sharegpt', 'sonnet'] as const;

/** Every client key we read: for the did-you-mean of an unknown one. */
const CLIENT_KNOWN = [
  'model',
  'served_model_name',
  'backend',
  'endpoint',
  'dataset_name',
  'dataset_path',
  'dataset',
  'num_prompts',
  'seed',
  'ignore_eos',
  'no_stream',
  'temperature',
  'top_p',
  'extra_body',
  'max_concurrency',
  'burstiness',
  'num_warmups',
  'metric_percentiles',
  'goodput',
  'header',
  ...CLIENT_BODY_KEYS,
  ...Object.keys(DATASET_KEYS),
  ...Object.keys(CLIENT_IGNORED),
];

interface TestCtx {
  file: SuiteFile;
  test: SuiteFileTest;
  ctx: ExpandContext;
  notes: string[];
}

function fail(t: TestCtx, at: (string | number)[], message: string, hint?: string): never {
  const line = t.file.lineOf(at);
  throw new GateError('CONFIG', `test ${t.test.name}: ${message}`, {
    where: { file: t.file.file, path: formatAt(at), ...(line ? { line } : {}) },
    ...(hint ? { hint } : {}),
  });
}

/** A section's keys normalised to snake_case (vLLM accepts `_` and `-` alike). */
function normalised(map: Map<string, Located> | undefined): Map<string, Located & { key: string }> {
  const out = new Map<string, Located & { key: string }>();
  for (const [k, v] of map ?? []) out.set(k.replace(/-/g, '_'), { ...v, key: k });
  return out;
}

/**
 * The bounds of the config keys client parameters map onto, read from the schema (never written
 * twice): past them no real run measures anything (see the keys in docs/config.md).
 */
interface Bounded {
  minimum: number;
  maximum: number;
}
type Keys = Record<string, Bounded & { items: Bounded & { oneOf: Bounded[] } }>;
const RANDOM_KEYS = (configSchema.definitions.dataset.oneOf[0] as unknown as { properties: Keys }).properties;
const SERVING_KEYS = configSchema.definitions.servingSuite.properties as unknown as Keys;
const range = (b: Bounded | undefined): { min: number; max: number } => ({ min: b!.minimum, max: b!.maximum });
const BOUNDS = {
  prompts: range(RANDOM_KEYS['num-prompts']),
  length: { max: RANDOM_KEYS['input-len']!.maximum },
  seed: range(RANDOM_KEYS.seed),
  rate: range(SERVING_KEYS['request-rates']!.items.oneOf[0]),
  concurrency: range(SERVING_KEYS.concurrency!.items),
  warmup: range(SERVING_KEYS.warmup),
  burstiness: range(SERVING_KEYS.burstiness),
};

function asNumber(t: TestCtx, v: Located & { key: string }, opts: { integer?: boolean; min?: number; max?: number } = {}): number {
  const n = typeof v.value === 'number' ? v.value : typeof v.value === 'string' && v.value.trim() !== '' ? Number(v.value) : NaN;
  const out = (opts.min !== undefined && n < opts.min) || (opts.max !== undefined && n > opts.max);
  if (!Number.isFinite(n) || (opts.integer && !Number.isInteger(n)) || out) {
    const range = [opts.min !== undefined ? `at least ${opts.min}` : '', opts.max !== undefined ? `at most ${opts.max}` : ''].filter(Boolean).join(' and ');
    fail(
      t,
      v.at,
      `${v.key} must be ${opts.integer ? 'an integer' : 'a number'}${range ? ` of ${range}` : ''}, not ${JSON.stringify(v.value)}`,
      opts.max !== undefined && n > opts.max ? 'no real run needs more (see the key it maps to in docs/config.md)' : undefined,
    );
  }
  return n;
}

/** `""` (json2args' bare flag), true or "true" turn a flag on; false or "false" leave it off. */
function asFlag(t: TestCtx, v: Located & { key: string }): boolean {
  if (v.value === '' || v.value === true || v.value === 'true') return true;
  if (v.value === false || v.value === 'false') return false;
  return fail(t, v.at, `${v.key} is a flag: give "" (as vLLM's CI files do) or true, not ${JSON.stringify(v.value)}`);
}

function asString(t: TestCtx, v: Located & { key: string }): string {
  if (typeof v.value === 'string' || typeof v.value === 'number') return String(v.value);
  return fail(t, v.at, `${v.key} must be a string, not ${JSON.stringify(v.value)}`);
}

/** A value as a `vllm serve` / `vllm bench` flag value, the way json2args prints it (objects as JSON). */
function asArg(t: TestCtx, v: Located & { key: string }): ArgValue {
  if (v.value === null) return fail(t, v.at, `${v.key} is null; give a value, "" for a bare flag, or remove it`);
  if (typeof v.value === 'object') return JSON.stringify(v.value);
  return v.value as string | number | boolean;
}

/**
 * A dataset file named in a suite file: vLLM's CI resolves it from its benchmarks/ directory, which
 * is not ours, so it is looked for relative to the config file, then to the suite file, then (for
 * ShareGPT) in the usual places. Not found: kept as written, with a note (the run reports it).
 */
async function resolveDatasetPath(t: TestCtx, written: string, suiteFileAbs: string, sharegpt: boolean): Promise<string> {
  const candidates = [path.resolve(t.ctx.baseDir, written), path.resolve(path.dirname(suiteFileAbs), written)];
  if (sharegpt && path.basename(written) === SHAREGPT_FILE) candidates.push(...(t.ctx.sharegptCandidates ?? sharegptCandidates(t.ctx.baseDir)));
  for (const c of candidates) {
    if (await exists(c)) {
      const shown = configRelative(t.ctx.baseDir, c);
      if (shown !== written) t.notes.push(`${t.file.file}: test ${t.test.name}: dataset ${written} found at ${shown}`);
      return shown;
    }
  }
  t.notes.push(
    `${t.file.file}: dataset file ${written} not found (relative to the config file or the suite file); ` +
      `the run will fail unless it exists then${sharegpt ? ` (ShareGPT: Hugging Face dataset anon8231489123/ShareGPT_Vicuna_unfiltered, file ${SHAREGPT_FILE})` : ''}`,
  );
  return written;
}

interface ServerParts {
  server: Server;
  /** Where the server came from, for the "differs from the running server" decision. */
  hasAny: boolean;
}

/** server_parameters + server_environment_variables -> a server override. */
function serverOf(t: TestCtx, params: Map<string, Located>, env: Map<string, Located> | undefined): ServerParts {
  const server: Server = {};
  const args: Args = {};
  for (const [k, v] of normalised(params)) {
    if (k === 'model') server.model = asString(t, v);
    else if (k === 'served_model_name') server['served-model-name'] = asString(t, v);
    else if (k === 'host') server.host = asString(t, v);
    else if (k === 'port') server.port = asNumber(t, v, { integer: true, min: 1 });
    else args[kebab(v.key)] = asArg(t, v);
  }
  if (Object.keys(args).length > 0) server.args = args;
  const envOut: Env = {};
  for (const [k, v] of env ?? []) {
    if (typeof v.value === 'object' && v.value !== null) fail(t, v.at, `environment variable ${k} must be a string or number`);
    if (v.value === null) fail(t, v.at, `environment variable ${k} is null`);
    envOut[k] = v.value as string | number | boolean;
  }
  if (Object.keys(envOut).length > 0) server.env = envOut;
  return { server, hasAny: Object.keys(server).length > 0 };
}

/** Flag name -> value as JSON text, so `max_model_len: 4096` and `max-model-len: 4096` compare equal. */
function normArgs(args: Server['args']): Record<string, string> | undefined {
  if (args === undefined || Array.isArray(args)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(args)) if (v !== undefined) out[kebab(k)] = JSON.stringify(v);
  return out;
}

/**
 * True when laying `own` over the config's server (as the config loader's serverForSuite does: keys
 * replace, args and env merge flag by flag) changes nothing, so the test can run on that server.
 */
function changesNothing(own: Server, top: Server): boolean {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  for (const [k, v] of Object.entries(own)) {
    if (k === 'args') {
      const mine = normArgs(own.args);
      const theirs = normArgs(top.args);
      if (mine === undefined || theirs === undefined) return false;
      if (Object.entries(mine).some(([flag, value]) => theirs[flag] !== value)) return false;
    } else if (k === 'env') {
      if (Object.entries(own.env ?? {}).some(([name, value]) => !same(top.env?.[name], value))) return false;
    } else if (!same((top as Record<string, unknown>)[k], v)) return false;
  }
  return true;
}

/**
 * The suite's `server`: undefined when the test's server is the config's own (no extra boot), or
 * when the config points at an external server (`server.url`), which cannot be rebooted (as vLLM's
 * driver with REMOTE_HOST: the tests run against the server that is there).
 */
function serverOverride(t: TestCtx, parts: ServerParts): Server | undefined {
  if (!parts.hasAny) return undefined;
  const top = t.ctx.server;
  if (top?.url !== undefined) {
    t.notes.push(`${t.file.file}: test ${t.test.name}: server parameters not applied: server.url points at a running server, and the test runs against it`);
    return undefined;
  }
  return top !== undefined && changesNothing(parts.server, top) ? undefined : parts.server;
}

function parseGoodput(t: TestCtx, v: Located & { key: string }): Goodput {
  const items = Array.isArray(v.value) ? v.value.map(String) : String(v.value).split(/[\s,]+/).filter(Boolean);
  const out: Goodput = {};
  for (const item of items) {
    const m = /^(ttft|tpot|e2el):([0-9]*\.?[0-9]+)$/.exec(item);
    if (!m || Number(m[2]) <= 0) fail(t, v.at, `goodput ${JSON.stringify(item)} is not KEY:VALUE with KEY ttft, tpot or e2el and VALUE in ms > 0`, 'e.g. "goodput": "ttft:500 tpot:50"');
    out[`${m![1] as 'ttft' | 'tpot' | 'e2el'}-ms`] = Number(m![2]);
  }
  return out;
}

function parseHeaders(t: TestCtx, v: Located & { key: string }): Record<string, string> {
  const items = Array.isArray(v.value) ? v.value.map(String) : String(v.value).split(/\s+/).filter(Boolean);
  const out: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) fail(t, v.at, `header ${JSON.stringify(item)} is not KEY=VALUE`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

async function servingSuites(t: TestCtx, suiteFileAbs: string): Promise<ServingSuite[]> {
  const { test } = t;
  const client = normalised(test.maps.client_parameters);
  const used = new Set<string>();
  const take = (k: string) => {
    const v = client.get(k);
    if (v) used.add(k);
    return v;
  };

  // The server: the test's own, compared with the config's.
  const serverParts = serverOf(t, test.maps.server_parameters ?? new Map(), test.maps.server_environment_variables);
  const model = take('model');
  if (model) {
    const m = asString(t, model);
    const serverModel = serverParts.server.model;
    const served = serverParts.server['served-model-name'];
    if (serverModel === undefined) {
      serverParts.server.model = m;
      serverParts.hasAny = true;
    } else if (m !== serverModel && m !== served) {
      fail(t, model.at, `client model ${m} is not the model the test's server runs (${serverModel}); vLLM's driver skips such a test`, 'make client_parameters.model equal server_parameters.model');
    }
  }
  const servedName = take('served_model_name');
  if (servedName) {
    const n = asString(t, servedName);
    const exposed = serverParts.server['served-model-name'] ?? serverParts.server.model ?? t.ctx.server?.['served-model-name'] ?? t.ctx.server?.model;
    if (exposed !== undefined && n !== exposed) {
      fail(t, servedName.at, `client served_model_name ${n} is not the name the server exposes (${exposed})`, 'set served_model_name in server_parameters too, or remove it from client_parameters');
    }
  }

  // Endpoint.
  let endpoint: 'completions' | 'chat' = 'completions';
  const backend = take('backend');
  if (backend) {
    const b = asString(t, backend);
    if (b === 'openai-chat') endpoint = 'chat';
    else if (b !== 'vllm' && b !== 'openai') {
      fail(t, backend.at, `backend ${b} is not supported`, 'use vllm or openai (/v1/completions) or openai-chat (/v1/chat/completions)');
    }
  }
  const ep = take('endpoint');
  if (ep) {
    const e = asString(t, ep).replace(/\/+$/, '');
    const asked = e === '/v1/completions' ? 'completions' : e === '/v1/chat/completions' ? 'chat' : undefined;
    if (!asked) fail(t, ep.at, `endpoint ${e} is not supported`, 'use /v1/completions or /v1/chat/completions');
    if (backend && asked !== endpoint) fail(t, ep.at, `endpoint ${e} does not fit backend ${String(backend.value)}`, 'openai-chat goes with /v1/chat/completions, vllm and openai with /v1/completions');
    endpoint = asked!;
  }

  // Dataset.
  const pathV = take('dataset_path') ?? take('dataset');
  const nameV = take('dataset_name');
  const datasetName = nameV ? asString(t, nameV) : pathV ? 'sharegpt' : 'random';
  if (!(SUPPORTED_DATASETS as readonly string[]).includes(datasetName)) {
    fail(t, nameV!.at, `dataset_name ${datasetName} is not supported`, `use one of ${SUPPORTED_DATASETS.join(', ')} (or write a suite with kind: serving and a dataset of ours)`);
  }
  const numPrompts = take('num_prompts');
  const seedV = take('seed');
  const seed = seedV ? asNumber(t, seedV, { integer: true, ...BOUNDS.seed }) : undefined;
  const n = numPrompts ? asNumber(t, numPrompts, { integer: true, ...BOUNDS.prompts }) : 1000;
  const inputLen = take('input_len');
  const outputLen = take('output_len');
  const ds = (k: string) => {
    const v = take(k);
    return v ? asNumber(t, v, { min: 0, ...(k.endsWith('_len') ? BOUNDS.length : {}) }) : undefined;
  };
  for (const [k, owners] of Object.entries(DATASET_KEYS)) {
    if (!owners.includes(datasetName) && client.has(k)) {
      used.add(k);
      t.notes.push(`${t.file.file}: test ${test.name}: client_parameters.${client.get(k)!.key} ignored: the test uses the ${datasetName} dataset (vLLM ignores it too)`);
    }
  }
  let dataset: ServingSuite['dataset'];
  let ignoreEos = false;
  if (datasetName === 'random') {
    if (pathV) fail(t, pathV.at, `dataset_path is given, but dataset_name is random`, 'remove dataset_path, or set dataset_name to sharegpt or sonnet');
    const rangeRatio = ds('random_range_ratio');
    if (rangeRatio !== undefined && rangeRatio >= 1) {
      fail(t, client.get('random_range_ratio')!.at, `random_range_ratio ${rangeRatio} is out of range`, 'current vLLM samples lengths in [L*(1-r), L*(1+r)] with 0 <= r < 1');
    }
    dataset = {
      type: 'random',
      'input-len': ds('random_input_len') ?? (inputLen ? asNumber(t, inputLen, { integer: true, min: 1, ...BOUNDS.length }) : 1024),
      'output-len': ds('random_output_len') ?? (outputLen ? asNumber(t, outputLen, { integer: true, min: 1, ...BOUNDS.length }) : 128),
      'num-prompts': n,
      ...(ds('random_prefix_len') !== undefined ? { 'prefix-len': ds('random_prefix_len')! } : {}),
      ...(rangeRatio !== undefined ? { 'range-ratio': rangeRatio } : {}),
      ...(seed !== undefined ? { seed } : {}),
    };
    // Current `vllm bench serve` forces ignore_eos for the random dataset on OpenAI-compatible backends.
    ignoreEos = true;
  } else if (datasetName === 'sharegpt') {
    if (!pathV) fail(t, nameV!.at, 'dataset_name sharegpt needs dataset_path', `e.g. "dataset_path": "./${SHAREGPT_FILE}"`);
    const out = ds('sharegpt_output_len') ?? (outputLen ? asNumber(t, outputLen, { integer: true, min: 1, ...BOUNDS.length }) : undefined);
    dataset = {
      type: 'sharegpt',
      path: await resolveDatasetPath(t, asString(t, pathV!), suiteFileAbs, true),
      'num-prompts': n,
      ...(out !== undefined ? { 'output-len': out } : {}),
      ...(seed !== undefined ? { seed } : {}),
    };
  } else {
    const inL = ds('sonnet_input_len');
    const outL = ds('sonnet_output_len');
    const pre = ds('sonnet_prefix_len');
    dataset = {
      type: 'sonnet',
      ...(pathV ? { path: await resolveDatasetPath(t, asString(t, pathV), suiteFileAbs, false) } : {}),
      ...(inL !== undefined ? { 'input-len': inL } : {}),
      ...(outL !== undefined ? { 'output-len': outL } : {}),
      ...(pre !== undefined ? { 'prefix-len': pre } : {}),
      'num-prompts': n,
      ...(seed !== undefined ? { seed } : {}),
    };
  }

  // Request shape and measurement.
  const suite: Omit<ServingSuite, 'name'> = { kind: 'serving', endpoint, dataset };
  const eos = take('ignore_eos');
  if (eos) ignoreEos = asFlag(t, eos) || ignoreEos;
  if (ignoreEos) suite['ignore-eos'] = true;
  const noStream = take('no_stream');
  if (noStream && asFlag(t, noStream)) suite.stream = false;
  const temp = take('temperature');
  if (temp) suite.temperature = asNumber(t, temp, { min: 0 });
  const topP = take('top_p');
  if (topP) suite['top-p'] = asNumber(t, topP);
  const body: Record<string, unknown> = {};
  const extra = take('extra_body');
  if (extra) {
    let parsed: unknown = extra.value;
    if (typeof parsed === 'string') {
      try {
        parsed = JSON.parse(parsed);
      } catch {
        fail(t, extra.at, 'extra_body is not a JSON object');
      }
    }
    if (!isPlainObject(parsed)) fail(t, extra.at, 'extra_body must be a JSON object');
    Object.assign(body, parsed);
  }
  for (const k of CLIENT_BODY_KEYS) {
    const v = take(k);
    if (v) body[k] = k === 'logprobs' ? asNumber(t, v, { integer: true, min: 0 }) : asNumber(t, v);
  }
  if (Object.keys(body).length > 0) suite['extra-body'] = body;
  if (seed !== undefined) suite.seed = seed;
  const burst = take('burstiness');
  if (burst) suite.burstiness = asNumber(t, burst, BOUNDS.burstiness);
  const warm = take('num_warmups');
  if (warm) suite.warmup = asNumber(t, warm, { integer: true, ...BOUNDS.warmup });
  const pct = take('metric_percentiles');
  if (pct) {
    const list = String(pct.value).split(',').map((s) => Number(s.trim()));
    if (list.length === 0 || list.some((p) => !(p > 0 && p <= 100))) fail(t, pct.at, `metric_percentiles ${JSON.stringify(pct.value)} is not a comma list of numbers in (0, 100]`);
    suite.percentiles = list as [number, ...number[]];
  }
  const good = take('goodput');
  if (good) suite.goodput = parseGoodput(t, good);
  const header = take('header');
  if (header) suite.headers = parseHeaders(t, header);

  // What is left is either harmless (noted) or something we cannot honour.
  const ignored: string[] = [];
  for (const [k, v] of client) {
    if (used.has(k)) continue;
    if (k === 'max_concurrency') continue; // read with the lists below
    if (CLIENT_IGNORED[k]) {
      ignored.push(`${v.key} (${CLIENT_IGNORED[k]})`);
      continue;
    }
    let hint: string;
    if (k === 'request_rate') hint = 'give the rates as the test\'s "qps_list"';
    else if (k === 'host' || k === 'port' || k === 'base_url') hint = 'the server address comes from the config\'s `server:` (server.url for a running server)';
    else {
      const guess = didYouMean(k, CLIENT_KNOWN);
      hint = guess ? `did you mean ${guess}?` : `supported client keys: ${CLIENT_KNOWN.filter((c) => !CLIENT_IGNORED[c]).join(', ')}`;
    }
    fail(t, v.at, `client_parameters.${v.key} is not supported by vllm-perf-gate`, hint);
  }
  if (ignored.length > 0) t.notes.push(`${t.file.file}: test ${test.name}: ignored ${ignored.join(', ')}`);

  // qps_list x max_concurrency_list.
  const qpsL = test.lists.qps_list;
  if (!qpsL) return fail(t, test.at, 'serving test has no qps_list', 'add e.g. "qps_list": [1, 4, 16, "inf"] (or put it in "defaults")');
  if (qpsL.value.length === 0) fail(t, qpsL.at, 'qps_list is empty');
  const rates = qpsL.value.map((q, i): number | 'inf' => {
    if (typeof q === 'string' && q.trim().toLowerCase() === 'inf') return 'inf';
    const x = typeof q === 'number' ? q : typeof q === 'string' ? Number(q) : NaN;
    if (!(x > 0) || !Number.isFinite(x)) fail(t, [...qpsL.at, i], `qps_list entry ${JSON.stringify(q)} is not a positive number or "inf"`);
    if (x < BOUNDS.rate.min || x > BOUNDS.rate.max) {
      fail(t, [...qpsL.at, i], `qps_list entry ${JSON.stringify(q)} is outside ${BOUNDS.rate.min} to ${BOUNDS.rate.max} requests/s`, 'vLLM\'s benchmarks use 0.1 and up; give "inf" to send all at once');
    }
    return x;
  });
  const mcClient = client.get('max_concurrency');
  const mcL = test.lists.max_concurrency_list;
  if (mcClient && mcL) fail(t, mcClient.at, 'max_concurrency is given both in client_parameters and as max_concurrency_list', 'keep one of them');
  let mcs: number[] | undefined;
  if (mcL) {
    if (mcL.value.length === 0) fail(t, mcL.at, 'max_concurrency_list is empty');
    mcs = mcL.value.map((m, i) => asNumber(t, { value: m, at: [...mcL.at, i], key: 'max_concurrency_list entry' }, { integer: true, ...BOUNDS.concurrency }));
  } else if (mcClient) {
    mcs = [asNumber(t, mcClient, { integer: true, ...BOUNDS.concurrency })];
  }
  mcs = mcs && [...new Set(mcs)];
  const server = serverOverride(t, serverParts);
  const withServer = (x: ServingSuite): ServingSuite => (server ? { ...x, server: structuredClone(server) } : x);
  const uniqueRates = [...new Set(rates)] as [number | 'inf', ...(number | 'inf')[]];

  if (!mcs) return [withServer({ name: test.name, ...suite, 'request-rates': uniqueRates })];
  if (uniqueRates.length === 1 && uniqueRates[0] === 'inf') {
    // All requests at t=0 behind a cap of mc in flight is a closed loop at concurrency mc.
    return [withServer({ name: test.name, ...suite, concurrency: mcs as [number, ...number[]] })];
  }
  if (mcs.length === 1) return [withServer({ name: test.name, ...suite, 'request-rates': uniqueRates, 'max-concurrency': mcs[0]! })];
  return mcs.map((mc) => withServer({ name: `${test.name}_concurrency_${mc}`, ...structuredClone(suite), 'request-rates': uniqueRates, 'max-concurrency': mc }));
}

/** Keys of `vllm bench latency|throughput` that vllm-perf-gate sets itself. */
const OFFLINE_OWN = new Set(['output_json']);

async function offlineSuite(t: TestCtx, kind: 'latency' | 'throughput', suiteFileAbs: string): Promise<LatencySuite | ThroughputSuite> {
  const { test } = t;
  for (const s of ['qps_list', 'max_concurrency_list', 'server_parameters', 'server_environment_variables', 'client_parameters'] as const) {
    if (test.present.has(s)) fail(t, test.at, `${kind} test has ${s}, which belongs to serving tests`, `a ${kind} test has "parameters" (and optionally "environment_variables")`);
  }
  const params = normalised(test.maps.parameters);
  const server: Server = {};
  const args: Args = {};
  for (const [k, v] of params) {
    if (k === 'model') server.model = asString(t, v);
    else if (OFFLINE_OWN.has(k)) fail(t, v.at, `parameters.${v.key} is set by vllm-perf-gate`, 'remove it');
    else if (kind === 'throughput' && (k === 'dataset' || k === 'dataset_path')) {
      // `--dataset` is the deprecated spelling of `--dataset-path`.
      const sharegpt = String(params.get('dataset_name')?.value ?? 'sharegpt') === 'sharegpt';
      args['dataset-path'] = await resolveDatasetPath(t, asString(t, v), suiteFileAbs, sharegpt);
    } else args[kebab(v.key)] = asArg(t, v);
  }
  const parts = serverOf(t, new Map(), test.maps.environment_variables);
  if (server.model !== undefined) parts.server.model = server.model;
  parts.hasAny = Object.keys(parts.server).length > 0;
  const suite: LatencySuite | ThroughputSuite = { name: test.name, kind, ...(Object.keys(args).length > 0 ? { args } : {}) };
  const override = serverOverride(t, parts);
  if (override) suite.server = override;
  return suite;
}

function kindOf(t: TestCtx, suiteFileAbs: string): 'serving' | 'latency' | 'throughput' {
  const { test } = t;
  const name = test.name;
  if (name.startsWith('startup_')) {
    fail(t, [...test.at, 'test_name'], 'startup tests (vllm bench startup) are not supported', 'remove it: vllm-perf-gate records the start-up time of every server it boots');
  }
  if (test.present.has('parameters') || test.present.has('environment_variables')) {
    if (name.startsWith('latency_')) return 'latency';
    if (name.startsWith('throughput_')) return 'throughput';
    const base = path.basename(suiteFileAbs).toLowerCase();
    if (base.includes('latency')) return 'latency';
    if (base.includes('throughput')) return 'throughput';
    return fail(t, [...test.at, 'test_name'], 'cannot tell whether this is a latency or a throughput test', 'start test_name with latency_ or throughput_, as vLLM\'s driver requires');
  }
  if (test.present.has('client_parameters') || test.present.has('server_parameters') || test.present.has('qps_list')) return 'serving';
  return fail(t, test.at, 'test has neither "parameters" (latency/throughput) nor "client_parameters" (serving)');
}

const SUITE_NAME = new RegExp(configSchema.definitions.suiteName.pattern);

function shownPath(abs: string): string {
  const rel = path.relative(process.cwd(), abs);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : abs;
}

export async function expandVllmSuiteFile(entry: VllmSuiteFile, index: number, ctx: ExpandContext): Promise<Expansion> {
  const at = `suites[${index}]`;
  const abs = path.resolve(ctx.baseDir, entry['vllm-suite']);
  let file: SuiteFile;
  try {
    file = await readSuiteFile(abs, shownPath(abs));
  } catch (err) {
    if (err instanceof GateError && err.where.path === undefined && err.where.line === undefined) {
      // The file itself is missing or unreadable: point at the config entry that names it.
      throw new GateError(err.code, err.message, { where: { file: ctx.configFile, path: `${at}.vllm-suite` }, ...(err.hint ? { hint: err.hint } : {}) });
    }
    throw err;
  }
  const notes: string[] = [];
  if (file.lenient) notes.push(`${file.file} is not strict JSON (e.g. trailing commas); read leniently`);

  let tests = file.tests;
  if (entry.tests) {
    const names = new Set(tests.map((t) => t.name));
    entry.tests.forEach((n, j) => {
      if (!names.has(n)) {
        const guess = didYouMean(n, names);
        throw new GateError('CONFIG', `vllm-suite ${entry['vllm-suite']} has no test ${n}`, {
          where: { file: ctx.configFile, path: `${at}.tests[${j}]` },
          hint: guess ? `did you mean ${guess}?` : `its tests: ${[...names].join(', ')}`,
        });
      }
    });
    const wanted = new Set(entry.tests);
    tests = tests.filter((t) => wanted.has(t.name));
  }
  if (tests.length === 0) {
    throw new GateError('CONFIG', `vllm-suite ${entry['vllm-suite']} has no tests`, { where: { file: ctx.configFile, path: `${at}.vllm-suite` } });
  }

  const suites: ExpandedSuite[] = [];
  const origins: { file: string; path: string; what: string; line?: number }[] = [];
  for (const test of tests) {
    const t: TestCtx = { file, test, ctx, notes };
    const kind = kindOf(t, abs);
    const made = kind === 'serving' ? await servingSuites(t, abs) : [await offlineSuite(t, kind, abs)];
    for (const s of made) {
      if (!SUITE_NAME.test(s.name)) {
        fail(t, [...test.at, 'test_name'], `suite name ${JSON.stringify(s.name)} made from test_name is not a valid suite name`, 'a test_name of letters, digits, `.`, `_` and `-`, at most 80 characters (with `_concurrency_<mc>` added when the test has several max concurrencies)');
      }
      suites.push(s);
      const line = file.lineOf(test.at);
      origins.push({ file: file.file, path: formatAt(test.at), what: `test ${test.name}`, ...(line ? { line } : {}) });
    }
  }
  // With no overrides this still validates every suite, so a test that maps to something invalid
  // (e.g. a test_name that is not a suite name) is reported at the test.
  applyOverrides(suites, (entry.overrides ?? {}) as Record<string, unknown>, { file: ctx.configFile, path: `${at}.overrides`, label: `vllm-suite ${entry['vllm-suite']}` }, (i) => origins[i]!);
  return { suites, notes };
}
