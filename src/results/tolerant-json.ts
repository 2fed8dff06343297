// Reads what Python's json.dump writes, which is not always JSON: bare NaN, Infinity and -Infinity
// tokens (vLLM writes them when a figure is undefined or a rate is infinite), several top-level
// values one after another (JSON lines from `vllm bench serve --append-result`), and pretty-printed
// values spanning lines. One pass over the text finds each top-level value and rewrites the bare
// tokens outside strings (NaN -> null, Infinity -> "inf", -Infinity -> "-inf"; "inf" is how vLLM
// itself writes an infinite request rate), so the contents of strings are never touched.

export interface JsonRecord {
  value: unknown;
  /** 1-based line where the value starts. */
  line: number;
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
      if (depth > 0) {
        const p = position(start);
        throw new JsonSyntaxError(`unexpected end of file: the value that starts at line ${p.line} is not closed`, p.line, p.column);
      }
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
    try {
      records.push({ value: JSON.parse(out), line: position(start).line });
    } catch (err) {
      const m = /position (\d+)/.exec((err as Error).message);
      const at = m ? toTextOffset(Number(m[1]), shifts, start) : start;
      const p = position(at);
      throw new JsonSyntaxError(`not valid JSON: ${(err as Error).message.split('\n')[0]}`, p.line, p.column);
    }
  }
  return records;
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
