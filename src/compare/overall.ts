// The verdict of several configs judged together (aggregate mode, one comment for a matrix): the
// worst of their verdicts. A config that could not be judged, or whose verdict this code does not
// know, counts as fail: nothing unknown may pass or pick the headline. Pure.
import type { GateReport, RunVerdict } from './types.js';

const VERDICT_RANK: Record<RunVerdict, number> = { fail: 4, 'nothing-compared': 3, 'not-comparable': 2, 'no-baseline': 1, pass: 0 };

/** One config's outcome: its report, or why it was not judged. */
export type ConfigOutcome = { report: Pick<GateReport, 'verdict' | 'passes'> } | { rejected: string };

/** A verdict this code knows, else fail. */
export function knownVerdict(v: unknown): RunVerdict {
  return typeof v === 'string' && Object.hasOwn(VERDICT_RANK, v) ? (v as RunVerdict) : 'fail';
}

/** The worst of several verdicts; an unknown verdict counts as fail, none at all as pass. */
export function worstVerdict(reports: Pick<GateReport, 'verdict'>[]): RunVerdict {
  return reports.map((r) => knownVerdict(r.verdict)).reduce<RunVerdict>((w, v) => (VERDICT_RANK[v] > VERDICT_RANK[w] ? v : w), 'pass');
}

/** A config's own verdict: fail when it was not judged. */
export function outcomeVerdict(o: ConfigOutcome): RunVerdict {
  return 'rejected' in o ? 'fail' : knownVerdict(o.report.verdict);
}

/**
 * The verdict of all configs together, and whether they pass: every config judged, each by a verdict
 * this code knows, and each report passing (`passes` exactly true). No config at all does not pass.
 */
export function overallVerdict(outcomes: readonly ConfigOutcome[]): { verdict: RunVerdict; passes: boolean } {
  const verdict = worstVerdict(outcomes.map((o) => ({ verdict: outcomeVerdict(o) })));
  const passes =
    outcomes.length > 0 &&
    outcomes.every((o) => !('rejected' in o) && knownVerdict(o.report.verdict) === o.report.verdict && o.report.passes === true);
  return { verdict, passes };
}
