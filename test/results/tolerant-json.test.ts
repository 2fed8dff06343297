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
    return Object.fromEntries(Array.from({ length: Math.floor(r() * 4) }, (_, i) => [`${PIECES[Math.floor(r() * PIECES.length)]}${i}`, value(r, depth + 1)]));
  }

  it('reads every JSON document exactly as JSON.parse does, however it is indented or packed into lines', () => {
    const r = rng(42);
    for (let i = 0; i < 300; i++) {
      const values = Array.from({ length: 1 + Math.floor(r() * 3) }, () => ({ v: value(r, 0) }));
      const text = values.map((v) => JSON.stringify(v, null, i % 3 === 0 ? 2 : undefined)).join(i % 2 ? '\n' : '');
      expect(parseJsonRecords(text).map((x) => x.value)).toEqual(values);
    }
  });
});
