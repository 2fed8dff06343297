// A results artifact is input from whoever ran the job that uploaded it: on the fork PR pattern,
// the fork's own workflow, which can upload any files under any name. Aggregate mode reads only
// results.json from it (never verdict.json or report.md), as a regular file of bounded size that
// must be a valid results document of the config the artifact is named for. What is wrong is
// said without quoting the file.
import { lstat, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ResultsDocument } from '../results/schema-types.gen.js';
import { RESULTS_FILE } from '../results/write.js';
import { formatResultsProblems, validateResults } from '../results/validate.js';
import { artifactName } from './artifacts.js';

/** A results.json holds figures, not logs: far below this. */
export const MAX_RESULTS_FILE_BYTES = 64 * 1024 * 1024;

export type ArtifactResults = { ok: true; doc: ResultsDocument } | { ok: false; reason: string };

/**
 * The results document at `rel` inside a downloaded artifact, checked: a regular file, at most
 * MAX_RESULTS_FILE_BYTES, JSON, a valid results document of schema version 1 written by
 * vllm-perf-gate, for the config id the artifact is named after.
 */
export async function readArtifactResults(dir: string, name: string, rel: string = RESULTS_FILE): Promise<ArtifactResults> {
  const file = path.join(dir, rel);
  const st = await lstat(file).catch(() => null);
  if (!st) return { ok: false, reason: `it has no ${rel}` };
  if (!st.isFile()) return { ok: false, reason: `its ${rel} is not a regular file` };
  if (st.size > MAX_RESULTS_FILE_BYTES)
    return { ok: false, reason: `its ${rel} is ${st.size} bytes, more than the ${MAX_RESULTS_FILE_BYTES} a results document can be` };
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return { ok: false, reason: `its ${rel} is not JSON` };
  }
  return checkDocument(value, name, rel);
}

function checkDocument(value: unknown, name: string, rel: string): ArtifactResults {
  const v = value as { 'schema-version'?: unknown } | null;
  if (typeof v !== 'object' || v === null || v['schema-version'] !== 1)
    return { ok: false, reason: `its ${rel} is not a results document of schema version 1` };
  const problems = validateResults(value);
  if (problems.length > 0)
    return { ok: false, reason: `its ${rel} is not a valid results document: ${formatResultsProblems(problems, 3).replace(/\n/g, '; ')}` };
  const doc = value as ResultsDocument;
  if ((doc.run.source ?? 'vllm-perf-gate') !== 'vllm-perf-gate')
    return { ok: false, reason: `its ${rel} holds imported figures (source ${doc.run.source}), not a vllm-perf-gate run` };
  const id = doc.run['config-id'];
  if (artifactName(id) !== name) return { ok: false, reason: `its ${rel} is for another config id than the artifact's name says` };
  return { ok: true, doc };
}
