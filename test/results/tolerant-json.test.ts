import { describe, expect, it } from 'vitest';
import { JsonSyntaxError, parseJsonRecords } from '../../src/results/tolerant-json.js';

describe('parseJsonRecords', () => {
  it('reads one JSON object', () => {
    expect(parseJsonRecords('{"a": 1}\n')).toEqual([{ value: { a: 1 }, line: 1 }]);
  });

  it('reads JSON lines, giving each record its line', () => {
    expect(parseJsonRecords('{"a": 1}\n{"a": 2}\n\n{"a": 3}')).toEqual([
      { value: { a: 1 }, line: 1 },
      { value: { a: 2 }, line: 2 },
      { value: { a: 3 }, line: 4 },
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
    expect(() => parseJsonRecords('{"a": 1}\n{"b": [1, 2}\n')).toThrow(/line 2 is not closed/);
  });
});
