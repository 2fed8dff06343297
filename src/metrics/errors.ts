// Failed requests counted by class and HTTP status, with a few examples (pure).
import type { RequestRecord } from '../load/types.js';
import type { Errors } from '../results/schema-types.gen.js';

const MAX_EXAMPLES = 5;

export function errorSummary(records: readonly RequestRecord[]): Errors {
  const byKind: Record<string, number> = {};
  const status: Record<string, number> = {};
  const examples: string[] = [];
  const seen = new Set<string>();
  let total = 0;
  for (const r of records) {
    if (r.httpStatus !== null) status[String(r.httpStatus)] = (status[String(r.httpStatus)] ?? 0) + 1;
    if (r.success) continue;
    total++;
    const kind = r.errorKind ?? 'other';
    byKind[kind] = (byKind[kind] ?? 0) + 1;
    const msg = `${kind}: ${sanitize(r.error ?? '')}`;
    // One example per distinct message, so five timeouts do not hide the one HTTP 500.
    if (examples.length < MAX_EXAMPLES && !seen.has(msg)) {
      seen.add(msg);
      examples.push(msg);
    }
  }
  return { total, 'by-kind': byKind, 'http-status': status, examples: examples as Errors['examples'] };
}

/** One line, printable, bounded: error text comes from the server and may hold anything. */
function sanitize(s: string): string {
  // eslint-disable-next-line no-control-regex
  const flat = s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 197)}...` : flat;
}
