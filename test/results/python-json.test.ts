import { describe, expect, it } from 'vitest';
import { pythonFloatRepr, pythonJsonDumps } from '../../src/results/python-json.js';

describe('pythonFloatRepr writes floats as CPython repr() does', () => {
  // Expected strings are what python3 printed for repr(x).
  const cases: [number, string][] = [
    [1, '1.0'],
    [0, '0.0'],
    [-0, '-0.0'],
    [0.1, '0.1'],
    [1e-5, '1e-05'],
    [0.0001, '0.0001'],
    [1e16, '1e+16'],
    [1e15, '1000000000000000.0'],
    // eslint-disable-next-line no-loss-of-precision -- the literal is rounded on purpose, as Python's float is
    [123456789012345678, '1.2345678901234568e+17'],
    [1.5e-7, '1.5e-07'],
    [203.5104987300001, '203.5104987300001'],
    [2.5e20, '2.5e+20'],
    [0.9827502819171137, '0.9827502819171137'],
    [5e-324, '5e-324'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
    [-3.25, '-3.25'],
    [100, '100.0'],
    [NaN, 'NaN'],
    [Infinity, 'Infinity'],
    [-Infinity, '-Infinity'],
  ];
  for (const [x, want] of cases) {
    it(`${String(x)} -> ${want}`, () => expect(pythonFloatRepr(x)).toBe(want));
  }
});

describe('pythonJsonDumps', () => {
  it('uses json.dump separators, escapes non-ASCII, and writes ints only for the keys declared int', () => {
    const v = { a: 'é\u007f\n\t"\\ 😀', b: [1, 2, null, true], c: {}, n: 3 };
    expect(pythonJsonDumps(v, new Set(['n']))).toBe(
      '{"a": "\\u00e9\\u007f\\n\\t\\"\\\\ \\ud83d\\ude00", "b": [1.0, 2.0, null, true], "c": {}, "n": 3}',
    );
  });
});

describe('pythonFloatRepr on many doubles', () => {
  it('always reads back as the same number, with the same shortest digits JavaScript finds', () => {
    let s = 7;
    const r = (): number => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let i = 0; i < 2000; i++) {
      const x = (r() - 0.5) * 10 ** Math.floor(r() * 60 - 30);
      const repr = pythonFloatRepr(x);
      expect(Number(repr)).toBe(x);
      const digits = (v: string): string => v.replace(/^-/, '').replace(/e.*$/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
      expect(digits(repr)).toBe(digits(Math.abs(x).toExponential()));
    }
  });
});
