// The config file as text and as a YAML document that remembers where every node came from, so a
// problem found in the data can be reported at its line and column. JSON files are read by the same
// parser (JSON is YAML 1.2), which gives them line numbers too. YAML merge keys (`<<: *defaults`)
// are honoured, so suites can share settings through an anchor.
import { LineCounter, isMap, isPair, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';
import type { KeyPath } from './key-path.js';

export interface Position {
  line: number;
  column: number;
}

export interface SyntaxProblem extends Partial<Position> {
  message: string;
}

export interface ConfigSource {
  file: string;
  data: unknown;
  /** YAML/JSON syntax errors; data is unusable when there are any. */
  syntax: SyntaxProblem[];
  /** Where the value at `path` starts; with `key: true`, where its key starts (for unknown keys). */
  locate(path: KeyPath, opts?: { key?: boolean }): Position | undefined;
}

export function parseConfigText(text: string, file: string): ConfigSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: true });
  const at = (offset: number | undefined): Position | undefined => {
    if (offset === undefined) return undefined;
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const syntax: SyntaxProblem[] = doc.errors.map((e) => ({ message: firstLine(e.message), ...at(e.pos[0]) }));
  const data = syntax.length === 0 ? doc.toJS({ maxAliasCount: 100 }) : undefined;
  return {
    file,
    data,
    syntax,
    locate: (path, opts) => {
      const found = findNode(doc, path);
      if (!found) return undefined;
      const node = opts?.key && found.key ? found.key : (found.node ?? found.key);
      return at(node?.range?.[0]);
    },
  };
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

interface Found {
  node: Node | null | undefined;
  key: Node | null | undefined;
}

/** The deepest node on `path` that exists (so a missing key is reported at its parent). */
function findNode(doc: Document, path: KeyPath): Found | undefined {
  let node: unknown = doc.contents;
  let key: Node | null | undefined;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && keyText(p.key) === String(seg));
      if (!pair) break;
      key = pair.key as Node;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (item === undefined) break;
      key = undefined;
      node = item;
    } else break;
  }
  return { node: node as Node | null | undefined, key };
}

function keyText(k: unknown): string | undefined {
  if (isScalar(k)) return String(k.value);
  return undefined;
}
