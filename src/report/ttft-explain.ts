// Where a TTFT change came from, as the server tells it: the change in its mean queue time (waiting
// to be scheduled) and mean prefill time (scheduled to first token), from vLLM's per-request phase
// histograms over the two points ("TTFT p50 +18%: queue +1 ms, prefill +14 ms"). Means, because
// they are exact (the histograms' sums); quantiles from vLLM's buckets (0.3 s the first bound) are
// too coarse to tell milliseconds apart.
import type { GateReport, MetricComparison } from '../compare/types.js';
import { escapeCell } from './escape.js';
import type { PointView, SuiteView } from './model.js';

const TTFT_STAT = /^(mean|median|p\d+(?:\.\d+)?)_ttft_ms$/;

/** `+18%` (whole percent; one decimal under 1%). */
function percent(change: number): string {
  const pct = change * 100;
  const text = Math.abs(pct) >= 1 ? Math.round(Math.abs(pct)).toString() : Math.abs(pct).toFixed(1);
  return `${pct < 0 ? '-' : '+'}${text}%`;
}

/** `+14 ms`, `+0.8 ms`, `-3 ms`, `±0 ms`. */
function deltaMs(d: number): string {
  const a = Math.abs(d);
  const text = a >= 10 ? Math.round(a).toString() : a.toFixed(1).replace(/\.0$/, '');
  if (text === '0') return '±0 ms';
  return `${d < 0 ? '-' : '+'}${text} ms`;
}

/** "TTFT p50 +18%: queue +1 ms, prefill +14 ms" for one TTFT comparison, or null without phase times on both sides. */
export function ttftExplanation(
  m: Pick<MetricComparison, 'metric' | 'change'>,
  view: Pick<PointView, 'current' | 'baseline'>,
): string | null {
  const stat = TTFT_STAT.exec(m.metric)?.[1];
  if (!stat || m.change === null || !Number.isFinite(m.change)) return null;
  const parts: string[] = [];
  for (const phase of ['queue', 'prefill']) {
    const cur = view.current?.telemetry?.[`mean_${phase}_time_ms`];
    const base = view.baseline?.telemetry?.[`mean_${phase}_time_ms`];
    if (typeof cur !== 'number' || typeof base !== 'number') return null;
    parts.push(`${phase} ${deltaMs(cur - base)}`);
  }
  return `TTFT ${stat === 'median' ? 'p50' : stat} ${percent(m.change)}: ${parts.join(', ')}`;
}

/** One line per TTFT metric the gate found changed, where both points carry the server's phase times. */
export function ttftExplainSection(report: GateReport, views: readonly SuiteView[], max: number): string | null {
  const lines: string[] = [];
  for (const p of report.points) {
    const view = views.find((s) => s.name === p.suite)?.points.find((v) => v.key === p.key);
    if (!view) continue;
    for (const m of p.metrics) {
      if (m.role !== 'gated' || (m.verdict !== 'regressed' && m.verdict !== 'improved')) continue;
      const why = ttftExplanation(m, view);
      if (why) lines.push(`- ${escapeCell(p.suite, 60)} · ${escapeCell(p.label, 40)} · ${why}`);
    }
  }
  if (lines.length === 0) return null;
  const more = lines.length > max ? [`- …and ${lines.length - max} more`] : [];
  return [
    '**Where the TTFT change went** (server side: change of the mean time a request waited to be scheduled, and of its prefill)',
    '',
    ...lines.slice(0, max),
    ...more,
  ].join('\n');
}
