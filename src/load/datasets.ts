// The prompts of a serving suite, built once before its points run, as vLLM's datasets build them
// (vllm/benchmarks/datasets; research doc §1.2):
//   random   token ids, sent as a token-id prompt so lengths are exact (completions); prefix-len shared
//            ids in front; lengths ~ U{floor(L(1-r)) .. ceil(L(1+r))} (output at least 1)
//   sharegpt vLLM's JSON format; first human turn = prompt, first gpt turn = reference completion;
//            vLLM's filter (prompt >= 4, output >= 4 unless output-len is given, prompt <= 1024,
//            prompt + output <= 2048); a seeded shuffle, then the first N that pass
//   sonnet   "Pick as many lines as you can from these poem lines:\n" + the first lines of the text
//            as a shared prefix + lines drawn at random, packed to input-len tokens
//   fixed    one prompt again and again
// The intended prompt length of each entry is what usage.prompt_tokens should say: the id count, or
// the server's /tokenize count of exactly what is sent. Never downloads anything.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Dataset } from '../config/schema-types.gen.js';
import { GateError } from '../errors.js';
import { Rng } from './rng.js';
import { BUILTIN_SONNETS } from './sonnet-text.js';
import { mapLimit, sizeOf, type ChatMessage, type Tokenizer } from './tokenize.js';

export interface DatasetEntry {
  /** Token ids (completions only) or text. */
  prompt: string | number[];
  intendedPromptTokens: number | null;
  /** max_tokens to ask for. */
  outputLen: number;
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
}

/**
 * Token ids random prompts draw from: a range every common tokenizer has as ordinary tokens (vLLM
 * uses the model's vocabulary minus special ids; the client cannot know it, and 32,000 is the
 * smallest vocabulary in common use).
 */
export const RANDOM_TOKEN_LO = 1000;
export const RANDOM_TOKEN_SPAN = 20_000;

const TOKENIZE_CONCURRENCY = 16;

export async function buildDataset(ds: Dataset, ctx: BuildContext): Promise<DatasetEntry[]> {
  switch (ds.type) {
    case 'random':
      return randomDataset(ds, ctx);
    case 'fixed':
      return fixedDataset(ds, ctx);
    case 'sonnet':
      return sonnetDataset(ds, ctx);
    case 'sharegpt':
      return sharegptDataset(ds, ctx);
  }
}

/** The chat messages a text prompt is sent as. */
export function chatMessages(text: string): ChatMessage[] {
  return [{ role: 'user', content: text }];
}

async function intendedLen(text: string, ctx: BuildContext): Promise<number | null> {
  return ctx.endpoint === 'chat' ? ctx.tokenizer.countChat(chatMessages(text)) : ctx.tokenizer.countPrompt(text);
}

type RandomDs = Extract<Dataset, { type: 'random' }>;

/** Ids and lengths of the random dataset: pure and seeded (no server needed for completions). */
export function randomTokenPrompts(ds: RandomDs, count: number): { ids: number[]; outputLen: number }[] {
  const L = ds['input-len'] ?? 1024;
  const O = ds['output-len'] ?? 128;
  const P = ds['prefix-len'] ?? 0;
  const r = ds['range-ratio'] ?? 0;
  const rng = new Rng(ds.seed ?? 0);
  const prefix = Array.from({ length: P }, () => RANDOM_TOKEN_LO + rng.int(0, RANDOM_TOKEN_SPAN - 1));
  const out: { ids: number[]; outputLen: number }[] = [];
  for (let i = 0; i < count; i++) {
    const inLen = rng.int(Math.floor(L * (1 - r)), Math.ceil(L * (1 + r)));
    const outLen = rng.int(Math.max(1, Math.floor(O * (1 - r))), Math.ceil(O * (1 + r)));
    const offset = rng.int(0, RANDOM_TOKEN_SPAN - 1);
    const ids = prefix.slice();
    for (let j = 0; j < inLen; j++) ids.push(RANDOM_TOKEN_LO + ((offset + i + j) % RANDOM_TOKEN_SPAN));
    out.push({ ids, outputLen: outLen });
  }
  return out;
}

async function randomDataset(ds: RandomDs, ctx: BuildContext): Promise<DatasetEntry[]> {
  const prompts = randomTokenPrompts(ds, ctx.count);
  if (ctx.endpoint === 'completions') return prompts.map((p) => ({ prompt: p.ids, intendedPromptTokens: p.ids.length, outputLen: p.outputLen }));
  // Chat takes text: the server turns the ids into text, and counts the templated messages.
  return mapLimit(prompts, TOKENIZE_CONCURRENCY, async (p) => {
    const text = await ctx.tokenizer.detokenize(p.ids);
    if (text === null) {
      throw new GateError('DATASET', 'the random dataset on the chat endpoint needs the server to turn token ids into text (POST /detokenize), and it did not', {
        where: { path: ctx.configPath ?? 'dataset' },
        hint: 'use endpoint: completions (token-id prompts), or a text dataset (sonnet, sharegpt, fixed) for chat',
      });
    }
    return { prompt: text, intendedPromptTokens: await intendedLen(text, ctx), outputLen: p.outputLen };
  });
}

async function fixedDataset(ds: Extract<Dataset, { type: 'fixed' }>, ctx: BuildContext): Promise<DatasetEntry[]> {
  const intended = await intendedLen(ds.prompt, ctx);
  const outputLen = ds['max-tokens'] ?? 128;
  return Array.from({ length: ctx.count }, () => ({ prompt: ds.prompt, intendedPromptTokens: intended, outputLen }));
}

const SONNET_BASE_PROMPT = 'Pick as many lines as you can from these poem lines:\n';

async function sonnetDataset(ds: Extract<Dataset, { type: 'sonnet' }>, ctx: BuildContext): Promise<DatasetEntry[]> {
  const text = ds.path ? await readDatasetFile(ds.path, ctx, 'sonnet') : BUILTIN_SONNETS;
  // Lines keep their newline, as Python's readlines() keeps it and vLLM joins them with "".
  const lines = text.split('\n').filter((l) => l.trim().length > 0).map((l) => `${l}\n`);
  if (lines.length === 0) throw new GateError('DATASET', `the sonnet text ${ds.path ?? '(built-in)'} has no lines`, { where: { file: ds.path, path: ctx.configPath } });
  const inputLen = ds['input-len'] ?? 550;
  const prefixLen = ds['prefix-len'] ?? 200;
  const lineLens = await mapLimit(lines, TOKENIZE_CONCURRENCY, (l) => sizeOf(ctx.tokenizer, l));
  const avgLen = lineLens.reduce((a, b) => a + b, 0) / lineLens.length;
  const baseOffset = await sizeOf(ctx.tokenizer, SONNET_BASE_PROMPT);
  if (inputLen < baseOffset || prefixLen > inputLen) {
    throw new GateError('DATASET', `sonnet input-len ${inputLen} must be at least the instruction's ${baseOffset} tokens and at least prefix-len ${prefixLen}`, {
      where: { path: `${ctx.configPath ?? 'dataset'}.input-len` },
      hint: `raise input-len (vLLM's default is 550 with prefix-len 200)`,
    });
  }
  const numInputLines = Math.round((inputLen - baseOffset) / avgLen);
  const numPrefixLines = Math.max(Math.round((prefixLen - baseOffset) / avgLen), 0);
  const prefix = lines.slice(0, Math.min(numPrefixLines, lines.length)).join('');
  const rng = new Rng(ds.seed ?? 0);
  const outputLen = ds['output-len'] ?? 150;
  const prompts = Array.from({ length: ctx.count }, () => {
    let body = '';
    for (let k = numPrefixLines; k < numInputLines; k++) body += lines[rng.int(0, lines.length - 1)]!;
    return SONNET_BASE_PROMPT + prefix + body;
  });
  return mapLimit(prompts, TOKENIZE_CONCURRENCY, async (p) => ({ prompt: p, intendedPromptTokens: await intendedLen(p, ctx), outputLen }));
}

/** vLLM's is_valid_sequence with its defaults (min_len 4, max_prompt_len 1024, max_total_len 2048). */
export function isValidSequence(promptLen: number, outputLen: number, skipMinOutputLenCheck: boolean): boolean {
  if (promptLen < 4 || (!skipMinOutputLenCheck && outputLen < 4)) return false;
  return promptLen <= 1024 && promptLen + outputLen <= 2048;
}

interface ShareGptTurn {
  from?: unknown;
  value?: unknown;
}

/** The (prompt, reference completion) pairs of a ShareGPT file: conversations of two turns or more. */
export function sharegptPairs(data: unknown, file: string): { prompt: string; completion: string }[] {
  if (!Array.isArray(data)) throw new GateError('DATASET', `${file} is not a ShareGPT file: expected a JSON list of conversations`, { where: { file } });
  const pairs: { prompt: string; completion: string }[] = [];
  for (const item of data) {
    const conv = (item as { conversations?: unknown })?.conversations;
    if (!Array.isArray(conv) || conv.length < 2) continue;
    const [a, b] = conv as ShareGptTurn[];
    if (typeof a?.value !== 'string' || typeof b?.value !== 'string') continue;
    pairs.push({ prompt: a.value, completion: b.value });
  }
  return pairs;
}

async function sharegptDataset(ds: Extract<Dataset, { type: 'sharegpt' }>, ctx: BuildContext): Promise<DatasetEntry[]> {
  const file = resolvePath(ds.path, ctx);
  const text = await readDatasetFile(ds.path, ctx, 'sharegpt');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new GateError('DATASET', `${file} is not valid JSON: ${(e as Error).message}`, { where: { file } });
  }
  const pairs = sharegptPairs(data, file);
  const rng = new Rng(ds.seed ?? 0);
  rng.shuffle(pairs);
  const fixedOut = ds['output-len'];
  const out: DatasetEntry[] = [];
  // Tokenize in batches until enough pairs passed the filter (vLLM walks the shuffled list the same way).
  for (let from = 0; from < pairs.length && out.length < ctx.count; ) {
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
      const intended = ctx.endpoint === 'chat' ? await ctx.tokenizer.countChat(chatMessages(s.p.prompt)) : ctx.tokenizer.exact ? s.promptLen : null;
      out.push({ prompt: s.p.prompt, intendedPromptTokens: intended, outputLen: s.outputLen });
    }
  }
  if (out.length === 0) throw new GateError('DATASET', `no conversation in ${file} passes vLLM's ShareGPT length filter`, { where: { file, path: ctx.configPath } });
  // Too few: sample again from those found, as vLLM oversamples.
  for (let i = out.length; i < ctx.count; i++) out.push(out[rng.int(0, i - 1)]!);
  return out;
}

function resolvePath(p: string, ctx: BuildContext): string {
  return path.isAbsolute(p) ? p : path.resolve(ctx.baseDir ?? process.cwd(), p);
}

async function readDatasetFile(p: string, ctx: BuildContext, kind: 'sharegpt' | 'sonnet'): Promise<string> {
  const file = resolvePath(p, ctx);
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as { code?: string }).code;
    const hint =
      kind === 'sharegpt'
        ? 'download it once and point dataset.path at it, e.g. wget https://huggingface.co/datasets/anon8231489123/ShareGPT_Vicuna_unfiltered/resolve/main/ShareGPT_V3_unfiltered_cleaned_split.json (vllm-perf-gate never downloads datasets; in CI, cache the file)'
        : 'give the path of a text file with one line per verse, or leave path out to use the built-in sonnets';
    throw new GateError('DATASET', code === 'ENOENT' ? `${kind} dataset file not found: ${file}` : `cannot read ${kind} dataset file ${file}: ${(e as Error).message}`, {
      where: { file, path: `${ctx.configPath ?? 'dataset'}.path` },
      hint,
    });
  }
}
