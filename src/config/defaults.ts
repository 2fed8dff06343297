// Applies the schema's `default`s to a valid config, so every consumer reads one value instead of
// repeating `?? 1024` (and getting it wrong). Keys come out in schema order.
//   - Defaults are applied inside the objects the user wrote, and absent optional objects are
//     created when every key in them has a default (so `gate` and `thresholds.default` show their
//     figures in `config --expand`).
//   - Never inside a suite's `server`: it holds overrides of the top-level server, and defaults
//     there would silently override the user's top-level values. Use serverForSuite() to read it.
import { resolve, validatorAt, type SchemaNode } from './schema.js';

type Json = Record<string, unknown>;

export function applyDefaults<T>(data: T): T {
  return fill(data, { node: { $ref: '#' } as SchemaNode, pointer: '' }, []) as T;
}

interface At {
  node: SchemaNode;
  pointer: string;
}

function fill(value: unknown, at: At, path: string[]): unknown {
  const { node, pointer } = resolve(at.node, at.pointer);
  if (node.oneOf) {
    const i = node.oneOf.findIndex((_, k) => validatorAt(`${pointer}/oneOf/${k}`)(value));
    if (i < 0) return value;
    return fill(value, { node: node.oneOf[i]!, pointer: `${pointer}/oneOf/${i}` }, path);
  }
  if (Array.isArray(value)) {
    if (!node.items) return value;
    return value.map((v, i) => fill(v, { node: node.items!, pointer: `${pointer}/items` }, [...path, String(i)]));
  }
  if (value === null || typeof value !== 'object' || !node.properties) return value;
  const obj = value as Json;
  const out: Json = {};
  for (const [key, propNode] of Object.entries(node.properties)) {
    const propAt = { node: propNode, pointer: `${pointer}/properties/${escape(key)}` };
    const inSuiteServer = key === 'server' && path.length > 0;
    if (key in obj) {
      out[key] = inSuiteServer ? obj[key] : fill(obj[key], propAt, [...path, key]);
      continue;
    }
    if (inSuiteServer) continue;
    const d = defaultOf(propAt);
    if (d !== undefined) out[key] = structuredClone(d);
    else if (key !== 'server') {
      const made = materialize(propAt, [...path, key]);
      if (made !== undefined) out[key] = made;
    }
  }
  for (const [key, v] of Object.entries(obj)) if (!(key in out)) out[key] = v;
  return out;
}

/** The default written on the property itself (next to a $ref) or on what it refers to. */
function defaultOf(at: At): unknown {
  if (at.node.default !== undefined) return at.node.default;
  return resolve(at.node, at.pointer).node.default;
}

/** An absent object whose every key has a default, created with those defaults. */
function materialize(at: At, path: string[]): Json | undefined {
  const { node, pointer } = resolve(at.node, at.pointer);
  if (!node.properties || node.minProperties || node.required?.length) return undefined;
  const entries = Object.entries(node.properties);
  if (entries.length === 0) return undefined;
  const out: Json = {};
  for (const [key, prop] of entries) {
    const propAt = { node: prop, pointer: `${pointer}/properties/${escape(key)}` };
    const d = defaultOf(propAt);
    const v = d !== undefined ? structuredClone(d) : materialize(propAt, [...path, key]);
    if (v === undefined) continue;
    out[key] = v;
  }
  // Only when something in it had a default; `suites: {}` under thresholds says nothing.
  return Object.keys(out).length > 0 && entries.every(([k]) => k in out || !hasDefaults(node.properties![k]!)) ? out : undefined;
}

function hasDefaults(node: SchemaNode): boolean {
  const n = resolve(node, '').node;
  if (n.default !== undefined || node.default !== undefined) return true;
  return Object.values(n.properties ?? {}).some(hasDefaults);
}

function escape(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Defaults of the sub-schema at `pointer` applied to `value` (e.g. '/definitions/server'). */
export function applyDefaultsAt<T>(value: T, pointer: string): T {
  return fill(value, { node: { $ref: `#${pointer}` } as SchemaNode, pointer }, []) as T;
}
