// report/: verdicts -> Markdown (PR comment, job summary), text, JSON, annotations. Pure: no I/O.
export { renderComment, renderSummary, COMMENT_LIMIT, SUMMARY_LIMIT_BYTES } from './markdown.js';
export type { RenderContext } from './markdown.js';
export { renderAggregate, aggregateMarker } from './aggregate.js';
export type { AggregateEntry } from './aggregate.js';
export { renderText } from './text.js';
export type { TextOptions } from './text.js';
export { toJson } from './json.js';
export { annotations, MAX_ANNOTATIONS } from './annotations.js';
export type { Annotation } from './annotations.js';
export { commentMarker, escapeMarkdown, escapeCell, escapeText, inlineCode, mermaidLabel, markerId } from './escape.js';
export { hasChanges, formatChange, formatNumber } from './format.js';
