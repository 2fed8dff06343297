// A history of runs -> its series and the change points of every gated metric. Pure: results
// documents and gate settings in, plain data out.
import { noiseFloorFor, type GateSettings, type NoiseFloors } from '../compare/index.js';
import type { ResultsDocument } from '../results/schema-types.gen.js';
import { DEFAULT_MAX_P_VALUE, DEFAULT_MIN_SEGMENT, DEFAULT_NEWEST_P_VALUE, detectChangePoints } from './detect.js';
import { buildSeries, historyRuns, judgedValues, orderRuns, type HistoryRun, type HistorySeries } from './series.js';

export interface HistoryChangePoint {
  suite: string;
  /** The point key; `label` is how the report names it. */
  point: string;
  label: string;
  metric: string;
  unit: string;
  /** The first run after the change: its index in `runs`, id, commit and start. */
  index: number;
  runId: string;
  commit: string | null;
  startedAt: string;
  /** The commit of the last run before the change that recorded one: the range is commitBefore..commit. */
  commitBefore: string | null;
  /** Means of the segments before and after (up to the neighbouring change points). */
  before: number;
  after: number;
  /** (after − before) / |before|: −0.08 for an 8% drop. */
  change: number;
  pValue: number;
  direction: 'regression' | 'improvement';
  /** The setup fields that changed at this run (GPU, model, server args, dataset), if any. */
  setupChanged: string[];
}

export interface HistoryOptions {
  minSegment?: number;
  maxPValue?: number;
}

export interface HistoryAnalysis {
  runs: HistoryRun[];
  series: HistorySeries[];
  /** Newest first (by the run after the change), then by suite, point and metric. */
  changePoints: HistoryChangePoint[];
  detection: {
    method: 'e-divisive means + Student t; newest runs: one-sided test against the segment before';
    minSegment: number;
    maxPValue: number;
    /** Largest p of the newest-runs test, which looks only the way a regression moves the metric. */
    newestPValue: number;
    noiseFloor: NoiseFloors;
  };
}

export function analyzeHistory(docs: readonly ResultsDocument[], settings: GateSettings, opts: HistoryOptions = {}): HistoryAnalysis {
  const ordered = orderRuns(docs);
  const runs = historyRuns(ordered);
  const series = buildSeries(ordered, settings);
  const minSegment = opts.minSegment ?? DEFAULT_MIN_SEGMENT;
  const maxPValue = opts.maxPValue ?? DEFAULT_MAX_P_VALUE;
  const changePoints: HistoryChangePoint[] = [];
  for (const s of series) {
    const floor = noiseFloorFor(settings, s.family);
    // The newest runs are tested only the way a regression moves this metric: a false improvement is never reported early.
    const regression = s.direction === 'higher-is-better' ? 'down' : 'up';
    for (const cp of detectChangePoints(judgedValues(s), { minSegment, maxPValue, floor, regression })) {
      const run = runs[cp.index]!;
      const worse = s.direction === 'higher-is-better' ? cp.change < 0 : cp.change > 0;
      changePoints.push({
        suite: s.suite,
        point: s.point,
        label: s.label,
        metric: s.metric,
        unit: s.unit,
        index: cp.index,
        runId: run.id,
        commit: run.commit,
        startedAt: run.startedAt,
        commitBefore: commitBefore(runs, cp.index),
        before: cp.before,
        after: cp.after,
        change: cp.change,
        pValue: cp.pValue,
        direction: worse ? 'regression' : 'improvement',
        setupChanged: run.setupChanged,
      });
    }
  }
  changePoints.sort((a, b) => b.index - a.index || cmp(a.suite, b.suite) || cmp(a.point, b.point) || cmp(a.metric, b.metric));
  return {
    runs,
    series,
    changePoints,
    detection: {
      method: 'e-divisive means + Student t; newest runs: one-sided test against the segment before',
      minSegment,
      maxPValue,
      newestPValue: DEFAULT_NEWEST_P_VALUE,
      noiseFloor: { ...settings.noiseFloor },
    },
  };
}

function commitBefore(runs: readonly HistoryRun[], index: number): string | null {
  for (let i = index - 1; i >= 0; i--) if (runs[i]!.commit) return runs[i]!.commit;
  return null;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
