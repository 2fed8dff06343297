// Shared by presets and vLLM CI suite files: the expansion context and result, and where files are found.
import { access } from 'node:fs/promises';
import path from 'node:path';
import type { Server } from './schema-types.gen.js';
import type { ExpandedSuite } from './presets-overrides.js';

export interface ExpandContext {
  /** The config file, for error locations. */
  configFile: string;
  /** Directory relative paths in the config are resolved against (the config file's). */
  baseDir: string;
  /** The config's top-level server; vLLM suite tests whose server equals it need no boot of their own. */
  server?: Server;
  /** Where to look for a ShareGPT file when a preset needs one and none is given (default: sharegptCandidates). */
  sharegptCandidates?: string[];
}

export interface Expansion {
  suites: ExpandedSuite[];
  /** Things the user should know about the expansion (files found, keys ignored), one line each. */
  notes: string[];
  /** For each suite, the index of the config entry it came from (set by expandSuiteEntries). */
  entries?: number[];
  /** Tolerances a preset gates its suites with, by suite name (the config's own lines win). */
  thresholds?: Record<string, Record<string, string>>;
}

/** The file vLLM's CI downloads (Hugging Face dataset anon8231489123/ShareGPT_Vicuna_unfiltered). */
export const SHAREGPT_FILE = 'ShareGPT_V3_unfiltered_cleaned_split.json';

export const SHAREGPT_HOWTO =
  'download it once (it is never downloaded at run time): ' +
  `https://huggingface.co/datasets/anon8231489123/ShareGPT_Vicuna_unfiltered/resolve/main/${SHAREGPT_FILE} ` +
  '(e.g. `huggingface-cli download anon8231489123/ShareGPT_Vicuna_unfiltered ' +
  `${SHAREGPT_FILE} --repo-type dataset --local-dir data\`; cache it in CI with actions/cache) ` +
  'and give its path as `dataset-path:`';

/** Where a ShareGPT file is looked for, in order, when a preset needs one and `dataset-path` is not given. */
export function sharegptCandidates(baseDir: string, cwd: string = process.cwd()): string[] {
  const dirs = [...new Set([path.resolve(baseDir), path.resolve(cwd)])];
  const out: string[] = [];
  for (const dir of dirs) for (const sub of ['', 'data', 'datasets', 'benchmarks']) out.push(path.join(dir, sub, SHAREGPT_FILE));
  return out;
}

export async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

/** A path as the expanded config should show it: relative to the config's directory when inside it. */
export function configRelative(baseDir: string, abs: string): string {
  const rel = path.relative(path.resolve(baseDir), abs);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : abs;
}
