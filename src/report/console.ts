// What a terminal shows during and after a serving run: a progress line per point (a redrawn bar on
// a TTY, plain lines in CI logs) and, per point, a summary laid out as `vllm bench serve` prints
// it ("{:<40} {:<10.2f}" rows under "=== Serving Benchmark Result ==="), so users can read it
// side by side with vLLM's. Pure: returns strings; the caller decides where they go.
import { servingStatBases, statPercentiles } from '../catalog/metrics.js';
import type { GateReport } from '../compare/types.js';
import type { Point, ResultsDocument } from '../results/schema-types.gen.js';
import type { ServingProgress } from '../suites/serving.js';

/** What the progress display needs to know: the serving runner's progress events (the repeat aside). */
export type ProgressEvent = Omit<ServingProgress, 'repeat'>;

const BAR = 24;

/** `sweep concurrency=8 (2/6) [#########.........] 120/200  9.8 req/s  0 failed  12.3 s` */
export function formatProgressLine(ev: ProgressEvent, opts: { bar?: boolean } = {}): string {
  const done = ev.completed + ev.failed;
  const frac = ev.total > 0 ? done / ev.total : 1;
  const rate = ev.elapsedMs > 0 ? done / (ev.elapsedMs / 1000) : 0;
  const filled = Math.round(frac * BAR);
  const bar = opts.bar === false ? '' : ` [${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}]`;
  const head = `${ev.suite} ${ev.pointKey} (${ev.pointIndex + 1}/${ev.points})${bar}`;
  return `${head} ${done}/${ev.total}  ${rate.toFixed(1)} req/s  ${ev.failed} failed  ${(ev.elapsedMs / 1000).toFixed(1)} s`;
}

/**
 * Progress output: on a TTY one line redrawn in place; otherwise a line when a point starts making
 * progress, then at most one per `everyMs`, and always the point's last state.
 */
export class ProgressView {
  private lastKey = '';
  private lastPrintMs = -Infinity;
  private lastEvent: ProgressEvent | null = null;

  constructor(
    private readonly write: (s: string) => void,
    private readonly tty: boolean,
    private readonly everyMs = 5000,
  ) {}

  update(ev: ProgressEvent): void {
    this.lastEvent = ev;
    if (this.tty) {
      this.write(`\r\u001b[2K${formatProgressLine(ev)}`);
      return;
    }
    const newPoint = ev.pointKey !== this.lastKey;
    if (newPoint || ev.elapsedMs - this.lastPrintMs >= this.everyMs) {
      this.lastKey = ev.pointKey;
      this.lastPrintMs = ev.elapsedMs;
      this.write(`${formatProgressLine(ev, { bar: false })}\n`);
    }
  }

  /** The point is over: leave its final progress line in place. */
  endPoint(final?: ProgressEvent): void {
    const ev = final ?? this.lastEvent;
    if (ev === null) return;
    this.write(this.tty ? `\r\u001b[2K${formatProgressLine(ev)}\n` : `${formatProgressLine(ev, { bar: false })}\n`);
    this.lastEvent = null;
    this.lastKey = '';
  }
}

const WIDTH = 50;

function centre(title: string, fill: string): string {
  // Python's "{:c^50}".format(s): extra padding goes to the right.
  const pad = Math.max(0, WIDTH - title.length);
  const left = Math.floor(pad / 2);
  return fill.repeat(left) + title + fill.repeat(pad - left);
}

function row(label: string, value: string): string {
  return `${label.padEnd(40)} ${value.padEnd(10)}`;
}

function f2(v: number | null | undefined): string {
  return typeof v === 'number' && Number.isFinite(v) ? v.toFixed(2) : 'n/a';
}

function int(v: number | null | undefined): string {
  return typeof v === 'number' && Number.isFinite(v) ? String(Math.round(v)) : 'n/a';
}

/** One point's summary, in vLLM's console layout, followed by our validity verdict. */
export function formatServingSummary(point: Point, opts: { suite?: string } = {}): string {
  const m = point.metrics;
  const lines: string[] = [];
  if (opts.suite) lines.push(`${opts.suite} ${point.key}`);
  lines.push(centre(' Serving Benchmark Result ', '='));
  lines.push(row('Successful requests:', int(m.completed)));
  lines.push(row('Failed requests:', int(m.failed)));
  if (point.concurrency !== null && point.concurrency !== undefined)
    lines.push(row('Maximum request concurrency:', String(point.concurrency)));
  const rate = point['request-rate'];
  if (typeof rate === 'number') lines.push(row('Request rate configured (RPS):', f2(rate)));
  lines.push(row('Benchmark duration (s):', f2(m.duration)));
  lines.push(row('Total input tokens:', int(m.total_input_tokens)));
  lines.push(row('Total generated tokens:', int(m.total_output_tokens)));
  lines.push(row('Request throughput (req/s):', f2(m.request_throughput)));
  if (m.request_goodput !== null && m.request_goodput !== undefined) lines.push(row('Request goodput (req/s):', f2(m.request_goodput)));
  lines.push(row('Output token throughput (tok/s):', f2(m.output_throughput)));
  if (m.max_output_tokens_per_s !== null && m.max_output_tokens_per_s !== undefined)
    lines.push(row('Peak output token throughput (tok/s):', f2(m.max_output_tokens_per_s)));
  lines.push(row('Peak concurrent requests:', f2(m.max_concurrent_requests)));
  lines.push(row('Total token throughput (tok/s):', f2(m.total_token_throughput)));
  if (m.error_rate !== undefined) lines.push(row('Error rate (%):', f2(typeof m.error_rate === 'number' ? m.error_rate * 100 : null)));
  for (const { base: key, console: c } of servingStatBases()) {
    if (m[`mean_${key}_ms`] === undefined) continue;
    const short = c.short;
    lines.push(centre(c.header, '-'));
    lines.push(row(`Mean ${short} (ms):`, f2(m[`mean_${key}_ms`])));
    lines.push(row(`Median ${short} (ms):`, f2(m[`median_${key}_ms`])));
    for (const p of statPercentiles(Object.keys(m), key)) lines.push(row(`P${p} ${short} (ms):`, f2(m[`p${p}_${key}_ms`])));
    if (m[`min_${key}_ms`] !== undefined && m.mean_ttft_ms === undefined) {
      // Non-streaming points are read like a hand-rolled client's report: min and max too.
      lines.push(row(`Min ${short} (ms):`, f2(m[`min_${key}_ms`])));
      lines.push(row(`Max ${short} (ms):`, f2(m[`max_${key}_ms`])));
    }
  }
  lines.push('='.repeat(WIDTH));
  if (point.errors && point.errors.total > 0) {
    const kinds = Object.entries(point.errors['by-kind'] ?? {})
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
    lines.push(`Errors: ${point.errors.total} (${kinds})`);
    for (const e of point.errors.examples ?? []) lines.push(`  ${e}`);
  }
  lines.push(point.validity.valid ? 'Valid: yes' : `INVALID: ${point.validity.reasons.join('; ')}`);
  return lines.join('\n');
}

/** One line per point, for the end of a sweep: key, req/s, output tok/s, median TTFT/TPOT/ITL/E2EL, validity. */
export function formatSweepTable(points: readonly Point[]): string {
  const head = ['point', 'req/s', 'out tok/s', 'TTFT p50', 'TPOT p50', 'ITL p50', 'E2EL p50', 'valid'];
  const rows = points.map((p) => {
    const m = p.metrics;
    return [
      p.key,
      f2(m.request_throughput),
      f2(m.output_throughput),
      f2(m.median_ttft_ms),
      f2(m.median_tpot_ms),
      f2(m.median_itl_ms),
      f2(m.median_e2el_ms),
      p.validity.valid ? 'yes' : 'NO',
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]): string => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [fmt(head), ...rows.map(fmt)].join('\n');
}

/**
 * The closing lines of a run the gate did not pass without an error of its own (the run finished, but
 * a point is invalid, a gated metric regressed, a baseline point was not measured, or nothing could be
 * judged): the verdict and what to do. Empty when the gate passes.
 */
export function formatRunVerdict(report: GateReport, doc: ResultsDocument): string[] {
  if (report.passes) return [];
  const lines = [`verdict: ${report.verdict.replace(/-/g, ' ').toUpperCase()}: ${report.summary}`];
  if (report.fix) lines.push(`  fix: ${report.fix}`);
  if (report.verdict !== 'fail') return lines;
  const points = doc.suites.flatMap((s) => s.points);
  const invalid = points.filter((p) => !p.validity.valid);
  const failed = points.reduce((n, p) => n + (p.errors?.total ?? 0), 0);
  if (invalid.length > 0 && failed > 0) {
    const count = (p: Point, k: string): number => (typeof p.metrics[k] === 'number' ? (p.metrics[k] as number) : 0);
    const sent = points.reduce((n, p) => n + count(p, 'completed') + count(p, 'failed'), 0);
    const kinds = new Map<string, number>();
    for (const p of points) for (const [k, v] of Object.entries(p.errors?.['by-kind'] ?? {})) kinds.set(k, (kinds.get(k) ?? 0) + (v ?? 0));
    const list = [...kinds].map(([k, v]) => `${k} ${v}`).join(', ');
    lines.push(
      `  fix: ${failed} of ${sent} requests failed (${list}): the Errors lines above and server.log say why; if some failures are expected, raise the suite's max-error-rate`,
    );
  } else if (invalid.some((p) => p.validity.reasons.some((r) => r.includes('the client')))) {
    lines.push(
      "  fix: the load client could not keep up with the load: lower the request rate or concurrency, run on a runner with more CPU, or, on a machine the client shares with other work, raise the config's client limits",
    );
  }
  return lines;
}
