import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { DEFAULTS, readSettings } from '../../src/github/settings.js';

const action = parse(readFileSync(path.resolve(import.meta.dirname, '../../action.yml'), 'utf8')) as {
  runs: Record<string, string>;
  inputs: Record<string, { description: string; default?: string }>;
  outputs: Record<string, { description: string }>;
};

describe('action.yml', () => {
  it('declares exactly the inputs readSettings reads, with the same defaults', () => {
    const names = Object.keys(action.inputs).filter((n) => n !== 'github-token');
    expect(names.sort()).toEqual(Object.keys(DEFAULTS).sort());
    for (const n of names) expect(action.inputs[n]!.default ?? '', n).toBe(DEFAULTS[n as keyof typeof DEFAULTS]);
    expect(action.inputs['github-token']!.default).toBe('${{ github.token }}');
  });

  it('its defaults are valid values (the runner passes them as INPUT_* when a workflow omits them)', () => {
    const fromYaml = (n: string) => action.inputs[n]?.default ?? '';
    expect(() => readSettings(fromYaml)).not.toThrow();
  });

  it('runs main and post from one node24 bundle, and documents every input and output', () => {
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js', post: 'dist/index.js' });
    expect(Object.keys(action.outputs).sort()).toEqual([
      'comment-url',
      'improvements',
      'regressions',
      'report-path',
      'results-path',
      'verdict',
    ]);
    for (const v of [...Object.values(action.inputs), ...Object.values(action.outputs)]) expect(v.description.length).toBeGreaterThan(20);
  });
});
