// Reads a ShareGPT file (a JSON list of {conversations: [{from, value}, ...]}) one conversation at a
// time: the list is walked byte by byte and each element parsed on its own, so only the first two
// turns of each conversation are kept (not the whole tree of a 642 MiB file), no string longer than
// one conversation is ever made, and a syntax error is reported at its line and column with what was
// expected there, never with the file's text (a parse error must not echo a secret into a log).
import { DatasetFileProblem, positionOf } from './dataset-file.js';

export interface SharegptPair {
  prompt: string;
  completion: string;
}

export interface SharegptContent {
  /** (first turn, second turn) of every conversation with two string turns, in file order. */
  pairs: SharegptPair[];
  /** Elements of the top-level list. */
  conversations: number;
}

/** Where a JSON syntax error is and what the parser wanted there. */
class JsonSyntax extends Error {
  constructor(
    readonly offset: number,
    readonly expected: string,
  ) {
    super(expected);
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

function isWs(c: number | undefined): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x39;
}

function isHex(c: number | undefined): boolean {
  return c !== undefined && ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66));
}

function skipWs(b: Uint8Array, i: number): number {
  while (isWs(b[i])) i++;
  return i;
}

const ESCAPES = new Set([QUOTE, BACKSLASH, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74]); // " \ / b f n r t

function scanString(b: Uint8Array, i: number): number {
  i++; // the opening quote
  for (;;) {
    const c = b[i];
    if (c === undefined) throw new JsonSyntax(i, 'a closing `"` (the string runs to the end of the file)');
    if (c === QUOTE) return i + 1;
    if (c === BACKSLASH) {
      const e = b[i + 1];
      if (e !== undefined && ESCAPES.has(e)) i += 2;
      else if (e === 0x75 && isHex(b[i + 2]) && isHex(b[i + 3]) && isHex(b[i + 4]) && isHex(b[i + 5])) i += 6;
      else throw new JsonSyntax(i, 'an escape sequence (\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\u and four hex digits)');
    } else if (c < 0x20) throw new JsonSyntax(i, 'an escape such as \\n in place of a control character inside a string');
    else i++;
  }
}

function scanDigits(b: Uint8Array, i: number): number {
  if (!isDigit(b[i])) throw new JsonSyntax(i, 'a digit');
  while (isDigit(b[i])) i++;
  return i;
}

function scanNumber(b: Uint8Array, i: number): number {
  if (b[i] === 0x2d) i++; // -
  if (b[i] === 0x30) i++;
  else i = scanDigits(b, i);
  if (b[i] === 0x2e) i = scanDigits(b, i + 1); // .
  if (b[i] === 0x65 || b[i] === 0x45) {
    i++;
    if (b[i] === 0x2b || b[i] === 0x2d) i++;
    i = scanDigits(b, i);
  }
  return i;
}

const LITERALS = ['true', 'false', 'null'].map((w) => Buffer.from(w));

function scanLiteral(b: Uint8Array, i: number): number {
  for (const lit of LITERALS) {
    if (b[i] !== lit[0]) continue;
    for (let k = 1; k < lit.length; k++)
      if (b[i + k] !== lit[k]) throw new JsonSyntax(i, 'a value (a string, number, object, list, true, false or null)');
    return i + lit.length;
  }
  throw new JsonSyntax(i, 'a value (a string, number, object, list, true, false or null)');
}

/** After `{` or `,` in an object: a key and its colon; returns where the value starts. */
function scanKey(b: Uint8Array, i: number): number {
  i = skipWs(b, i);
  if (b[i] !== QUOTE) throw new JsonSyntax(i, 'a key in double quotes');
  i = skipWs(b, scanString(b, i));
  if (b[i] !== COLON) throw new JsonSyntax(i, '`:` after the key');
  return i + 1;
}

/** Checks one JSON value that starts at `start` (after any whitespace); returns the offset just past it. */
export function scanJsonValue(b: Uint8Array, start: number): number {
  const stack: number[] = []; // the open containers, OPEN_BRACE or OPEN_BRACKET
  let i = start;
  for (;;) {
    i = skipWs(b, i);
    const c = b[i];
    let opened = false;
    if (c === OPEN_BRACE) {
      i = skipWs(b, i + 1);
      if (b[i] === CLOSE_BRACE) i++;
      else {
        stack.push(OPEN_BRACE);
        i = scanKey(b, i);
        opened = true;
      }
    } else if (c === OPEN_BRACKET) {
      i = skipWs(b, i + 1);
      if (b[i] === CLOSE_BRACKET) i++;
      else {
        stack.push(OPEN_BRACKET);
        opened = true;
      }
    } else if (c === QUOTE) i = scanString(b, i);
    else if (c === 0x2d || isDigit(c)) i = scanNumber(b, i);
    else i = scanLiteral(b, i);
    if (opened) continue; // the container's first value comes next
    // A value ended: close every container it completes, then go on after a comma.
    for (;;) {
      const top = stack[stack.length - 1];
      if (top === undefined) return i;
      i = skipWs(b, i);
      const d = b[i];
      if (d === COMMA) {
        i = top === OPEN_BRACE ? scanKey(b, i + 1) : i + 1;
        break;
      }
      if ((top === OPEN_BRACKET && d === CLOSE_BRACKET) || (top === OPEN_BRACE && d === CLOSE_BRACE)) {
        stack.pop();
        i++;
        continue;
      }
      throw new JsonSyntax(i, top === OPEN_BRACKET ? '`,` or `]`' : '`,` or `}`');
    }
  }
}

/** The first two turns of a conversation, when both are strings (vLLM takes them as prompt and reply). */
function pairOf(item: unknown): SharegptPair | undefined {
  const conv = (item as { conversations?: unknown } | null)?.conversations;
  if (!Array.isArray(conv) || conv.length < 2) return undefined;
  const [a, b] = conv as { value?: unknown }[];
  if (typeof a?.value !== 'string' || typeof b?.value !== 'string') return undefined;
  return { prompt: a.value, completion: b.value };
}

/** Parses a ShareGPT file's bytes; a DatasetFileProblem at line:column when it is not a JSON list. */
export function parseSharegpt(b: Uint8Array): SharegptContent {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  const pairs: SharegptPair[] = [];
  let conversations = 0;
  let i = buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0; // a UTF-8 byte-order mark
  try {
    i = skipWs(buf, i);
    if (buf[i] !== OPEN_BRACKET) throw new JsonSyntax(i, 'a JSON list `[` of conversations');
    i = skipWs(buf, i + 1);
    if (buf[i] === CLOSE_BRACKET) i++;
    else {
      for (;;) {
        const start = skipWs(buf, i);
        const end = scanJsonValue(buf, start);
        conversations++;
        let item: unknown;
        try {
          item = JSON.parse(buf.toString('utf8', start, end));
        } catch {
          throw new JsonSyntax(start, 'a conversation the JSON parser accepts');
        }
        const pair = pairOf(item);
        if (pair) pairs.push(pair);
        i = skipWs(buf, end);
        if (buf[i] === COMMA) i++;
        else if (buf[i] === CLOSE_BRACKET) {
          i++;
          break;
        } else throw new JsonSyntax(i, '`,` or `]` after a conversation');
      }
    }
    i = skipWs(buf, i);
    if (i < buf.length) throw new JsonSyntax(i, 'the end of the file after the list');
  } catch (e) {
    if (!(e instanceof JsonSyntax)) throw e;
    const at = positionOf(buf, e.offset);
    const end = e.offset >= buf.length ? ', found the end of the file' : '';
    throw new DatasetFileProblem(
      `not valid JSON: expected ${e.expected}${end}`,
      'a ShareGPT file is a JSON list of {"conversations": [{"from": "human", "value": "..."}, {"from": "gpt", "value": "..."}]}: fix the file at that position, or download it again',
      at,
    );
  }
  return { pairs, conversations };
}
