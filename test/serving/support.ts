import type { ServingSuite } from '../../src/config/schema-types.gen.js';

/** A small serving suite: defaults as the config loader would fill them, overridden per test. */
export function suite(over: Partial<ServingSuite> & Pick<ServingSuite, 'dataset'>): ServingSuite {
  return {
    name: 'test',
    kind: 'serving',
    endpoint: 'completions',
    stream: true,
    burstiness: 1,
    'ignore-eos': false,
    warmup: 0,
    seed: 0,
    percentiles: [50, 90, 95, 99],
    'request-timeout': '30s',
    'max-error-rate': 0,
    repeat: 1,
    ...over,
  };
}

/**
 * Validity reasons other than the client's own saturation. Tests share two cores with the simulator
 * and with other test files, so "the client could not keep up" is a true finding there, not a fault
 * of the code under test; every other reason is.
 */
export function nonClientReasons(v: { reasons: string[] }): string[] {
  return v.reasons.filter((r) => !r.includes('(the client'));
}
