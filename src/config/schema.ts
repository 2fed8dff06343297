// The config schema, compiled once. Every sub-schema can be validated on its own by its JSON pointer
// (`#/definitions/servingSuite`), which is how errors inside a `oneOf` are explained against the one
// branch the user meant, and how defaults are applied to the branch a value belongs to.
import { Ajv, type AnySchemaObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
// esbuild inlines the JSON into the bundle; vitest and tsx read it from the file.
import configSchema from '../../schemas/config.schema.json' with { type: 'json' };

// ajv-formats is CommonJS with `exports.default`; under NodeNext its default import is the module.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (a: Ajv) => Ajv;

export type SchemaNode = AnySchemaObject & {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, SchemaNode>;
  additionalProperties?: boolean | SchemaNode;
  items?: SchemaNode;
  required?: string[];
  oneOf?: SchemaNode[];
  const?: unknown;
  enum?: unknown[];
  default?: unknown;
  description?: string;
  pattern?: string;
  minimum?: number;
  exclusiveMinimum?: number;
  maximum?: number;
  exclusiveMaximum?: number;
  minProperties?: number;
};

export const CONFIG_SCHEMA = configSchema as unknown as SchemaNode;
const ID = (configSchema as { $id: string }).$id;

const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
addFormats(ajv);
ajv.addSchema(configSchema as AnySchemaObject);

const pointers = new Map<object, string>();
(function index(node: unknown, pointer: string): void {
  if (node === null || typeof node !== 'object') return;
  pointers.set(node, pointer);
  for (const [k, v] of Object.entries(node)) index(v, `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`);
})(configSchema, '');

const validators = new Map<string, ValidateFunction>();

/** A validator for the sub-schema at `pointer` ('' is the whole config). */
export function validatorAt(pointer: string): ValidateFunction {
  let v = validators.get(pointer);
  if (!v) {
    v = ajv.getSchema(`${ID}#${pointer}`);
    if (!v) throw new Error(`no sub-schema at ${pointer}`);
    validators.set(pointer, v);
  }
  return v;
}

/** JSON pointer of a node of the config schema (ajv's verbose errors hand back the node itself). */
export function pointerOf(node: object): string | undefined {
  return pointers.get(node);
}

/** Follows a local `$ref` (`#/definitions/x`) to its node and pointer; other nodes are returned as they are. */
export function resolve(node: SchemaNode, pointer: string): { node: SchemaNode; pointer: string } {
  let n = node;
  let p = pointer;
  while (typeof n.$ref === 'string' && n.$ref.startsWith('#')) {
    p = n.$ref.slice(1);
    n = nodeAt(p);
  }
  return { node: n, pointer: p };
}

export function nodeAt(pointer: string): SchemaNode {
  let n: unknown = configSchema;
  for (const raw of pointer.split('/').slice(1)) {
    n = (n as Record<string, unknown>)[raw.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  if (n === undefined) throw new Error(`no schema node at ${pointer}`);
  return n as SchemaNode;
}
