// Bundles the three entry points into dist/: the action (main + post), the CLI and the simulator.
// esbuild, because it bundles in under a second and needs no compiler API from TypeScript
// (esbuild: one file per entry, fast enough for the check-dist step). Type checking is `npm run typecheck`.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const banner = {
  js: "import { createRequire as __vpgCreateRequire } from 'node:module'; const require = __vpgCreateRequire(import.meta.url);",
};

const entries = [
  { in: 'src/action.ts', out: 'index' },
  { in: 'src/cli.ts', out: 'cli' },
  { in: 'sim/cli.ts', out: 'sim' },
];

await build({
  // Paths in the bundle's comments are relative to the repository whatever the caller's cwd.
  absWorkingDir: fileURLToPath(new URL('..', import.meta.url)),
  entryPoints: entries.map((e) => ({ in: e.in, out: e.out })),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  outdir: 'dist',
  banner,
  splitting: false,
  legalComments: 'none',
  logLevel: 'warning',
  // Keep the output deterministic so check-dist can diff it.
  metafile: false,
  sourcemap: false,
});
