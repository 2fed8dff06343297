// The gate's output: plain data that report/ renders and github/ posts. Owned by compare/.
import type { Direction, Role } from '../catalog/metrics.js';

export type { Direction, MetricFamily, Role } from '../catalog/metrics.js';

export type MetricVerdict =
  | 'regressed' // beyond tolerance and outside the noise interval
  | 'improved'
  | 'unchanged'
  | 'inconclusive' // beyond tolerance but inside the noise interval
  | 'new' // in current, not in baseline
  | 'missing'; // in baseline, not in current

/**
 * pass and no-baseline pass the gate; fail and nothing-compared (a baseline was there, but no gated
 * metric of this run found a value in it) never do; not-comparable does not unless
 * gate.on-not-comparable: pass. `GateReport.passes` says which.
 */
export type RunVerdict = 'pass' | 'fail' | 'no-baseline' | 'not-comparable' | 'nothing-compared';

/** What a baseline point this run did not measure does to the verdict (gate.on-missing). */
export type OnMissing = 'fail' | 'warn';

export interface MetricComparison {
  metric: string; // vLLM name, e.g. median_ttft_ms
  unit: string; // 'ms' | 's' | 'req/s' | 'tok/s' | '%' | ''
  direction: Direction;
  role: Role;
  verdict: MetricVerdict;
  current: number | null;
  /** Baseline value: the single run's value, or the history mean. */
  baseline: number | null;
  /** (current - baseline) / baseline, signed; null when undefined. */
  change: number | null;
  /** Human form of the tolerance that applied, e.g. "-5%" or "+10% or +20ms". */
  tolerance: string;
  /** Prediction / Welch interval for the current value, when a history or repeats made one. */
  interval?: { low: number; high: number; level: number; method: 'prediction' | 'welch' | 'noise-floor' | 'two-sample-t' | 'paired' };
  /**
   * The value the current figure had to pass, in the bad direction, to count as regressed: the
   * tolerance line and the interval edge (or noise floor), whichever is further. Absent when the
   * metric was not judged (new, missing).
   */
  limit?: number;
  /** With confirm-regressions: the rerun's figure and what it showed against the same limit. */
  confirmation?: { value: number | null; regressedAgain: boolean };
  /** An inconclusive metric: the repeats (or baseline runs) that would tell a change of the tolerance's size from noise. */
  plan?: RerunPlan;
  /** Runs in the baseline history that carried this metric. */
  baselineRuns: number;
  /** One sentence saying why this verdict. */
  reason: string;
}

/** What a rerun of an inconclusive metric would need, as the report and verdict.json give it. */
export interface RerunPlan {
  /** The change planned for, relative to the baseline: the tolerance's size. */
  change: number;
  /** The history's run-to-run spread relative to its mean (its coefficient of variation); null with a one-run baseline. */
  spread: number | null;
  /** The power aimed for (gate.power), and the level of the interval it is reached at. */
  power: number;
  level: number;
  /** The power this run had; null with a one-run baseline. */
  achieved: number | null;
  /** The repeats this point had. */
  repeatsNow: number;
  /** Repeats of this point, in all, that would reach `power` against this history; null when none up to 20 (`repeat:`'s most) would. */
  repeats: number | null;
  /** When repeats alone cannot: the baseline runs that would, with `repeatsWithRuns` repeats (at most 20); null when none up to 100 would. */
  runs: number | null;
  repeatsWithRuns: number | null;
  /** One sentence: "4 repeats would detect a 10% change with 80% power". */
  text: string;
}

export interface PointComparison {
  suite: string;
  suiteKind: 'serving' | 'latency' | 'throughput' | 'startup';
  key: string;
  label: string;
  /** Current point validity; an invalid point fails the run. */
  valid: boolean;
  invalidReasons: string[];
  verdict: 'regressed' | 'improved' | 'unchanged' | 'inconclusive' | 'new' | 'missing' | 'invalid';
  metrics: MetricComparison[];
  /** Telemetry of the current point, shown, never gated unless configured. */
  telemetry?: Record<string, number | null>;
  /** A missing point (in the baseline, not measured now): whether it fails the run or only warns. */
  onMissing?: OnMissing;
  /** Compared over the first N requests of every run (an adaptive point measured fewer than its baseline, or more). */
  comparedOver?: number;
}

export interface BaselineInfo {
  runs: number;
  /** The newest baseline run's identity. */
  gitSha?: string;
  gitRef?: string;
  startedAt?: string;
  source: string; // e.g. "artifact run 123", "branch perf-baselines", "file baselines/", "A/B: baseline config"
}

export interface GateReport {
  verdict: RunVerdict;
  /** Whether the gate lets the run through: the CLI exits 0 and the Action's step succeeds. */
  passes: boolean;
  /** Level of the intervals (gate.confidence). */
  confidence?: number;
  /** One line: why this verdict. */
  summary: string;
  /** What to do about a verdict that does not pass (or about missing points), when there is a fix. */
  fix?: string;
  /** Points by their verdict (a point counts once). */
  counts: { regressed: number; improved: number; unchanged: number; inconclusive: number; new: number; missing: number; invalid: number };
  points: PointComparison[];
  baseline: BaselineInfo | null;
  /** Fingerprint differences that made the runs not comparable (or were allowed). */
  fingerprintDiffs: { field: string; baseline: string; current: string }[];
  /** A/B mode: labels of the two sides. */
  ab?: { baselineLabel: string; candidateLabel: string; rounds: number };
  notes: string[];
}
