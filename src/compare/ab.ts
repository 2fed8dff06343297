// A/B mode: two server configs run in one job on one GPU, interleaved A B A B for `rounds`. Round i
// of A and round i of B ran next to each other, so they share the machine's drift: the change is the
// mean of the per-round differences, and its noise the paired t interval of those differences (the
// run-level factor cancels). Unequal round counts fall back to Welch; one round each to the noise
// floor. Tolerances and roles are the same as against a stored baseline.
import { findPoint } from '../results/point-key.js';
import type { MetricMap, Point, ResultsDocument, Suite } from '../results/schema-types.gen.js';
import { comparedOverNote, figuresAt, sharedCount } from './prefix.js';
import { fingerprintDiffs, type FingerprintDiff } from './fingerprint.js';
import { judgeMetric, unjudgedMetric, type MetricSamples } from './judge.js';
import { noiseFloorFor, onMissingFor, ruleFor, type GateSettings } from './settings.js';
import { mean } from '../metrics/stats.js';
import { pairedHalfWidth, welchHalfWidth } from './stats.js';
import type { GateReport, MetricComparison, PointComparison } from './types.js';
import { decide, gatedVerdict } from './verdict.js';

export interface ABOptions {
  baselineLabel?: string;
  candidateLabel?: string;
}

/** What may differ between A and B: the server (args, even the model) is what A/B compares. */
const AB_FIELDS = /^(gpu-name|gpu-count|suites\..*\.dataset-fingerprint)$/;

export function compareAB(
  runsA: readonly ResultsDocument[],
  runsB: readonly ResultsDocument[],
  settings: GateSettings,
  opts: ABOptions = {},
): GateReport {
  const baselineLabel = opts.baselineLabel ?? runsA[0]?.run.label ?? 'baseline';
  const candidateLabel = opts.candidateLabel ?? runsB[0]?.run.label ?? 'candidate';
  const rounds = Math.min(runsA.length, runsB.length);
  const notes: string[] = [];
  if (runsA.length !== runsB.length)
    notes.push(
      `${baselineLabel} ran ${runsA.length} round(s) and ${candidateLabel} ${runsB.length}: compared with Welch's interval instead of paired rounds.`,
    );

  let diffs: FingerprintDiff[] = [];
  for (const a of runsA)
    for (const b of runsB) if (diffs.length === 0) diffs = fingerprintDiffs(a, b).filter((d) => AB_FIELDS.test(d.field));
  const notComparable = diffs.length > 0 && !settings.allowFingerprintMismatch;
  if (diffs.length > 0 && settings.allowFingerprintMismatch)
    notes.push(`Compared across different setups (${diffs.map((d) => d.field).join(', ')}), as gate.allow-fingerprint-mismatch allows.`);

  // Rounds are the repeats of A/B: there is no confirmation rerun, so every look is at `confidence`.
  settings = { ...settings, confirmRegressions: false };
  const points: PointComparison[] = [];
  const first = runsB[0];
  for (const suite of first?.suites ?? []) {
    for (const point of suite.points) {
      // An SLO search's probes are judged through its knee point (each side probes its own loads).
      if (point['search-probe']) continue;
      const aPoints = runsA.map((r) => findPoint(r.suites, suite.name, point.key));
      const bPoints = runsB.map((r) => findPoint(r.suites, suite.name, point.key));
      const pc = comparePointAB(suite, point.key, aPoints, bPoints, settings, baselineLabel, candidateLabel);
      points.push(pc);
      if (pc.comparedOver !== undefined) notes.push(comparedOverNote(pc));
    }
  }
  for (const suite of runsA[0]?.suites ?? []) {
    for (const p of suite.points) {
      if (p['search-probe'] || points.some((x) => x.suite === suite.name && x.key === p.key)) continue;
      points.push({
        suite: suite.name,
        suiteKind: suite.kind,
        key: p.key,
        label: p.label ?? p.key,
        valid: true,
        invalidReasons: [],
        verdict: 'missing',
        metrics: [],
        onMissing: onMissingFor(settings, suite.name),
      });
    }
  }

  const runFailed = [...runsA, ...runsB].some((r) => r.status === 'failed');
  const d = decide(points, {
    notComparable,
    acceptNotComparable: settings.onNotComparable === 'pass',
    hasBaseline: runsA.length > 0,
    runFailed,
    runError: [...runsA, ...runsB].find((r) => r.status === 'failed')?.error?.message,
    diffs,
    noBaseline: `No ${baselineLabel} runs`,
  });
  return {
    verdict: d.verdict,
    passes: d.passes,
    ...(d.fix ? { fix: d.fix } : {}),
    confidence: settings.confidence,
    summary: d.summary,
    counts: d.counts,
    points,
    baseline: runsA.length === 0 ? null : { runs: runsA.length, source: `A/B: ${baselineLabel}` },
    fingerprintDiffs: diffs,
    ab: { baselineLabel, candidateLabel, rounds },
    notes,
  };
}

function comparePointAB(
  suite: Suite,
  key: string,
  aPoints: (Point | undefined)[],
  bPoints: (Point | undefined)[],
  settings: GateSettings,
  aLabel: string,
  bLabel: string,
): PointComparison {
  const label = bPoints.find((p) => p)?.label ?? aPoints.find((p) => p)?.label ?? key;
  const invalidReasons: string[] = [];
  const collect = (pts: (Point | undefined)[], side: string): void =>
    pts.forEach((p, i) => {
      if (p && !p.validity.valid) invalidReasons.push(`${side} round ${i + 1}: ${p.validity.reasons[0] ?? 'invalid'}`);
    });
  collect(aPoints, aLabel);
  collect(bPoints, bLabel);
  const paired = aPoints.length === bPoints.length;

  // Adaptive points cut at different counts are compared over the same first requests (prefix.ts).
  const at = sharedCount([...aPoints, ...bPoints].filter((p): p is Point => p?.validity.valid === true));
  const figures = (p: Point): MetricMap => (at === undefined ? p.metrics : (figuresAt(p, at) ?? {}));
  const names = new Set<string>();
  for (const p of [...aPoints, ...bPoints]) for (const [m, v] of Object.entries(p ? figures(p) : {})) if (isNum(v)) names.add(m);
  const metrics: MetricComparison[] = [];
  for (const name of names) {
    const resolved = ruleFor(settings, suite.name, name);
    const a = aPoints.map((p) => (p?.validity.valid ? num(figures(p)[name]) : null));
    const b = bPoints.map((p) => (p?.validity.valid ? num(figures(p)[name]) : null));
    const av = a.filter(isNum);
    const bv = b.filter(isNum);
    if (av.length === 0 || bv.length === 0) {
      const sides = { current: mean(bv), baseline: mean(av), baselineRuns: av.length };
      metrics.push(unjudgedMetric(name, resolved, sides, bv.length === 0 ? `not measured on ${bLabel}` : `not measured on ${aLabel}`));
      continue;
    }
    // Both sides have values here.
    const samples: MetricSamples = {
      history: av,
      current: mean(bv)!,
      noise: abNoise(a, b, paired, settings, resolved.info.family, Math.abs(mean(av)!)),
    };
    metrics.push(judgeMetric(name, resolved, samples, settings));
  }
  const verdict: PointComparison['verdict'] =
    invalidReasons.length > 0 ? 'invalid' : aPoints.every((p) => !p) ? 'new' : bPoints.every((p) => !p) ? 'missing' : gatedVerdict(metrics);
  return {
    suite: suite.name,
    suiteKind: suite.kind,
    key,
    label,
    valid: invalidReasons.length === 0,
    invalidReasons,
    verdict,
    metrics,
    ...(at !== undefined ? { comparedOver: at } : {}),
  };
}

function abNoise(
  a: (number | null)[],
  b: (number | null)[],
  paired: boolean,
  settings: GateSettings,
  family: Parameters<typeof noiseFloorFor>[1],
  base: number,
): NonNullable<MetricSamples['noise']> {
  const level = settings.confidence;
  // Intervals need 3+ rounds: with 2, t has 1 degree of freedom (t(0.995, 1) = 63.7) and would call
  // every change noise, so 2 rounds are judged like a one-run baseline, by the noise floor.
  if (paired) {
    const diffs: number[] = [];
    a.forEach((x, i) => {
      const y = b[i];
      if (x !== null && y !== null && y !== undefined) diffs.push(y - x);
    });
    if (diffs.length >= 3)
      return { half: pairedHalfWidth(diffs, level).half, method: 'paired', word: `of ${diffs.length} interleaved rounds` };
  }
  const av = a.filter(isNum);
  const bv = b.filter(isNum);
  if (av.length >= 3 && bv.length >= 3)
    return { half: welchHalfWidth(av, bv, level).half, method: 'welch', word: `of ${av.length} vs ${bv.length} rounds` };
  return {
    half: noiseFloorFor(settings, family) * base,
    method: 'noise-floor',
    word: `(${Math.min(a.length, b.length)} round${Math.min(a.length, b.length) === 1 ? '' : 's'}: too few for an interval)`,
  };
}

function num(v: number | null | undefined): number | null {
  return isNum(v) ? v : null;
}

function isNum(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}
