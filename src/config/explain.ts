// Turns ajv's errors into problems a user can act on. ajv reports every branch of a failed `oneOf`
// (a misspelt dataset key yields a dozen errors, one per dataset type); here the branch the user
// meant is picked (by its discriminator, such as `kind` or `type`, or by the JSON type of a scalar)
// and only that branch's errors are explained, each with the key path, what was expected, and a
// did-you-mean for unknown keys and values.
import type { ErrorObject } from 'ajv';
import { didYouMean } from './did-you-mean.js';
import { keyPathFromPointer, valueAt, type KeyPath } from './key-path.js';
import { nodeAt, pointerOf, resolve, validatorAt, type SchemaNode } from './schema.js';

export interface Problem {
  path: KeyPath;
  message: string;
  hint?: string;
  /** Report the location of the key itself (an unknown key), not of its value. */
  atKey?: boolean;
}

/** Problems of `data` against the sub-schema at `pointer` ('' = whole config); [] when valid. */
export function explain(data: unknown, pointer = '', base: KeyPath = []): Problem[] {
  const validate = validatorAt(pointer);
  if (validate(data)) return [];
  const errors = [...(validate.errors ?? [])];
  const problems: Problem[] = [];
  const handled: string[] = [];
  const oneOfs = errors.filter((e) => e.keyword === 'oneOf').sort((a, b) => a.instancePath.length - b.instancePath.length);
  for (const e of oneOfs) {
    if (handled.some((h) => within(e.instancePath, h))) continue;
    handled.push(e.instancePath);
    const sub = keyPathFromPointer(e.instancePath, data);
    problems.push(...explainOneOf(e.parentSchema as SchemaNode, valueAt(data, sub), [...base, ...sub]));
  }
  for (const e of errors) {
    if (e.keyword === 'oneOf' || handled.some((h) => within(e.instancePath, h))) continue;
    problems.push(describe(e, [...base, ...keyPathFromPointer(e.instancePath, data)]));
  }
  return dedupe(problems);
}

function within(p: string, root: string): boolean {
  return p === root || p.startsWith(`${root}/`);
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${JSON.stringify(p.path)} ${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

interface Branch {
  node: SchemaNode;
  pointer: string;
}

function explainOneOf(parent: SchemaNode, data: unknown, path: KeyPath): Problem[] {
  const parentPointer = pointerOf(parent);
  if (parentPointer === undefined || !parent.oneOf) return [{ path, message: 'does not match any allowed form' }];
  const branches: Branch[] = parent.oneOf.map((b, i) => resolve(b, `${parentPointer}/oneOf/${i}`));
  const chosen = isObject(data) ? chooseObjectBranch(branches, data, path) : chooseScalarBranch(branches, data, path, parent.default);
  if ('problem' in chosen) return [chosen.problem];
  const inner = explain(data, chosen.branch.pointer, path);
  if (inner.length > 0) return inner;
  return [{ path, message: `matches more than one of: ${branches.map((b) => describeSchema(b.node)).join(', ')}` }];
}

type Choice = { branch: Branch } | { problem: Problem };

/** Values a branch's discriminator key (a required key with `const` or `enum`) accepts. */
function discriminators(b: Branch): Map<string, unknown[]> {
  const out = new Map<string, unknown[]>();
  for (const [k, prop] of Object.entries(b.node.properties ?? {})) {
    const p = resolve(prop, '').node;
    if (!b.node.required?.includes(k)) continue;
    if (p.const !== undefined) out.set(k, [p.const]);
    else if (p.enum) out.set(k, p.enum);
  }
  return out;
}

function chooseObjectBranch(branches: Branch[], data: Record<string, unknown>, path: KeyPath): Choice {
  const objectBranches = branches.filter((b) => accepts(b.node, 'object'));
  if (objectBranches.length === 0) return { problem: expectedOneOf(branches, data, path) };
  // 1. A discriminator with a matching value.
  for (const b of objectBranches) {
    for (const [k, values] of discriminators(b)) if (k in data && values.includes(data[k])) return { branch: b };
  }
  // 2. A discriminator key present with a value no branch accepts: that key is the problem.
  const byKey = new Map<string, unknown[]>();
  for (const b of objectBranches) for (const [k, v] of discriminators(b)) byKey.set(k, [...(byKey.get(k) ?? []), ...v]);
  for (const [k, values] of byKey) {
    if (!(k in data)) continue;
    const got = data[k];
    const guess = typeof got === 'string' ? didYouMean(got, values.map(String)) : undefined;
    return {
      problem: {
        path: [...path, k],
        message: `expected ${listOr(values.map((v) => JSON.stringify(v)))}, got ${show(got)}`,
        ...(guess ? { hint: `did you mean ${JSON.stringify(guess)}?` } : {}),
      },
    };
  }
  // 3. A required key only one branch has.
  for (const b of objectBranches) {
    const others = objectBranches.filter((o) => o !== b).flatMap((o) => o.node.required ?? []);
    const unique = (b.node.required ?? []).filter((k) => !others.includes(k));
    if (unique.some((k) => k in data)) return { branch: b };
  }
  if (objectBranches.length === 1) return { branch: objectBranches[0]! };
  // 4. Nothing says which: name the keys that would.
  const keys: string[] = [];
  const constOnly = (k: string): boolean =>
    objectBranches.every((b) => !discriminators(b).has(k) || resolve(b.node.properties![k]!, '').node.const !== undefined);
  for (const [k, values] of byKey) keys.push(constOnly(k) ? `\`${k}\` (${listOr(values.map(String))})` : `\`${k}\``);
  for (const b of objectBranches) {
    if (discriminators(b).size > 0) continue;
    const others = objectBranches.filter((o) => o !== b).flatMap((o) => o.node.required ?? []);
    const unique = (b.node.required ?? []).find((k) => !others.includes(k));
    if (unique) keys.push(`\`${unique}\``);
  }
  const examples: string[] = [];
  for (const [k, values] of byKey) examples.push(`\`${k}: ${String(values[0])}\``);
  for (const k of keys.slice(byKey.size)) examples.push(`${k.slice(0, -1)}: ...\``);
  return { problem: { path, message: `missing ${listOr(keys)}`, hint: `add one, e.g. ${listOr(examples)}` } };
}

function chooseScalarBranch(branches: Branch[], data: unknown, path: KeyPath, example?: unknown): Choice {
  const t = jsonType(data);
  const matching = branches.filter((b) => accepts(b.node, t));
  if (matching.length === 0) return { problem: expectedOneOf(branches, data, path, example) };
  // A value branch (const/enum) that failed is better explained by all the alternatives.
  const b = matching[0]!;
  if (matching.length === 1 && (b.node.const !== undefined || b.node.enum) && branches.length > 1) {
    const problem = expectedOneOf(branches, data, path, example);
    const values = [...(b.node.enum ?? []), ...(b.node.const !== undefined ? [b.node.const] : [])];
    const guess = typeof data === 'string' ? didYouMean(data, values.map(String)) : undefined;
    return { problem: guess ? { ...problem, hint: `did you mean ${JSON.stringify(guess)}?` } : problem };
  }
  return { branch: b };
}

function expectedOneOf(branches: Branch[], data: unknown, path: KeyPath, example?: unknown): Problem {
  const message = `expected ${listOr(branches.flatMap((b) => describeAlts(b.node)))}, got ${show(data)}`;
  if (isObject(data)) return { path, message };
  const key = path.at(-1);
  const duration = branches.find((b) => b.node.pattern === DURATION_PATTERN);
  const hint =
    example !== undefined && !duration
      ? `write e.g. \`${typeof key === 'string' ? `${key}: ` : ''}${String(example)}\``
      : branches[0]
        ? writeInstead((duration ?? branches[0]).node, path, data)
        : undefined;
  return { path, message, ...(hint ? { hint } : {}) };
}

type JsonType = 'null' | 'boolean' | 'integer' | 'number' | 'string' | 'array' | 'object';

function jsonType(v: unknown): JsonType {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (typeof v === 'object') return 'object';
  return typeof v as JsonType;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return jsonType(v) === 'object';
}

function typesOf(node: SchemaNode): JsonType[] | undefined {
  if (node.type !== undefined) return (Array.isArray(node.type) ? node.type : [node.type]) as JsonType[];
  if (node.const !== undefined) return [jsonType(node.const)];
  if (node.enum) return [...new Set(node.enum.map(jsonType))];
  return undefined;
}

function accepts(node: SchemaNode, t: JsonType): boolean {
  const types = typesOf(node);
  if (!types) return true;
  return types.includes(t) || (t === 'integer' && types.includes('number'));
}

const DURATION_PATTERN = nodeAt('/definitions/duration/oneOf/1').pattern;

/** A short noun phrase for what a schema accepts: `an integer >= 1`, `"inf"`, `a duration such as "30s"`. */
export function describeSchema(node: SchemaNode): string {
  return listOr(describeAlts(node));
}

function describeAlts(node: SchemaNode): string[] {
  if (node.const !== undefined) return [JSON.stringify(node.const)];
  if (node.enum) return [`one of ${node.enum.map((v) => JSON.stringify(v)).join(', ')}`];
  const types = typesOf(node) ?? [];
  const bounds = [
    node.minimum !== undefined ? `>= ${node.minimum}` : '',
    node.exclusiveMinimum !== undefined ? `> ${node.exclusiveMinimum}` : '',
    node.maximum !== undefined ? `<= ${node.maximum}` : '',
    node.exclusiveMaximum !== undefined ? `< ${node.exclusiveMaximum}` : '',
  ]
    .filter(Boolean)
    .join(' and ');
  const phrase = (t: JsonType): string => {
    switch (t) {
      case 'integer':
        return `an integer${bounds ? ` ${bounds}` : ''}`;
      case 'number':
        return `a number${bounds ? ` ${bounds}` : ''}`;
      case 'string':
        if (node.pattern === DURATION_PATTERN) return 'a duration such as "500ms", "30s", "20m" or "1h"';
        return 'a string';
      case 'array':
        return 'a list';
      case 'object':
        return 'a map';
      case 'boolean':
        return 'a boolean';
      case 'null':
        return 'null';
    }
  };
  return types.length ? types.map(phrase) : ['a value'];
}

function listOr(items: string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

/** A value as shown in a message, cut short. */
export function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

function describe(e: ErrorObject, path: KeyPath): Problem {
  const parentSchema = (e.parentSchema ?? {}) as SchemaNode;
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(p.additionalProperty);
      const allowed = Object.keys(parentSchema.properties ?? {});
      const guess = didYouMean(key, allowed);
      return {
        path: [...path, key],
        atKey: true,
        message: `unknown key \`${key}\``,
        hint: guess ? `did you mean \`${guess}\`?` : allowed.length ? `keys allowed here: ${allowed.join(', ')}` : 'remove it',
      };
    }
    case 'required': {
      const key = String(p.missingProperty);
      const prop = parentSchema.properties?.[key];
      const desc = prop ? resolve(prop, '').node : undefined;
      return {
        path,
        message: `missing required key \`${key}\``,
        hint: `add \`${key}:\`${desc ? ` (${describeSchema(desc)})` : ''}${prop?.description ? `: ${prop.description}` : desc?.description ? `: ${desc.description}` : ''}`,
      };
    }
    case 'type':
      return {
        path,
        message: `expected ${describeSchema(parentSchema)}, got ${show(e.data)}`,
        hint: writeInstead(parentSchema, path, e.data),
      };
    case 'const':
    case 'pattern':
      return { path, message: `expected ${describeSchema(parentSchema)}, got ${show(e.data)}`, ...patternHint(parentSchema) };
    case 'enum': {
      const guess = typeof e.data === 'string' ? didYouMean(e.data, (parentSchema.enum ?? []).map(String)) : undefined;
      return {
        path,
        message: `expected ${describeSchema(parentSchema)}, got ${show(e.data)}`,
        ...(guess ? { hint: `did you mean ${JSON.stringify(guess)}?` } : {}),
      };
    }
    case 'format':
      return {
        path,
        message: `expected ${p.format === 'uri' ? 'a URL such as http://127.0.0.1:8000' : `a ${String(p.format)}`}, got ${show(e.data)}`,
      };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return {
        path,
        message: `expected ${describeSchema(parentSchema)}, got ${show(e.data)}`,
        hint: withinBounds(parentSchema, e.keyword),
      };
    case 'minItems':
      return { path, message: `expected at least ${plural(Number(p.limit), 'entry', 'entries')}, got ${show(e.data)}` };
    case 'maxItems':
      return { path, message: `expected at most ${plural(Number(p.limit), 'entry', 'entries')}, got ${show(e.data)}` };
    case 'minProperties':
      return {
        path,
        message: `expected at least ${plural(Number(p.limit), 'key', 'keys')}, got ${show(e.data)}`,
        hint: 'give a value or remove the key',
      };
    case 'minLength':
      return { path, message: `expected a non-empty string, got ${show(e.data)}` };
    default:
      return { path, message: `${e.message ?? 'is invalid'}, got ${show(e.data)}` };
  }
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

function patternHint(node: SchemaNode): { hint?: string } {
  if (!node.pattern || node.pattern === DURATION_PATTERN) return {};
  return { hint: `it must match ${node.pattern}${node.description ? ` (${node.description})` : ''}` };
}

/**
 * The fix of a value of the wrong type: what to write instead, as YAML, with the key's default as
 * the example where it has one (`write a number, e.g. \`num-prompts: 1000\``).
 */
function writeInstead(node: SchemaNode, path: KeyPath, got: unknown): string {
  const key = path.at(-1);
  const as = (value: string): string => `\`${typeof key === 'string' ? `${key}: ` : ''}${value}\``;
  const types = typesOf(node) ?? [];
  const example = node.default;
  if (types.includes('boolean')) return `write ${as('true')} or ${as('false')}${typeof got === 'string' ? ' (without quotes)' : ''}`;
  if (types.includes('integer') || types.includes('number')) {
    const n =
      typeof got === 'string' && got.trim() !== '' && Number.isFinite(Number(got))
        ? Number(got)
        : typeof example === 'number'
          ? example
          : (node.minimum ?? 1);
    return `write a number${typeof got === 'string' && n === Number(got) ? ' without quotes' : ''}, e.g. ${as(String(n))}`;
  }
  if (types.includes('string')) {
    if (node.pattern === DURATION_PATTERN)
      return `write a duration, e.g. ${as(JSON.stringify(typeof example === 'string' ? example : '30s'))}`;
    const text = typeof got === 'number' || typeof got === 'boolean' ? String(got) : typeof example === 'string' ? example : '...';
    return `write text${typeof got === 'number' || typeof got === 'boolean' ? ' in quotes' : ''}, e.g. ${as(JSON.stringify(text))}`;
  }
  if (types.includes('array')) return `write a list, e.g. ${as(`[${exampleItem(node)}]`)}`;
  if (types.includes('object')) {
    const keys = Object.keys(node.properties ?? {}).slice(0, 4);
    return keys.length
      ? `write a map of keys such as ${keys.map((k) => `\`${k}\``).join(', ')} under ${as('')}`
      : `write a map, e.g. ${as('{ name: value }')}`;
  }
  return node.description ?? 'see docs/config.md';
}

/** An example list item: the default's first item, or a value of the item type. */
function exampleItem(node: SchemaNode): string {
  if (Array.isArray(node.default) && node.default.length > 0) return node.default.map((v) => JSON.stringify(v)).join(', ');
  const items = node.items ? resolve(node.items, '').node : undefined;
  const t = items ? (typesOf(items) ?? []) : [];
  if (t.includes('integer') || t.includes('number')) return String(items?.minimum ?? 1);
  if (t.includes('string')) return '"..."';
  return '...';
}

/** The nodes a list item or a oneOf branch sits in, innermost first: their descriptions speak for it. */
function containers(node: SchemaNode): SchemaNode[] {
  const out: SchemaNode[] = [];
  let pointer = pointerOf(node);
  while (pointer !== undefined && /\/(items|oneOf\/\d+)$/.test(pointer)) {
    pointer = pointer.replace(/\/(items|oneOf\/\d+)$/, '');
    out.push(nodeAt(pointer));
  }
  return out;
}

/** The fix of a number out of bounds: the range, and the reason the key's description gives for it. */
export function withinBounds(node: SchemaNode, keyword: string): string {
  const lo = node.minimum ?? node.exclusiveMinimum;
  const hi = node.maximum ?? node.exclusiveMaximum;
  const range = keyword.endsWith('aximum')
    ? `write ${node.maximum !== undefined ? 'at most' : 'less than'} ${hi}`
    : `write ${node.minimum !== undefined ? 'at least' : 'more than'} ${lo}`;
  const limit = keyword.endsWith('aximum') ? hi : lo;
  const said = limit === undefined ? [] : [String(limit), limit.toLocaleString('en-US')];
  const sentence = [node, ...containers(node)]
    .flatMap((n) => n.description?.split(/(?<=\.)\s+/) ?? [])
    .find((x) => said.some((n) => x.includes(n)));
  if (!sentence) return range;
  // "At most 100,000: vLLM's suites send ..." -> the reason after the limit.
  const colon = sentence.indexOf(': ');
  const reason = colon > 0 && said.some((n) => sentence.slice(0, colon).includes(n)) ? sentence.slice(colon + 2) : sentence;
  return `${range}: ${reason.replace(/\.$/, '')}`;
}
