// Writes results: results.json only once it validates, and every serving point again in vLLM's
// --save-result format under vllm/, so vLLM's own scripts and users' diff tools read our runs.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GateError } from '../errors.js';
import type { ResultsDocument } from './schema-types.gen.js';
import { formatResultsProblems, validateResults } from './validate.js';
import { dumpVllmResult, toVllmServeResult, vllmResultFileName, type VllmServeMeta } from './vllm-format.js';

export const RESULTS_FILE = 'results.json';
export const VLLM_DIR = 'vllm';

/** Writes `dir/results.json` (created with its folders); returns its path. Throws GateError INTERNAL if `doc` does not validate. */
export async function writeResults(dir: string, doc: ResultsDocument): Promise<string> {
  const problems = validateResults(doc);
  if (problems.length > 0) {
    throw new GateError('INTERNAL', `refusing to write a results document that does not validate:\n${formatResultsProblems(problems)}`, {
      where: { file: path.join(dir, RESULTS_FILE), path: problems[0]!.path },
      hint: 'this is a bug in vllm-perf-gate; please report it with the run log',
    });
  }
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, RESULTS_FILE);
  await writeAtomic(file, `${JSON.stringify(doc, null, 2)}\n`);
  return file;
}

/**
 * Writes every serving point of `doc` as `dir/vllm/{suite}_qps_{qps}_concurrency_{mc}.json` in vLLM's
 * modern --save-result format and returns the document with each point's `vllm-result-file` set
 * (write results.json after this). Identity fields come from the document (model, endpoint,
 * burstiness, start time) unless `meta` gives them; `label` is the suite name.
 */
export async function writeVllmServeFiles(dir: string, doc: ResultsDocument, meta: VllmServeMeta = {}): Promise<ResultsDocument> {
  const out = structuredClone(doc);
  const model = doc.environment['served-model-name'] ?? doc.environment.fingerprint?.model ?? null;
  for (const suite of out.suites) {
    if (suite.kind !== 'serving') continue;
    const params = (suite.parameters ?? {}) as Record<string, unknown>;
    const backend = params.endpoint === 'chat' ? 'openai-chat' : 'openai';
    const burstiness = typeof params.burstiness === 'number' ? params.burstiness : undefined;
    for (const point of suite.points) {
      // An SLO search's knee is no measurement of vLLM's: its probes are.
      if (point.search) continue;
      const name = vllmResultFileName(suite.name, point);
      // Figures an imported point already carries (its vllm-meta) are kept as they were.
      const stored = point['vllm-meta'] ?? {};
      const derived: VllmServeMeta = {};
      if (stored.label === undefined) derived.label = suite.name;
      if (stored.backend === undefined) derived.backend = backend;
      if (stored.model_id === undefined && model !== null) derived.modelId = model;
      if (stored.burstiness === undefined && burstiness !== undefined) derived.burstiness = burstiness;
      if (stored.date === undefined && point['started-at'] === undefined) derived.date = new Date(doc.run['started-at']);
      const record = toVllmServeResult(point, { ...derived, ...meta });
      await mkdir(path.join(dir, VLLM_DIR), { recursive: true });
      await writeAtomic(path.join(dir, VLLM_DIR, name), dumpVllmResult(record));
      point['vllm-result-file'] = `${VLLM_DIR}/${name}`;
    }
  }
  return out;
}

async function writeAtomic(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, file);
}
