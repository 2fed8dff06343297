// Values that must never show in a log: the token, and the server's secret env values
// (config/secrets.ts finds them). The runner replaces masked values with *** in every later line.
import * as core from '@actions/core';

export type SetSecret = (value: string) => void;

/** Masks each value, and its URL- and JSON-escaped forms (how a value shows up in URLs and dumps). */
export function maskSecrets(values: Iterable<string | undefined | null>, setSecret: SetSecret = core.setSecret): number {
  const seen = new Set<string>();
  for (const v of values) {
    if (typeof v !== 'string' || v.trim().length < 3) continue; // masking "a" would blank every a
    for (const form of [v, encodeURIComponent(v), JSON.stringify(v).slice(1, -1)]) {
      if (!seen.has(form)) {
        seen.add(form);
        setSecret(form);
      }
    }
  }
  return seen.size;
}
