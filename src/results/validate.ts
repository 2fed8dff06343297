// The results document's schema, compiled once. A document is written only after it validates, and
// read back only after it validates.
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import resultsSchema from '../../schemas/results.schema.json' with { type: 'json' };
import { formatKeyPath, keyPathFromPointer } from '../config/key-path.js';
import type { ResultsDocument } from './schema-types.gen.js';

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (a: Ajv) => Ajv;

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
addFormats(ajv);
const validate = ajv.compile<ResultsDocument>(resultsSchema);

export interface ResultsProblem {
  /** Key path inside the document, e.g. `suites[0].points[2].metrics.median_ttft_ms`; '' for the root. */
  path: string;
  message: string;
}

/**
 * What is wrong with `doc` as a results document; [] when it is one. Beyond the schema: suite names
 * are unique, and so are point keys within a suite (points are matched with the baseline by them).
 */
export function validateResults(doc: unknown): ResultsProblem[] {
  if (!validate(doc)) return (validate.errors ?? []).map((e) => problem(e, doc));
  const problems: ResultsProblem[] = [];
  const suites = new Set<string>();
  doc.suites.forEach((s, i) => {
    if (suites.has(s.name)) problems.push({ path: `suites[${i}].name`, message: `suite name ${JSON.stringify(s.name)} appears twice` });
    suites.add(s.name);
    const keys = new Set<string>();
    s.points.forEach((p, j) => {
      if (keys.has(p.key))
        problems.push({
          path: `suites[${i}].points[${j}].key`,
          message: `point key ${JSON.stringify(p.key)} appears twice in suite ${JSON.stringify(s.name)}`,
        });
      keys.add(p.key);
    });
  });
  return problems;
}

export function isResultsDocument(doc: unknown): doc is ResultsDocument {
  return validateResults(doc).length === 0;
}

function problem(e: ErrorObject, doc: unknown): ResultsProblem {
  const path = keyPathFromPointer(e.instancePath, doc);
  const p = e.params as Record<string, unknown>;
  if (e.keyword === 'additionalProperties') return { path: formatKeyPath([...path, String(p.additionalProperty)]), message: 'unknown key' };
  if (e.keyword === 'required') return { path: formatKeyPath(path), message: `missing required key \`${String(p.missingProperty)}\`` };
  if (e.keyword === 'enum')
    return {
      path: formatKeyPath(path),
      message: `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
    };
  return { path: formatKeyPath(path), message: e.message ?? 'is invalid' };
}

/** Problems as lines, at most `max` of them. */
export function formatResultsProblems(problems: ResultsProblem[], max = 5): string {
  const lines = problems.slice(0, max).map((p) => `${p.path || '(root)'}: ${p.message}`);
  if (problems.length > max) lines.push(`... and ${problems.length - max} more`);
  return lines.join('\n');
}
