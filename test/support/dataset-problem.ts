// The problem a dataset file check rejects with, for tests that expect one.
import { expect } from 'vitest';
import { DatasetFileProblem } from '../../src/load/dataset-file.js';

/** The DatasetFileProblem `p` rejects with; fails the test when it resolves or rejects otherwise. */
export async function problemOf(p: Promise<unknown>): Promise<DatasetFileProblem> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(DatasetFileProblem);
  return e as DatasetFileProblem;
}
