import { describe, expect, it } from 'vitest';
import { adaptivePlan } from '../../src/suites/adaptive.js';
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
