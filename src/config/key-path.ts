// Key paths as users read them (`suites[1].dataset.input-len`) and as code walks them
// (['suites', 1, 'dataset', 'input-len']).

export type KeyPath = (string | number)[];

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `['suites', 1, 'dataset', 'input-len']` -> `suites[1].dataset.input-len`; odd keys are quoted: `env["A.B"]`. */
export function formatKeyPath(path: KeyPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (PLAIN_KEY.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** The inverse of formatKeyPath (also reads plain dotted paths other modules write). */
export function parseKeyPath(text: string): KeyPath {
  const out: KeyPath = [];
  const re = /\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|\.?([^.[\]]+)/g;
  for (const m of text.matchAll(re)) {
    if (m[1] !== undefined) out.push(Number(m[1]));
    else if (m[2] !== undefined) out.push(JSON.parse(m[2]) as string);
    else if (m[3] !== undefined) out.push(m[3]);
  }
  return out;
}

/** JSON pointer (`/suites/1/dataset/input-len`, as ajv reports) -> key path. */
export function keyPathFromPointer(pointer: string, data: unknown): KeyPath {
  if (pointer === '') return [];
  const out: KeyPath = [];
  let node = data;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node) && /^\d+$/.test(seg)) {
      out.push(Number(seg));
      node = node[Number(seg)];
    } else {
      out.push(seg);
      node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[seg] : undefined;
    }
  }
  return out;
}

/** The value at `path` inside `data`, or undefined. */
export function valueAt(data: unknown, path: KeyPath): unknown {
  let node = data;
  for (const seg of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[seg];
  }
  return node;
}
