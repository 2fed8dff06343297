// The CLI as users run it (`node dist/cli.js`, which bin/vllm-perf-gate.js imports), bundled from
// src/ now with the options scripts/build.mjs gives dist/cli.js, into a private folder: the source
// under test in a process of its own, without touching dist/.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const REPO_ROOT = path.resolve(import.meta.dirname, '../..');

export async function bundleCliFromSource(): Promise<string> {
  const { build } = await import('esbuild');
  const outfile = path.join(mkdtempSync(path.join(tmpdir(), 'vpg-cli-bundle-')), 'cli.js');
  await build({
    absWorkingDir: REPO_ROOT,
    entryPoints: ['src/cli.ts'],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    outfile,
    banner: {
      js: "import { createRequire as __vpgCreateRequire } from 'node:module'; const require = __vpgCreateRequire(import.meta.url);",
    },
    legalComments: 'none',
    logLevel: 'error',
  });
  return outfile;
}

export interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node <cli> ...args` to its end. */
export function runBundledCli(cli: string, args: string[], cwd = REPO_ROOT): Promise<Exit> {
  const child = spawn(process.execPath, [cli, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
