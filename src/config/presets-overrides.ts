// Overrides of expanded suites: the keys a user writes next to `preset:` (or under a vllm-suite entry's
// `overrides:`) merged into the suites the entry expands to. Shared by presets and vLLM CI suite files
// so both follow one rule (docs/presets.md "Overrides"):
//   - a key is merged into every expanded suite whose kind has that key (so `dataset` reaches serving
//     suites only, `args` reaches latency and throughput suites only);
//   - `serving:`, `latency:`, `throughput:` hold overrides for the suites of that kind only;
//   - objects merge key by key; arrays and scalars replace; null removes the key;
//   - a `dataset` with a different `type` replaces the dataset instead of merging into it;
//   - `args` keys may be snake_case or kebab-case and replace the same flag however it was spelled;
//   - setting `request-rates` drops `concurrency` and `prompts-per-concurrency`, setting `concurrency`
//     drops `request-rates` and `max-concurrency` (one sweep mode per suite).
// A key no target suite has is a CONFIG error with the key path and a did-you-mean, and every merged
// suite is validated against its kind's schema here, so a wrong nested key is reported at the user's
// entry (suites[3].dataset.num-promts), not at an expanded suite the user never wrote.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import configSchema from '../../schemas/config.schema.json' with { type: 'json' };
import { GateError } from '../errors.js';
import { didYouMean } from './did-you-mean.js';
import { withinBounds } from './explain.js';
import type { SchemaNode } from './schema.js';
import type { LatencySuite, ServingSuite, ThroughputSuite } from './schema-types.gen.js';

export type ExpandedSuite = ServingSuite | LatencySuite | ThroughputSuite;
export type SuiteKind = ExpandedSuite['kind'];

export const SUITE_KINDS: readonly SuiteKind[] = ['serving', 'latency', 'throughput'];

const KIND_DEFINITION: Record<SuiteKind, 'servingSuite' | 'latencySuite' | 'throughputSuite'> = {
  serving: 'servingSuite',
  latency: 'latencySuite',
  throughput: 'throughputSuite',
};

type JsonObject = Record<string, unknown>;

/**
 * A serving suite sweeps either request rates (open loop, optionally under max-concurrency) or
 * concurrency levels (closed loop, optionally with prompts-per-concurrency). An override that sets
 * one mode removes the other's keys, so `concurrency: [1, 4]` next to vllm-nightly just works.
 */
const SWEEP_EXCLUDES: Record<string, string[]> = {
  'request-rates': ['concurrency', 'prompts-per-concurrency'],
  concurrency: ['request-rates', 'max-concurrency'],
};

export function isPlainObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** snake_case or kebab-case flag name -> kebab-case, as vLLM's json2args does (`_` becomes `-`). */
export function kebab(key: string): string {
  return key.replace(/_/g, '-');
}

/** The keys a suite of this kind accepts, read from the config schema (never listed twice by hand). */
export function suiteKeys(kind: SuiteKind): string[] {
  const def = (configSchema.definitions as Record<string, { properties?: JsonObject }>)[KIND_DEFINITION[kind]];
  return Object.keys(def?.properties ?? {});
}

/** `a.b` path segment, quoting nothing: our keys are kebab-case words. Array indices as [i]. */
export function joinPath(base: string, seg: string | number): string {
  if (typeof seg === 'number') return `${base}[${seg}]`;
  return base ? `${base}.${seg}` : seg;
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

/** Merge `over` into `base` by the override rule above. `key` is the name `base` sits under. */
export function mergeOverride(base: unknown, over: unknown, key: string): unknown {
  if (over === null) return undefined;
  if (!isPlainObject(base) || !isPlainObject(over)) return clone(over);
  if (key === 'dataset' && over.type !== undefined && over.type !== base.type) return clone(over);
  const out: JsonObject = { ...base };
  for (const [k0, v] of Object.entries(over)) {
    let k = k0;
    if (key === 'args') {
      // One flag, however it is spelled: the override's spelling wins.
      k = kebab(k0);
      for (const existing of Object.keys(out)) if (kebab(existing) === k && existing !== k) delete out[existing];
    }
    const merged = mergeOverride(out[k], v, k);
    if (merged === undefined) delete out[k];
    else out[k] = merged;
  }
  return out;
}

export interface OverrideSource {
  /** The config file, for error locations. */
  file: string;
  /** Key path of the overrides object in the config, e.g. `suites[2]` or `suites[2].overrides`. */
  path: string;
  /** What the user wrote, for messages: `preset vllm-nightly`, `vllm-suite tests/serving.json`. */
  label: string;
  /** Keys of `overrides` that are not overrides (handled by the caller), e.g. `preset`. */
  reserved?: readonly string[];
}

/** A path inside one suite (relative to the suite object) that an override wrote to. */
interface Written {
  /** Index of the suite in the expansion. */
  suite: number;
  /** Top-level suite key the override wrote. */
  key: string;
  /** Where that key sits in the user's config. */
  userPath: string;
}

/**
 * Applies `overrides` to `suites` (in place) and validates every suite against its kind's schema.
 * Errors caused by an override point at the override in the config; errors in the expansion itself
 * are reported with `originOf(i)` (the suite file and test that produced suite i).
 */
export function applyOverrides(
  suites: ExpandedSuite[],
  overrides: JsonObject,
  src: OverrideSource,
  originOf: (i: number) => { file: string; path: string; what: string; line?: number },
): void {
  const written: Written[] = [];
  const reserved = new Set(src.reserved ?? []);
  const kindsPresent = new Set(suites.map((s) => s.kind));

  // `kinds`: the kinds of suite the key may reach; `siblings`: the override map the key sits in.
  const applyKey = (
    key: string,
    value: unknown,
    targets: number[],
    userPath: string,
    kinds: Set<SuiteKind>,
    siblings: JsonObject,
  ): void => {
    if (key === 'kind') {
      throw new GateError('CONFIG', `${src.label}: \`kind\` cannot be overridden`, {
        where: { file: src.file, path: userPath },
        hint: 'remove it; the preset or suite file decides which kinds of suite it expands to',
      });
    }
    if (key === 'name') {
      throw new GateError('CONFIG', `${src.label}: \`name\` cannot be overridden per suite`, {
        where: { file: src.file, path: userPath },
        hint: 'suite names come from the preset (give `name` next to `preset` to set their prefix) or from the test_name of the suite file',
      });
    }
    const accepting = targets.filter((i) => suiteKeys(suites[i]!.kind).includes(key));
    if (accepting.length === 0) {
      const known = new Set<string>();
      for (const k of kinds) for (const p of suiteKeys(k)) known.add(p);
      for (const k of ['name', 'kind']) known.delete(k);
      // At the top level `serving:` / `latency:` / `throughput:` are keys too.
      const topLevel = siblings === overrides;
      const guess = didYouMean(key, [...known, ...(topLevel ? kindsPresent : [])]);
      const kindList = [...kinds].join(', ');
      throw new GateError('CONFIG', `${src.label}: unknown key \`${key}\`: no ${kindList} suite it expands to has it`, {
        where: { file: src.file, path: userPath },
        hint: guess ? `did you mean \`${guess}\`?` : `keys a ${kindList} suite accepts: ${[...known].sort().join(', ')}`,
      });
    }
    for (const i of accepting) {
      const suite = suites[i] as unknown as JsonObject;
      const merged = mergeOverride(suite[key], value, key);
      if (merged === undefined) delete suite[key];
      else suite[key] = merged;
      written.push({ suite: i, key, userPath });
      // Switching the sweep mode drops the other mode's keys, unless the same override sets them too.
      if (merged !== undefined) {
        for (const other of SWEEP_EXCLUDES[key] ?? []) if (!(other in siblings)) delete suite[other];
      }
    }
  };

  const all = suites.map((_, i) => i);
  for (const [key, value] of Object.entries(overrides)) {
    if (reserved.has(key)) continue;
    const userPath = joinPath(src.path, key);
    if ((SUITE_KINDS as readonly string[]).includes(key)) {
      const kind = key as SuiteKind;
      const targets = all.filter((i) => suites[i]!.kind === kind);
      if (targets.length === 0) {
        throw new GateError('CONFIG', `${src.label} expands to no ${kind} suite, so \`${key}:\` overrides nothing`, {
          where: { file: src.file, path: userPath },
          hint: `it expands to ${[...kindsPresent].join(', ')} suites; remove \`${key}:\` or move its keys up a level`,
        });
      }
      if (!isPlainObject(value)) {
        throw new GateError('CONFIG', `${src.label}: \`${key}:\` must be a map of ${kind} suite keys`, {
          where: { file: src.file, path: userPath },
        });
      }
      for (const [k, v] of Object.entries(value)) applyKey(k, v, targets, joinPath(userPath, k), new Set([kind]), value);
      continue;
    }
    applyKey(key, value, all, userPath, kindsPresent, overrides);
  }

  suites.forEach((suite, i) => {
    const problem = validateSuite(suite);
    if (!problem) return;
    const top = problem.path[0];
    // The last override that wrote this top-level key is the one to blame.
    const culprit = [...written].reverse().find((w) => w.suite === i && w.key === top);
    const rest = problem.path.slice(1).reduce<string>((p, s) => joinPath(p, s), '');
    if (culprit) {
      const userPath = rest ? (rest.startsWith('[') ? culprit.userPath + rest : `${culprit.userPath}.${rest}`) : culprit.userPath;
      throw new GateError('CONFIG', `${src.label}: ${problem.message} (in suite ${suite.name})`, {
        where: { file: src.file, path: userPath },
        ...(problem.hint ? { hint: problem.hint } : {}),
      });
    }
    const origin = originOf(i);
    const inner = problem.path.reduce<string>((p, s) => joinPath(p, s), '');
    throw new GateError('CONFIG', `${origin.what}: ${problem.message}${inner ? ` (suite key ${inner})` : ''}`, {
      where: { file: origin.file, path: origin.path, ...(origin.line ? { line: origin.line } : {}) },
      ...(problem.hint ? { hint: problem.hint } : {}),
    });
  });
}

let ajv: Ajv | undefined;
const compiled = new Map<string, ValidateFunction>();

/** A validator for `#/definitions/<ref>` of the config schema, compiled once. */
function validator(ref: string): ValidateFunction {
  let v = compiled.get(ref);
  if (v) return v;
  if (!ajv) {
    ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
    // ajv-formats is CommonJS; under some loaders its default export arrives wrapped once more.
    const mod = addFormatsModule as unknown as { default?: (a: Ajv) => Ajv };
    (mod.default ?? (addFormatsModule as unknown as (a: Ajv) => Ajv))(ajv);
    ajv.addSchema(configSchema, 'config');
  }
  v = ajv.getSchema(`config#/definitions/${ref}`);
  if (!v) throw new GateError('INTERNAL', `the config schema has no definition ${ref}`);
  compiled.set(ref, v);
  return v;
}

export interface SuiteProblem {
  /** Key path inside the suite, e.g. ['dataset', 'num-promts']. */
  path: (string | number)[];
  message: string;
  hint?: string;
}

function pointerToPath(ptr: string): (string | number)[] {
  if (!ptr) return [];
  return ptr
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function toProblem(err: ErrorObject, candidates?: string[], data?: unknown): SuiteProblem {
  const path = pointerToPath(err.instancePath);
  const value = path.reduce<unknown>(
    (v, k) => (isPlainObject(v) || Array.isArray(v) ? (v as Record<string | number, unknown>)[k] : undefined),
    data,
  );
  if (err.keyword === 'additionalProperties') {
    const extra = String((err.params as { additionalProperty: string }).additionalProperty);
    const guess = candidates ? didYouMean(extra, candidates) : undefined;
    return {
      path: [...path, extra],
      message: `unknown key \`${extra}\``,
      hint: guess ? `did you mean \`${guess}\`?` : candidates ? `allowed keys: ${candidates.join(', ')}` : undefined,
    } as SuiteProblem;
  }
  if (err.keyword === 'required') {
    const missing = String((err.params as { missingProperty: string }).missingProperty);
    return { path: [...path, missing], message: `\`${missing}\` is required` };
  }
  if (['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum'].includes(err.keyword)) {
    const { comparison, limit } = err.params as { comparison: string; limit: number };
    const words = comparison === '<=' ? 'at most' : comparison === '>=' ? 'at least' : comparison === '<' ? 'less than' : 'more than';
    return {
      path,
      message: `must be ${words} ${limit}, got ${JSON.stringify(value)}`,
      hint: withinBounds(err.parentSchema as SchemaNode, err.keyword),
    };
  }
  if (err.keyword === 'enum' || err.keyword === 'const') {
    const allowed =
      err.keyword === 'enum'
        ? (err.params as { allowedValues: unknown[] }).allowedValues
        : [(err.params as { allowedValue: unknown }).allowedValue];
    return { path, message: `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}` };
  }
  return { path, message: err.message ?? 'is invalid' };
}

/** The first problem of a suite against its kind's schema, or undefined when it is valid. */
export function validateSuite(suite: ExpandedSuite): SuiteProblem | undefined {
  const kind = (suite as { kind?: unknown }).kind;
  if (kind !== 'serving' && kind !== 'latency' && kind !== 'throughput') {
    return { path: ['kind'], message: `must be serving, latency or throughput` };
  }
  // The dataset is a oneOf; checking it against the branch its `type` names gives one clear error
  // instead of one per branch.
  const dataset = (suite as { dataset?: unknown }).dataset;
  if (kind === 'serving' && isPlainObject(dataset)) {
    const branches = (configSchema.definitions.dataset.oneOf as { properties: { type: { const: string } } }[]).map(
      (b) => b.properties.type.const,
    );
    const idx = branches.indexOf(String(dataset.type));
    if (idx < 0) {
      return {
        path: ['dataset', 'type'],
        message: `dataset type ${JSON.stringify(dataset.type)} is not one of ${branches.join(', ')}`,
      };
    }
    const v = validator(`dataset/oneOf/${idx}`);
    if (!v(dataset)) {
      const branch = configSchema.definitions.dataset.oneOf[idx] as { properties: JsonObject };
      const err = v.errors![0]!;
      const p = toProblem(err, Object.keys(branch.properties), dataset);
      return { ...p, path: ['dataset', ...p.path] };
    }
  }
  const v = validator(KIND_DEFINITION[kind]);
  if (v(suite)) return undefined;
  const errors = (v.errors ?? []).filter((e) => !e.instancePath.startsWith('/dataset'));
  const chosen = errors.find((e) => e.keyword !== 'oneOf') ?? errors[0];
  if (!chosen) return undefined;
  const candidates = chosen.instancePath === '' ? suiteKeys(kind) : undefined;
  return toProblem(chosen, candidates, suite);
}
