// Joins a report's sections under a size limit: the least important sections go first, each named
// in a closing notice that points at the full report. Sections are never cut in half, so no table,
// chart or <details> is left broken.
import { escapeMarkdown } from './escape.js';

export interface Section {
  md: string;
  /** Lower is dropped first; Infinity is never dropped. */
  keep: number;
  /** What the reader is told is missing when this section goes. */
  what: string;
}

/** How long each kind of section is kept when the report is too big (see Section.keep). */
export const KEEP = { details: 1, telemetryPoints: 2, charts: 3, telemetry: 4, offline: 5, serving: 10, always: Number.POSITIVE_INFINITY };

/** Only http(s) links; anything else (javascript:, data:) is not linked at all. */
export function safeUrl(u: string): string {
  try {
    const url = new URL(u);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return '#';
    return url.toString().replace(/[()\s<>"`]/g, (c) => encodeURIComponent(c));
  } catch {
    return '#';
  }
}

export type Measure = (s: string) => number;
export const chars: Measure = (s) => s.length;
export const utf8: Measure = (s) => new TextEncoder().encode(s).length;

/**
 * Joins sections under a limit: drops the least important ones until it fits, then says what was
 * left out and where to find it. Sections are never cut in half, so no table or <details> breaks.
 */
export function assemble(
  prefix: string,
  sections: Section[],
  limit: number,
  measure: Measure,
  ctx: { artifactUrl?: string; runUrl?: string },
): string {
  const kept = sections.map(() => true);
  const dropped: string[] = [];
  const notice = (): string => {
    if (dropped.length === 0) return '';
    const where = ctx.artifactUrl
      ? `the [results artifact](${safeUrl(ctx.artifactUrl)})`
      : ctx.runUrl
        ? `the [job summary](${safeUrl(ctx.runUrl)}) and the results artifact`
        : 'the job summary and the results artifact';
    const what = [...new Set(dropped)];
    const list =
      what.length > 8
        ? `${what
            .slice(0, 8)
            .map((d) => escapeMarkdown(d))
            .join(', ')} and ${what.length - 8} more`
        : what.map((d) => escapeMarkdown(d)).join(', ');
    return `\n\n---\n✂️ Left out to stay under GitHub's size limit: ${list}. The full report is in ${where}.`;
  };
  // Sizes are additive (characters and UTF-8 bytes alike), so measure each part once.
  const sep = measure('\n\n');
  const sizes = sections.map((s) => measure(s.md));
  let total = measure(prefix) + measure('\n') + sizes.reduce((a, b) => a + b, 0) + sep * Math.max(0, sections.length - 1);
  const size = (): number => total + measure(notice());
  const drop = (i: number): void => {
    kept[i] = false;
    dropped.push(sections[i]!.what);
    total -= sizes[i]! + sep;
  };
  const order = sections
    .map((s, i) => ({ s, i }))
    .filter(({ s }) => Number.isFinite(s.keep))
    .sort((a, b) => a.s.keep - b.s.keep || b.i - a.i);
  for (const { i } of order) {
    if (size() <= limit) break;
    drop(i);
  }
  // Even the sections that are always kept can be too big: drop from the end, headline last.
  for (let i = sections.length - 1; i > 0 && size() > limit; i--) if (kept[i]) drop(i);
  const render = (): string =>
    prefix +
    sections
      .filter((_, i) => kept[i])
      .map((s) => s.md)
      .join('\n\n') +
    notice() +
    '\n';
  let out = render();
  if (measure(out) > limit) {
    // Last resort: the headline alone is too big; cut it at a line boundary.
    const tail = notice() || `\n\n---\n✂️ Cut to stay under GitHub's size limit.`;
    let body = prefix + sections[0]!.md;
    while (measure(body + tail + '\n') > limit && body.length > 0)
      body = body.slice(0, Math.max(0, body.lastIndexOf('\n', body.length - 2)));
    out = body + tail + '\n';
  }
  return out;
}
