// Secret values never reach a log line, an error message or an artifact. Everything we print about
// the server (its command, its log, its environment) goes through a masker built from the secrets.

export type Masker = (text: string) => string;

export const MASK = '***';

/**
 * A function replacing every occurrence of each secret with `***`. Longer secrets are replaced
 * first, so a secret that contains another is masked whole. Empty strings are ignored (masking ""
 * would mask everything).
 */
export function createMasker(secrets: Iterable<string>): Masker {
  const list = [...new Set([...secrets].filter((s) => s.length > 0))].sort((a, b) => b.length - a.length);
  if (list.length === 0) return (text) => text;
  const re = new RegExp(list.map(escapeRegExp).join('|'), 'g');
  return (text) => text.replace(re, MASK);
}

/** `mask(text, secrets)` for one-off use. */
export function mask(text: string, secrets: Iterable<string>): string {
  return createMasker(secrets)(text);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
