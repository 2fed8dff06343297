// aggregate mode: one comment for a matrix of configs, an overview table first, then each config's
// report one heading level down, all under one size limit.
import { outcomeVerdict, overallVerdict } from '../compare/overall.js';
import type { GateReport } from '../compare/types.js';
import type { ResultsDocument } from '../results/schema-types.gen.js';
import { assemble, chars, safeUrl, utf8, type Section } from './assemble.js';
import { escapeCell, inlineCode, markerId } from './escape.js';
import { RUN_HEADLINE } from './format.js';
import { COMMENT_LIMIT, SUMMARY_LIMIT_BYTES, buildSections, table, type RenderContext } from './markdown.js';

/** A config's results, judged by this step against its own baseline with the checkout's config. */
export interface JudgedEntry {
  configId: string;
  report: GateReport;
  current: ResultsDocument;
  baselineDoc?: ResultsDocument;
  artifactUrl?: string;
}

/** A results artifact this step would not judge (not a valid results document, no config of its id...). */
export interface RejectedEntry {
  /** The artifact's name, as its uploader chose it. */
  artifact: string;
  /** Why, in one sentence. */
  rejected: string;
  artifactUrl?: string;
}

export type AggregateEntry = JudgedEntry | RejectedEntry;

function isRejected(e: AggregateEntry): e is RejectedEntry {
  return 'rejected' in e;
}

/** A count as the table shows it: a whole number, or `?` for anything else. */
function count(n: unknown): string {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? String(n) : '?';
}

function overviewRow(e: AggregateEntry): string[] {
  const head = RUN_HEADLINE[outcomeVerdict(e)];
  if (isRejected(e)) return [inlineCode(e.artifact, 80), `${head.emoji} not judged`, '—', '—', '—', '—', '—'];
  const c = e.report.counts;
  return [
    inlineCode(e.configId, 80),
    `${head.emoji} ${head.word}`,
    count(c.regressed),
    count(c.improved),
    count(c.unchanged),
    count(c.inconclusive),
    count(c.invalid),
  ];
}

function rejectedSection(rejected: RejectedEntry[]): Section | null {
  if (rejected.length === 0) return null;
  const lines = rejected.map(
    (r) =>
      `- ${inlineCode(r.artifact, 80)}: ${escapeCell(r.rejected, 300)}${r.artifactUrl ? ` ([artifact](${safeUrl(r.artifactUrl)}))` : ''}`,
  );
  return {
    md: ['### Artifacts not judged (each fails the gate)', '', ...lines].join('\n'),
    keep: Number.POSITIVE_INFINITY,
    what: 'artifacts not judged',
  };
}

/**
 * One comment for a matrix of configs (aggregate mode): an overview table, then each config's report
 * one heading level down. Its marker is `<!-- vllm-perf-gate:aggregate:<id> -->`. Every figure in it
 * was computed by this step; every string is escaped.
 */
export function renderAggregate(
  entries: AggregateEntry[],
  ctx: { id: string; runUrl?: string; artifactUrl?: string },
  target: 'comment' | 'summary' = 'comment',
): string {
  const head = RUN_HEADLINE[overallVerdict(entries).verdict];
  const overview: Section = {
    md: [
      `## ${head.emoji} vLLM performance gate: ${head.word} — ${entries.length} configuration${entries.length === 1 ? '' : 's'}`,
      '',
      table(['config', 'verdict', 'regressed', 'improved', 'unchanged', 'inconclusive', 'invalid'], entries.map(overviewRow), [
        'l',
        'l',
        'r',
        'r',
        'r',
        'r',
        'r',
      ]),
      '',
      "<sub>Each count is of points (a sweep's rates or concurrencies, an offline suite), by the gate's verdict.</sub>",
      ...(ctx.runUrl ? ['', `[workflow run](${safeUrl(ctx.runUrl)})`] : []),
    ].join('\n'),
    keep: Number.POSITIVE_INFINITY,
    what: 'overview',
  };
  const all: Section[] = [overview];
  const rejected = rejectedSection(entries.filter(isRejected));
  if (rejected) all.push(rejected);
  for (const e of entries) {
    if (isRejected(e)) continue;
    const rctx: RenderContext = { configId: e.configId };
    if (e.baselineDoc) rctx.baselineDoc = e.baselineDoc;
    if (e.artifactUrl) rctx.artifactUrl = e.artifactUrl;
    const secs = buildSections(e.report, e.current, rctx, {
      headingLevel: 3,
      maxListItems: target === 'comment' ? 5 : 50,
      maxRowsPerTable: target === 'comment' ? 30 : 500,
      full: target === 'summary',
    });
    // Within a config, the same order of importance; across configs, headlines are kept.
    for (const s of secs) all.push({ ...s, what: `${e.configId}: ${s.what}` });
  }
  const prefix = target === 'comment' ? `<!-- vllm-perf-gate:aggregate:${markerId(ctx.id)} -->\n` : '';
  const actx: { artifactUrl?: string; runUrl?: string } = {};
  if (ctx.artifactUrl) actx.artifactUrl = ctx.artifactUrl;
  if (ctx.runUrl) actx.runUrl = ctx.runUrl;
  return assemble(prefix, all, target === 'comment' ? COMMENT_LIMIT : SUMMARY_LIMIT_BYTES, target === 'comment' ? chars : utf8, actx);
}

/** The marker of the aggregate comment, for finding it again. */
export function aggregateMarker(id: string): string {
  return `<!-- vllm-perf-gate:aggregate:${markerId(id)} -->`;
}
