// Where and why a text is not JSON, worded without quoting it. V8's JSON.parse message quotes the
// text around the error (`"hf_FILESEC"... is not valid JSON`), and a file handed to us as results
// may hold anything, secrets included; so a syntax error names a position, what was expected there
// and what kind of character was found instead. Accepts the bare NaN, Infinity and -Infinity that
// Python's json.dump writes, as the tolerant reader does.

export interface SyntaxProblem {
  /** Offset in the text where the value goes wrong. */
  offset: number;
  /** What would have been valid there, e.g. `',' or '}'`. */
  expected: string;
  /** The kind of character found instead (`a letter`, `the end of the file`, `'}'`), never the text itself. */
  found: string;
}

const A_VALUE = 'a value (an object, a list, a string in double quotes, a number, true, false or null)';
const WORDS = new Set(['true', 'false', 'null', 'NaN', 'Infinity']);
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);

type State = { kind: 'value'; orClose: boolean } | { kind: 'key'; orClose: boolean } | { kind: 'after' };

/**
 * The first syntax error of the top-level value that starts at `start`, or undefined when that value
 * is valid and is followed by white space, the end of the text or the next value. Nesting is kept on
 * an explicit stack, so no input is deep enough to overflow the call stack.
 */
export function findSyntaxError(text: string, start: number): SyntaxProblem | undefined {
  const r = scanJsonValue(text, start);
  return 'expected' in r ? r : undefined;
}

/** The end offset of the valid top-level value at `start`, or its first syntax error. */
export function scanJsonValue(text: string, start: number): SyntaxProblem | { end: number } {
  let i = start;
  const stack: ('{' | '[')[] = [];
  const fail = (expected: string, at = i): SyntaxProblem => ({ offset: at, expected, found: describeChar(text[at]) });
  const skipSpace = (): void => {
    while (i < text.length && isSpace(text[i]!)) i++;
  };
  let state: State = { kind: 'value', orClose: false };
  for (;;) {
    if (state.kind === 'value') {
      skipSpace();
      const c = text[i];
      if (c === '{' || c === '[') {
        stack.push(c);
        i++;
        state = c === '{' ? { kind: 'key', orClose: true } : { kind: 'value', orClose: true };
        continue;
      }
      if (state.orClose && c === ']') {
        stack.pop();
        i++;
        state = { kind: 'after' };
        continue;
      }
      const problem =
        c === '"'
          ? scanString()
          : c === '-' || isDigit(c)
            ? scanNumber()
            : isLetter(c)
              ? scanWord()
              : fail(state.orClose ? `${A_VALUE} or ']'` : A_VALUE);
      if (problem) return problem;
      state = { kind: 'after' };
    } else if (state.kind === 'key') {
      skipSpace();
      if (state.orClose && text[i] === '}') {
        stack.pop();
        i++;
        state = { kind: 'after' };
        continue;
      }
      if (text[i] !== '"') return fail(state.orClose ? "a key in double quotes or '}'" : 'a key in double quotes');
      const problem = scanString();
      if (problem) return problem;
      skipSpace();
      if (text[i] !== ':') return fail("':' after the key");
      i++;
      state = { kind: 'value', orClose: false };
    } else {
      const top = stack.at(-1);
      if (top === undefined) {
        // A top-level value ends at white space, the end of the text or the next value.
        const c = text[i];
        return c === undefined || isSpace(c) || c === '{' || c === '['
          ? { end: i }
          : fail('a line break or the end of the file after the value');
      }
      skipSpace();
      const close = top === '{' ? '}' : ']';
      if (text[i] === ',') {
        i++;
        state = top === '{' ? { kind: 'key', orClose: false } : { kind: 'value', orClose: false };
      } else if (text[i] === close) {
        stack.pop();
        i++;
      } else return fail(`',' or '${close}'`);
    }
  }

  function scanString(): SyntaxProblem | undefined {
    i++; // the opening quote
    for (;;) {
      const c = text[i];
      if (c === undefined) return fail("'\"' to close the string");
      if (c === '"') {
        i++;
        return undefined;
      }
      if (c === '\\') {
        const e = text[i + 1];
        if (e === 'u') {
          for (let k = 2; k < 6; k++) if (!/[0-9A-Fa-f]/.test(text[i + k] ?? '')) return fail('four hexadecimal digits after \\u', i + k);
          i += 6;
        } else if (e !== undefined && ESCAPES.has(e)) i += 2;
        else return fail('an escape: \\" \\\\ \\/ \\b \\f \\n \\r \\t or \\u and four hexadecimal digits', i + 1);
      } else if (c.charCodeAt(0) < 0x20) {
        return fail("'\"' to close the string (a line break or tab inside a string is written \\n or \\t)");
      } else i++;
    }
  }

  function scanNumber(): SyntaxProblem | undefined {
    if (text[i] === '-') {
      i++;
      if (text.startsWith('Infinity', i)) return scanWord();
      if (!isDigit(text[i])) return fail("a digit after '-'");
    }
    if (text[i] === '0') i++;
    else while (isDigit(text[i])) i++;
    if (text[i] === '.') {
      i++;
      if (!isDigit(text[i])) return fail("a digit after '.'");
      while (isDigit(text[i])) i++;
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      if (!isDigit(text[i])) return fail('a digit in the exponent');
      while (isDigit(text[i])) i++;
    }
    return undefined;
  }

  function scanWord(): SyntaxProblem | undefined {
    const at = i;
    while (isLetter(text[i])) i++;
    return WORDS.has(text.slice(at, i)) ? undefined : fail(`${A_VALUE}; a word there can only be true, false or null`, at);
  }
}

/** A character as a kind, so that no part of the text is repeated in a message. */
export function describeChar(c: string | undefined): string {
  if (c === undefined) return 'the end of the file';
  if (c === '\n' || c === '\r') return 'a line break';
  if (c === '\t') return 'a tab';
  if (c === "'") return 'a single quote (JSON strings are in double quotes)';
  if (isLetter(c)) return 'a letter';
  if (isDigit(c)) return 'a digit';
  // Punctuation says what went wrong (a '}' for a ']') and is too short to carry a secret.
  if (/[!-~]/.test(c)) return `'${c}'`;
  if (c.charCodeAt(0) < 0x20 || c === '\u007f') return 'a control character';
  return 'a character outside ASCII';
}

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r';
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

function isLetter(c: string | undefined): boolean {
  return c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_');
}
