// The prompts of a serving suite, planned once before its points run, as vLLM's datasets build them
// (vllm/benchmarks/datasets):
//   random   token ids, sent as a token-id prompt so lengths are exact (completions); prefix-len shared
//            ids in front; lengths ~ U{floor(L(1-r)) .. ceil(L(1+r))} (output at least 1)
//   prefix-repetition  num-prefixes random prefixes of prefix-len ids, each shared by an equal share
//            of the prompts and followed by suffix-len fresh random ids; the prompts shuffled
//   sharegpt vLLM's JSON format; first human turn = prompt, first gpt turn = reference completion;
//            vLLM's filter (prompt >= 4, output >= 4 unless output-len is given, prompt <= 1024,
//            prompt + output <= 2048); a seeded shuffle, then the first N that pass
//   sonnet   "Pick as many lines as you can from these poem lines:\n" + the first lines of the text
//            as a shared prefix + lines drawn at random, packed to input-len tokens
//   fixed    one prompt again and again
//   trace    a Mooncake-format trace (src/load/trace.ts): per request, one seeded 512-id block per hash
//            id (equal ids, equal blocks), cut to input_length; output_length as max_tokens
// The intended prompt length of each entry is what usage.prompt_tokens should say: the id count, or
// the server's /tokenize count of exactly what is sent. Never downloads anything.
// A point's memory must not grow with num-prompts x input-len: random and sonnet entries keep only
// their seeded draws (a few numbers each) and make the prompt when it is read.
import type { Dataset } from '../config/schema-types.gen.js';
import { GateError } from '../errors.js';
import { DatasetFileProblem, type DatasetRoots } from './dataset-file.js';
import { datasetFile, loadDatasetSource, type DatasetSource } from './dataset-source.js';
import { multiTurnDataset } from './multi-turn.js';
import { Rng } from './rng.js';
import { MAX_TRACE_REQUESTS, traceIds, traceRequests } from './trace.js';
import { mapLimit, mapRange, sizeOf, type ChatMessage, type Tokenizer } from './tokenize.js';

export interface DatasetEntry {
  /** Token ids (completions only) or text. Lazy lists make it when read: read it once. */
  readonly prompt: string | number[];
  intendedPromptTokens: number | null;
  /** max_tokens to ask for. */
  outputLen: number;
  /** Chat messages to send instead of the prompt as one user message (a multi-turn session's history). */
  readonly messages?: ChatMessage[];
}

/** Entries by index: an array, or a list that makes each entry when asked (so none is held whole). */
export interface EntryList {
  readonly length: number;
  at(index: number): DatasetEntry | undefined;
}

export interface BuildContext {
  endpoint: 'completions' | 'chat';
  tokenizer: Tokenizer;
  /** How many entries the suite's points need at most (the dataset's num-prompts by default). */
  count: number;
  /** Relative dataset paths are resolved against this folder. */
  baseDir?: string | undefined;
  /** Where in the config the dataset is, for errors (e.g. `suites[0].dataset`). */
  configPath?: string | undefined;
  log?: ((line: string) => void) | undefined;
  /** What the dataset read from disk, read and checked before the server booted; read here when absent. */
  source?: DatasetSource | undefined;
  /** Folders a dataset file read here must lie in (null: any; the run's pre-check confines it). */
  roots?: DatasetRoots | null | undefined;
}

/**
 * Token ids random prompts draw from: a range every common tokenizer has as ordinary tokens (vLLM
 * uses the model's vocabulary minus special ids; the client cannot know it, and 32,000 is the
 * smallest vocabulary in common use).
 */
export const RANDOM_TOKEN_LO = 1000;
export const RANDOM_TOKEN_SPAN = 20_000;

const TOKENIZE_CONCURRENCY = 16;

/** A problem of a dataset's settings alone, found before anything starts. */
export interface DatasetSettingProblem {
  /** The key under `dataset` it is about. */
  key: string;
  message: string;
  hint: string;
}

/**
 * What the pipeline asks of one dataset type, in one place (as vLLM's BenchmarkDataset classes):
 * a new type is one entry here and its branch of the config schema, not edits across stages.
 */
export interface DatasetKind<D extends Dataset> {
  /** num-prompts when the config gives none (vLLM's default for the type). */
  defaultNumPrompts: number;
  /** Requests a point sends at most, for a type that has no num-prompts (its sessions' turns). */
  requests?(ds: D): number;
  /** Prompts are token ids (exact lengths, completions only), for which vLLM forces ignore_eos. */
  tokenIds: boolean;
  /** Whether prompts share prefixes, so a prefix cache warmed by the point before would make them faster. */
  sharesPrefixes(ds: D): boolean;
  /** Problems of the settings alone. */
  check(ds: D): DatasetSettingProblem[];
  build(ds: D, ctx: BuildContext): Promise<EntryList>;
}

type KindTable = { [T in Dataset['type']]: DatasetKind<Extract<Dataset, { type: T }>> };

const none = (): DatasetSettingProblem[] => [];

export const DATASET_KINDS: KindTable = {
  random: {
    defaultNumPrompts: 1000,
    tokenIds: true,
    sharesPrefixes: (ds) => (ds['prefix-len'] ?? 0) > 0,
    check: none,
    build: randomDataset,
  },
  'prefix-repetition': {
    defaultNumPrompts: 1000,
    tokenIds: true,
    sharesPrefixes: () => true,
    check: (ds) => {
      const prefixes = ds['num-prefixes'] ?? 10;
      const prompts = ds['num-prompts'] ?? 1000;
      if (prefixes <= prompts) return [];
      return [
        {
          key: 'num-prefixes',
          message: `prefix-repetition num-prefixes ${prefixes} is more than num-prompts ${prompts}`,
          hint: 'every prefix needs a prompt at least: lower num-prefixes or raise num-prompts',
        },
      ];
    },
    build: prefixRepetitionDataset,
  },
  fixed: { defaultNumPrompts: 100, tokenIds: false, sharesPrefixes: () => false, check: none, build: fixedDataset },
  sonnet: {
    defaultNumPrompts: 1000,
    tokenIds: false,
    // Its shared opening lines are short next to the drawn ones; `reset-prefix-cache: always` covers it.
    sharesPrefixes: () => false,
    check: (ds) => {
      const prefix = ds['prefix-len'] ?? 200;
      const input = ds['input-len'] ?? 550;
      if (prefix <= input) return [];
      return [
        {
          key: 'prefix-len',
          message: `sonnet prefix-len ${prefix} is longer than input-len ${input}`,
          hint: 'the shared prefix is part of the prompt: make prefix-len at most input-len',
        },
      ];
    },
    build: async (ds, ctx) => sonnetDataset(ds, ctx, await sourceOf(ds, ctx)),
  },
  sharegpt: {
    defaultNumPrompts: 1000,
    tokenIds: false,
    sharesPrefixes: () => false,
    check: none,
    build: async (ds, ctx) => sharegptDataset(ds, ctx, await sourceOf(ds, ctx)),
  },
  trace: {
    // Every request of the trace (its own length, up to the limit) unless num-prompts cuts it.
    defaultNumPrompts: MAX_TRACE_REQUESTS,
    tokenIds: true,
    sharesPrefixes: () => true,
    check: none,
    build: async (ds, ctx) => traceDataset(ds, ctx, await sourceOf(ds, ctx)),
  },
  'multi-turn': {
    defaultNumPrompts: 1000,
    // Every turn of every session, at most.
    requests: (ds) => (ds['num-sessions'] ?? 100) * (ds['max-turns'] ?? 10),
    tokenIds: false,
    // Each turn shares its history with the turn before: a cache warmed by the point before would hold it.
    sharesPrefixes: () => true,
    check: none,
    build: async (ds, ctx) => multiTurnDataset(ds, ctx, await sourceOf(ds, ctx)),
  },
};

/** The descriptor of a dataset's type. */
export function datasetKind<D extends Dataset>(ds: D): DatasetKind<D> {
  return DATASET_KINDS[ds.type] as unknown as DatasetKind<D>;
}

/** How many prompts the dataset makes: its num-prompts, else its type's default. */
export function numPromptsOf(ds: Dataset): number {
  const kind = datasetKind(ds);
  return kind.requests?.(ds) ?? ('num-prompts' in ds ? ds['num-prompts'] : undefined) ?? kind.defaultNumPrompts;
}

export async function buildDataset(ds: Dataset, ctx: BuildContext): Promise<EntryList> {
  return datasetKind(ds).build(ds, ctx);
}

/** The chat messages a text prompt is sent as. */
export function chatMessages(text: string): ChatMessage[] {
  return [{ role: 'user', content: text }];
}

async function intendedLen(text: string, ctx: BuildContext): Promise<number | null> {
  return ctx.endpoint === 'chat' ? ctx.tokenizer.countChat(chatMessages(text)) : ctx.tokenizer.countPrompt(text);
}

/** The prepared source, or the file read now (a library caller that ran no pre-check). */
export async function sourceOf(
  ds: Dataset,
  ctx: Pick<BuildContext, 'source' | 'baseDir' | 'roots' | 'configPath'>,
): Promise<DatasetSource | undefined> {
  if (ctx.source) return ctx.source;
  try {
    return await loadDatasetSource(ds, { baseDir: ctx.baseDir ?? process.cwd(), roots: ctx.roots ?? null });
  } catch (e) {
    if (!(e instanceof DatasetFileProblem)) throw e;
    const file = datasetFile(ds, ctx.baseDir ?? process.cwd());
    throw new GateError('DATASET', `${ds.type} dataset: ${e.message}`, {
      where: e.at ? { file, ...e.at } : { file, path: `${ctx.configPath ?? 'dataset'}.path` },
      hint: e.hint,
    });
  }
}

type RandomDs = Extract<Dataset, { type: 'random' }>;

/** The seeded draws of a random dataset: a shared prefix, and per entry its lengths and id offset. */
export interface RandomPlan {
  prefix: number[];
  inLen: Int32Array;
  outLen: Int32Array;
  offset: Int32Array;
}

/** The draws of the random dataset, in the order vLLM-style generation makes them: pure and seeded. */
export function randomPlan(ds: RandomDs, count: number): RandomPlan {
  const L = ds['input-len'] ?? 1024;
  const O = ds['output-len'] ?? 128;
  const P = ds['prefix-len'] ?? 0;
  const r = ds['range-ratio'] ?? 0;
  const rng = new Rng(ds.seed ?? 0);
  const prefix = Array.from({ length: P }, () => RANDOM_TOKEN_LO + rng.int(0, RANDOM_TOKEN_SPAN - 1));
  const plan: RandomPlan = { prefix, inLen: new Int32Array(count), outLen: new Int32Array(count), offset: new Int32Array(count) };
  for (let i = 0; i < count; i++) {
    plan.inLen[i] = rng.int(Math.floor(L * (1 - r)), Math.ceil(L * (1 + r)));
    plan.outLen[i] = rng.int(Math.max(1, Math.floor(O * (1 - r))), Math.ceil(O * (1 + r)));
    plan.offset[i] = rng.int(0, RANDOM_TOKEN_SPAN - 1);
  }
  return plan;
}

/** The token ids of entry i: the prefix, then inLen consecutive ids (mod the span) from its offset. */
export function randomIds(plan: RandomPlan, i: number): number[] {
  const inLen = plan.inLen[i]!;
  const offset = plan.offset[i]!;
  const ids = plan.prefix.slice();
  for (let j = 0; j < inLen; j++) ids.push(RANDOM_TOKEN_LO + ((offset + i + j) % RANDOM_TOKEN_SPAN));
  return ids;
}

/** A list of `count` entries made on demand by `make`. */
function lazyList(count: number, make: (i: number) => DatasetEntry): EntryList {
  return { length: count, at: (i) => (Number.isInteger(i) && i >= 0 && i < count ? make(i) : undefined) };
}

/** A dataset of token-id prompts: entry i's ids, its length and its output length, made when asked. */
interface TokenIdPlan {
  ids(i: number): number[];
  promptLen(i: number): number;
  outputLen(i: number): number;
}

async function randomDataset(ds: RandomDs, ctx: BuildContext): Promise<EntryList> {
  const plan = randomPlan(ds, ctx.count);
  return tokenIdDataset(
    'random',
    {
      ids: (i) => randomIds(plan, i),
      promptLen: (i) => plan.prefix.length + plan.inLen[i]!,
      outputLen: (i) => plan.outLen[i]!,
    },
    ctx,
  );
}

/** Token ids as they are on completions; on chat, the text the server makes of them. */
async function tokenIdDataset(name: string, plan: TokenIdPlan, ctx: BuildContext): Promise<EntryList> {
  if (ctx.endpoint === 'completions') {
    return lazyList(ctx.count, (i) => ({
      get prompt() {
        return plan.ids(i);
      },
      intendedPromptTokens: plan.promptLen(i),
      outputLen: plan.outputLen(i),
    }));
  }
  // Chat takes text: the server turns the ids into text, and counts the templated messages.
  return mapRange(ctx.count, TOKENIZE_CONCURRENCY, async (i) => {
    const text = await ctx.tokenizer.detokenize(plan.ids(i));
    if (text === null) {
      throw new GateError(
        'DATASET',
        `the ${name} dataset on the chat endpoint needs the server to turn token ids into text (POST /detokenize), and it did not`,
        {
          where: { path: ctx.configPath ?? 'dataset' },
          hint: 'use endpoint: completions (token-id prompts), or a text dataset (sonnet, sharegpt, fixed) for chat',
        },
      );
    }
    return { prompt: text, intendedPromptTokens: await intendedLen(text, ctx), outputLen: plan.outputLen(i) };
  });
}

type PrefixRepetitionDs = Extract<Dataset, { type: 'prefix-repetition' }>;

/** The seeded draws of a prefix-repetition dataset: a seed per prefix, and per entry its prefix and suffix seed. */
export interface PrefixRepetitionPlan {
  prefixLen: number;
  suffixLen: number;
  outputLen: number;
  prefixSeed: Uint32Array;
  /** Which prefix entry i starts with. */
  group: Int32Array;
  suffixSeed: Uint32Array;
}

/**
 * vLLM's PrefixRepetitionRandomDataset: num-prefixes prefixes, each followed by an equal share of
 * the prompts' fresh suffixes (prefix by prefix), then the prompts shuffled. Each run of ids is drawn
 * from its own seed, so an entry's prompt is made when read and no prompt is held.
 */
export function prefixRepetitionPlan(ds: PrefixRepetitionDs, count: number): PrefixRepetitionPlan {
  const numPrefixes = ds['num-prefixes'] ?? 10;
  const rng = new Rng(ds.seed ?? 0);
  const prefixSeed = Uint32Array.from({ length: numPrefixes }, () => rng.nextU32());
  const order = Array.from({ length: count }, (_, j) => j);
  rng.shuffle(order);
  const group = new Int32Array(count);
  const suffixSeed = new Uint32Array(count);
  for (let j = 0; j < count; j++) {
    // Entry j in prefix-major order belongs to prefix floor(j * P / count): equal shares, in order.
    group[order[j]!] = Math.floor((j * numPrefixes) / count);
    suffixSeed[order[j]!] = rng.nextU32();
  }
  return {
    prefixLen: ds['prefix-len'] ?? 256,
    suffixLen: ds['suffix-len'] ?? 256,
    outputLen: ds['output-len'] ?? 128,
    prefixSeed,
    group,
    suffixSeed,
  };
}

/** `n` random token ids drawn from `seed`: equal seeds give equal ids. */
function seededIds(seed: number, n: number, into: number[]): void {
  const rng = new Rng(seed);
  for (let j = 0; j < n; j++) into.push(RANDOM_TOKEN_LO + rng.int(0, RANDOM_TOKEN_SPAN - 1));
}

/** The token ids of entry i: its group's prefix, then its own suffix. */
export function prefixRepetitionIds(plan: PrefixRepetitionPlan, i: number): number[] {
  const ids: number[] = [];
  seededIds(plan.prefixSeed[plan.group[i]!]!, plan.prefixLen, ids);
  seededIds(plan.suffixSeed[i]!, plan.suffixLen, ids);
  return ids;
}

async function prefixRepetitionDataset(ds: PrefixRepetitionDs, ctx: BuildContext): Promise<EntryList> {
  const numPrefixes = ds['num-prefixes'] ?? 10;
  if (numPrefixes > ctx.count) {
    throw new GateError('DATASET', `prefix-repetition num-prefixes ${numPrefixes} is more than the ${ctx.count} prompts a point sends`, {
      where: { path: `${ctx.configPath ?? 'dataset'}.num-prefixes` },
      hint: 'every prefix needs a prompt at least: lower num-prefixes or raise num-prompts',
    });
  }
  const plan = prefixRepetitionPlan(ds, ctx.count);
  return tokenIdDataset(
    'prefix-repetition',
    {
      ids: (i) => prefixRepetitionIds(plan, i),
      promptLen: () => plan.prefixLen + plan.suffixLen,
      outputLen: () => plan.outputLen,
    },
    ctx,
  );
}

async function traceDataset(
  ds: Extract<Dataset, { type: 'trace' }>,
  ctx: BuildContext,
  source: DatasetSource | undefined,
): Promise<EntryList> {
  if (source?.type !== 'trace') throw new GateError('INTERNAL', 'the trace dataset was given no trace');
  const requests = traceRequests(source, ds['num-prompts']).slice(0, ctx.count);
  const seed = ds.seed ?? 0;
  const tokens = { lo: RANDOM_TOKEN_LO, span: RANDOM_TOKEN_SPAN };
  return tokenIdDataset(
    'trace',
    {
      ids: (i) => traceIds(seed, requests[i]!, tokens),
      promptLen: (i) => requests[i]!.inputLength,
      outputLen: (i) => requests[i]!.outputLength,
    },
    { ...ctx, count: requests.length },
  );
}

async function fixedDataset(ds: Extract<Dataset, { type: 'fixed' }>, ctx: BuildContext): Promise<EntryList> {
  const entry: DatasetEntry = {
    prompt: ds.prompt,
    intendedPromptTokens: await intendedLen(ds.prompt, ctx),
    outputLen: ds['max-tokens'] ?? 128,
  };
  return lazyList(ctx.count, () => entry);
}

const SONNET_BASE_PROMPT = 'Pick as many lines as you can from these poem lines:\n';

async function sonnetDataset(
  ds: Extract<Dataset, { type: 'sonnet' }>,
  ctx: BuildContext,
  source: DatasetSource | undefined,
): Promise<EntryList> {
  if (source?.type !== 'sonnet') throw new GateError('INTERNAL', 'the sonnet dataset was given no lines');
  const lines = source.lines;
  const inputLen = ds['input-len'] ?? 550;
  const prefixLen = ds['prefix-len'] ?? 200;
  const lineLens = await mapLimit(lines, TOKENIZE_CONCURRENCY, (l) => sizeOf(ctx.tokenizer, l));
  const avgLen = lineLens.reduce((a, b) => a + b, 0) / lineLens.length;
  const baseOffset = await sizeOf(ctx.tokenizer, SONNET_BASE_PROMPT);
  if (inputLen < baseOffset || prefixLen > inputLen) {
    throw new GateError(
      'DATASET',
      `sonnet input-len ${inputLen} must be at least the instruction's ${baseOffset} tokens and at least prefix-len ${prefixLen}`,
      {
        where: { path: `${ctx.configPath ?? 'dataset'}.input-len` },
        hint: `raise input-len (vLLM's default is 550 with prefix-len 200)`,
      },
    );
  }
  const numInputLines = Math.round((inputLen - baseOffset) / avgLen);
  const numPrefixLines = Math.max(Math.round((prefixLen - baseOffset) / avgLen), 0);
  const head = SONNET_BASE_PROMPT + lines.slice(0, Math.min(numPrefixLines, lines.length)).join('');
  // Each prompt is its line numbers (2 or 4 bytes each), drawn in the order the text was drawn before.
  const perPrompt = Math.max(0, numInputLines - numPrefixLines);
  const picks = lines.length <= 0x10000 ? new Uint16Array(ctx.count * perPrompt) : new Uint32Array(ctx.count * perPrompt);
  const rng = new Rng(ds.seed ?? 0);
  for (let k = 0; k < picks.length; k++) picks[k] = rng.int(0, lines.length - 1);
  const text = (i: number): string => {
    let body = '';
    for (let k = i * perPrompt; k < (i + 1) * perPrompt; k++) body += lines[picks[k]!]!;
    return head + body;
  };
  // Without the server's /tokenize there is no count to make each text for.
  const intended = ctx.tokenizer.exact ? await mapRange(ctx.count, TOKENIZE_CONCURRENCY, (i) => intendedLen(text(i), ctx)) : null;
  const outputLen = ds['output-len'] ?? 150;
  return lazyList(ctx.count, (i) => ({
    get prompt() {
      return text(i);
    },
    intendedPromptTokens: intended?.[i] ?? null,
    outputLen,
  }));
}

/** vLLM's is_valid_sequence with its defaults (min_len 4, max_prompt_len 1024, max_total_len 2048). */
export function isValidSequence(promptLen: number, outputLen: number, skipMinOutputLenCheck: boolean): boolean {
  if (promptLen < 4 || (!skipMinOutputLenCheck && outputLen < 4)) return false;
  return promptLen <= 1024 && promptLen + outputLen <= 2048;
}

async function sharegptDataset(
  ds: Extract<Dataset, { type: 'sharegpt' }>,
  ctx: BuildContext,
  source: DatasetSource | undefined,
): Promise<EntryList> {
  if (source?.type !== 'sharegpt') throw new GateError('INTERNAL', 'the sharegpt dataset was given no conversations');
  const file = source.file;
  // A copy of the list (of references): the source may serve another suite, which must shuffle the same list.
  const pairs = source.pairs.slice();
  const rng = new Rng(ds.seed ?? 0);
  rng.shuffle(pairs);
  const fixedOut = ds['output-len'];
  const out: DatasetEntry[] = [];
  // Tokenize in batches until enough pairs passed the filter (vLLM walks the shuffled list the same way).
  for (let from = 0; from < pairs.length && out.length < ctx.count;) {
    const batch = pairs.slice(from, from + Math.max(TOKENIZE_CONCURRENCY * 4, (ctx.count - out.length) * 2));
    from += batch.length;
    const sized = await mapLimit(batch, TOKENIZE_CONCURRENCY, async (p) => {
      const promptLen = await sizeOf(ctx.tokenizer, p.prompt);
      const outputLen = fixedOut ?? (await sizeOf(ctx.tokenizer, p.completion));
      return { p, promptLen, outputLen };
    });
    for (const s of sized) {
      if (out.length >= ctx.count) break;
      if (!isValidSequence(s.promptLen, s.outputLen, fixedOut !== undefined)) continue;
      const intended =
        ctx.endpoint === 'chat' ? await ctx.tokenizer.countChat(chatMessages(s.p.prompt)) : ctx.tokenizer.exact ? s.promptLen : null;
      out.push({ prompt: s.p.prompt, intendedPromptTokens: intended, outputLen: s.outputLen });
    }
  }
  if (out.length === 0) {
    throw new GateError(
      'DATASET',
      `no conversation in ${file} passes vLLM's ShareGPT length filter (prompt 4 to 1024 tokens, reply at least 4, both at most 2048)`,
      {
        where: { file, path: ctx.configPath },
        hint: "use a file with ordinary conversations (the filter follows vLLM), or set output-len to ignore the replies' lengths",
      },
    );
  }
  // Too few: sample again from those found, as vLLM oversamples (the entries share their strings).
  for (let i = out.length; i < ctx.count; i++) out.push(out[rng.int(0, i - 1)]!);
  return out;
}
