// The report as plain text for a terminal (`vllm-perf-gate compare --format text`): aligned columns,
// no Markdown, no colour codes, and every foreign string stripped of control characters.
import type { GateReport, MetricComparison, PointComparison } from '../compare/types.js';
import type { ResultsDocument } from '../results/schema-types.gen.js';
import { escapeText } from './escape.js';
import { RUN_HEADLINE, formatChange, formatNumber } from './format.js';
import { countsSentence } from './impact.js';

const TEXT_MARK: Record<MetricComparison['verdict'] | 'invalid', string> = {
  regressed: 'REGRESSED',
  improved: 'improved',
  unchanged: '',
  inconclusive: 'inconclusive',
  new: 'new',
  missing: 'missing',
  invalid: 'INVALID',
};

function pad(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, [...c].length)));
  return rows.map((r) =>
    r
      .map((c, i) => (i === 0 || i >= r.length - 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

export interface TextOptions {
  /** Show every metric, not only gated ones and those with a verdict other than unchanged. */
  all?: boolean;
  configId?: string;
}

function missingMark(p: PointComparison): string {
  if (p.verdict !== 'missing') return '';
  return p.onMissing === 'warn'
    ? '  MISSING: in the baseline, not measured (gate.on-missing: warn)'
    : '  MISSING: in the baseline, not measured';
}

export function renderText(report: GateReport, current?: ResultsDocument, opts: TextOptions = {}): string {
  const head = RUN_HEADLINE[report.verdict];
  const id = opts.configId ?? current?.run['config-id'];
  const out: string[] = [];
  out.push(`vLLM performance gate: ${head.word.toUpperCase()}${id ? ` (${escapeText(id, 80)})` : ''}`);
  out.push(countsSentence(report, false));
  out.push(escapeText(report.summary, 500));
  if (report.fix) out.push(`fix: ${escapeText(report.fix, 500)}`);
  const b = report.baseline;
  if (report.ab)
    out.push(`A/B: ${escapeText(report.ab.candidateLabel, 60)} vs ${escapeText(report.ab.baselineLabel, 60)}, ${report.ab.rounds} rounds`);
  else if (b) {
    const parts = [
      b.gitSha ? b.gitSha.slice(0, 12) : null,
      b.gitRef ?? null,
      b.startedAt?.slice(0, 10) ?? null,
      `${b.runs} run${b.runs === 1 ? '' : 's'}`,
      b.source,
    ];
    out.push(
      `Baseline: ${parts
        .filter((x): x is string => !!x)
        .map((x) => escapeText(x, 100))
        .join(', ')}`,
    );
  } else out.push('Baseline: none');
  for (const d of report.fingerprintDiffs)
    out.push(`  differs: ${escapeText(d.field, 60)}: ${escapeText(d.baseline, 120)} -> ${escapeText(d.current, 120)}`);
  for (const n of report.notes) out.push(`  note: ${escapeText(n, 300)}`);

  let suite = '';
  for (const p of report.points) {
    if (p.suite !== suite) {
      suite = p.suite;
      out.push('', `${escapeText(p.suite, 80)} (${p.suiteKind})`);
    }
    out.push(
      `  ${escapeText(p.label, 60)}${p.valid ? '' : `  INVALID: ${p.invalidReasons.map((r) => escapeText(r, 200)).join('; ')}`}${missingMark(p)}`,
    );
    const ms = p.metrics.filter((m) => opts.all || m.role === 'gated' || (m.verdict !== 'unchanged' && m.verdict !== 'new'));
    if (ms.length === 0) continue;
    const rows = [['    metric', 'current', 'baseline', 'change', 'tolerance', 'verdict']];
    for (const m of ms) {
      rows.push([
        `    ${escapeText(m.metric, 60)}`,
        formatNumber(m.current),
        formatNumber(m.baseline),
        formatChange(m.change),
        escapeText(m.tolerance, 30),
        TEXT_MARK[m.verdict],
      ]);
    }
    out.push(...pad(rows));
  }
  const reasons = report.points.flatMap((p) =>
    p.metrics
      // Observed metrics beyond their tolerance never gate: they are not regressions of this run.
      .filter((m) => m.role === 'gated' && m.verdict === 'regressed')
      .map((m) => `  ${escapeText(p.suite, 60)} / ${escapeText(p.label, 40)} / ${escapeText(m.metric, 60)}: ${escapeText(m.reason, 300)}`),
  );
  if (reasons.length > 0) out.push('', 'Regressions:', ...reasons);
  const plans = report.points.flatMap((p) =>
    p.metrics
      .filter((m) => m.role === 'gated' && m.verdict === 'inconclusive' && m.plan)
      .map(
        (m) => `  ${escapeText(p.suite, 60)} / ${escapeText(p.label, 40)} / ${escapeText(m.metric, 60)}: ${escapeText(m.plan!.text, 200)}`,
      ),
  );
  if (plans.length > 0) out.push('', 'Inconclusive (beyond the tolerance, inside the noise); what would settle it:', ...plans);
  return out.join('\n') + '\n';
}
