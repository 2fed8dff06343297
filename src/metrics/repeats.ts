// A point measured more than once (`repeat:`) is reported as the mean of its repeats, for serving
// and offline suites alike.
import type { MetricMap } from '../results/schema-types.gen.js';
import { mean } from './stats.js';

/** Key-wise mean of the repeats' metrics (keys of the first); null where any repeat has no number. */
export function meanMetrics(ms: readonly MetricMap[]): MetricMap {
  const out: MetricMap = {};
  for (const k of Object.keys(ms[0] ?? {})) {
    const vs = ms.map((m) => m[k]);
    out[k] = vs.every((v): v is number => typeof v === 'number') ? mean(vs) : null;
  }
  return out;
}
