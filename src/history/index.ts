// history/: a history of runs -> series and change points. Pure: plain data in, plain data out, no I/O.
export { analyzeHistory, type HistoryAnalysis, type HistoryChangePoint, type HistoryOptions } from './analyze.js';
export {
  detectChangePoints,
  segmentTest,
  studentP,
  bestSplit,
  DEFAULT_MIN_SEGMENT,
  DEFAULT_MAX_P_VALUE,
  type ChangePoint,
  type DetectOptions,
} from './detect.js';
export { buildSeries, historyRuns, orderRuns, judgedValues, type HistoryRun, type HistorySeries } from './series.js';
