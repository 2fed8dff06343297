// Serialises the way Python's json.dump does with its defaults, so a file we write in vLLM's format
// is byte-for-byte what vLLM would write: one line, ", " and ": " separators, non-ASCII escaped,
// NaN/Infinity as bare tokens, and floats written as Python's repr writes them (1.0, 1e-05, 1e+16).
// JavaScript has one number type, so the caller says which keys hold Python ints.

export function pythonJsonDumps(value: unknown, intKeys: ReadonlySet<string> = new Set()): string {
  return dump(value, false, intKeys);
}

function dump(v: unknown, isInt: boolean, intKeys: ReadonlySet<string>): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return isInt && Number.isInteger(v) ? String(v) : pythonFloatRepr(v);
  if (typeof v === 'string') return pythonString(v);
  if (Array.isArray(v)) return `[${v.map((x) => dump(x, isInt, intKeys)).join(', ')}]`;
  if (typeof v === 'object') {
    const parts = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .map(([k, x]) => `${pythonString(k)}: ${dump(x, intKeys.has(k), intKeys)}`);
    return `{${parts.join(', ')}}`;
  }
  return pythonString(String(v));
}

/** JSON string with ensure_ascii: everything outside printable ASCII as \uXXXX (lower-case hex). */
export function pythonString(s: string): string {
  return JSON.stringify(s).replace(/[^\x20-\x7e]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** repr(float(x)) as CPython writes it: shortest round-trip digits, exponent when < 1e-4 or >= 1e16. */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const [mant, exp] = Math.abs(x).toExponential().split('e') as [string, string];
  const digits = mant.replace('.', '');
  const decpt = Number(exp) + 1; // the decimal point sits after `decpt` digits
  if (decpt > 16 || decpt < -3) {
    const e = decpt - 1;
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  if (decpt <= 0) return `${sign}0.${'0'.repeat(-decpt)}${digits}`;
  if (decpt >= digits.length) return `${sign}${digits}${'0'.repeat(decpt - digits.length)}.0`;
  return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
}
