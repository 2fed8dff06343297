// Expands `preset:` and `vllm-suite:` entries of a config's suite list into ordinary suites.
// The config loader calls expandSuiteEntries after schema validation and validates the result again.
import path from 'node:path';
import { GateError } from '../errors.js';
import type { PresetSuite, SuiteEntry, VllmSuiteFile } from './schema-types.gen.js';
import {
  SHAREGPT_FILE,
  SHAREGPT_HOWTO,
  configRelative,
  exists,
  sharegptCandidates,
  type ExpandContext,
  type Expansion,
} from './presets-common.js';
import { PRESETS, PRESET_NAMES, type PresetName } from './presets-builtin.js';
import { didYouMean } from './did-you-mean.js';
import { applyOverrides, isPlainObject, type ExpandedSuite } from './presets-overrides.js';
import { expandVllmSuiteFile } from './vllm-suite.js';

export type { ExpandedSuite } from './presets-overrides.js';
export { PRESETS, PRESET_NAMES, type PresetName } from './presets-builtin.js';
export { SHAREGPT_FILE, sharegptCandidates, type ExpandContext, type Expansion } from './presets-common.js';

async function locateShareGPT(entry: PresetSuite, at: string, ctx: ExpandContext, notes: string[]): Promise<string> {
  const given = entry['dataset-path'];
  if (given !== undefined) {
    if (await exists(path.resolve(ctx.baseDir, given))) return given;
    throw new GateError(
      'DATASET',
      `preset ${entry.preset}: ShareGPT file ${given} not found (relative to the config file's directory ${ctx.baseDir})`,
      {
        where: { file: ctx.configFile, path: `${at}.dataset-path` },
        hint: `fix the path, or ${SHAREGPT_HOWTO}`,
      },
    );
  }
  const candidates = ctx.sharegptCandidates ?? sharegptCandidates(ctx.baseDir);
  for (const c of candidates) {
    if (await exists(c)) {
      const shown = configRelative(ctx.baseDir, c);
      notes.push(`${at}: preset ${entry.preset} uses the ShareGPT file found at ${shown}`);
      return shown;
    }
  }
  throw new GateError(
    'DATASET',
    `preset ${entry.preset} needs the ShareGPT dataset: no \`dataset-path\` is given and ${SHAREGPT_FILE} is in none of the usual places (${candidates.join(', ')})`,
    {
      where: { file: ctx.configFile, path: at },
      hint: SHAREGPT_HOWTO,
    },
  );
}

/** Reserved keys of a preset entry; every other key next to `preset` is an override. */
const PRESET_OWN_KEYS = ['preset', 'name', 'dataset-path'] as const;

export async function expandPreset(entry: PresetSuite, index: number, ctx: ExpandContext): Promise<Expansion> {
  const at = `suites[${index}]`;
  const name = entry.preset as string;
  if (!(PRESET_NAMES as string[]).includes(name)) {
    const guess = didYouMean(name, PRESET_NAMES);
    throw new GateError('CONFIG', `unknown preset ${JSON.stringify(name)}`, {
      where: { file: ctx.configFile, path: `${at}.preset` },
      hint: guess ? `did you mean ${guess}? (presets: ${PRESET_NAMES.join(', ')})` : `presets: ${PRESET_NAMES.join(', ')}`,
    });
  }
  const def = PRESETS[name as PresetName];
  const notes: string[] = [];
  if (!def.needsShareGPT && entry['dataset-path'] !== undefined) {
    throw new GateError('CONFIG', `preset ${name} does not use a ShareGPT file, so \`dataset-path\` has no meaning here`, {
      where: { file: ctx.configFile, path: `${at}.dataset-path` },
      hint: 'to run it on other prompts, override its dataset next to it, e.g. `dataset: { type: sharegpt, path: data/sharegpt.json, num-prompts: 200 }`',
    });
  }
  const sharegptPath = def.needsShareGPT ? await locateShareGPT(entry, at, ctx, notes) : undefined;
  const suites = def.build({ base: entry.name ?? name, ...(sharegptPath !== undefined ? { sharegptPath } : {}) });
  applyOverrides(
    suites,
    entry as unknown as Record<string, unknown>,
    { file: ctx.configFile, path: at, label: `preset ${name}`, reserved: PRESET_OWN_KEYS },
    (i) => ({ file: ctx.configFile, path: at, what: `preset ${name} (suite ${suites[i]!.name})` }),
  );
  const thresholds = def.thresholds ? Object.fromEntries(suites.map((s) => [s.name, { ...def.thresholds }])) : undefined;
  return { suites, notes, ...(thresholds ? { thresholds } : {}) };
}

function isPresetEntry(e: SuiteEntry): e is PresetSuite {
  return isPlainObject(e) && 'preset' in e;
}

function isVllmSuiteEntry(e: SuiteEntry): e is VllmSuiteFile {
  return isPlainObject(e) && 'vllm-suite' in e;
}

/**
 * Replaces every `preset:` and `vllm-suite:` entry by the suites it expands to, in place order;
 * ordinary suites pass through unchanged. Suite names must come out unique.
 */
export async function expandSuiteEntries(entries: SuiteEntry[], ctx: ExpandContext): Promise<Expansion> {
  const suites: ExpandedSuite[] = [];
  const notes: string[] = [];
  const entryOf: number[] = [];
  const thresholds: Record<string, Record<string, string>> = {};
  const origin = new Map<string, string>();
  for (const [i, entry] of entries.entries()) {
    let part: Expansion;
    if (isPresetEntry(entry)) part = await expandPreset(entry, i, ctx);
    else if (isVllmSuiteEntry(entry)) part = await expandVllmSuiteFile(entry, i, ctx);
    else part = { suites: [entry], notes: [] };
    for (const s of part.suites) {
      const first = origin.get(s.name);
      if (first !== undefined) {
        throw new GateError('CONFIG', `suite name ${s.name} is used twice (by ${first} and by suites[${i}])`, {
          where: { file: ctx.configFile, path: `suites[${i}]` },
          hint: isPresetEntry(entry)
            ? 'give the preset a `name:` so its suites get another prefix'
            : isVllmSuiteEntry(entry)
              ? 'list only some tests with `tests:`, or rename the test_name in the suite file'
              : 'rename one of the suites',
        });
      }
      origin.set(s.name, `suites[${i}]`);
    }
    suites.push(...part.suites);
    entryOf.push(...part.suites.map(() => i));
    notes.push(...part.notes);
    Object.assign(thresholds, part.thresholds);
  }
  return { suites, notes: [...new Set(notes)], entries: entryOf, ...(Object.keys(thresholds).length ? { thresholds } : {}) };
}
