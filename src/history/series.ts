// A history of runs -> one series per suite × point × gated metric, aligned on the runs (oldest
// first). A run that did not measure a point, or measured it invalid, leaves a gap: its figure is
// kept for display (`invalid`), never used to find a change.
import { fingerprintDiffs, ruleFor, withStartup, type GateSettings } from '../compare/index.js';
import type { Direction, MetricFamily } from '../catalog/metrics.js';
import type { ResultsDocument } from '../results/schema-types.gen.js';

export interface HistoryRun {
  /** Position in the history, oldest first. */
  index: number;
  id: string;
  startedAt: string;
  commit: string | null;
  ref: string | null;
  /** What of the setup (GPU, model, server args, datasets) differs from the run before; empty when nothing. */
  setupChanged: string[];
}

export interface HistorySeries {
  suite: string;
  /** The point key (`concurrency=8`); `label` is how the report names it. */
  point: string;
  label: string;
  metric: string;
  unit: string;
  direction: Direction;
  family: MetricFamily;
  /** One figure per run (null: the run did not measure it). */
  values: (number | null)[];
  /** Runs whose point was invalid: their figures are shown, never judged. */
  invalid: number[];
}

/** The runs oldest first (stable by `started-at`); a run id seen twice is read once. */
export function orderRuns(docs: readonly ResultsDocument[]): ResultsDocument[] {
  const seen = new Set<string>();
  const out: ResultsDocument[] = [];
  const sorted = docs.map((doc, i) => ({ doc, i, t: Date.parse(doc.run['started-at']) })).sort((a, b) => a.t - b.t || a.i - b.i);
  for (const { doc } of sorted) {
    if (seen.has(doc.run.id)) continue;
    seen.add(doc.run.id);
    out.push(doc);
  }
  return out;
}

export function historyRuns(docs: readonly ResultsDocument[]): HistoryRun[] {
  return docs.map((doc, index) => ({
    index,
    id: doc.run.id,
    startedAt: doc.run['started-at'],
    commit: doc.run['git-sha'] ?? null,
    ref: doc.run['git-ref'] ?? null,
    setupChanged: index === 0 ? [] : fingerprintDiffs(docs[index - 1]!, doc).map((d) => d.field),
  }));
}

/** Every gated metric of every point any run measured, in the order they first appear. */
export function buildSeries(docs: readonly ResultsDocument[], settings: GateSettings): HistorySeries[] {
  const byKey = new Map<string, HistorySeries>();
  docs.forEach((doc, run) => {
    for (const suite of withStartup(doc)) {
      for (const point of suite.points) {
        // An SLO search's probes are followed through its knee point, as the gate judges them.
        if (point['search-probe']) continue;
        for (const [metric, value] of Object.entries(point.metrics)) {
          if (!isNum(value)) continue;
          const rule = ruleFor(settings, suite.name, metric);
          if (rule.role !== 'gated') continue;
          const key = JSON.stringify([suite.name, point.key, metric]);
          let s = byKey.get(key);
          if (!s) {
            s = {
              suite: suite.name,
              point: point.key,
              label: point.label ?? point.key,
              metric,
              unit: rule.info.unit,
              direction: rule.info.direction,
              family: rule.info.family,
              values: new Array<number | null>(docs.length).fill(null),
              invalid: [],
            };
            byKey.set(key, s);
          }
          s.values[run] = value;
          if (!point.validity.valid) s.invalid.push(run);
        }
      }
    }
  });
  return [...byKey.values()];
}

/** The figures detection may use: invalid points are gaps. */
export function judgedValues(s: HistorySeries): (number | null)[] {
  const invalid = new Set(s.invalid);
  return s.values.map((v, i) => (invalid.has(i) ? null : v));
}

function isNum(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}
