// Reading a vLLM CI suite file (serving-tests.json, latency-tests.json, throughput-tests.json) into
// a list of tests with every key's location, so a mapping error can name file, line, test and key.
// JSON.parse reads the values (trailing commas, which vLLM's own README example of the {defaults,
// tests} form has, are blanked first); the yaml parser, which reads JSON as YAML 1.2, reads the same
// text again for the line of every key, which JSON.parse cannot give.
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import { GateError } from '../errors.js';
import { didYouMean } from './did-you-mean.js';
import { isPlainObject, joinPath } from './presets-overrides.js';

/** The sections a test may have: the two sweep lists, and maps of flags or variables. */
const LIST_SECTIONS = ['qps_list', 'max_concurrency_list'] as const;
const MAP_SECTION_NAMES = [
  'server_parameters',
  'server_environment_variables',
  'client_parameters',
  'parameters',
  'environment_variables',
] as const;

export type Section = (typeof LIST_SECTIONS)[number] | (typeof MAP_SECTION_NAMES)[number];

export const SECTIONS: readonly Section[] = [...LIST_SECTIONS, ...MAP_SECTION_NAMES];

const MAP_SECTIONS = new Set<Section>(MAP_SECTION_NAMES);

/** A value from the file and where it was written (a key path inside the file). */
export interface Located<T = unknown> {
  value: T;
  /** Path segments inside the file, e.g. ['tests', 1, 'client_parameters', 'dataset_name']. */
  at: (string | number)[];
}

export interface SuiteFileTest {
  name: string;
  /** Position of the test in the file. */
  at: (string | number)[];
  /** List sections (qps_list, max_concurrency_list): the effective list, test over defaults. */
  lists: Partial<Record<'qps_list' | 'max_concurrency_list', Located<unknown[]>>>;
  /** Map sections after the shallow merge (test wins), keys as written, each with its location. */
  maps: Partial<Record<Section, Map<string, Located>>>;
  /** Which sections the test or the defaults had at all. */
  present: Set<Section>;
}

export interface SuiteFile {
  /** The path shown in messages. */
  file: string;
  /** `array` (plain list of tests) or `defaults` ({defaults, tests}). */
  form: 'array' | 'defaults';
  tests: SuiteFileTest[];
  /** Line of a key path, when the parser knows it. */
  lineOf(at: (string | number)[]): number | undefined;
  /** True when the file was not strict JSON (e.g. trailing commas) and was read leniently. */
  lenient: boolean;
}

export function formatAt(at: (string | number)[]): string {
  return at.reduce<string>((p, s) => joinPath(p, s), '');
}

/** Section names as vLLM writes them, however the file spells them (`qps-list` is `qps_list`). */
function sectionOf(key: string): Section | undefined {
  const k = key.replace(/-/g, '_');
  return (SECTIONS as readonly string[]).includes(k) ? (k as Section) : undefined;
}

export async function readSuiteFile(abs: string, shown: string): Promise<SuiteFile> {
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new GateError(
      'CONFIG',
      `vLLM suite file ${shown} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(err)})`}`,
      {
        where: { file: shown },
        hint: 'the `vllm-suite:` path is relative to the config file',
        cause: err,
      },
    );
  }
  return parseSuiteText(text, shown);
}

/**
 * vLLM's README example of the {defaults, tests} form has trailing commas; nothing else non-JSON is
 * accepted. Each such comma becomes a space, so positions and lines stay where they were.
 */
export function blankTrailingCommas(text: string): string {
  const out = text.split('');
  let inString = false;
  for (let i = 0; i < out.length; i++) {
    const c = out[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === ',') {
      let j = i + 1;
      while (j < out.length && /\s/.test(out[j]!)) j++;
      if (out[j] === '}' || out[j] === ']') out[i] = ' ';
    }
  }
  return out.join('');
}

function lineAt(text: string, pos: number): number {
  let line = 1;
  for (let i = 0; i < pos && i < text.length; i++) if (text[i] === '\n') line++;
  return line;
}

export function parseSuiteText(text: string, shown: string): SuiteFile {
  let value: unknown;
  let lenient = false;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const cleaned = blankTrailingCommas(text);
    try {
      value = JSON.parse(cleaned);
      lenient = true;
    } catch {
      const msg = (err as Error).message;
      const pos = /position (\d+)/.exec(msg);
      const ln = /line (\d+)/.exec(msg);
      const line = ln ? Number(ln[1]) : pos ? lineAt(text, Number(pos[1])) : undefined;
      throw new GateError('CONFIG', `vLLM suite file ${shown} is not valid JSON: ${msg}`, {
        where: { file: shown, ...(line ? { line } : {}) },
      });
    }
  }
  // Parsed again only to know the line of every key, for error messages.
  const lineCounter = new LineCounter();
  const doc = parseDocument(lenient ? blankTrailingCommas(text) : text, { lineCounter, uniqueKeys: false });
  const lineOf = (at: (string | number)[]): number | undefined => {
    if (doc.errors.length > 0) return undefined;
    const node = doc.getIn(at, true) as { range?: [number, number, number] } | undefined;
    return node?.range ? lineCounter.linePos(node.range[0]).line : undefined;
  };
  const fail = (at: (string | number)[], message: string, hint?: string): never => {
    const line = lineOf(at);
    throw new GateError('CONFIG', message, {
      where: { file: shown, ...(at.length ? { path: formatAt(at) } : {}), ...(line ? { line } : {}) },
      ...(hint ? { hint } : {}),
    });
  };

  let form: SuiteFile['form'];
  let rawTests: unknown[];
  let defaults: Record<string, unknown> = {};
  let testsAt: (string | number)[];
  if (Array.isArray(value)) {
    form = 'array';
    rawTests = value;
    testsAt = [];
  } else if (isPlainObject(value) && Array.isArray(value.tests)) {
    form = 'defaults';
    rawTests = value.tests;
    testsAt = ['tests'];
    for (const k of Object.keys(value)) {
      if (k !== 'tests' && k !== 'defaults') {
        fail([k], `vLLM suite file ${shown}: unknown top-level key \`${k}\``, 'the {defaults, tests} form has only `defaults` and `tests`');
      }
    }
    if (value.defaults !== undefined) {
      if (!isPlainObject(value.defaults)) fail(['defaults'], `vLLM suite file ${shown}: \`defaults\` must be an object`);
      defaults = value.defaults as Record<string, unknown>;
    }
  } else {
    return fail(
      [],
      `vLLM suite file ${shown} is neither a list of tests nor a {defaults, tests} object`,
      'see docs/presets.md "vLLM CI suite files" for the formats vLLM uses',
    );
  }

  const sectionsOf = (obj: Record<string, unknown>, at: (string | number)[], allowName: boolean) => {
    const out = new Map<Section, Located>();
    for (const [k, v] of Object.entries(obj)) {
      if (allowName && k === 'test_name') continue;
      const section = sectionOf(k);
      if (!section) {
        const guess = didYouMean(k, [...SECTIONS, ...(allowName ? ['test_name'] : [])]);
        fail(
          [...at, k],
          `vLLM suite file ${shown}: unknown key \`${k}\`${allowName && typeof obj.test_name === 'string' ? ` in test ${obj.test_name}` : ''}`,
          guess ? `did you mean \`${guess}\`?` : `a test has test_name and ${SECTIONS.join(', ')}`,
        );
      }
      const s = section as Section;
      if (MAP_SECTIONS.has(s) ? !isPlainObject(v) : !Array.isArray(v)) {
        fail([...at, k], `vLLM suite file ${shown}: \`${k}\` must be ${MAP_SECTIONS.has(s) ? 'an object' : 'a list'}`);
      }
      out.set(s, { value: v, at: [...at, k] });
    }
    return out;
  };

  const defaultSections = sectionsOf(defaults, ['defaults'], false);
  const seen = new Set<string>();
  const tests: SuiteFileTest[] = rawTests.map((raw, i) => {
    const at = [...testsAt, i];
    if (!isPlainObject(raw)) return fail(at, `vLLM suite file ${shown}: test ${formatAt(at) || i} must be an object`);
    const name = raw.test_name;
    if (typeof name !== 'string' || name === '') {
      return fail(
        at,
        `vLLM suite file ${shown}: test ${formatAt(at)} has no test_name`,
        'every test needs "test_name": "serving_..." (or latency_..., throughput_...)',
      );
    }
    if (seen.has(name)) fail([...at, 'test_name'], `vLLM suite file ${shown}: test_name ${name} appears twice`);
    seen.add(name);
    const own = sectionsOf(raw, at, true);
    const test: SuiteFileTest = { name, at, lists: {}, maps: {}, present: new Set() };
    for (const s of SECTIONS) {
      const d = defaultSections.get(s);
      const t = own.get(s);
      if (!d && !t) continue;
      test.present.add(s);
      if (s === 'qps_list' || s === 'max_concurrency_list') {
        test.lists[s] = (t ?? d) as Located<unknown[]>;
        continue;
      }
      // Shallow merge per section, the test's keys over the defaults' (as vLLM's driver does).
      const merged = new Map<string, Located>();
      for (const src of [d, t]) {
        if (!src) continue;
        for (const [k, v] of Object.entries(src.value as Record<string, unknown>)) {
          // `num_prompts` in defaults and `num-prompts` in a test are one key.
          for (const existing of merged.keys()) if (existing.replace(/-/g, '_') === k.replace(/-/g, '_')) merged.delete(existing);
          merged.set(k, { value: v, at: [...src.at, k] });
        }
      }
      test.maps[s] = merged;
    }
    return test;
  });
  return { file: shown, form, tests, lineOf, lenient };
}
