// One mapping from a failure to the CLI's exit code, for the command's own errors and a run's.
import { describe, expect, it } from 'vitest';
import { exitCodeFor } from '../../src/cli.js';
import { GateError } from '../../src/errors.js';

describe('exitCodeFor', () => {
  it('exits 2 for every kind of bad user input', () => {
    for (const code of ['CONFIG', 'INPUT', 'DATASET'] as const) expect(exitCodeFor(new GateError(code, 'bad'))).toBe(2);
  });

  it('exits 130 when cancelled and 1 for failures that are not the input', () => {
    expect(exitCodeFor(new GateError('CANCELLED', 'stopped'))).toBe(130);
    expect(exitCodeFor(new GateError('INTERNAL', 'bug'))).toBe(1);
    expect(exitCodeFor(new GateError('GITHUB', 'refused'))).toBe(1);
    expect(exitCodeFor(new Error('plain'))).toBe(1);
  });
});
