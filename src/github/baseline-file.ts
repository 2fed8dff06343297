// baseline-source: file. A results file or folder committed to the repository, read only: a PR that
// changes the baseline changes it in review, like any other file.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { GateError } from '../errors.js';
import { readResults } from '../results/read.js';
import type { BaselineStore } from './baseline-store.js';

/** The absolute path of the baseline file or folder inside the workspace; an error naming the input if absent. */
export function resolveFileBaseline(baselinePath: string, workspace: string): string {
  const root = path.resolve(workspace);
  const abs = path.resolve(root, baselinePath);
  if (abs !== root && !abs.startsWith(root + path.sep)) {
    throw new GateError('CONFIG', `Input "baseline-path" points outside the repository: ${baselinePath}`, {
      where: { file: 'action inputs (with:)', path: 'baseline-path' },
    });
  }
  if (!existsSync(abs)) {
    throw new GateError('INPUT', `The baseline ${baselinePath} does not exist in the repository.`, {
      where: { file: baselinePath },
      hint: 'commit a results.json (or a folder of them, or vLLM result files) at that path, or check out the repository before this step',
    });
  }
  statSync(abs);
  return abs;
}

/** `baseline-source: file`: read only; a new baseline is a commit, reviewed like any other. */
export const fileStore: BaselineStore = {
  name: 'file',
  resultsArtifactIsBaseline: false,
  load: async ({ settings, workspace }) => {
    const abs = resolveFileBaseline(settings.baselinePath, workspace);
    return { docs: await readResults(abs), source: `file ${settings.baselinePath}` };
  },
  store: async () => ({ written: false, detail: 'baseline-source: file is read only; commit a new baseline file to change it' }),
  describe: ({ settings }) => `file ${settings.baselinePath}`,
};
