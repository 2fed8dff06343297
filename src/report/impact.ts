// The first screen's answer: one sentence per suite saying what changed across its sweep
// ("req/s −13% at all 6 concurrencies; TPOT/ITL p50 +15%; confirmed by a rerun"), and counts that
// name what they count. Only gated metrics speak here: observed ones are in the details.
import { metricTitle } from '../catalog/metrics.js';
import type { GateReport, MetricComparison, PointComparison } from '../compare/types.js';
import { escapeCell } from './escape.js';
import { VERDICT_MARK, pointAxis } from './format.js';

type Changed = 'regressed' | 'improved';

interface Change {
  p: PointComparison;
  m: MetricComparison;
}

/** Gated metrics of valid points the gate called regressed or improved, in report order. */
export function gatedChanges(report: GateReport, verdict?: Changed): Change[] {
  return report.points.flatMap((p) =>
    p.valid
      ? p.metrics
          .filter((m) => m.role === 'gated' && (verdict ? m.verdict === verdict : m.verdict === 'regressed' || m.verdict === 'improved'))
          .map((m) => ({ p, m }))
      : [],
  );
}

/** "TPOT p50 (ms)" -> "TPOT p50": the unit is in the change's percent sign already. */
function shortTitle(metric: string): string {
  const t = (metricTitle(metric) ?? metric).replace(/\s*\([^)]*\)$/, '');
  // A title that is only a statistic ("mean", in the offline latency table) gets its quantity back.
  const base = /^(?:mean|p\d+(?:\.\d+)?)$/.test(t) ? /^[a-z0-9]+_(\w+?)_ms$/.exec(metric)?.[1] : undefined;
  return base ? `${t} ${base.replace(/_/g, ' ')}` : t;
}

/** "TPOT p50", "ITL p50" -> "TPOT/ITL p50"; titles without a shared statistic are listed. */
function joinTitles(titles: string[]): string {
  const parts = titles.map((t) => /^(.*\S)\s+(p\d+(?:\.\d+)?|mean)$/.exec(t));
  const stat = parts[0]?.[2];
  if (titles.length > 1 && stat && parts.every((m) => m?.[2] === stat)) return `${parts.map((m) => m![1]).join('/')} ${stat}`;
  return titles.join(', ');
}

/** Whole percents: "−13%", or a range "+14…15%" / "−11…−13%". */
export function percentRange(changes: number[]): string {
  const pcts = changes.map((c) => Math.round(c * 100));
  const lo = Math.min(...pcts);
  const hi = Math.max(...pcts);
  const fmt = (v: number): string => `${v > 0 ? '+' : v < 0 ? '−' : '±'}${Math.abs(v)}`;
  if (lo === hi) return `${fmt(lo)}%`;
  // Ordered by size, the smaller change first, as people say "11 to 13% slower".
  const [a, b] = lo < 0 && hi <= 0 ? [hi, lo] : [lo, hi];
  return b > 0 && a >= 0 ? `${fmt(a)}…${Math.abs(b)}%` : `${fmt(a)}…${fmt(b)}%`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return n === 1 ? one : many;
}

/** Where in the sweep: "at all 6 concurrencies", "at 16 req/s", "at 3 of 6 concurrencies"; empty for one point. */
function wherePhrase(points: PointComparison[], all: PointComparison[]): string {
  if (all.length <= 1) return '';
  const axes = all.map((p) => pointAxis(p));
  const byConcurrency = new Set(axes.map((a) => a.concurrency)).size > new Set(axes.map((a) => String(a.rate))).size;
  const noun = byConcurrency ? ['concurrency', 'concurrencies'] : ['request rate', 'request rates'];
  if (points.length === all.length) return ` at all ${all.length} ${noun[1]}`;
  if (points.length <= 3) {
    const vals = points.map((p) => {
      const a = pointAxis(p);
      const v = byConcurrency ? a.concurrency : a.rate;
      return v === null ? escapeCell(p.label, 30) : String(v);
    });
    return byConcurrency ? ` at concurrency ${vals.join(', ')}` : ` at ${vals.join(', ')} req/s`;
  }
  return ` at ${points.length} of ${all.length} ${noun[1]}`;
}

/** One clause per verdict, direction and set of points: "🔴 TPOT/ITL p50 +15% at all 6 concurrencies". */
function clauses(changes: Change[], all: PointComparison[]): string[] {
  const groups = new Map<string, { verdict: Changed; metrics: string[]; values: number[]; points: PointComparison[] }>();
  const byMetric = new Map<string, Change[]>();
  for (const c of changes) byMetric.set(c.m.metric, [...(byMetric.get(c.m.metric) ?? []), c]);
  for (const [metric, cs] of byMetric) {
    for (const v of ['regressed', 'improved'] as const) {
      const of = cs.filter((c) => c.m.verdict === v);
      if (of.length === 0) continue;
      const key = `${v}\u0000${of[0]!.m.direction}\u0000${of.map((c) => c.p.key).join(',')}`;
      const g = groups.get(key) ?? { verdict: v, metrics: [], values: [], points: of.map((c) => c.p) };
      g.metrics.push(metric);
      g.values.push(...of.map((c) => c.m.change).filter((x): x is number => x !== null));
      groups.set(key, g);
    }
  }
  const list = [...groups.values()];
  const samePoints = list.every(
    (g) => g.points.length === list[0]!.points.length && g.points.every((p, i) => p.key === list[0]!.points[i]!.key),
  );
  return list.map((g, i) => {
    const where = samePoints && i > 0 ? '' : wherePhrase(g.points, all);
    const range = g.values.length > 0 ? ` ${percentRange(g.values)}` : '';
    return `${VERDICT_MARK[g.verdict]} ${joinTitles(g.metrics.map(shortTitle))}${range}${where}`;
  });
}

function confirmation(changes: Change[]): string | null {
  const regressed = changes.filter((c) => c.m.verdict === 'regressed');
  const rerun = regressed.filter((c) => c.m.confirmation);
  if (rerun.length === 0) return null;
  const again = rerun.filter((c) => c.m.confirmation!.regressedAgain).length;
  if (again === regressed.length) return 'confirmed by a rerun';
  return `${again} of ${regressed.length} confirmed by a rerun`;
}

/** One sentence per suite with a gated change, an invalid or a missing point; one line when nothing changed. */
export function impactLines(report: GateReport): string[] {
  const suites = [...new Set(report.points.map((p) => p.suite))];
  const lines: string[] = [];
  for (const suite of suites) {
    const all = report.points.filter((p) => p.suite === suite && p.verdict !== 'missing');
    const changes = gatedChanges(report).filter((c) => c.p.suite === suite);
    const parts = clauses(changes, all);
    const confirmed = confirmation(changes);
    if (confirmed) parts.push(confirmed);
    const invalid = all.filter((p) => !p.valid).length;
    if (invalid > 0) parts.push(`${VERDICT_MARK.invalid} ${invalid} ${plural(invalid, 'point')} invalid`);
    const missing = report.points.filter((p) => p.suite === suite && p.verdict === 'missing').length;
    if (missing > 0) parts.push(`${VERDICT_MARK.missing} ${missing} baseline ${plural(missing, 'point')} not measured`);
    if (parts.length > 0) lines.push(`**${escapeCell(suite, 60)}**: ${parts.join('; ')}`);
  }
  if (lines.length > 0) return lines.length === 1 ? lines : lines.map((l) => `- ${l}`);
  // Only a judged run can say nothing changed; the others' summary says why nothing was judged.
  const judged = report.points.filter((p) => p.verdict !== 'new' && p.verdict !== 'missing').length;
  if (judged === 0 || report.verdict !== 'pass') return [];
  const nSuites = new Set(report.points.map((p) => p.suite)).size;
  const inconclusive =
    report.counts.inconclusive > 0 ? `; ${report.counts.inconclusive} ${plural(report.counts.inconclusive, 'point')} inconclusive` : '';
  return [
    `No gated metric changed beyond its tolerance at ${judged} ${plural(judged, 'point')} in ${nSuites} ${plural(nSuites, 'suite')}${inconclusive}.`,
  ];
}

const POINT_VERDICTS = ['regressed', 'improved', 'inconclusive', 'invalid', 'missing', 'new', 'unchanged'] as const;

/** "**8 of 9 points regressed** (38 gated metrics) · 1 point unchanged": every figure names its noun. */
export function countsSentence(report: GateReport, bold = true): string {
  const c = report.counts;
  const total = POINT_VERDICTS.reduce((n, v) => n + c[v], 0);
  // The points of a run that was not judged carry no verdict worth counting.
  if (report.verdict === 'not-comparable' || report.verdict === 'nothing-compared') {
    return bold ? `**${total} ${plural(total, 'point')}, none judged**` : `${total} ${plural(total, 'point')}, none judged`;
  }
  const b = (s: string): string => (bold ? `**${s}**` : s);
  const metricsOf = (v: Changed): string => {
    const n = gatedChanges(report, v).length;
    return n > 0 ? ` (${n} gated ${plural(n, 'metric')})` : '';
  };
  const parts: string[] = [];
  for (const v of POINT_VERDICTS) {
    const n = c[v];
    if (n === 0) continue;
    const what = v === 'missing' ? 'not measured' : v;
    const head = parts.length === 0 ? `${n} of ${total} ${plural(total, 'point')} ${what}` : `${n} ${plural(n, 'point')} ${what}`;
    const tail = v === 'regressed' || v === 'improved' ? metricsOf(v) : '';
    parts.push(parts.length === 0 ? `${b(head)}${tail}` : `${head}${tail}`);
  }
  if (parts.length === 0) return 'no points';
  return parts.join(' · ');
}
