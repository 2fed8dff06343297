import { describe, expect, it } from 'vitest';
import { parseThresholds } from '../../src/config/thresholds.js';
import { GateError } from '../../src/errors.js';
import type { Thresholds } from '../../src/config/schema-types.gen.js';

const where = { file: 'perf.yml', path: 'thresholds' };

function errorOf(raw: unknown, opts = {}): GateError {
  try {
    parseThresholds(raw as Thresholds, where, opts);
  } catch (e) {
    if (e instanceof GateError) return e;
    throw e;
  }
  throw new Error('expected a GateError');
}

describe('parseThresholds: good sentences', () => {
  it('gives the built-in family defaults when the section is absent', () => {
    const t = parseThresholds(undefined, where);
    expect(t.defaults.throughput).toMatchObject({ mode: 'rule', sign: '-', relative: 0.05 });
    expect(t.defaults.latency).toMatchObject({ mode: 'rule', sign: '+', relative: 0.1 });
    expect(t.defaults.startup).toMatchObject({ mode: 'rule', sign: '+', relative: 0.2 });
    expect(t.metrics).toEqual({});
  });

  it('reads the example of the issue: defaults, per metric, "or", observe and per suite', () => {
    const t = parseThresholds(
      {
        default: { throughput: '-5%', latency: '+10%' },
        output_throughput: '-3%',
        median_ttft_ms: '+10% or +20ms',
        p99_itl_ms: 'observe',
        suites: { sweep: { median_itl_ms: '+5%' } },
      },
      where,
    );
    expect(t.metrics.output_throughput).toMatchObject({ sign: '-', relative: 0.03 });
    expect(t.metrics.median_ttft_ms).toMatchObject({ sign: '+', relative: 0.1, absolute: 20, absoluteUnit: 'ms', text: '+10% or +20ms' });
    expect(t.metrics.p99_itl_ms).toMatchObject({ mode: 'observe' });
    expect(t.suites.sweep?.median_itl_ms).toMatchObject({ sign: '+', relative: 0.05, path: 'thresholds.suites.sweep.median_itl_ms' });
  });

  it('reads absolute amounts in the metric unit, seconds as milliseconds', () => {
    const t = parseThresholds(
      { output_throughput: '-100tok/s', request_throughput: '-0.5req/s', median_e2el_ms: '+2s', startup_time_s: '+5s', failed: '+3' },
      where,
    );
    expect(t.metrics.output_throughput).toMatchObject({ absolute: 100, absoluteUnit: 'tok/s' });
    expect(t.metrics.request_throughput).toMatchObject({ absolute: 0.5, absoluteUnit: 'req/s' });
    expect(t.metrics.median_e2el_ms).toMatchObject({ absolute: 2000, absoluteUnit: 'ms' });
    expect(t.metrics.startup_time_s).toMatchObject({ absolute: 5000, absoluteUnit: 'ms' });
    expect(t.metrics.failed).toMatchObject({ absolute: 3, absoluteUnit: '' });
  });

  it('accepts any percentile by pattern, and "gate" on an observed metric', () => {
    const t = parseThresholds({ 'p99.9_ttft_ms': '+50%', p95_tpot_ms: 'gate' }, where);
    expect(t.metrics['p99.9_ttft_ms']).toMatchObject({ relative: 0.5 });
    expect(t.metrics.p95_tpot_ms).toMatchObject({ mode: 'gate' });
  });
});

describe('parseThresholds: bad sentences name the key path and a fix', () => {
  it('rejects a rise as the bad direction of a throughput', () => {
    const e = errorOf({ output_throughput: '+5%' });
    expect(e.code).toBe('CONFIG');
    expect(e.where).toEqual({ file: 'perf.yml', path: 'thresholds.output_throughput' });
    expect(e.message).toContain('higher-is-better');
    expect(e.hint).toContain('"-5%"');
  });

  it('rejects a drop as the bad direction of a latency inside a suite', () => {
    const e = errorOf({ suites: { sweep: { median_itl_ms: '-5%' } } });
    expect(e.where.path).toBe('thresholds.suites.sweep.median_itl_ms');
    expect(e.hint).toContain('"+5%"');
  });

  it('suggests the catalog name for a misspelt metric', () => {
    const e = errorOf({ median_ttf_ms: '+10%' });
    expect(e.message).toBe('unknown metric "median_ttf_ms"');
    expect(e.hint).toContain('"median_ttft_ms"');
    expect(e.where.path).toBe('thresholds.median_ttf_ms');
  });

  it('suggests "default" for "defaults"', () => {
    expect(errorOf({ defaults: { throughput: '-5%' } }).hint).toContain('"default"');
  });

  it('asks for a sign when there is none', () => {
    const e = errorOf({ output_throughput: '5%' });
    expect(e.message).toContain('no sign');
    expect(e.hint).toContain('"-5%"');
  });

  it('names the part it cannot read, and suggests "or" for "and"', () => {
    const e = errorOf({ median_ttft_ms: '+10% and +20ms' });
    expect(e.message).toContain('cannot read');
    expect(e.hint).toContain('"or"');
    expect(errorOf({ median_ttft_ms: 'ten percent' }).hint).toContain('signed amount');
  });

  it("rejects a unit that is not the metric's", () => {
    expect(errorOf({ request_throughput: '-100tok/s' }).message).toContain('req/s');
    expect(errorOf({ median_itl_ms: '+5tok/s' }).hint).toContain('ms or s');
    expect(errorOf({ median_itl_ms: '+5' }).message).toContain('no unit');
  });

  it('rejects two parts of a kind, mixed signs and more than two parts', () => {
    expect(errorOf({ median_ttft_ms: '+10% or +20%' }).message).toContain('two percentages');
    expect(errorOf({ median_ttft_ms: '+10ms or +20ms' }).message).toContain('two absolute');
    expect(errorOf({ median_ttft_ms: '+10% or -20ms' }).message).toContain('same sign');
    expect(errorOf({ median_ttft_ms: '+1% or +2ms or +3%' }).message).toContain('at most two');
  });

  it('rejects a non-string, an empty string and a 100% drop', () => {
    expect(errorOf({ output_throughput: 5 }).hint).toContain('quote');
    expect(errorOf({ output_throughput: ' ' }).message).toContain('empty');
    expect(errorOf({ output_throughput: '-100%' }).message).toContain('cannot happen');
  });

  it('checks family defaults: the sign, the family name and absolutes on throughput', () => {
    expect(errorOf({ default: { latency: '-10%' } }).where.path).toBe('thresholds.default.latency');
    expect(errorOf({ default: { latncy: '+10%' } }).hint).toContain('"latency"');
    expect(errorOf({ default: { throughput: '-100tok/s' } }).message).toContain('cannot be absolute');
    expect(parseThresholds({ default: { latency: '+10% or +20ms' } }, where).defaults.latency).toMatchObject({ absolute: 20 });
  });

  it("checks suite names against the config's suites when given", () => {
    const e = errorOf({ suites: { swep: { median_itl_ms: '+5%' } } }, { suites: ['sweep', 'offline'] });
    expect(e.where.path).toBe('thresholds.suites.swep');
    expect(e.hint).toContain('"sweep"');
  });

  it('formats as the compilers do: file, key path, message, then the fix', () => {
    expect(errorOf({ output_throughput: '+5%' }).format()).toMatch(
      /^perf\.yml: thresholds\.output_throughput: "\+5%" says a rise is bad.*\n {2}fix: write "-5%"/,
    );
  });
});
