// Durations as the config writes them: a number of seconds, or "500ms", "30s", "20m", "1h".
import { GateError } from '../errors.js';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
const DURATION = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)$/;

/** Milliseconds of a config duration (`30` and `"30s"` are both 30,000). Throws GateError CONFIG when malformed. */
export function parseDuration(value: number | string, where?: { file?: string; path?: string }): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) return value * 1000;
  } else {
    const m = DURATION.exec(value.trim());
    if (m) return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  }
  throw new GateError('CONFIG', `not a duration: ${JSON.stringify(value)}`, {
    ...(where ? { where } : {}),
    hint: 'write a number of seconds or a string such as "500ms", "30s", "20m", "1h"',
  });
}
