// The action and CLI run as esbuild bundles from dist/, far from schemas/: the config and results
// schemas must travel inside the bundle. This builds a bundle of the loader into a temporary folder and runs it
// there with node.
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { tempDir, writeConfig } from './helpers.js';

const run = promisify(execFile);

describe('the config loader bundled by esbuild', () => {
  it('carries the schemas inside the bundle and loads a config as it does from source', async () => {
    const dir = await tempDir();
    const entry = path.join(dir, 'entry.ts');
    await writeFile(
      entry,
      `import { loadConfig } from ${JSON.stringify(path.resolve('src/config/load.ts'))};\n` +
        `import { validateResults } from ${JSON.stringify(path.resolve('src/results/validate.ts'))};\n` +
        `const l = await loadConfig(process.argv[2]);\n` +
        `const problems = validateResults({ 'schema-version': 2 }).length;\n` +
        `console.log(JSON.stringify({ hash: l.configHash, suites: l.config.suites.map((s) => s.name), problems }));\n`,
    );
    const out = path.join(dir, 'bundle.mjs');
    await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      outfile: out,
      logLevel: 'error',
      banner: {
        js: "import { createRequire as __vpgCreateRequire } from 'node:module'; const require = __vpgCreateRequire(import.meta.url);",
      },
    });
    const code = await readFile(out, 'utf8');
    expect(code).not.toContain('../schemas/');
    expect(code).toContain('"Config format version. Always 1."');
    expect(code).toContain('"Unique id of this run."');
    const cfg = await writeConfig(
      dir,
      'gate.yml',
      'version: 1\nserver: { model: m }\nsuites:\n  - name: a\n    kind: serving\n    dataset: { type: random }\n    request-rates: [inf]\n',
    );
    const { stdout } = await run(process.execPath, [out, cfg], { cwd: dir });
    const fromSource = await loadConfig(cfg);
    expect(JSON.parse(stdout)).toEqual({ hash: fromSource.configHash, suites: ['a'], problems: expect.any(Number) });
    expect(JSON.parse(stdout).problems).toBeGreaterThan(0);
  });
});
