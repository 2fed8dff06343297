// Small helpers for the preset and vllm-suite tests: a throw-away config directory and a way to
// look at the GateError an expansion throws.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { expect } from 'vitest';
import configSchema from '../../schemas/config.schema.json' with { type: 'json' };
import { GateError } from '../../src/errors.js';

export interface TempDir {
  dir: string;
  /** Writes `content` (a string, or JSON of a value) at `rel` inside the directory; returns the absolute path. */
  write(rel: string, content: unknown): Promise<string>;
  remove(): Promise<void>;
}

export async function tempDir(): Promise<TempDir> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vpg-presets-'));
  return {
    dir,
    async write(rel, content) {
      const abs = path.join(dir, rel);
      await mkdir(path.dirname(abs), { recursive: true });
      await writeFile(abs, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
      return abs;
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** The GateError a promise rejects with (fails the test when it resolves or throws something else). */
export async function gateError(p: Promise<unknown>): Promise<GateError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(GateError);
    return err as GateError;
  }
  throw new Error('expected a GateError, but the expansion succeeded');
}

const ajv = new Ajv({ allErrors: true, strict: false });
(addFormats as unknown as (a: Ajv) => Ajv)(ajv);
const validateConfig = ajv.compile(configSchema);

/** Validates expanded suites as the config loader does: as the suites of a config document. */
export function expectValidConfigSuites(suites: unknown[]): void {
  const ok = validateConfig({ version: 1, suites });
  expect(ok ? [] : validateConfig.errors).toEqual([]);
}
