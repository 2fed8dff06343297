// What a dataset reads from disk, read and checked without a server: the conversations of a ShareGPT
// file, the lines of a sonnet text. Random and fixed datasets read nothing. The run reads every
// source before it boots a server (src/load/dataset-check.ts), so a bad file never costs a model load.
import path from 'node:path';
import type { Dataset } from '../config/schema-types.gen.js';
import {
  checkDatasetPath,
  DatasetFileProblem,
  MAX_SHAREGPT_BYTES,
  MAX_TEXT_BYTES,
  readDatasetBytes,
  type DatasetRoots,
} from './dataset-file.js';
import { loadMultiTurnSource, type MultiTurnSource } from './multi-turn.js';
import { parseSharegpt, type SharegptPair } from './sharegpt-file.js';
import { BUILTIN_SONNETS } from './sonnet-text.js';
import { MAX_TRACE_BYTES, parseTrace, traceReplayProblem, type TraceContent } from './trace.js';

export type DatasetSource =
  | { type: 'sharegpt'; file: string; pairs: SharegptPair[] }
  | { type: 'sonnet'; file: string | undefined; lines: string[] }
  | ({ type: 'trace'; file: string } & TraceContent)
  | MultiTurnSource;

export interface SourceOptions {
  /** Folder relative dataset paths are read from. */
  baseDir: string;
  /** Folders dataset files must lie in; null reads any path (a library caller that checked it already). */
  roots: DatasetRoots | null;
}

export const SHAREGPT_DOWNLOAD_HINT =
  'download it once and point dataset.path at it, e.g. wget https://huggingface.co/datasets/anon8231489123/ShareGPT_Vicuna_unfiltered/resolve/main/ShareGPT_V3_unfiltered_cleaned_split.json (vllm-perf-gate never downloads datasets; in CI, cache the file)';

const SHAREGPT_FORMAT =
  'a ShareGPT file is a JSON list of {"conversations": [{"from": "human", "value": "..."}, {"from": "gpt", "value": "..."}]}';

/** The file a dataset reads, resolved against the config's folder; undefined when it reads none. */
export function datasetFile(ds: Dataset, baseDir: string): string | undefined {
  if (ds.type !== 'sharegpt' && ds.type !== 'sonnet' && ds.type !== 'trace' && ds.type !== 'multi-turn') return undefined;
  return ds.path === undefined ? undefined : path.resolve(baseDir, ds.path);
}

/** Reads and checks what the dataset reads from disk; undefined for random and fixed. Throws DatasetFileProblem. */
export async function loadDatasetSource(ds: Dataset, opts: SourceOptions): Promise<DatasetSource | undefined> {
  if (ds.type === 'sharegpt') return loadSharegpt(path.resolve(opts.baseDir, ds.path), ds['output-len'] !== undefined, opts.roots);
  if (ds.type === 'sonnet')
    return ds.path === undefined
      ? { type: 'sonnet', file: undefined, lines: sonnetLines(BUILTIN_SONNETS) }
      : loadSonnet(path.resolve(opts.baseDir, ds.path), opts.roots);
  if (ds.type === 'trace') return loadTrace(path.resolve(opts.baseDir, ds.path), ds, opts.roots);
  if (ds.type === 'multi-turn') return loadMultiTurnSource(path.resolve(opts.baseDir, ds.path), ds, opts.roots);
  return undefined;
}

async function readChecked(file: string, roots: DatasetRoots | null, maxBytes: number, notFoundHint: string): Promise<Buffer> {
  try {
    const { real } = await checkDatasetPath(file, { roots, maxBytes });
    return await readDatasetBytes(real, maxBytes);
  } catch (e) {
    if (e instanceof DatasetFileProblem && e.message.startsWith('file not found')) throw new DatasetFileProblem(e.message, notFoundHint);
    throw e;
  }
}

async function loadSharegpt(file: string, fixedOutputLen: boolean, roots: DatasetRoots | null): Promise<DatasetSource> {
  const content = parseSharegpt(await readChecked(file, roots, MAX_SHAREGPT_BYTES, SHAREGPT_DOWNLOAD_HINT));
  // A prompt of blank text can never pass vLLM's length filter (4 tokens at least), nor a blank reply
  // unless output-len replaces the reply's length.
  const usable = content.pairs.filter((p) => p.prompt.trim() !== '' && (fixedOutputLen || p.completion.trim() !== ''));
  if (usable.length === 0) {
    const why =
      content.conversations === 0
        ? 'the list is empty'
        : `none of its ${content.conversations} conversations has a first and a second turn of text`;
    throw new DatasetFileProblem(
      `no usable conversation in ${file}: ${why}`,
      `${SHAREGPT_FORMAT}; check that this is the ShareGPT file you meant`,
    );
  }
  return { type: 'sharegpt', file, pairs: content.pairs };
}

async function loadSonnet(file: string, roots: DatasetRoots | null): Promise<DatasetSource> {
  const bytes = await readChecked(
    file,
    roots,
    MAX_TEXT_BYTES,
    'give the path of a text file with one line per verse, or leave path out to use the built-in sonnets',
  );
  const lines = sonnetLines(bytes.toString('utf8'));
  if (lines.length === 0)
    throw new DatasetFileProblem(
      `the sonnet text ${file} has no lines`,
      'give a text file with one line per verse, or leave path out to use the built-in sonnets',
    );
  return { type: 'sonnet', file, lines };
}

async function loadTrace(file: string, ds: Extract<Dataset, { type: 'trace' }>, roots: DatasetRoots | null): Promise<DatasetSource> {
  const content = parseTrace(
    await readChecked(
      file,
      roots,
      MAX_TRACE_BYTES,
      "give the path of a JSON-lines trace in Mooncake's format (relative to the config file)",
    ),
  );
  const problem = traceReplayProblem(content, { numPrompts: ds['num-prompts'], timeScale: ds['time-scale'] ?? 1 });
  if (problem) throw new DatasetFileProblem(problem.message, problem.hint);
  return { type: 'trace', file, ...content };
}

/** Non-blank lines, each keeping its newline (Python's readlines() keeps it and vLLM joins them with ""). */
export function sonnetLines(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .map((l) => `${l}\n`);
}
