import { describe, expect, it } from 'vitest';
import { adaptivePlan, adaptiveRecord } from '../../src/suites/adaptive.js';
import { sideOf, stopDecision } from '../../src/metrics/precision.js';
import { rec } from '../metrics/support.js';

// 96 completions of a steady server: TTFT 50 ms, 11 tokens at 10 ms apart (TPOT 10 ms).
const done = Array.from({ length: 96 }, (_, i) =>
  rec({ index: i, ttftMs: 50 + (i % 3), latencyMs: 150 + (i % 5), outputTokens: 11, endMs: 100 * (i + 1) }),
);
// Lines far above: any interval lies wholly below them, so the verdict is settled.
const lines = {
  median_ttft_ms: { baseline: 50, line: 500, higherIsBetter: false },
  median_tpot_ms: { baseline: 10, line: 100, higherIsBetter: false },
};
const pp = { closed: true, concurrency: 4, requestRate: null };

describe('an adaptive point with a floor (a confirmation rerun)', () => {
  const plan = adaptivePlan({ when: 'precise', margin: '0.01%', 'min-requests': 32 }, { stream: true, path: 'stop' });

  it('is cut once decided, at min-requests without a floor', () => {
    const p = plan.forPoint(pp, () => lines);
    expect(p.stopWhen.check(done.slice(0, 64), 64)).toBe(true);
    expect(p.how).toBe('decided');
  });

  it('is not cut before the floor however settled the verdict, and is from there on', () => {
    const p = plan.forPoint(pp, () => lines, 96);
    expect(p.stopWhen.check(done.slice(0, 64), 64)).toBe(false);
    expect(p.stopWhen.check(done, 96)).toBe(true);
  });
});

describe("an adaptive point's record of a decided stop", () => {
  const plan = adaptivePlan({ when: 'precise', margin: '0.01%', 'min-requests': 32 }, { stream: true, path: 'stop' });

  it('names the metric the baseline predicts past its line, however wide its own interval', () => {
    // A TPOT line inside TPOT's own interval: the interval decides nothing. But the figure lies past
    // it, and over all of the baseline's requests the line sits at 1.05 of the baseline, a standing
    // (about 1.1 here) that moves by at most 1%: the baseline predicts a regression.
    const iv = stopDecision(done.slice(0, 64), { metrics: ['median_tpot_ms'], margin: 0, minRequests: 0, skip: 4, level: 0.95 }).intervals
      .median_tpot_ms!;
    const line = (iv.low + iv.estimate) / 2;
    const tpot = { baseline: line / 1.1, line, higherIsBetter: false, toFinal: { lineRatio: 1.05, half: 0.01 } };
    expect(sideOf(iv, tpot)).toBe('across');
    const p = plan.forPoint(pp, () => ({ median_tpot_ms: tpot }));
    expect(p.stopWhen.check(done.slice(0, 64), 64)).toBe(true);
    const run = { records: done.slice(0, 64), durationMs: 6400, t0Ms: 0, aborted: false, timedOut: false, earlyEnd: 'check' as const };
    const rec = adaptiveRecord(p, { ...run, health: { eventLoopLagP99Ms: null, eventLoopLagMaxMs: null, reads: 0, events: 0 } }, 200);
    expect(rec.how).toBe('decided');
    expect(rec.reason).toContain("median_tpot_ms lies wholly beyond the gate's line");
  });
});
