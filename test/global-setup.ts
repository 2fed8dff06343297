// Builds the simulator once per test run from its sources, into a private cache folder, and puts a
// `vllm-sim` executable on a PATH folder the tests hand to the processes they spawn. The action is
// thereby tested exactly as users run it: `server.command: vllm-sim` resolved through PATH.
import { build } from 'esbuild';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { TestProject } from 'vitest/node';

export const CACHE_DIR = path.resolve('node_modules/.cache/vllm-perf-gate-test');

export default async function setup(project: TestProject): Promise<void> {
  const binDir = path.join(CACHE_DIR, 'bin');
  await mkdir(binDir, { recursive: true });
  const simJs = path.join(CACHE_DIR, 'sim.mjs');
  await build({
    entryPoints: ['sim/cli.ts'],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    outfile: simJs,
    logLevel: 'error',
    banner: {
      js: "import { createRequire as __vpgCreateRequire } from 'node:module'; const require = __vpgCreateRequire(import.meta.url);",
    },
  });
  // A POSIX shim, so that spawn('vllm-sim', ...) finds it on PATH like any installed binary.
  const shim = path.join(binDir, 'vllm-sim');
  await writeFile(shim, `#!/bin/sh\nexec "${process.execPath}" "${simJs}" "$@"\n`);
  await chmod(shim, 0o755);
  project.provide('simJs', simJs);
  project.provide('simBinDir', binDir);
}

declare module 'vitest' {
  export interface ProvidedContext {
    simJs: string;
    simBinDir: string;
  }
}
