// The datasets of a config, read and checked before anything starts: `vllm-perf-gate config` runs
// this, and so does every run before it boots a server (a bad file found after a model load wastes a
// GPU's minutes). What it reads is handed to the suites, so each file is read once, and what was
// checked is what is sent. The `dataset-path` a latency or throughput suite hands to vllm bench is
// checked too (where it is, what it is, its size), though vllm bench reads it.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { LoadedConfig, Suite } from '../config/load.js';
import { formatKeyPath, type KeyPath } from '../config/key-path.js';
import { parseConfigText } from '../config/source.js';
import { formatWhere, GateError, type Where } from '../errors.js';
import { checkDatasetPath, DatasetFileProblem, MAX_SHAREGPT_BYTES, realFolder, workspaceOf, type DatasetRoots } from './dataset-file.js';
import { datasetFile, loadDatasetSource, type DatasetSource } from './dataset-source.js';
import { datasetKind } from './datasets.js';
import { multiTurnSuiteProblems } from './multi-turn.js';

export interface DatasetCheckOptions {
  /** Environment to read GITHUB_WORKSPACE from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Only the suites at these indices of `config.suites` (default: all). */
  suites?: readonly number[];
}

/** One thing wrong, located in the config (or in the dataset file, for a syntax error). */
interface Problem {
  where: Where;
  message: string;
  hint: string;
}

/** The folders dataset files may be read from: the workspace and the config's `dataset-roots`. */
export async function datasetRoots(loaded: LoadedConfig, env: NodeJS.ProcessEnv): Promise<{ roots: DatasetRoots; missing: string[] }> {
  const workspace = workspaceOf(loaded.file, env);
  const extra = (loaded.config['dataset-roots'] ?? []).map((r) => path.resolve(loaded.baseDir, r));
  const roots = await Promise.all([workspace, ...extra].map(realFolder));
  const missing: string[] = [];
  for (const r of extra) if (!(await isFolder(r))) missing.push(r);
  return { roots: { roots: [...new Set(roots)], workspace }, missing };
}

async function isFolder(p: string): Promise<boolean> {
  return stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/**
 * Reads and checks every file the config's serving suites read, before any server boots: each must
 * exist inside the workspace (or `dataset-roots`), be a regular file under the size limit, and hold
 * something usable. Returns what was read, by suite index; throws one DATASET error naming every
 * problem, each at the config line that names the file.
 */
export async function prepareDatasets(loaded: LoadedConfig, opts: DatasetCheckOptions = {}): Promise<Map<number, DatasetSource>> {
  const env = opts.env ?? process.env;
  const { roots, missing } = await datasetRoots(loaded, env);
  const { locate, rawSuites } = await configSource(loaded);
  const problems: Problem[] = missing.map((r, i) => ({
    where: locate(['dataset-roots', i]),
    message: `folder not found: ${r}`,
    hint: "list folders that exist on the runner (relative ones are read from the config file's folder)",
  }));
  const sources = new Map<number, DatasetSource>();
  // Suites that read the same file share what was read.
  const reads = new Map<string, Promise<DatasetSource | undefined>>();
  for (const [index, suite] of loaded.config.suites.entries()) {
    if (opts.suites && !opts.suites.includes(index)) continue;
    const entry = rawIndex(rawSuites, suite);
    const at = (...key: (string | number)[]): Where => (entry === undefined ? { file: loaded.file } : locate(['suites', entry, ...key]));
    const label = entry === undefined ? `suite \`${suite.name}\` (from a preset or vllm-suite entry): ` : '';
    if (suite.kind !== 'serving') {
      const problem = await checkBenchDataset(suite, loaded.baseDir, roots);
      if (problem) problems.push({ where: at('args', problem.key), message: `${label}${problem.message}`, hint: problem.hint });
      continue;
    }
    const ds = suite.dataset;
    for (const p of datasetKind(ds).check(ds))
      problems.push({ where: at('dataset', p.key), message: `${label}${p.message}`, hint: p.hint });
    for (const p of multiTurnSuiteProblems(suite)) problems.push({ where: at(p.key), message: `${label}${p.message}`, hint: p.hint });
    // What the read checks beyond the file: a sharegpt reply's use, a trace's replay (its length and pace).
    const how =
      ds.type === 'sharegpt'
        ? String(ds['output-len'] !== undefined)
        : ds.type === 'trace'
          ? `${ds['num-prompts'] ?? ''}/${ds['time-scale'] ?? 1}`
          : ds.type === 'multi-turn'
            ? `${ds['num-sessions'] ?? ''}/${ds['max-turns'] ?? ''}`
            : '';
    const key = `${ds.type}\u0000${datasetFile(ds, loaded.baseDir) ?? ''}\u0000${how}`;
    let read = reads.get(key);
    if (!read) {
      read = loadDatasetSource(ds, { baseDir: loaded.baseDir, roots });
      reads.set(key, read);
    }
    try {
      const source = await read;
      if (source) sources.set(index, source);
    } catch (e) {
      if (!(e instanceof DatasetFileProblem)) throw e;
      const file = datasetFile(ds, loaded.baseDir);
      // A syntax error is located in the dataset file; every other problem where the config names it.
      const where = e.at && file ? { file, ...e.at } : at('dataset', 'path');
      problems.push({ where, message: `${label}${ds.type} dataset: ${e.message}`, hint: e.hint });
    }
  }
  if (problems.length > 0) throw datasetError(problems);
  return sources;
}

/** vllm bench datasets read from a local file (`hf` names a Hugging Face dataset, not a file). */
const BENCH_FILE_DATASETS = new Set(['sharegpt', 'sonnet', 'burstgpt', 'custom']);

/**
 * The `dataset-path` of a latency or throughput suite: vllm bench reads it, after its engine has
 * loaded the model, so it is checked here (where it is, what it is, its size), not parsed.
 */
async function checkBenchDataset(
  suite: Exclude<Suite, { kind: 'serving' }>,
  baseDir: string,
  roots: DatasetRoots,
): Promise<{ key: string; message: string; hint: string } | undefined> {
  const args = (suite.args ?? {}) as Record<string, unknown>;
  const arg = (name: string): [string, unknown] | undefined => Object.entries(args).find(([k]) => k.replace(/_/g, '-') === name);
  const pathArg = arg('dataset-path');
  const name = arg('dataset-name')?.[1] ?? 'sharegpt'; // vllm bench's default when a path is given
  if (!pathArg || typeof pathArg[1] !== 'string' || !BENCH_FILE_DATASETS.has(String(name))) return undefined;
  try {
    // vllm bench runs in the config's folder, so a relative path is read from there.
    await checkDatasetPath(path.resolve(baseDir, pathArg[1]), { roots, maxBytes: MAX_SHAREGPT_BYTES });
    return undefined;
  } catch (e) {
    if (!(e instanceof DatasetFileProblem)) throw e;
    return { key: pathArg[0], message: `${suite.kind} suite dataset-path: ${e.message}`, hint: e.hint };
  }
}

/** prepareDatasets for `vllm-perf-gate config`: the same checks, nothing kept. */
export async function checkDatasets(loaded: LoadedConfig, opts: DatasetCheckOptions = {}): Promise<void> {
  await prepareDatasets(loaded, opts);
}

function datasetError(problems: Problem[]): GateError {
  const [one] = problems;
  if (problems.length === 1 && one) return new GateError('DATASET', one.message, { where: one.where, hint: one.hint });
  const lines = problems.map((p) => `  ${[formatWhere(p.where), p.message].filter(Boolean).join(': ')}\n    fix: ${p.hint}`);
  return new GateError('DATASET', `${problems.length} dataset problems:\n${lines.join('\n')}`);
}

/** Where the config file wrote a suite: its index in the file's `suites`, when written there as is. */
function rawIndex(rawSuites: readonly unknown[], suite: Suite): number | undefined {
  const i = rawSuites.findIndex(
    (e) =>
      e !== null && typeof e === 'object' && (e as { name?: unknown }).name === suite.name && (e as { kind?: unknown }).kind === suite.kind,
  );
  return i >= 0 ? i : undefined;
}

/**
 * The config file's suites as written, and key path -> file, line and column in it (no line when the
 * file cannot be read again).
 */
async function configSource(loaded: LoadedConfig): Promise<{ locate: (p: KeyPath) => Where; rawSuites: readonly unknown[] }> {
  const source = await readFile(loaded.file, 'utf8').then(
    (text) => parseConfigText(text, loaded.file),
    () => undefined,
  );
  const data = source?.data as { suites?: unknown } | undefined;
  return {
    locate: (p) => ({ file: loaded.file, path: formatKeyPath(p), ...(source?.locate(p) ?? {}) }),
    rawSuites: Array.isArray(data?.suites) ? data.suites : [],
  };
}
