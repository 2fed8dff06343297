// The multi-turn dataset: ShareGPT conversations replayed turn by turn as chat sessions. A
// conversation's turns are its human messages, each paired with the gpt message after it (a leading
// system message stays in front of every turn); turn t sends the conversation so far, the file's
// recorded answers included, plus the next human message.
//
// The history carries the recorded answers, not the server's: every prompt is then fixed by the file
// and the seed, so a run can be fingerprinted and compared with a baseline, and a change in what the
// server writes cannot change what the next turns send. vLLM's benchmarks/multi_turn tool sends the
// server's answers instead; with recorded answers the prefix cache still holds each turn's prompt
// for the next one (the part a chat server reuses across turns), not the answer's own blocks.
//
// A session ends at max-turns, or before the first turn whose prompt and answer together pass 2,048
// tokens (vLLM's ShareGPT limit), so every request fits any model's context.
import type { Dataset, ServingSuite } from '../config/schema-types.gen.js';
import { parseDuration } from '../config/duration.js';
import { GateError } from '../errors.js';
import { checkDatasetPath, DatasetFileProblem, MAX_SHAREGPT_BYTES, readDatasetBytes, type DatasetRoots } from './dataset-file.js';
import type { BuildContext, DatasetEntry, EntryList } from './datasets.js';
import { Rng } from './rng.js';
import type { SessionPlan } from './sessions.js';
import { parseSharegpt, scanJsonValue } from './sharegpt-file.js';
import { mapLimit, sizeOf, type ChatMessage } from './tokenize.js';

type MultiTurnDs = Extract<Dataset, { type: 'multi-turn' }>;

/** A ShareGPT file read for sessions: its bytes and, per conversation with a turn, where it is. */
export interface MultiTurnSource {
  type: 'multi-turn';
  file: string;
  bytes: Buffer;
  /** Byte offsets [start, end) of each conversation that has a turn, in file order. */
  spans: number[];
  /** Turns of each of those conversations. */
  turns: number[];
  /** Elements of the file's top-level list. */
  conversations: number;
}

export interface Turn {
  user: string;
  answer: string;
}

export interface Conversation {
  system: string | null;
  turns: Turn[];
}

/** A request's prompt and answer together, at most (vLLM's ShareGPT max_total_len). */
export const MAX_TURN_TOKENS = 2048;

const DEFAULT_SESSIONS = 100;
const DEFAULT_MAX_TURNS = 10;
const TOKENIZE_CONCURRENCY = 16;

const USER = new Set(['human', 'user']);
const ASSISTANT = new Set(['gpt', 'assistant', 'chatgpt', 'bard', 'bing']);

const FORMAT =
  'a ShareGPT file is a JSON list of {"conversations": [{"from": "human", "value": "..."}, {"from": "gpt", "value": "..."}, ...]}';

/**
 * The turns of one ShareGPT element: human then gpt messages, in pairs, up to the first message that
 * breaks the alternation or holds no text (what follows it is not a conversation the pairs answer).
 */
export function conversationOf(item: unknown): Conversation {
  const conv = (item as { conversations?: unknown } | null)?.conversations;
  const out: Conversation = { system: null, turns: [] };
  if (!Array.isArray(conv)) return out;
  const msgs = conv as { from?: unknown; value?: unknown }[];
  let i = 0;
  if (msgs[0]?.from === 'system' && typeof msgs[0].value === 'string' && msgs[0].value.trim() !== '') {
    out.system = msgs[0].value;
    i = 1;
  }
  for (; i + 1 < msgs.length; i += 2) {
    const u = msgs[i];
    const a = msgs[i + 1];
    if (!USER.has(String(u?.from)) || !ASSISTANT.has(String(a?.from))) break;
    if (typeof u?.value !== 'string' || typeof a?.value !== 'string' || u.value.trim() === '' || a.value.trim() === '') break;
    out.turns.push({ user: u.value, answer: a.value });
  }
  return out;
}

/** The conversations of a ShareGPT file's bytes: where each is and its turns; located errors as the sharegpt dataset's. */
export function scanConversations(bytes: Buffer): { spans: number[]; turns: number[]; conversations: number } {
  const spans: number[] = [];
  const turns: number[] = [];
  let conversations = 0;
  try {
    let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
    i = skipWs(bytes, i);
    if (bytes[i] !== 0x5b) throw new Error('not a list');
    i = skipWs(bytes, i + 1);
    if (bytes[i] === 0x5d) i++;
    else {
      for (;;) {
        const start = skipWs(bytes, i);
        const end = scanJsonValue(bytes, start);
        conversations++;
        const n = conversationOf(JSON.parse(bytes.toString('utf8', start, end))).turns.length;
        if (n > 0) {
          spans.push(start, end);
          turns.push(n);
        }
        i = skipWs(bytes, end);
        if (bytes[i] === 0x2c) i++;
        else if (bytes[i] === 0x5d) {
          i++;
          break;
        } else throw new Error('no separator');
      }
    }
    if (skipWs(bytes, i) < bytes.length) throw new Error('text after the list');
  } catch (e) {
    if (e instanceof DatasetFileProblem) throw e;
    // The sharegpt reader says where and what, at line and column, without echoing the file.
    parseSharegpt(bytes);
    throw new DatasetFileProblem(`not a ShareGPT file: ${(e as Error).message}`, FORMAT);
  }
  return { spans, turns, conversations };
}

function skipWs(b: Uint8Array, i: number): number {
  while (b[i] === 0x20 || b[i] === 0x0a || b[i] === 0x0d || b[i] === 0x09) i++;
  return i;
}

/** Turns a usable conversation has at least: two (a history to replay), or one when max-turns is 1. */
export function minTurns(ds: MultiTurnDs): number {
  return Math.min(2, ds['max-turns'] ?? DEFAULT_MAX_TURNS);
}

/** Reads and checks a multi-turn dataset's file: a ShareGPT list with num-sessions usable conversations. */
export async function loadMultiTurnSource(file: string, ds: MultiTurnDs, roots: DatasetRoots | null): Promise<MultiTurnSource> {
  let bytes: Buffer;
  try {
    const { real } = await checkDatasetPath(file, { roots, maxBytes: MAX_SHAREGPT_BYTES });
    bytes = await readDatasetBytes(real, MAX_SHAREGPT_BYTES);
  } catch (e) {
    if (e instanceof DatasetFileProblem && e.message.startsWith('file not found'))
      throw new DatasetFileProblem(
        e.message,
        'point dataset.path at a ShareGPT JSON file (relative to the config file); vllm-perf-gate never downloads datasets',
      );
    throw e;
  }
  const scan = scanConversations(bytes);
  const need = ds['num-sessions'] ?? DEFAULT_SESSIONS;
  const least = minTurns(ds);
  const usable = scan.turns.filter((n) => n >= least).length;
  if (usable < need) {
    const what = least === 2 ? 'with 2 turns or more (a human and a gpt message, twice)' : 'with a turn (a human and a gpt message)';
    throw new DatasetFileProblem(
      `${file} has ${usable} conversation${usable === 1 ? '' : 's'} ${what} of ${scan.conversations}, fewer than num-sessions ${need}`,
      `lower num-sessions to at most ${usable}, or use a file with more multi-turn conversations (${FORMAT})`,
    );
  }
  return { type: 'multi-turn', file, bytes, ...scan };
}

/** Settings of a serving suite a multi-turn dataset cannot run with, each with its key under the suite. */
export function multiTurnSuiteProblems(suite: ServingSuite): { key: string; message: string; hint: string }[] {
  if (suite.dataset.type !== 'multi-turn') return [];
  const out: { key: string; message: string; hint: string }[] = [];
  if ((suite.endpoint ?? 'completions') !== 'chat')
    out.push({
      key: 'endpoint',
      message: `the multi-turn dataset sends a conversation's history as chat messages; it needs endpoint: chat, not ${suite.endpoint ?? 'completions (the default)'}`,
      hint: 'set `endpoint: chat` in the suite',
    });
  if (suite['request-rates'] !== undefined)
    out.push({
      key: 'request-rates',
      message: 'a multi-turn suite sweeps `concurrency`, the number of sessions in flight; request-rates has no meaning for sessions',
      hint: 'replace request-rates with e.g. `concurrency: [1, 4, 16]`',
    });
  if (suite['prompts-per-concurrency'] !== undefined)
    out.push({
      key: 'prompts-per-concurrency',
      message: 'a multi-turn point sends every turn of its num-sessions sessions; prompts-per-concurrency has no meaning for sessions',
      hint: 'remove it and set dataset.num-sessions',
    });
  if (suite.stop !== undefined)
    out.push({
      key: 'stop',
      message: 'adaptive points stop between requests, which would cut sessions short; a multi-turn point runs every session to its end',
      hint: 'remove `stop`, and size the point with dataset.num-sessions',
    });
  return out;
}

/** A session dataset: every turn of every session, in session order, and where each session starts. */
export interface SessionEntryList extends EntryList {
  sessions: SessionPlan;
}

/** The plan of a dataset whose requests are sessions; undefined for the others. */
export function sessionPlanOf(entries: EntryList): SessionPlan | undefined {
  return (entries as Partial<SessionEntryList>).sessions;
}

/** The chat messages of turn t (0-based): the history with recorded answers, then the t-th user message. */
export function turnMessages(conv: Conversation, t: number): ChatMessage[] {
  const out: ChatMessage[] = conv.system !== null ? [{ role: 'system', content: conv.system }] : [];
  for (let k = 0; k < t; k++)
    out.push({ role: 'user', content: conv.turns[k]!.user }, { role: 'assistant', content: conv.turns[k]!.answer });
  out.push({ role: 'user', content: conv.turns[t]!.user });
  return out;
}

interface SizedSession {
  conv: Conversation;
  intended: (number | null)[];
  outputLen: number[];
}

export async function multiTurnDataset(ds: MultiTurnDs, ctx: BuildContext, source: unknown): Promise<SessionEntryList> {
  const at = ctx.configPath ?? 'dataset';
  if (ctx.endpoint !== 'chat') {
    throw new GateError('DATASET', 'the multi-turn dataset sends chat messages; it needs the chat endpoint', {
      where: { path: `${at.replace(/\.dataset$/, '')}.endpoint` },
      hint: 'set `endpoint: chat` in the suite',
    });
  }
  const src = source as MultiTurnSource | undefined;
  if (src?.type !== 'multi-turn') throw new GateError('INTERNAL', 'the multi-turn dataset was given no conversations');
  const thinkMs = parseDuration(ds['think-time'] ?? 0, { path: `${at}.think-time` });
  const numSessions = ds['num-sessions'] ?? DEFAULT_SESSIONS;
  const maxTurns = ds['max-turns'] ?? DEFAULT_MAX_TURNS;
  const least = minTurns(ds);
  const order: number[] = [];
  for (let c = 0; c < src.turns.length; c++) if (src.turns[c]! >= least) order.push(c);
  new Rng(ds.seed ?? 0).shuffle(order);

  const sessions: SizedSession[] = [];
  // Size conversations in batches until enough keep their least turns under the length limit.
  for (let from = 0; from < order.length && sessions.length < numSessions;) {
    const batch = order.slice(from, from + Math.max(TOKENIZE_CONCURRENCY, (numSessions - sessions.length) * 2));
    from += batch.length;
    const sized = await mapLimit(batch, TOKENIZE_CONCURRENCY, (c) => sizeSession(conversationAt(src, c), maxTurns, ds['output-len'], ctx));
    for (const s of sized) if (sessions.length < numSessions && s.outputLen.length >= least) sessions.push(s);
  }
  if (sessions.length < numSessions) {
    throw new GateError(
      'DATASET',
      `${src.file} has ${sessions.length} conversations whose first ${least} turns fit in ${MAX_TURN_TOKENS} tokens (prompt with its history, plus the answer), fewer than num-sessions ${numSessions}`,
      {
        where: { file: src.file, path: `${at}.num-sessions` },
        hint: `lower num-sessions to at most ${sessions.length}, or give output-len to ask for shorter answers`,
      },
    );
  }
  return sessionEntries(sessions, thinkMs);
}

/** Conversation c of the source (parsed again from its bytes: only the sessions drawn are ever held). */
function conversationAt(src: MultiTurnSource, c: number): Conversation {
  return conversationOf(JSON.parse(src.bytes.toString('utf8', src.spans[2 * c]!, src.spans[2 * c + 1]!)));
}

/** The turns of a conversation that are sent: up to max-turns, each prompt and answer within the limit. */
async function sizeSession(conv: Conversation, maxTurns: number, fixedOut: number | undefined, ctx: BuildContext): Promise<SizedSession> {
  const out: SizedSession = { conv, intended: [], outputLen: [] };
  for (let t = 0; t < Math.min(maxTurns, conv.turns.length); t++) {
    const messages = turnMessages(conv, t);
    const intended = await ctx.tokenizer.countChat(messages);
    const size = intended ?? estimateChat(messages);
    const outputLen = fixedOut ?? (await sizeOf(ctx.tokenizer, conv.turns[t]!.answer));
    if (size + outputLen > MAX_TURN_TOKENS) break;
    out.intended.push(intended);
    out.outputLen.push(outputLen);
  }
  return out;
}

/** 4 bytes a token, and a few tokens of template a message, without a server tokenizer. */
function estimateChat(messages: ChatMessage[]): number {
  let bytes = 0;
  for (const m of messages) bytes += Buffer.byteLength(m.content);
  return Math.round(bytes / 4) + 4 * messages.length + 3;
}

/** Every turn as an entry, session by session; a turn's messages are made when read. */
function sessionEntries(sessions: SizedSession[], thinkMs: number): SessionEntryList {
  const starts = new Int32Array(sessions.length + 1);
  for (let s = 0; s < sessions.length; s++) starts[s + 1] = starts[s]! + sessions[s]!.outputLen.length;
  const total = starts[sessions.length]!;
  const plan: SessionPlan = { starts, thinkMs };
  const sessionOf = new Int32Array(total);
  for (let s = 0; s < sessions.length; s++) sessionOf.fill(s, starts[s]!, starts[s + 1]!);
  const entry = (i: number): DatasetEntry => {
    const s = sessionOf[i]!;
    const t = i - starts[s]!;
    const session = sessions[s]!;
    return {
      get messages() {
        return turnMessages(session.conv, t);
      },
      // What the fingerprint reads: the messages exactly as sent.
      get prompt() {
        return JSON.stringify(turnMessages(session.conv, t));
      },
      intendedPromptTokens: session.intended[t]!,
      outputLen: session.outputLen[t]!,
    };
  };
  return { length: total, at: (i) => (Number.isInteger(i) && i >= 0 && i < total ? entry(i) : undefined), sessions: plan };
}
