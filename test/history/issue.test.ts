// What the nightly issue counts as new, and what its body holds: a change point reported once stays
// reported when a later night places it a run or two off; nothing of a string reaches a marker.
import { describe, expect, it } from 'vitest';
import { gateSettings } from '../../src/compare/index.js';
import { historyIssueBody, historyIssueMarker, newRegressions, reportedKey } from '../../src/github/history-issue.js';
import { analyzeHistory } from '../../src/history/index.js';
import { stepHistory } from './fixtures.js';

const a = analyzeHistory(stepHistory(5, { n: 30, at: 20, step: -0.08 }), gateSettings());
const cp = a.changePoints[0]!;

describe('the nightly issue', () => {
  it('counts a regression as new until an issue reported it, also when a later night places it up to 2 runs off', () => {
    expect(newRegressions(a, [])).toEqual([cp]);
    expect(newRegressions(a, [reportedKey(cp)])).toEqual([]);
    for (const off of [-2, -1, 1, 2]) expect(newRegressions(a, [reportedKey({ ...cp, runId: a.runs[cp.index + off]!.id })])).toEqual([]);
    expect(newRegressions(a, [reportedKey({ ...cp, runId: a.runs[cp.index - 3]!.id })])).toEqual([cp]);
    expect(newRegressions(a, [reportedKey({ ...cp, metric: 'median_tpot_ms' })])).toEqual([cp]);
    // A run that fell out of the kept history cannot match anything.
    expect(newRegressions(a, [reportedKey({ ...cp, runId: 'gone' })])).toEqual([cp]);
  });

  it('keeps the reported change points as hashes only, and escapes every string of the results', () => {
    const hostile = { ...cp, suite: '@octo-org/admins <!-- x -->', label: '#12 <img src=x>' };
    const body = historyIssueBody(
      { ...a, changePoints: [hostile] },
      { configId: 'h100', fresh: [hostile], reported: [reportedKey(hostile)], runUrl: 'https://github.com/o/r/actions/runs/1' },
    );
    expect(body.startsWith(`${historyIssueMarker('h100')}\n`)).toBe(true);
    expect(body).toMatch(/\n<!-- vllm-perf-gate:reported [0-9a-f]{12}:[0-9a-f]{12} -->\n$/);
    expect(body).not.toContain('<img');
    expect(body).not.toContain('<!-- x');
    expect(body).toContain('@\u200bocto-org/admins');
    expect(body).toContain('&#35;\u200b12');
    expect(historyIssueMarker('a--b -->')).toBe('<!-- vllm-perf-gate:history:a-b_-_ -->');
  });

  it('links the dashboard where Pages serves it when it was published, else points to the artifact', () => {
    const o = { configId: 'h100', fresh: [cp], reported: [reportedKey(cp)], runUrl: 'https://github.com/o/r/actions/runs/1' };
    expect(historyIssueBody(a, o)).toContain('(the dashboard, `history.html`, is in its results artifact)');
    const linked = historyIssueBody(a, { ...o, dashboardUrl: 'https://o.github.io/r/vllm-perf-gate/h100/' });
    expect(linked).toContain('(the [dashboard](https://o.github.io/r/vllm-perf-gate/h100/) draws every metric over the runs)');
    expect(historyIssueBody(a, { ...o, dashboardUrl: 'javascript:alert(1)' })).toContain('[dashboard](#)');
  });
});
