import { describe, expect, it } from 'vitest';
import { findSyntaxError, scanJsonValue } from '../../src/results/json-syntax.js';
import { JsonSyntaxError, parseJsonRecords, topLevelKeyLine } from '../../src/results/tolerant-json.js';

function syntaxError(text: string): JsonSyntaxError {
  try {
    parseJsonRecords(text);
  } catch (e) {
    if (e instanceof JsonSyntaxError) return e;
    throw e;
  }
  throw new Error('no syntax error');
}

describe('parseJsonRecords', () => {
  it('reads one JSON object', () => {
    expect(parseJsonRecords('{"a": 1}\n')).toEqual([{ value: { a: 1 }, line: 1, offset: 0 }]);
  });

  it('reads JSON lines, giving each record its line', () => {
    expect(parseJsonRecords('{"a": 1}\n{"a": 2}\n\n{"a": 3}')).toEqual([
      { value: { a: 1 }, line: 1, offset: 0 },
      { value: { a: 2 }, line: 2, offset: 9 },
      { value: { a: 3 }, line: 4, offset: 19 },
    ]);
  });

  it('reads pretty-printed values spanning lines, and values written back to back', () => {
    expect(parseJsonRecords('{\n    "a": [1,\n 2]\n}{"b": {}}').map((r) => r.value)).toEqual([{ a: [1, 2] }, { b: {} }]);
  });

  it('turns bare NaN into null and bare Infinity into "inf", as vLLM writes infinite rates', () => {
    const [r] = parseJsonRecords('{"x": NaN, "burstiness": Infinity, "y": -Infinity, "z": [NaN, 1]}');
    expect(r!.value).toEqual({ x: null, burstiness: 'inf', y: '-inf', z: [null, 1] });
  });

  it('leaves the same words inside strings alone, escaped quotes included', () => {
    const text = '{"note": "NaN Infinity -Infinity", "q": "say \\"NaN\\", {[", "k": "a\\\\"}';
    expect(parseJsonRecords(text)[0]!.value).toEqual({ note: 'NaN Infinity -Infinity', q: 'say "NaN", {[', k: 'a\\' });
  });

  it('reports a syntax error at its line and column in the original text', () => {
    const text = '{"a": 1}\n{"b": NaN, "c": 2,, "d": 3}\n';
    let err: unknown;
    try {
      parseJsonRecords(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(JsonSyntaxError);
    expect((err as JsonSyntaxError).line).toBe(2);
    // The bare NaN before the error shifts positions in the rewritten text; the column is the original's.
    expect((err as JsonSyntaxError).column).toBe(text.split('\n')[1]!.indexOf(',,') + 2);
  });

  it('reports an unclosed value with the line it starts on', () => {
    expect(() => parseJsonRecords('{"a": 1}\n{"b": [1, 2]\n')).toThrow(
      "not valid JSON: the file ends inside the value that starts at line 2 (expected ',' or '}')",
    );
  });

  it('reports a wrong closing bracket where it is, and what would have closed the list', () => {
    const err = syntaxError('{"a": 1}\n{"b": [1, 2}\n');
    expect({ message: err.message, line: err.line, column: err.column }).toEqual({
      message: "not valid JSON: expected ',' or ']', found '}'",
      line: 2,
      column: 12,
    });
  });

  it('never quotes the text: a token file read as JSON gives a position and what was expected', () => {
    const err = syntaxError('hf_FILESECRET_abcdef\n');
    expect(err.message).toBe(
      'not valid JSON: expected a value (an object, a list, a string in double quotes, a number, true, false or null); a word there can only be true, false or null, found a letter',
    );
    expect([err.line, err.column]).toEqual([1, 1]);
    for (const text of [
      '{"k": "hf_SECRET\n"}',
      '{"k": hf_SECRET}',
      '{"k": 1 hf_SECRET}',
      "{'hf_SECRET': 1}",
      '{"k": "\\q hf_SECRET"}',
      '[1, 2,]',
    ]) {
      expect(syntaxError(text).message, text).not.toMatch(/SECRET|hf_|Unexpected|position/);
    }
  });

  it.each([
    ['{"a": 1,}', "a key in double quotes, found '}'", 1, 9],
    ['{"a" 1}', "':' after the key, found a digit", 1, 6],
    ['{\n  "a": "x\n"}', "'\"' to close the string (a line break or tab inside a string is written \\n or \\t), found a line break", 2, 10],
    ['{"a": 01}', "',' or '}', found a digit", 1, 8],
    ['{"a": 1.}', "a digit after '.', found '}'", 1, 9],
    ['{"a": "\\x"}', 'an escape: \\" \\\\ \\/ \\b \\f \\n \\r \\t or \\u and four hexadecimal digits, found a letter', 1, 9],
    ["{'a': 1}", "a key in double quotes or '}', found a single quote (JSON strings are in double quotes)", 1, 2],
    ['1,2', "a line break or the end of the file after the value, found ','", 1, 2],
  ])('says what was expected in %s', (text, expected, line, column) => {
    const err = syntaxError(text);
    expect({ message: err.message, line: err.line, column: err.column }).toEqual({
      message: `not valid JSON: expected ${expected}`,
      line,
      column,
    });
  });
});

describe('topLevelKeyLine', () => {
  it('finds the line of a top-level key of a pretty-printed record, not of a nested one of the same name', () => {
    const text = '{"x": 1}\n{\n  "meta": {"a": 1,\n    "a": 2},\n  "a": "s",\n  "b\\"c": 3\n}';
    const [, rec] = parseJsonRecords(text);
    expect(topLevelKeyLine(text, rec!.offset, 'a')).toBe(5);
    expect(topLevelKeyLine(text, rec!.offset, 'b"c')).toBe(6);
    expect(topLevelKeyLine(text, rec!.offset, 'x')).toBeUndefined();
  });
});

describe('parseJsonRecords on generated JSON', () => {
  // A seeded generator of nested values whose strings are full of the tokens the rewrite looks for.
  function rng(seed: number): () => number {
    let s = seed >>> 0;
    return () => {
      s = (s + 0x6d2b79f5) >>> 0;
      let t = Math.imul(s ^ (s >>> 15), 1 | s);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  const PIECES = ['NaN', 'Infinity', '-Infinity', '"', '\\', '{', '}', '[', ']', ',', ':', ' ', '\n', 'é', 'x', '1e5'];
  function value(r: () => number, depth: number): unknown {
    const k = Math.floor(r() * (depth > 3 ? 4 : 6));
    if (k === 0) return null;
    if (k === 1) return (r() - 0.5) * 10 ** Math.floor(r() * 20 - 10);
    if (k === 2) return Array.from({ length: Math.floor(r() * 6) }, () => PIECES[Math.floor(r() * PIECES.length)]).join('');
    if (k === 3) return r() < 0.5;
    if (k === 4) return Array.from({ length: Math.floor(r() * 4) }, () => value(r, depth + 1));
    return Object.fromEntries(
      Array.from({ length: Math.floor(r() * 4) }, (_, i) => [`${PIECES[Math.floor(r() * PIECES.length)]}${i}`, value(r, depth + 1)]),
    );
  }

  it('finds a syntax error exactly when JSON.parse does, in texts with one character changed', () => {
    const r = rng(7);
    const CHANGES = ['', '"', '\\', '{', '}', '[', ']', ',', ':', ' ', '\n', 'x', '1', '-', '.', 'e'];
    let broken = 0;
    for (let i = 0; i < 2000; i++) {
      const text = JSON.stringify({ v: value(r, 0) }, null, i % 2 ? 2 : undefined).replace(/NaN|Infinity/g, 'nan');
      const at = Math.floor(r() * text.length);
      const mutated = text.slice(0, at) + CHANGES[Math.floor(r() * CHANGES.length)]! + text.slice(at + 1);
      let v8ok = true;
      try {
        JSON.parse(mutated);
      } catch {
        v8ok = false;
      }
      const start = mutated.search(/\S/);
      const ours = start === -1 ? undefined : scanJsonValue(mutated, start);
      // JSON.parse reads one value and then only white space.
      const valid = ours !== undefined && 'end' in ours && mutated.slice(ours.end).trim() === '';
      expect(valid, mutated).toBe(v8ok);
      if (ours && 'expected' in ours) expect(findSyntaxError(mutated, start)).toEqual(ours);
      if (!v8ok) broken++;
    }
    expect(broken).toBeGreaterThan(500);
  });

  it('reads every JSON document exactly as JSON.parse does, however it is indented or packed into lines', () => {
    const r = rng(42);
    for (let i = 0; i < 300; i++) {
      const values = Array.from({ length: 1 + Math.floor(r() * 3) }, () => ({ v: value(r, 0) }));
      const text = values.map((v) => JSON.stringify(v, null, i % 3 === 0 ? 2 : undefined)).join(i % 2 ? '\n' : '');
      expect(parseJsonRecords(text).map((x) => x.value)).toEqual(values);
    }
  });
});
