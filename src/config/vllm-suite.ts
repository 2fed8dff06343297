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
    const range = [opts.min !== undefined ? `at least ${opts.min}` : '', opts.max !== undefined ? `at most ${opts.max}` : '']
      .filter(Boolean)
      .join(' and ');
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
  if (sharegpt && path.basename(written) === SHAREGPT_FILE)
    candidates.push(...(t.ctx.sharegptCandidates ?? sharegptCandidates(t.ctx.baseDir)));
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
    t.notes.push(
      `${t.file.file}: test ${t.test.name}: server parameters not applied: server.url points at a running server, and the test runs against it`,
    );
    return undefined;
  }
  return top !== undefined && changesNothing(parts.server, top) ? undefined : parts.server;
}

function parseGoodput(t: TestCtx, v: Located & { key: string }): Goodput {
  const items = Array.isArray(v.value)
    ? v.value.map(String)
    : String(v.value)
        .split(/[\s,]+/)
        .filter(Boolean);
  const out: Goodput = {};
  for (const item of items) {
    const m = /^(ttft|tpot|e2el):([0-9]*\.?[0-9]+)$/.exec(item);
    if (!m || Number(m[2]) <= 0)
      fail(
        t,
        v.at,
        `goodput ${JSON.stringify(item)} is not KEY:VALUE with KEY ttft, tpot or e2el and VALUE in ms > 0`,
        'e.g. "goodput": "ttft:500 tpot:50"',
      );
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

/** A test's client_parameters, and which of them were read (what is left is checked at the end). */
interface ClientParams {
  all: Map<string, Located & { key: string }>;
  used: Set<string>;
  /** The parameter, marked as read. */
  take(k: string): (Located & { key: string }) | undefined;
}

function clientParamsOf(test: SuiteFileTest): ClientParams {
  const all = normalised(test.maps.client_parameters);
  const used = new Set<string>();
  const take = (k: string) => {
    const v = all.get(k);
    if (v) used.add(k);
    return v;
  };
  return { all, used, take };
}

/** The test's own server, with the client's model and served name checked against it. */
function servingServer(t: TestCtx, c: ClientParams): ServerParts {
  const parts = serverOf(t, t.test.maps.server_parameters ?? new Map(), t.test.maps.server_environment_variables);
  const model = c.take('model');
  if (model) {
    const m = asString(t, model);
    const serverModel = parts.server.model;
    const served = parts.server['served-model-name'];
    if (serverModel === undefined) {
      parts.server.model = m;
      parts.hasAny = true;
    } else if (m !== serverModel && m !== served) {
      fail(
        t,
        model.at,
        `client model ${m} is not the model the test's server runs (${serverModel}); vLLM's driver skips such a test`,
        'make client_parameters.model equal server_parameters.model',
      );
    }
  }
  const servedName = c.take('served_model_name');
  if (servedName) {
    const n = asString(t, servedName);
    const exposed = parts.server['served-model-name'] ?? parts.server.model ?? t.ctx.server?.['served-model-name'] ?? t.ctx.server?.model;
    if (exposed !== undefined && n !== exposed) {
      fail(
        t,
        servedName.at,
        `client served_model_name ${n} is not the name the server exposes (${exposed})`,
        'set served_model_name in server_parameters too, or remove it from client_parameters',
      );
    }
  }
  return parts;
}

/** backend and endpoint -> which OpenAI endpoint the suite calls. */
function servingEndpoint(t: TestCtx, c: ClientParams): 'completions' | 'chat' {
  let endpoint: 'completions' | 'chat' = 'completions';
  const backend = c.take('backend');
  if (backend) {
    const b = asString(t, backend);
    if (b === 'openai-chat') endpoint = 'chat';
    else if (b !== 'vllm' && b !== 'openai') {
      fail(t, backend.at, `backend ${b} is not supported`, 'use vllm or openai (/v1/completions) or openai-chat (/v1/chat/completions)');
    }
  }
  const ep = c.take('endpoint');
  if (ep) {
    const e = asString(t, ep).replace(/\/+$/, '');
    const asked = e === '/v1/completions' ? 'completions' : e === '/v1/chat/completions' ? 'chat' : undefined;
    if (!asked) fail(t, ep.at, `endpoint ${e} is not supported`, 'use /v1/completions or /v1/chat/completions');
    if (backend && asked !== endpoint)
      fail(
        t,
        ep.at,
        `endpoint ${e} does not fit backend ${String(backend.value)}`,
        'openai-chat goes with /v1/chat/completions, vllm and openai with /v1/completions',
      );
    endpoint = asked!;
  }
  return endpoint;
}

/** The dataset client keys every dataset shares, read once for the per-dataset builders. */
interface DatasetKeys {
  name: (typeof SUPPORTED_DATASETS)[number];
  path: (Located & { key: string }) | undefined;
  nameAt: (string | number)[] | undefined;
  numPrompts: number;
  seed: number | undefined;
  inputLen: (Located & { key: string }) | undefined;
  outputLen: (Located & { key: string }) | undefined;
  /** A dataset-specific length or ratio, when given. */
  specific(k: string): number | undefined;
  /** Where a client key is, for an error. */
  at(k: string): (string | number)[];
}

function datasetKeysOf(t: TestCtx, c: ClientParams): DatasetKeys {
  const pathV = c.take('dataset_path') ?? c.take('dataset');
  const nameV = c.take('dataset_name');
  const name = nameV ? asString(t, nameV) : pathV ? 'sharegpt' : 'random';
  if (!(SUPPORTED_DATASETS as readonly string[]).includes(name)) {
    fail(
      t,
      nameV!.at,
      `dataset_name ${name} is not supported`,
      `use one of ${SUPPORTED_DATASETS.join(', ')} (or write a suite with kind: serving and a dataset of ours)`,
    );
  }
  const numPrompts = c.take('num_prompts');
  const seedV = c.take('seed');
  const seed = seedV ? asNumber(t, seedV, { integer: true, ...BOUNDS.seed }) : undefined;
  const n = numPrompts ? asNumber(t, numPrompts, { integer: true, ...BOUNDS.prompts }) : 1000;
  const inputLen = c.take('input_len');
  const outputLen = c.take('output_len');
  const specific = (k: string) => {
    const v = c.take(k);
    return v ? asNumber(t, v, { min: 0, ...(k.endsWith('_len') ? BOUNDS.length : {}) }) : undefined;
  };
  const at = (k: string) => c.all.get(k)!.at;
  return { name: name as DatasetKeys['name'], path: pathV, nameAt: nameV?.at, numPrompts: n, seed, inputLen, outputLen, specific, at };
}

/** Notes (and marks read) the dataset keys of other datasets: vLLM ignores them too. */
function noteOtherDatasetKeys(t: TestCtx, c: ClientParams, datasetName: string): void {
  for (const [k, owners] of Object.entries(DATASET_KEYS)) {
    if (!owners.includes(datasetName) && c.all.has(k)) {
      c.used.add(k);
      t.notes.push(
        `${t.file.file}: test ${t.test.name}: client_parameters.${c.all.get(k)!.key} ignored: the test uses the ${datasetName} dataset (vLLM ignores it too)`,
      );
    }
  }
}

function lengthOf(t: TestCtx, v: (Located & { key: string }) | undefined): number | undefined {
  return v ? asNumber(t, v, { integer: true, min: 1, ...BOUNDS.length }) : undefined;
}

function randomDataset(t: TestCtx, k: DatasetKeys): ServingSuite['dataset'] {
  if (k.path)
    fail(
      t,
      k.path.at,
      `dataset_path is given, but dataset_name is random`,
      'remove dataset_path, or set dataset_name to sharegpt or sonnet',
    );
  const rangeRatio = k.specific('random_range_ratio');
  if (rangeRatio !== undefined && rangeRatio >= 1) {
    fail(
      t,
      k.at('random_range_ratio'),
      `random_range_ratio ${rangeRatio} is out of range`,
      'current vLLM samples lengths in [L*(1-r), L*(1+r)] with 0 <= r < 1',
    );
  }
  return {
    type: 'random',
    'input-len': k.specific('random_input_len') ?? lengthOf(t, k.inputLen) ?? 1024,
    'output-len': k.specific('random_output_len') ?? lengthOf(t, k.outputLen) ?? 128,
    'num-prompts': k.numPrompts,
    ...(k.specific('random_prefix_len') !== undefined ? { 'prefix-len': k.specific('random_prefix_len')! } : {}),
    ...(rangeRatio !== undefined ? { 'range-ratio': rangeRatio } : {}),
    ...(k.seed !== undefined ? { seed: k.seed } : {}),
  };
}

async function sharegptDataset(t: TestCtx, k: DatasetKeys, suiteFileAbs: string): Promise<ServingSuite['dataset']> {
  if (!k.path) fail(t, k.nameAt!, 'dataset_name sharegpt needs dataset_path', `e.g. "dataset_path": "./${SHAREGPT_FILE}"`);
  const out = k.specific('sharegpt_output_len') ?? lengthOf(t, k.outputLen);
  return {
    type: 'sharegpt',
    path: await resolveDatasetPath(t, asString(t, k.path!), suiteFileAbs, true),
    'num-prompts': k.numPrompts,
    ...(out !== undefined ? { 'output-len': out } : {}),
    ...(k.seed !== undefined ? { seed: k.seed } : {}),
  };
}

async function sonnetDataset(t: TestCtx, k: DatasetKeys, suiteFileAbs: string): Promise<ServingSuite['dataset']> {
  const inL = k.specific('sonnet_input_len');
  const outL = k.specific('sonnet_output_len');
  const pre = k.specific('sonnet_prefix_len');
  return {
    type: 'sonnet',
    ...(k.path ? { path: await resolveDatasetPath(t, asString(t, k.path), suiteFileAbs, false) } : {}),
    ...(inL !== undefined ? { 'input-len': inL } : {}),
    ...(outL !== undefined ? { 'output-len': outL } : {}),
    ...(pre !== undefined ? { 'prefix-len': pre } : {}),
    'num-prompts': k.numPrompts,
    ...(k.seed !== undefined ? { seed: k.seed } : {}),
  };
}

/**
 * The suite's dataset, and whether vLLM would force ignore_eos for it (current `vllm bench serve`
 * does for the random dataset on OpenAI-compatible backends).
 */
async function servingDataset(
  t: TestCtx,
  c: ClientParams,
  suiteFileAbs: string,
): Promise<{ dataset: ServingSuite['dataset']; ignoreEos: boolean; seed: number | undefined }> {
  const k = datasetKeysOf(t, c);
  noteOtherDatasetKeys(t, c, k.name);
  if (k.name === 'random') return { dataset: randomDataset(t, k), ignoreEos: true, seed: k.seed };
  const dataset = k.name === 'sharegpt' ? await sharegptDataset(t, k, suiteFileAbs) : await sonnetDataset(t, k, suiteFileAbs);
  return { dataset, ignoreEos: false, seed: k.seed };
}

type SuiteShape = Omit<ServingSuite, 'name'>;

/** ignore_eos, no_stream, temperature, top_p onto the suite. */
function applySampling(t: TestCtx, c: ClientParams, suite: SuiteShape, forcedIgnoreEos: boolean): void {
  let ignoreEos = forcedIgnoreEos;
  const eos = c.take('ignore_eos');
  if (eos) ignoreEos = asFlag(t, eos) || ignoreEos;
  if (ignoreEos) suite['ignore-eos'] = true;
  const noStream = c.take('no_stream');
  if (noStream && asFlag(t, noStream)) suite.stream = false;
  const temp = c.take('temperature');
  if (temp) suite.temperature = asNumber(t, temp, { min: 0 });
  const topP = c.take('top_p');
  if (topP) suite['top-p'] = asNumber(t, topP);
}

/** extra_body and the sampling keys vLLM's client copies into the request body. */
function applyExtraBody(t: TestCtx, c: ClientParams, suite: SuiteShape): void {
  const body: Record<string, unknown> = {};
  const extra = c.take('extra_body');
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
    const v = c.take(k);
    if (v) body[k] = k === 'logprobs' ? asNumber(t, v, { integer: true, min: 0 }) : asNumber(t, v);
  }
  if (Object.keys(body).length > 0) suite['extra-body'] = body;
}

/** burstiness, warm-up, percentiles, goodput and headers onto the suite. */
function applyMeasurement(t: TestCtx, c: ClientParams, suite: SuiteShape): void {
  const burst = c.take('burstiness');
  if (burst) suite.burstiness = asNumber(t, burst, BOUNDS.burstiness);
  const warm = c.take('num_warmups');
  if (warm) suite.warmup = asNumber(t, warm, { integer: true, ...BOUNDS.warmup });
  const pct = c.take('metric_percentiles');
  if (pct) {
    const list = String(pct.value)
      .split(',')
      .map((s) => Number(s.trim()));
    if (list.length === 0 || list.some((p) => !(p > 0 && p <= 100)))
      fail(t, pct.at, `metric_percentiles ${JSON.stringify(pct.value)} is not a comma list of numbers in (0, 100]`);
    suite.percentiles = list as [number, ...number[]];
  }
  const good = c.take('goodput');
  if (good) suite.goodput = parseGoodput(t, good);
  const header = c.take('header');
  if (header) suite.headers = parseHeaders(t, header);
}

/** The fix for a client key we cannot honour. */
function unsupportedClientKeyHint(k: string): string {
  if (k === 'request_rate') return 'give the rates as the test\'s "qps_list"';
  if (k === 'host' || k === 'port' || k === 'base_url')
    return "the server address comes from the config's `server:` (server.url for a running server)";
  const guess = didYouMean(k, CLIENT_KNOWN);
  return guess ? `did you mean ${guess}?` : `supported client keys: ${CLIENT_KNOWN.filter((c) => !CLIENT_IGNORED[c]).join(', ')}`;
}

/** What is left unread is either harmless (noted) or something we cannot honour (an error). */
function checkUnreadClientKeys(t: TestCtx, c: ClientParams): void {
  const ignored: string[] = [];
  for (const [k, v] of c.all) {
    if (c.used.has(k)) continue;
    if (k === 'max_concurrency') continue; // read with the lists
    if (CLIENT_IGNORED[k]) {
      ignored.push(`${v.key} (${CLIENT_IGNORED[k]})`);
      continue;
    }
    fail(t, v.at, `client_parameters.${v.key} is not supported by vllm-perf-gate`, unsupportedClientKeyHint(k));
  }
  if (ignored.length > 0) t.notes.push(`${t.file.file}: test ${t.test.name}: ignored ${ignored.join(', ')}`);
}

type Rate = number | 'inf';

/** qps_list as request rates, duplicates dropped. */
function requestRates(t: TestCtx): [Rate, ...Rate[]] {
  const qpsL = t.test.lists.qps_list;
  if (!qpsL) return fail(t, t.test.at, 'serving test has no qps_list', 'add e.g. "qps_list": [1, 4, 16, "inf"] (or put it in "defaults")');
  if (qpsL.value.length === 0) fail(t, qpsL.at, 'qps_list is empty');
  const rates = qpsL.value.map((q, i): Rate => {
    if (typeof q === 'string' && q.trim().toLowerCase() === 'inf') return 'inf';
    const x = typeof q === 'number' ? q : typeof q === 'string' ? Number(q) : NaN;
    if (!(x > 0) || !Number.isFinite(x)) fail(t, [...qpsL.at, i], `qps_list entry ${JSON.stringify(q)} is not a positive number or "inf"`);
    if (x < BOUNDS.rate.min || x > BOUNDS.rate.max) {
      fail(
        t,
        [...qpsL.at, i],
        `qps_list entry ${JSON.stringify(q)} is outside ${BOUNDS.rate.min} to ${BOUNDS.rate.max} requests/s`,
        'vLLM\'s benchmarks use 0.1 and up; give "inf" to send all at once',
      );
    }
    return x;
  });
  return [...new Set(rates)] as [Rate, ...Rate[]];
}

/** max_concurrency_list, or the client's one max_concurrency, duplicates dropped; undefined for none. */
function maxConcurrencies(t: TestCtx, c: ClientParams): number[] | undefined {
  const mcClient = c.all.get('max_concurrency');
  const mcL = t.test.lists.max_concurrency_list;
  if (mcClient && mcL)
    fail(t, mcClient.at, 'max_concurrency is given both in client_parameters and as max_concurrency_list', 'keep one of them');
  let mcs: number[] | undefined;
  if (mcL) {
    if (mcL.value.length === 0) fail(t, mcL.at, 'max_concurrency_list is empty');
    mcs = mcL.value.map((m, i) =>
      asNumber(t, { value: m, at: [...mcL.at, i], key: 'max_concurrency_list entry' }, { integer: true, ...BOUNDS.concurrency }),
    );
  } else if (mcClient) {
    mcs = [asNumber(t, mcClient, { integer: true, ...BOUNDS.concurrency })];
  }
  return mcs && [...new Set(mcs)];
}

/** qps_list x max_concurrency_list as suites: one sweep, a closed loop, or a suite per concurrency. */
function sweepSuites(
  name: string,
  suite: SuiteShape,
  rates: [Rate, ...Rate[]],
  mcs: number[] | undefined,
  server: Server | undefined,
): ServingSuite[] {
  const withServer = (x: ServingSuite): ServingSuite => (server ? { ...x, server: structuredClone(server) } : x);
  if (!mcs) return [withServer({ name, ...suite, 'request-rates': rates })];
  if (rates.length === 1 && rates[0] === 'inf') {
    // All requests at t=0 behind a cap of mc in flight is a closed loop at concurrency mc.
    return [withServer({ name, ...suite, concurrency: mcs as [number, ...number[]] })];
  }
  if (mcs.length === 1) return [withServer({ name, ...suite, 'request-rates': rates, 'max-concurrency': mcs[0]! })];
  return mcs.map((mc) =>
    withServer({ name: `${name}_concurrency_${mc}`, ...structuredClone(suite), 'request-rates': rates, 'max-concurrency': mc }),
  );
}

/** A serving test as one or more serving suites (one per max concurrency when it sweeps rates under several). */
async function servingSuites(t: TestCtx, suiteFileAbs: string): Promise<ServingSuite[]> {
  const c = clientParamsOf(t.test);
  const serverParts = servingServer(t, c);
  const endpoint = servingEndpoint(t, c);
  const { dataset, ignoreEos, seed } = await servingDataset(t, c, suiteFileAbs);
  const suite: SuiteShape = { kind: 'serving', endpoint, dataset };
  applySampling(t, c, suite, ignoreEos);
  applyExtraBody(t, c, suite);
  if (seed !== undefined) suite.seed = seed;
  applyMeasurement(t, c, suite);
  checkUnreadClientKeys(t, c);
  const rates = requestRates(t);
  const mcs = maxConcurrencies(t, c);
  return sweepSuites(t.test.name, suite, rates, mcs, serverOverride(t, serverParts));
}

/** Keys of `vllm bench latency|throughput` that vllm-perf-gate sets itself. */
const OFFLINE_OWN = new Set(['output_json']);

async function offlineSuite(t: TestCtx, kind: 'latency' | 'throughput', suiteFileAbs: string): Promise<LatencySuite | ThroughputSuite> {
  const { test } = t;
  for (const s of ['qps_list', 'max_concurrency_list', 'server_parameters', 'server_environment_variables', 'client_parameters'] as const) {
    if (test.present.has(s))
      fail(
        t,
        test.at,
        `${kind} test has ${s}, which belongs to serving tests`,
        `a ${kind} test has "parameters" (and optionally "environment_variables")`,
      );
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
    fail(
      t,
      [...test.at, 'test_name'],
      'startup tests (vllm bench startup) are not supported',
      'remove it: vllm-perf-gate records the start-up time of every server it boots',
    );
  }
  if (test.present.has('parameters') || test.present.has('environment_variables')) {
    if (name.startsWith('latency_')) return 'latency';
    if (name.startsWith('throughput_')) return 'throughput';
    const base = path.basename(suiteFileAbs).toLowerCase();
    if (base.includes('latency')) return 'latency';
    if (base.includes('throughput')) return 'throughput';
    return fail(
      t,
      [...test.at, 'test_name'],
      'cannot tell whether this is a latency or a throughput test',
      "start test_name with latency_ or throughput_, as vLLM's driver requires",
    );
  }
  if (test.present.has('client_parameters') || test.present.has('server_parameters') || test.present.has('qps_list')) return 'serving';
  return fail(t, test.at, 'test has neither "parameters" (latency/throughput) nor "client_parameters" (serving)');
}

const SUITE_NAME = new RegExp(configSchema.definitions.suiteName.pattern);

function shownPath(abs: string): string {
  const rel = path.relative(process.cwd(), abs);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : abs;
}

/** The suite file an entry names; a missing or unreadable one is reported at the entry. */
async function readEntryFile(abs: string, at: string, ctx: ExpandContext): Promise<SuiteFile> {
  try {
    return await readSuiteFile(abs, shownPath(abs));
  } catch (err) {
    if (err instanceof GateError && err.where.path === undefined && err.where.line === undefined) {
      // The file itself is missing or unreadable: point at the config entry that names it.
      throw new GateError(err.code, err.message, {
        where: { file: ctx.configFile, path: `${at}.vllm-suite` },
        ...(err.hint ? { hint: err.hint } : {}),
      });
    }
    throw err;
  }
}

/** The tests the entry's `tests:` picks (all when absent); a name the file lacks is an error. */
function selectedTests(entry: VllmSuiteFile, file: SuiteFile, at: string, ctx: ExpandContext): SuiteFileTest[] {
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
    throw new GateError('CONFIG', `vllm-suite ${entry['vllm-suite']} has no tests`, {
      where: { file: ctx.configFile, path: `${at}.vllm-suite` },
    });
  }
  return tests;
}

/** One test as suites, each with a valid name. */
async function suitesOfTest(t: TestCtx, suiteFileAbs: string): Promise<ExpandedSuite[]> {
  const kind = kindOf(t, suiteFileAbs);
  const made = kind === 'serving' ? await servingSuites(t, suiteFileAbs) : [await offlineSuite(t, kind, suiteFileAbs)];
  for (const s of made) {
    if (!SUITE_NAME.test(s.name)) {
      fail(
        t,
        [...t.test.at, 'test_name'],
        `suite name ${JSON.stringify(s.name)} made from test_name is not a valid suite name`,
        'a test_name of letters, digits, `.`, `_` and `-`, at most 80 characters (with `_concurrency_<mc>` added when the test has several max concurrencies)',
      );
    }
  }
  return made;
}

export async function expandVllmSuiteFile(entry: VllmSuiteFile, index: number, ctx: ExpandContext): Promise<Expansion> {
  const at = `suites[${index}]`;
  const abs = path.resolve(ctx.baseDir, entry['vllm-suite']);
  const file = await readEntryFile(abs, at, ctx);
  const notes: string[] = [];
  if (file.lenient) notes.push(`${file.file} is not strict JSON (e.g. trailing commas); read leniently`);
  const tests = selectedTests(entry, file, at, ctx);

  const suites: ExpandedSuite[] = [];
  const origins: { file: string; path: string; what: string; line?: number }[] = [];
  for (const test of tests) {
    const line = file.lineOf(test.at);
    for (const s of await suitesOfTest({ file, test, ctx, notes }, abs)) {
      suites.push(s);
      origins.push({ file: file.file, path: formatAt(test.at), what: `test ${test.name}`, ...(line ? { line } : {}) });
    }
  }
  // With no overrides this still validates every suite, so a test that maps to something invalid
  // (e.g. a test_name that is not a suite name) is reported at the test.
  applyOverrides(
    suites,
    (entry.overrides ?? {}) as Record<string, unknown>,
    { file: ctx.configFile, path: `${at}.overrides`, label: `vllm-suite ${entry['vllm-suite']}` },
    (i) => origins[i]!,
  );
  return { suites, notes };
}
