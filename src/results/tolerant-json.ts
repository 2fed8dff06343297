// Reads what Python's json.dump writes, which is not always JSON: bare NaN, Infinity and -Infinity
// tokens (vLLM writes them when a figure is undefined or a rate is infinite), several top-level
// values one after another (JSON lines from `vllm bench serve --append-result`), and pretty-printed
// values spanning lines. One pass over the text finds each top-level value and rewrites the bare
// tokens outside strings (NaN -> null, Infinity -> "inf", -Infinity -> "-inf"; "inf" is how vLLM
// itself writes an infinite request rate), so the contents of strings are never touched.
// A syntax error names its line and column and what was expected there, never the text itself.

import { findSyntaxError } from './json-syntax.js';

export interface JsonRecord {
  value: unknown;
  /** 1-based line where the value starts. */
  line: number;
  /** Offset in the text where the value starts. */
  offset: number;
}

export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
    this.name = 'JsonSyntaxError';
  }
}

const BARE = [
  { token: '-Infinity', json: '"-inf"' },
  { token: 'Infinity', json: '"inf"' },
  { token: 'NaN', json: 'null' },
] as const;

/** Every top-level JSON value in `text`, in order. Throws JsonSyntaxError with the line and column. */
export function parseJsonRecords(text: string): JsonRecord[] {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const position = (offset: number): { line: number; column: number } => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - lineStarts[lo]! + 1 };
  };

  const records: JsonRecord[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const start = i;
    let out = '';
    let copied = start;
    // [offset in `out`, offset in `text`] after each rewrite, to map error positions back.
    const shifts: [number, number][] = [];
    if (c === '{' || c === '[') {
      let depth = 0;
      let inString = false;
      for (; i < text.length; i++) {
        const ch = text[i]!;
        if (inString) {
          if (ch === '\\') i++;
          else if (ch === '"') inString = false;
        } else if (ch === '"') inString = true;
        else if (ch === '{' || ch === '[') depth++;
        else if (ch === '}' || ch === ']') {
          if (--depth === 0) {
            i++;
            break;
          }
        } else if (ch === 'N' || ch === 'I' || ch === '-') {
          const bare = bareAt(text, i);
          if (bare) {
            out += text.slice(copied, i) + bare.json;
            i += bare.token.length;
            copied = i;
            shifts.push([out.length, i]);
            i--;
          }
        }
      }
      if (depth > 0) throw syntaxError(text, start, undefined, position);
    } else {
      // A top-level scalar: a string, or a token up to the next space or bracket.
      SCALAR.lastIndex = i;
      const m = SCALAR.exec(text);
      i += m ? m[0].length : 1;
      const bare = bareAt(text, start);
      if (bare && bare.token.length === i - start) {
        out = bare.json;
        copied = i;
        shifts.push([out.length, i]);
      }
    }
    out += text.slice(copied, i);
    let value: unknown;
    try {
      value = JSON.parse(out);
    } catch (err) {
      const m = /position (\d+)/.exec((err as Error).message);
      throw syntaxError(text, start, m ? toTextOffset(Number(m[1]), shifts, start) : start, position);
    }
    records.push({ value, line: position(start).line, offset: start });
  }
  return records;
}

/**
 * The error of the value at `start`, worded by findSyntaxError. V8's message is never used: it quotes
 * the text. Its position (`v8At`) stands in only if the two parsers disagree.
 */
function syntaxError(
  text: string,
  start: number,
  v8At: number | undefined,
  position: (offset: number) => { line: number; column: number },
): JsonSyntaxError {
  const problem = findSyntaxError(text, start) ?? { offset: v8At ?? start, expected: 'valid JSON', found: 'something else' };
  const p = position(problem.offset);
  if (problem.offset >= text.length) {
    return new JsonSyntaxError(
      `not valid JSON: the file ends inside the value that starts at line ${position(start).line} (expected ${problem.expected})`,
      p.line,
      p.column,
    );
  }
  return new JsonSyntaxError(`not valid JSON: expected ${problem.expected}, found ${problem.found}`, p.line, p.column);
}

/**
 * The line of top-level key `key` of the object that starts at `offset` (the last one, if the key is
 * written twice: JSON.parse keeps the last), or undefined. For naming the line of a bad figure.
 */
export function topLevelKeyLine(text: string, offset: number, key: string): number | undefined {
  if (text[offset] !== '{') return undefined;
  let depth = 0;
  let found: number | undefined;
  for (let i = offset; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '{' || ch === '[') depth++;
    else if (ch === '}' || ch === ']') {
      if (--depth === 0) break;
    } else if (ch === '"') {
      const begin = i;
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      if (depth === 1 && /^\s*:/.test(text.slice(i + 1, i + 64)) && decodeKey(text.slice(begin, i + 1)) === key) found = begin;
    }
  }
  return found === undefined ? undefined : lineOf(text, found);
}

function decodeKey(literal: string): string | undefined {
  if (!literal.includes('\\')) return literal.slice(1, -1);
  try {
    return JSON.parse(literal) as string;
  } catch {
    return undefined;
  }
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

const SCALAR = /"(?:[^"\\]|\\.)*"|[^\s{}[\]"]+/y;

function bareAt(text: string, i: number): (typeof BARE)[number] | undefined {
  return BARE.find((b) => text.startsWith(b.token, i) && !/[A-Za-z0-9_]/.test(text[i + b.token.length] ?? ''));
}

function toTextOffset(outOffset: number, shifts: [number, number][], start: number): number {
  let base: [number, number] = [0, start];
  for (const s of shifts) if (s[0] <= outOffset) base = s;
  return base[1] + (outOffset - base[0]);
}
