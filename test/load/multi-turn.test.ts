// The multi-turn dataset: ShareGPT conversations replayed turn by turn as chat sessions. What a
// session sends (the history with the recorded answers, then the next user message), that it is made
// again from its seed and fingerprinted, what is refused before a server boots, and, on vllm-sim, that
// later turns find their history in the prefix cache (a costly prefill makes it show in TTFT).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dataset, ServingSuite } from '../../src/config/schema-types.gen.js';
import { loadConfig } from '../../src/config/load.js';
import { metricInfo } from '../../src/catalog/metrics.js';
import { isGateError, type GateError } from '../../src/errors.js';
import { prepareDatasets } from '../../src/load/dataset-check.js';
import { buildDataset, type EntryList } from '../../src/load/datasets.js';
import { sessionPlanOf } from '../../src/load/multi-turn.js';
import { turnOf } from '../../src/load/sessions.js';
import { estimatingTokenizer } from '../../src/load/tokenize.js';
import { datasetFingerprint, pointRecords, runServingSuite } from '../../src/suites/serving.js';
import { startSim, type RunningSim } from '../support/sim.js';
import { nonClientReasons, suite } from '../serving/support.js';
import { scratchFolders } from '../support/scratch.js';

const tmp = scratchFolders('vpg-multiturn');

type Msg = { from: string; value: string };
const conv = (...msgs: [string, string][]): { conversations: Msg[] } => ({
  conversations: msgs.map(([from, value]) => ({ from, value })),
});
/** A conversation of `turns` human/gpt pairs, its messages naming it and the turn. */
const talk = (name: string, turns: number): { conversations: Msg[] } =>
  conv(
    ...Array.from({ length: turns }, (_, t): [string, string][] => [
      ['human', `${name} question ${t + 1}`],
      ['gpt', `${name} answer ${t + 1}`],
    ]).flat(),
  );

function writeJson(dir: string, name: string, data: unknown): string {
  writeFileSync(path.join(dir, name), JSON.stringify(data));
  return name;
}

async function build(dir: string, ds: Dataset, endpoint: 'chat' | 'completions' = 'chat'): Promise<EntryList> {
  return buildDataset(ds, { endpoint, tokenizer: estimatingTokenizer(), count: 1, baseDir: dir });
}

function fingerprint(ds: Dataset, list: EntryList): string {
  return datasetFingerprint({ name: 'x', kind: 'serving', endpoint: 'chat', dataset: ds } as ServingSuite, list);
}

/** Each session as the first word of its first user message, in the order the point sends them. */
function sessionNames(list: EntryList): string[] {
  const plan = sessionPlanOf(list)!;
  const firstWord = (i: number): string =>
    list
      .at(i)!
      .messages!.find((m) => m.role === 'user')!
      .content.split(' ')[0]!;
  return Array.from({ length: plan.starts.length - 1 }, (_, s) => firstWord(plan.starts[s]!));
}

describe('multi-turn sessions from a ShareGPT file', () => {
  const dir = tmp();
  const file = writeJson(dir, 'chats.json', [
    conv(['system', 'Be brief.'], ['human', 'a question 1'], ['gpt', 'a answer 1'], ['human', 'a question 2'], ['gpt', 'a answer 2']),
    talk('b', 3),
    talk('c', 1), // one turn: no history to replay
    conv(['human', 'd question 1'], ['gpt', 'd answer 1'], ['gpt', 'out of turn'], ['human', 'never sent']), // one turn, then broken
    talk('e', 2),
    conv(['human', 'f question 1'], ['gpt', 'f answer 1'], ['human', 'x'.repeat(9000)], ['gpt', 'f answer 2']), // turn 2 too long
  ]);
  const ds: Dataset = { type: 'multi-turn', path: file, 'num-sessions': 3, 'max-turns': 3, 'output-len': 5, seed: 3 };

  it('turn t sends the history with the recorded answers, then the next user message; a session is one conversation', async () => {
    const list = await build(dir, ds);
    const plan = sessionPlanOf(list)!;
    expect(plan.thinkMs).toBe(0);
    const names = sessionNames(list);
    expect([...names].sort()).toEqual(['a', 'b', 'e']);
    // Conversation b has three turns; the third carries both earlier questions and answers.
    const b = plan.starts[names.indexOf('b')]!;
    expect(list.at(b + 2)!.messages).toEqual([
      { role: 'user', content: 'b question 1' },
      { role: 'assistant', content: 'b answer 1' },
      { role: 'user', content: 'b question 2' },
      { role: 'assistant', content: 'b answer 2' },
      { role: 'user', content: 'b question 3' },
    ]);
    expect(list.at(b)!.outputLen).toBe(5);
    // A leading system message stays in front of every turn.
    const a = plan.starts[names.indexOf('a')]!;
    expect(list.at(a + 1)!.messages![0]).toEqual({ role: 'system', content: 'Be brief.' });
    expect(list.length).toBe(2 + 3 + 2);
    expect(turnOf(plan, b + 2)).toEqual({ session: names.indexOf('b'), turn: 2 });
  });

  it('leaves out conversations with one turn, a broken one, and one whose second turn is over 2,048 tokens', async () => {
    const list = await build(dir, { ...ds, 'num-sessions': 3 });
    expect(sessionNames(list).sort()).toEqual(['a', 'b', 'e']);
    await expect(build(dir, { ...ds, 'num-sessions': 4 })).rejects.toThrow(/has 3 conversations whose first 2 turns fit in 2048 tokens/);
    // With max-turns 1 every conversation with a turn is a session of one turn.
    const single = await build(dir, { ...ds, 'num-sessions': 6, 'max-turns': 1 });
    expect(single.length).toBe(6);
    expect(sessionNames(single).sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
  });

  it('asks for each turn the recorded answer length unless output-len is given', async () => {
    const list = await build(dir, { ...ds, 'output-len': undefined } as Dataset);
    const lens = Array.from({ length: list.length }, (_, i) => list.at(i)!.outputLen);
    // "x answer n" is 10 bytes: 3 tokens at the estimate's 4 bytes a token.
    expect(new Set(lens)).toEqual(new Set([3]));
  });

  it('is made again from its seed; another seed draws another order; seed and max-turns enter the fingerprint', async () => {
    const a = await build(dir, ds);
    const again = await build(dir, ds);
    expect(sessionNames(again)).toEqual(sessionNames(a));
    expect(fingerprint(ds, again)).toBe(fingerprint(ds, a));
    const orders = new Set<string>();
    for (let seed = 0; seed < 8; seed++) orders.add(sessionNames(await build(dir, { ...ds, seed })).join(','));
    expect(orders.size).toBeGreaterThan(1);
    for (const change of [{ seed: 4 }, { 'max-turns': 2 }, { 'output-len': 6 }]) {
      const other = { ...ds, ...change } as Dataset;
      expect(fingerprint(other, await build(dir, other)), JSON.stringify(change)).not.toBe(fingerprint(ds, a));
    }
  });

  it('refuses the completions endpoint when built', async () => {
    await expect(build(dir, ds, 'completions')).rejects.toThrow(/needs the chat endpoint/);
  });
});

describe('multi-turn settings refused before a server boots', () => {
  function writeConfig(d: string, suites: string[]): string {
    const f = path.join(d, 'perf.yml');
    writeFileSync(f, ['version: 1', 'server: { url: "http://127.0.0.1:9" }', 'suites:', ...suites, ''].join('\n'));
    return f;
  }

  async function problem(d: string, suites: string[]): Promise<GateError> {
    const f = writeConfig(d, suites);
    const err = (await loadConfig(f)
      .then((l) => prepareDatasets(l, { env: {} }))
      .catch((e: unknown) => e)) as GateError;
    expect(isGateError(err)).toBe(true);
    return err;
  }

  it('a missing file, a file that is not ShareGPT, and too few multi-turn conversations: file, key and fix', async () => {
    const d = tmp();
    writeFileSync(path.join(d, 'broken.json'), '[{"conversations": [}]');
    writeJson(d, 'few.json', [talk('a', 2), talk('b', 1), talk('c', 3)]);
    const err = await problem(d, [
      '  - { name: m, kind: serving, endpoint: chat, concurrency: [1], dataset: { type: multi-turn, path: nope.json } }',
      '  - { name: b, kind: serving, endpoint: chat, concurrency: [1], dataset: { type: multi-turn, path: broken.json } }',
      '  - { name: f, kind: serving, endpoint: chat, concurrency: [1], dataset: { type: multi-turn, path: few.json, num-sessions: 3 } }',
    ]);
    expect(err.message).toContain('3 dataset problems:');
    expect(err.message).toContain(`suites[0].dataset.path: multi-turn dataset: file not found: ${path.join(d, 'nope.json')}`);
    expect(err.message).toContain(`${path.join(d, 'broken.json')}:1:`);
    expect(err.message).toContain('multi-turn dataset: not valid JSON');
    expect(err.message).toContain(
      `suites[2].dataset.path: multi-turn dataset: ${path.join(d, 'few.json')} has 2 conversations with 2 turns or more (a human and a gpt message, twice) of 3, fewer than num-sessions 3`,
    );
    expect(err.message).toContain('fix: lower num-sessions to at most 2');
  });

  it('the completions endpoint, request-rates and adaptive stops are refused at their keys', async () => {
    const d = tmp();
    writeJson(d, 'chats.json', [talk('a', 2)]);
    const err = await problem(d, [
      '  - name: m',
      '    kind: serving',
      '    request-rates: [1]',
      '    dataset: { type: multi-turn, path: chats.json, num-sessions: 1 }',
    ]);
    expect(err.message).toContain('suites[0].endpoint: the multi-turn dataset sends');
    expect(err.message).toContain('needs endpoint: chat');
    expect(err.message).toContain('fix: set `endpoint: chat` in the suite');
    expect(err.message).toContain('suites[0].request-rates: a multi-turn suite sweeps `concurrency`');
  });

  it('max-turns under 1 is refused by the config schema', async () => {
    const d = tmp();
    writeJson(d, 'chats.json', [talk('a', 2)]);
    const err = await problem(d, [
      '  - { name: m, kind: serving, endpoint: chat, concurrency: [1], dataset: { type: multi-turn, path: chats.json, max-turns: 0 } }',
    ]);
    expect(isGateError(err, 'CONFIG')).toBe(true);
    expect(err.format()).toContain('max-turns');
  });
});

describe('multi-turn sessions on vllm-sim: later turns hit the prefix cache', () => {
  // A profile whose prefill costs 40 us a prompt token: a first turn of ~1,200 tokens takes ~50 ms
  // before its first token; a later turn whose history is cached prefills only its new tokens.
  const profile = ['--sim-profile', 'rtx5090-qwen2.5-7b', '--sim-seed', '1', '--enable-prompt-tokens-details'];
  let cached: RunningSim;
  let uncached: RunningSim;
  const dir = tmp();
  // Three conversations of three turns, each opening with a long message of its own; a file for each
  // test, so that no test finds the conversations in the cache the one before warmed.
  const long = (k: number): string => `conversation ${k}:` + ' abc'.repeat(1200);
  const sessions = (from: number): unknown[] =>
    [from, from + 1, from + 2].map((k) =>
      conv(
        ['human', long(k)],
        ['gpt', 'Here is a short answer.'],
        ['human', 'Say more about it.'],
        ['gpt', 'A little more.'],
        ['human', 'And the last part?'],
        ['gpt', 'That is all.'],
      ),
    );
  writeJson(dir, 'order.json', sessions(0));
  writeJson(dir, 'cache.json', sessions(10));
  const run = (sim: RunningSim, file: string, concurrency: [number, ...number[]]) => {
    const dataset: Dataset = { type: 'multi-turn', path: file, 'num-sessions': 3, 'max-turns': 3, 'think-time': '10ms', 'output-len': 2 };
    return runServingSuite(
      suite({ endpoint: 'chat', dataset, concurrency }),
      { baseUrl: sim.url, model: 'sim-model' },
      { datasetBaseDir: dir },
    );
  };

  beforeAll(async () => {
    [cached, uncached] = await Promise.all([startSim(profile), startSim([...profile, '--no-enable-prefix-caching'])]);
  });
  afterAll(async () => {
    await Promise.all([cached?.stop(), uncached?.stop()]);
  });

  it('runs every turn of every session in order, after the previous answer and the think time', async () => {
    const s = await run(cached, 'order.json', [1, 2]);
    for (const p of s.points) {
      expect(nonClientReasons(p.validity)).toEqual([]);
      expect(p.metrics).toMatchObject({
        completed: 9,
        failed: 0,
        completed_sessions: 3,
        mean_turns_per_session: 3,
        prompt_len_mismatched: 0,
      });
      const recs = pointRecords(p)![0]!;
      const byIndex = new Map(recs.map((r) => [r.index, r]));
      for (const r of recs) {
        if (r.index % 3 === 0) continue;
        const prev = byIndex.get(r.index - 1)!;
        expect(r.scheduledMs).toBe(prev.endMs! + 10);
        expect(r.startMs).toBeGreaterThan(prev.endMs!);
      }
    }
    // Concurrency counts sessions: one at a time, then two.
    expect(s.points.map((p) => p.metrics.max_concurrent_requests)).toEqual([1, 2]);
    const sessionKeys = ['mean_session_duration_ms', 'median_session_duration_ms', 'p99_session_duration_ms', 'median_first_turn_ttft_ms'];
    for (const k of sessionKeys) expect(s.points[0]!.metrics[k], k).toBeGreaterThan(0);
    // Every figure of a session point is in the metric registry (its direction and unit are known).
    expect(Object.keys(s.points[0]!.metrics).filter((k) => !metricInfo(k).known)).toEqual([]);
    expect(metricInfo('median_later_turns_ttft_ms')).toMatchObject({ direction: 'lower-is-better', unit: 'ms', role: 'observed' });
  });

  it('a probe of an SLO search sends every turn of every session, and says so, as a sweep point does', async () => {
    // max-turns left at 10: the plan's bound, num-sessions x max-turns = 30, is not what is sent (9).
    const dataset: Dataset = { type: 'multi-turn', path: 'order.json', 'num-sessions': 3, 'output-len': 2 };
    const s = await runServingSuite(
      suite({ endpoint: 'chat', dataset, search: { over: 'concurrency', slo: { 'p99-e2el-ms': 60_000 }, start: 1, max: 1 } }),
      { baseUrl: cached.url, model: 'sim-model' },
      { datasetBaseDir: dir },
    );
    const probe = s.points.find((p) => p['search-probe'])!;
    expect(probe.metrics).toMatchObject({ completed: 9, completed_sessions: 3 });
    expect(probe['vllm-meta']?.num_prompts).toBe(9);
  });

  it('with prefix caching, later turns start far sooner than first turns and than without caching', async () => {
    const on = await run(cached, 'cache.json', [1]);
    const off = await run(uncached, 'cache.json', [1]);
    const m = on.points[0]!.metrics;
    const n = off.points[0]!.metrics;
    expect(nonClientReasons(on.points[0]!.validity)).toEqual([]);
    expect(nonClientReasons(off.points[0]!.validity)).toEqual([]);
    // Each later turn finds at least its first message (~1,200 tokens) cached; nothing without caching.
    expect(m.cached_tokens).toBeGreaterThan(6 * 1000);
    expect(n.cached_tokens ?? 0).toBe(0);
    expect(m.median_later_turns_ttft_ms!).toBeLessThan(0.5 * m.median_first_turn_ttft_ms!);
    expect(m.median_later_turns_ttft_ms!).toBeLessThan(0.5 * n.median_later_turns_ttft_ms!);
    // Without caching a later turn prefills its whole history: no faster than the first turn.
    expect(n.median_later_turns_ttft_ms!).toBeGreaterThan(0.8 * n.median_first_turn_ttft_ms!);
  });
});
