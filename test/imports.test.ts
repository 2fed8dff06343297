// Imports run one way, down the pipeline: a module imports its own stage or a stage to its left,
// never one to its right; shared leaves (errors, the clock, the metric registry) sit below all.
// The simulator is a product of its own: it imports nothing from src/, and src/ nothing from it.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/** The stages of src/, leaves first; each may import its own stage or one to its left. */
const LAYERS: readonly (readonly string[])[] = [
  ['errors.ts', 'clock.ts', 'catalog'],
  ['config'],
  ['results'],
  ['load'],
  ['metrics'],
  ['server'],
  ['compare'],
  ['history'],
  ['suites'],
  ['report'],
  ['github'],
  ['pipeline.ts', 'aggregate.ts', 'main.ts', 'cli.ts', 'action.ts'],
];

const ROOT = path.resolve(import.meta.dirname, '..');

/** A file's stage: its folder under src/, or its own name for a file at the top of src/. */
function stageOf(file: string): string {
  const [first, second] = path.relative(path.join(ROOT, 'src'), file).split(path.sep);
  return second === undefined ? first!.replace(/\.js$/, '.ts') : first!;
}

function rankOf(stage: string): number {
  return LAYERS.findIndex((layer) => layer.includes(stage));
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|mts)$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name));
}

/** Every module a file names (static, re-export, type-only and dynamic imports), resolved to a path when relative. */
function importsOf(file: string, text = readFileSync(file, 'utf8')): { spec: string; resolved: string | null }[] {
  const info = ts.preProcessFile(text, true, true);
  return info.importedFiles.map(({ fileName: spec }) => ({
    spec,
    resolved: spec.startsWith('.') ? path.resolve(path.dirname(file), spec) : null,
  }));
}

function inside(dir: string, file: string): boolean {
  const rel = path.relative(path.join(ROOT, dir), file);
  return !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** Imports from a stage to one on its right, as "from -> spec (stage -> stage)". */
function wrongWay(files: readonly string[], importsOfFile: (f: string) => { spec: string; resolved: string | null }[]): string[] {
  const out: string[] = [];
  for (const file of files) {
    const from = stageOf(file);
    for (const { spec, resolved } of importsOfFile(file)) {
      if (resolved === null || !inside('src', resolved)) continue;
      const to = stageOf(resolved);
      if (rankOf(to) > rankOf(from)) out.push(`${path.relative(ROOT, file)} -> ${spec} (${from} -> ${to})`);
    }
  }
  return out;
}

const SRC = filesUnder(path.join(ROOT, 'src'));

describe('imports between the stages of src/', () => {
  it('places every folder and top-level file of src/ in a stage', () => {
    const stages = [...new Set(SRC.map(stageOf))].sort();
    expect(stages.filter((s) => rankOf(s) < 0)).toEqual([]);
  });

  it('has no import from a stage to one on its right', () => {
    expect(wrongWay(SRC, importsOf)).toEqual([]);
  });

  it('catches imports to the right of every form: static, type-only, re-export, dynamic (the check can fail)', () => {
    const texts: Record<string, string> = {
      [path.join(ROOT, 'src/config/thresholds.ts')]: [
        "import { metricInfo } from '../compare/catalog.js';",
        "import type { GateReport } from '../compare/types.js';",
        "export * from '../report/index.js';",
        "const gh = await import('../github/index.js');",
        "import { GateError } from '../errors.js';",
        "import { parseKeyPath } from './key-path.js';",
      ].join('\n'),
      [path.join(ROOT, 'src/report/markdown.ts')]: "import type { GateReport } from '../compare/types.js';",
      [path.join(ROOT, 'src/errors.ts')]: "import { run } from './main.js';",
    };
    expect(wrongWay(Object.keys(texts), (f) => importsOf(f, texts[f]))).toEqual([
      'src/config/thresholds.ts -> ../compare/catalog.js (config -> compare)',
      'src/config/thresholds.ts -> ../compare/types.js (config -> compare)',
      'src/config/thresholds.ts -> ../report/index.js (config -> report)',
      'src/config/thresholds.ts -> ../github/index.js (config -> github)',
      'src/errors.ts -> ./main.js (errors.ts -> main.ts)',
    ]);
  });

  it('keeps the metric registry a leaf: it imports nothing', () => {
    expect(filesUnder(path.join(ROOT, 'src/catalog')).flatMap((f) => importsOf(f).map((i) => i.spec))).toEqual([]);
  });
});

describe('the simulator and the gate stay apart', () => {
  it('sim/ imports nothing from src/', () => {
    const bad = filesUnder(path.join(ROOT, 'sim')).flatMap((f) =>
      importsOf(f)
        .filter((i) => i.resolved !== null && inside('src', i.resolved))
        .map((i) => `${path.relative(ROOT, f)} -> ${i.spec}`),
    );
    expect(bad).toEqual([]);
  });

  it('src/ imports nothing from sim/', () => {
    const bad = SRC.flatMap((f) =>
      importsOf(f)
        .filter((i) => i.resolved !== null && inside('sim', i.resolved))
        .map((i) => `${path.relative(ROOT, f)} -> ${i.spec}`),
    );
    expect(bad).toEqual([]);
  });
});
