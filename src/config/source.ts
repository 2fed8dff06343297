// The config file as text and as a YAML document that remembers where every node came from, so a
// problem found in the data can be reported at its line and column. JSON files are read by the same
// parser (JSON is YAML 1.2), which gives them line numbers too. YAML merge keys (`<<: *defaults`)
// are honoured, so suites can share settings through an anchor.
import { LineCounter, isMap, isPair, isScalar, isSeq, parseDocument, visit, type Alias, type Document, type Node } from 'yaml';
import type { KeyPath } from './key-path.js';

export interface Position {
  line: number;
  column: number;
}

export interface SyntaxProblem extends Partial<Position> {
  message: string;
  hint?: string;
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
  let data: unknown;
  if (syntax.length === 0) {
    try {
      data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      // yaml refuses aliases that expand without bound ("billion laughs") with a ReferenceError.
      if (!(err instanceof ReferenceError)) throw err;
      syntax.push({
        message: `aliases expand too far (over ${MAX_ALIAS_COUNT} nodes for one alias): the document would grow without bound`,
        hint: 'write the repeated part out, or use anchors only to share settings (`<<: *base`), without aliases inside anchors',
        ...at(bombAlias(doc)?.range?.[0]),
      });
    }
  }
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

/** yaml's limit on what one alias may expand to; a config shares a suite's settings with far less. */
const MAX_ALIAS_COUNT = 100;

/** The alias to blame for an expansion bomb: the first whose anchor holds aliases itself, else the first. */
function bombAlias(doc: Document): Alias | undefined {
  const aliases: Alias[] = [];
  visit(doc, { Alias: (_k, node) => void aliases.push(node) });
  const nests = (a: Alias): boolean => {
    const target = a.resolve(doc);
    if (!target) return false;
    let found = false;
    visit(target as Node, { Alias: () => ((found = true), visit.BREAK) });
    return found;
  };
  return aliases.find(nests) ?? aliases[0];
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
