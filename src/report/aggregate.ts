// aggregate mode: one comment for a matrix of configs, an overview table first, then each config's
// report one heading level down, all under one size limit.
import type { GateReport } from '../compare/types.js';
import type { ResultsDocument } from '../results/schema-types.gen.js';
import { assemble, chars, safeUrl, utf8, type Section } from './assemble.js';
import { inlineCode, markerId } from './escape.js';
import { RUN_HEADLINE } from './format.js';
import { COMMENT_LIMIT, SUMMARY_LIMIT_BYTES, buildSections, table, type RenderContext } from './markdown.js';

export interface AggregateEntry {
  configId: string;
  report: GateReport;
  current: ResultsDocument;
  baselineDoc?: ResultsDocument;
  artifactUrl?: string;
}

const VERDICT_RANK: Record<GateReport['verdict'], number> = { fail: 4, 'nothing-compared': 3, 'not-comparable': 2, 'no-baseline': 1, pass: 0 };

/** The overall verdict of several configs: the worst of them. */
export function worstVerdict(reports: GateReport[]): GateReport['verdict'] {
  return reports.reduce<GateReport['verdict']>((w, r) => (VERDICT_RANK[r.verdict] > VERDICT_RANK[w] ? r.verdict : w), 'pass');
}

/**
 * One comment for a matrix of configs (aggregate mode): an overview table, then each config's report
 * one heading level down. Its marker is `<!-- vllm-perf-gate:aggregate:<id> -->`.
 */
export function renderAggregate(entries: AggregateEntry[], ctx: { id: string; runUrl?: string; artifactUrl?: string }, target: 'comment' | 'summary' = 'comment'): string {
  const verdict = worstVerdict(entries.map((e) => e.report));
  const head = RUN_HEADLINE[verdict];
  const rows = entries.map((e) => [
    inlineCode(e.configId, 80),
    `${RUN_HEADLINE[e.report.verdict].emoji} ${RUN_HEADLINE[e.report.verdict].word}`,
    String(e.report.counts.regressed),
    String(e.report.counts.improved),
    String(e.report.counts.unchanged),
    String(e.report.counts.inconclusive),
    String(e.report.counts.invalid),
  ]);
  const overview: Section = {
    md: [
      `## ${head.emoji} vLLM performance gate: ${head.word} — ${entries.length} configuration${entries.length === 1 ? '' : 's'}`,
      '',
      table(['config', 'verdict', 'regressed', 'improved', 'unchanged', 'inconclusive', 'invalid'], rows, ['l', 'l', 'r', 'r', 'r', 'r', 'r']),
      ...(ctx.runUrl ? ['', `[workflow run](${safeUrl(ctx.runUrl)})`] : []),
    ].join('\n'),
    keep: Number.POSITIVE_INFINITY,
    what: 'overview',
  };
  const all: Section[] = [overview];
  for (const e of entries) {
    const rctx: RenderContext = { configId: e.configId };
    if (e.baselineDoc) rctx.baselineDoc = e.baselineDoc;
    if (e.artifactUrl) rctx.artifactUrl = e.artifactUrl;
    const secs = buildSections(e.report, e.current, rctx, {
      headingLevel: 3,
      maxListItems: target === 'comment' ? 5 : 50,
      maxRowsPerTable: target === 'comment' ? 30 : 500,
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
