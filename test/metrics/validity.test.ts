import { describe, expect, it } from 'vitest';
import { clientLimits, pointValidity, type ValidityInput } from '../../src/metrics/validity.js';

const healthy = {
  completed: 100,
  failed: 0,
  achieved_request_rate: 4,
  send_lag_p99_ms: 0.4,
  event_loop_lag_p99_ms: 1,
  coalesced_chunk_ratio: 0,
  output_len_short: 0,
  prompt_len_mismatched: 0,
};
const input = (metrics: Record<string, number | null>, over: Partial<ValidityInput> = {}): ValidityInput => ({
  metrics: { ...healthy, ...metrics },
  requestRate: 4,
  closedLoop: false,
  maxErrorRate: 0,
  ignoreEos: true,
  stream: true,
  ...over,
});

describe('point validity', () => {
  it('a clean point is valid with no reasons', () => {
    expect(pointValidity(input({}))).toEqual({ valid: true, reasons: [] });
  });

  it('is invalid when no request succeeded', () => {
    const v = pointValidity(input({ completed: 0, failed: 5 }));
    expect(v.valid).toBe(false);
    expect(v.reasons).toEqual(['no request succeeded (5 failed)']);
  });

  it('is invalid when the error rate is over max-error-rate, and valid at it', () => {
    expect(pointValidity(input({ completed: 95, failed: 5 }, { maxErrorRate: 0.05 })).valid).toBe(true);
    const v = pointValidity(input({ completed: 94, failed: 6 }, { maxErrorRate: 0.05 }));
    expect(v.reasons).toEqual(['error rate 6.0% (6 of 100) is over max-error-rate 5.0%']);
  });

  it('is invalid when the client sent under 95% of the configured rate', () => {
    expect(pointValidity(input({ achieved_request_rate: 3.81 })).valid).toBe(true);
    expect(pointValidity(input({ achieved_request_rate: 3.79 })).reasons[0]).toMatch(/under 95% of the configured 4.00 req\/s/);
  });

  it('is invalid when send lag p99 is over 10 ms, for rates and closed loops but not for rate=inf', () => {
    expect(pointValidity(input({ send_lag_p99_ms: 12 })).reasons[0]).toMatch(/send lag p99 is 12.00 ms/);
    expect(pointValidity(input({ send_lag_p99_ms: 12 }, { requestRate: null, closedLoop: true })).valid).toBe(false);
    expect(pointValidity(input({ send_lag_p99_ms: 12 }, { requestRate: 'inf' })).valid).toBe(true);
  });

  it('is invalid when the client was saturated: event-loop lag, or chunks read together', () => {
    expect(pointValidity(input({ event_loop_lag_p99_ms: 25 })).reasons[0]).toMatch(/event loop lagged 25.00 ms/);
    expect(pointValidity(input({ coalesced_chunk_ratio: 0.3 })).reasons[0]).toMatch(/30% of token chunks/);
  });

  it('with ignore-eos, outputs shorter than asked make it invalid; without, they do not', () => {
    expect(pointValidity(input({ output_len_short: 3 })).reasons).toEqual(['with ignore-eos, 3 of 100 outputs were shorter than asked']);
    expect(pointValidity(input({ output_len_short: 3 }, { ignoreEos: false })).valid).toBe(true);
  });

  it('is invalid when prompt lengths differ from the intended ones', () => {
    expect(pointValidity(input({ prompt_len_mismatched: 2 })).reasons[0]).toMatch(/2 of 100 prompts differ/);
  });

  it('a point ended early is never valid, and says what ended it', () => {
    expect(pointValidity(input({}, { stopped: { by: 'cancel' } })).reasons).toEqual(['the run was cancelled before this point finished']);
    expect(pointValidity(input({}, { stopped: { by: 'server-crash' } })).reasons).toEqual([
      'the server crashed before this point finished',
    ]);
    expect(pointValidity(input({}, { stopped: { by: 'time-limit', limitMs: 90_000 } })).reasons).toEqual([
      'the point ran past its time limit (max-duration 90s) and was stopped before every request finished',
    ]);
  });

  it("takes the client rules' limits from the config's client block, defaults for what it leaves out", () => {
    const starved = { event_loop_lag_p99_ms: 25, coalesced_chunk_ratio: 0.3, send_lag_p99_ms: 40, achieved_request_rate: 3 };
    expect(pointValidity(input(starved)).reasons).toHaveLength(4);
    const loose = clientLimits({ 'max-event-loop-lag': '30ms', 'max-coalesced-chunks': 0.5, 'max-send-lag': 0.05, 'min-send-rate': 0.7 });
    expect(loose).toEqual({ maxEventLoopLagP99Ms: 30, maxCoalescedChunkRatio: 0.5, maxSendLagP99Ms: 50, minSendRate: 0.7 });
    expect(pointValidity(input(starved, { client: loose }))).toEqual({ valid: true, reasons: [] });
    const lagOnly = clientLimits({ 'max-event-loop-lag': '20ms' });
    expect(lagOnly.maxCoalescedChunkRatio).toBe(0.1);
    expect(pointValidity(input({ event_loop_lag_p99_ms: 25 }, { client: lagOnly })).reasons).toEqual([
      "the client's event loop lagged 25.00 ms at p99, over 20 ms (the client was saturated; its timestamps are late)",
    ]);
    expect(pointValidity(input({ achieved_request_rate: 3 }, { client: loose })).valid).toBe(true);
    expect(pointValidity(input({ achieved_request_rate: 2.7 }, { client: loose })).reasons[0]).toMatch(
      /under 70% of the configured 4.00 req\/s/,
    );
  });
});
