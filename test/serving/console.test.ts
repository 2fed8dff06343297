import { describe, expect, it } from 'vitest';
import { formatProgressLine, formatServingSummary, formatSweepTable, ProgressView, type ProgressEvent } from '../../src/report/console.js';
import type { Point } from '../../src/results/schema-types.gen.js';

const point: Point = {
  key: 'rate=4',
  'request-rate': 4,
  concurrency: null,
  metrics: {
    completed: 20,
    failed: 0,
    duration: 5.5,
    total_input_tokens: 640,
    total_output_tokens: 320,
    request_throughput: 3.6363,
    request_goodput: null,
    output_throughput: 58.18,
    total_token_throughput: 174.5,
    max_output_tokens_per_s: 100,
    max_concurrent_requests: 3,
    mean_ttft_ms: 10.4,
    median_ttft_ms: 8.7,
    std_ttft_ms: 1,
    p50_ttft_ms: 8.7,
    p99_ttft_ms: 22.314379990000035,
    mean_e2el_ms: 40,
    median_e2el_ms: 38,
    std_e2el_ms: 2,
    p50_e2el_ms: 38,
    p99_e2el_ms: 58,
    min_e2el_ms: 34,
    max_e2el_ms: 58,
  },
  validity: { valid: true, reasons: [] },
};

describe('console summary in vLLM layout', () => {
  const out = formatServingSummary(point).split('\n');

  it('centres the title in 50 "=" and writes "{:<40} {:<10}" rows as Python does', () => {
    // expected strings produced by Python's str.format with vLLM's format specs
    expect(out[0]).toBe('============ Serving Benchmark Result ============');
    expect(out).toContain('Successful requests:                     20        ');
    expect(out).toContain('Request rate configured (RPS):           4.00      ');
    expect(out).toContain('---------------Time to First Token----------------');
    expect(out).toContain('P99 TTFT (ms):                           22.31     ');
  });

  it('leaves out what vLLM leaves out: goodput without SLOs, the concurrency row without a cap', () => {
    expect(out.some((l) => l.startsWith('Request goodput'))).toBe(false);
    expect(out.some((l) => l.startsWith('Maximum request concurrency'))).toBe(false);
  });

  it('ends with the validity verdict and its reasons', () => {
    expect(out.at(-1)).toBe('Valid: yes');
    const bad = formatServingSummary({ ...point, validity: { valid: false, reasons: ['a', 'b'] } });
    expect(bad.split('\n').at(-1)).toBe('INVALID: a; b');
  });

  it('a sweep table has one row per point', () => {
    const t = formatSweepTable([point, { ...point, key: 'rate=8', validity: { valid: false, reasons: ['x'] } }]).split('\n');
    expect(t).toHaveLength(3);
    expect(t[2]).toMatch(/^rate=8 .* NO$/);
  });
});

describe('progress', () => {
  const ev: ProgressEvent = {
    suite: 's',
    pointKey: 'rate=4',
    pointIndex: 0,
    points: 2,
    total: 200,
    sent: 110,
    completed: 99,
    failed: 1,
    inFlight: 10,
    elapsedMs: 10_000,
  };

  it('a progress line shows done/total, the live rate and failures', () => {
    expect(formatProgressLine(ev)).toBe('s rate=4 (1/2) [############............] 100/200  10.0 req/s  1 failed  10.0 s');
  });

  it('on a TTY redraws one line in place; in a log prints a line per point and then at most one per interval', () => {
    const tty: string[] = [];
    const v = new ProgressView((s) => tty.push(s), true);
    v.update(ev);
    v.update({ ...ev, elapsedMs: 10_100 });
    v.endPoint();
    expect(tty.every((s) => s.startsWith('\r'))).toBe(true);
    expect(tty.at(-1)!.endsWith('\n')).toBe(true);

    const log: string[] = [];
    const w = new ProgressView((s) => log.push(s), false, 5000);
    w.update({ ...ev, elapsedMs: 0 });
    w.update({ ...ev, elapsedMs: 1000 });
    w.update({ ...ev, elapsedMs: 6000 });
    w.endPoint();
    expect(log).toHaveLength(3);
  });
});
