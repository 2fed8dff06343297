// The SLO knee search as a specification: doubling while the SLO holds, then bisection to the
// tolerance, over a plain function standing in for a measured point (a server whose p99 TTFT jumps
// past the bound above a capacity), and the config rules that guard it before any server boots.
import { describe, expect, it } from 'vitest';
import { loadConfigText } from '../../src/config/load.js';
import { metricInfo } from '../../src/catalog/metrics.js';
import { compareAB } from '../../src/compare/ab.js';
import { compareRuns } from '../../src/compare/compare.js';
import { buildSeries } from '../../src/history/series.js';
import { renderComment } from '../../src/report/markdown.js';
import { gateSettings } from '../../src/compare/settings.js';
import type { ResultsDocument } from '../../src/results/schema-types.gen.js';
import { validateResults } from '../../src/results/validate.js';
import { kneePoint, searchKnee, searchSpec, sloCheck, type ProbeMeasurement, type SearchSpec } from '../../src/suites/search.js';

/** A server that meets p99 TTFT ≤ 500 ms up to `capacity` and misses it above; and, optionally, TPOT. */
function server(capacity: number, opts: { tpotFrom?: number; invalidFrom?: number } = {}): (load: number) => ProbeMeasurement {
  return (load) => ({
    metrics: {
      p99_ttft_ms: load <= capacity ? 120 : 900,
      p99_tpot_ms: opts.tpotFrom !== undefined && load >= opts.tpotFrom ? 80 : 20,
    },
    valid: opts.invalidFrom === undefined || load < opts.invalidFrom,
    reasons: opts.invalidFrom !== undefined && load >= opts.invalidFrom ? ['error rate 40% over max-error-rate 0'] : [],
  });
}

const rate = (over: Partial<SearchSpec> = {}): SearchSpec => ({
  over: 'request-rate',
  slo: { p99_ttft_ms: 500, p99_tpot_ms: 50 },
  tolerance: 0.05,
  start: 1,
  max: 1024,
  ...over,
});

describe('searchKnee', () => {
  it('doubles while the SLO is met, then bisects between the last good and the first bad load to the tolerance', async () => {
    const loads: number[] = [];
    const r = await searchKnee(rate(), (load) => {
      loads.push(load);
      return server(12.4)(load);
    });
    expect(r.outcome).toBe('found');
    // 1, 2, 4, 8 meet; 16 misses; then the bracket [8, 16] halves.
    expect(loads.slice(0, 5)).toEqual([1, 2, 4, 8, 16]);
    expect(r.probes.slice(0, 5).map((p) => p.phase)).toEqual(['double', 'double', 'double', 'double', 'double']);
    expect(r.probes.slice(5).every((p) => p.phase === 'bisect')).toBe(true);
    expect(r.knee).not.toBeNull();
    expect(r.knee!).toBeLessThanOrEqual(12.4);
    expect(r.missedAt!).toBeGreaterThan(12.4);
    expect((r.missedAt! - r.knee!) / r.knee!).toBeLessThanOrEqual(0.05);
    // Every bisection probe lies strictly inside the bracket the probes before it left.
    let good = 8;
    let bad = 16;
    for (const p of r.probes.slice(5)) {
      expect(p.load).toBeGreaterThan(good);
      expect(p.load).toBeLessThan(bad);
      if (p.met) good = p.load;
      else bad = p.load;
    }
    expect([good, bad]).toEqual([r.knee, r.missedAt]);
  });

  it('stops sooner at a looser tolerance', async () => {
    const tight = await searchKnee(rate({ tolerance: 0.01 }), server(12.4));
    const loose = await searchKnee(rate({ tolerance: 0.25 }), server(12.4));
    expect(loose.probes.length).toBeLessThan(tight.probes.length);
    expect((loose.missedAt! - loose.knee!) / loose.knee!).toBeLessThanOrEqual(0.25);
    expect((tight.missedAt! - tight.knee!) / tight.knee!).toBeLessThanOrEqual(0.01);
  });

  it('names the metric that failed at each probe that missed', async () => {
    const r = await searchKnee(rate(), server(100, { tpotFrom: 6 }));
    const missed = r.probes.find((p) => p.load === 8)!;
    expect(missed.met).toBe(false);
    expect(missed.misses).toEqual([{ metric: 'p99_tpot_ms', value: 80, bound: 50 }]);
    expect(r.knee!).toBeLessThan(6);
  });

  it('counts an invalid probe as missing the SLO, whatever its latencies', async () => {
    const r = await searchKnee(rate(), server(100, { invalidFrom: 5 }));
    const at8 = r.probes.find((p) => p.load === 8)!;
    expect(at8).toMatchObject({ met: false, invalid: 'error rate 40% over max-error-rate 0' });
    expect(r.knee!).toBeLessThan(5);
  });

  it('reports no knee when the start load already misses the SLO, and the knee point is invalid and says why', async () => {
    const spec = rate({ start: 2 });
    const r = await searchKnee(spec, server(1));
    expect(r).toMatchObject({ outcome: 'start-missed', knee: null });
    expect(r.probes.map((p) => p.load)).toEqual([2]);
    const point = kneePoint(spec, r, new Date(0));
    expect(point.metrics).toEqual({});
    expect(point.validity.valid).toBe(false);
    expect(point.validity.reasons[0]).toMatch(/no load meets the SLO: the start load, 2 req\/s, missed it \(p99_ttft_ms 900 > 500\)/);
  });

  it('fails the gate on a start that misses the SLO, even on a first run with no baseline', async () => {
    const spec = rate({ start: 2 });
    const doc: ResultsDocument = {
      'schema-version': 1,
      tool: { name: 'vllm-perf-gate', version: 'test' },
      run: { id: 'r', 'started-at': '2026-01-01T00:00:00Z', 'config-id': 'knee', 'config-hash': 'h' },
      environment: {},
      suites: [{ name: 'knee', kind: 'serving', points: [kneePoint(spec, await searchKnee(spec, server(1)), new Date(0))] }],
      status: 'complete',
    };
    expect(validateResults(doc)).toEqual([]);
    const report = compareRuns([], doc, gateSettings());
    expect(report.passes).toBe(false);
    expect(report.summary).toMatch(/knee · SLO p99 TTFT ≤ 500 ms, p99 TPOT ≤ 50 ms: no load meets the SLO/);
  });

  it('stops at max when the SLO still holds there, and the knee is max', async () => {
    const r = await searchKnee(rate({ max: 10 }), server(1000));
    expect(r.probes.map((p) => p.load)).toEqual([1, 2, 4, 8, 10]);
    expect(r).toMatchObject({ outcome: 'max-reached', knee: 10, missedAt: null });
    const point = kneePoint(rate({ max: 10 }), r, new Date(0));
    expect(point.validity.valid).toBe(true);
    expect(point.metrics).toEqual({ max_rate_under_slo: 10 });
    expect(point.search?.summary).toMatch(/the search's max, still meets the SLO/);
  });

  it('keeps a concurrency whole and stops at adjacent levels', async () => {
    const spec: SearchSpec = { ...rate(), over: 'concurrency', tolerance: 0.0001 };
    const r = await searchKnee(spec, server(13));
    expect(r.probes.every((p) => Number.isInteger(p.load))).toBe(true);
    expect([r.knee, r.missedAt]).toEqual([13, 14]);
    const point = kneePoint(spec, r, new Date(0));
    expect(point.metrics).toEqual({ max_concurrency_under_slo: 13 });
  });

  it('ends interrupted when a probe could not finish, with no knee metric', async () => {
    const r = await searchKnee(rate(), (load) => (load >= 4 ? undefined : server(100)(load)));
    expect(r.outcome).toBe('interrupted');
    const point = kneePoint(rate(), r, new Date(0));
    expect(point.metrics).toEqual({});
    expect(point.validity.valid).toBe(false);
  });
});

describe('probes and the judges', () => {
  /** A run whose search probed `loads` and found `knee` (a probe above it was invalid): figures of a fixture, not measured. */
  const run = (id: string, loads: number[], knee: number): ResultsDocument => {
    const spec = rate();
    const probes = loads.map((load, i) => ({
      key: `slo-probe:rate=${load}`,
      metrics: { median_ttft_ms: 10 * load, request_throughput: load },
      validity: { valid: load <= knee, reasons: load <= knee ? [] : ['error rate 40% over max-error-rate 0'] },
      'search-probe': { step: i + 1, met: load <= knee },
    }));
    const records = loads.map((load, i) => ({
      load,
      phase: i < 3 ? ('double' as const) : ('bisect' as const),
      met: load <= knee,
      misses: [],
      ...(load <= knee ? {} : { invalid: 'error rate 40% over max-error-rate 0' }),
    }));
    const outcome = { outcome: 'found' as const, knee, missedAt: Math.min(...loads.filter((l) => l > knee)), probes: records };
    return {
      'schema-version': 1,
      tool: { name: 'vllm-perf-gate', version: 'test' },
      run: { id, 'started-at': `2026-01-0${id.length}T00:00:00Z`, 'config-id': 'knee', 'config-hash': 'h' },
      environment: {},
      suites: [{ name: 'knee', kind: 'serving', points: [...probes, kneePoint(spec, outcome, new Date(0))] }],
      status: 'complete',
    };
  };
  const a = run('a', [1, 2, 4], 2);
  const b = run('bb', [1, 2, 4, 3], 3);

  it('the gate judges the knee only: a probe the other run lacks is not missing, an invalid probe does not fail', () => {
    for (const report of [compareRuns([a], b, gateSettings()), compareRuns([b], a, gateSettings()), compareAB([a], [b], gateSettings())]) {
      expect(report.points.map((p) => p.key)).toEqual(['slo-knee']);
      expect(report.points[0]!.valid).toBe(true);
      expect(report.points[0]!.metrics.map((m) => m.metric)).toEqual(['max_rate_under_slo']);
    }
  });

  it('the report lists no probe among the invalid points: the knee line shows why it missed', () => {
    const md = renderComment(compareRuns([a], b, gateSettings()), b, { configId: 'knee', baselineDoc: a });
    expect(md).not.toContain('### Invalid points');
    expect(md).toContain('4 probes: 1 ✓ · 2 ✓ · 4 ✗ invalid');
  });

  it('the history follows the knee, not the probes', () => {
    expect(buildSeries([a, b], gateSettings()).map((s) => [s.point, s.metric])).toEqual([['slo-knee', 'max_rate_under_slo']]);
  });
});

describe('sloCheck', () => {
  it('misses a bound the point does not report', () => {
    expect(sloCheck({ p99_itl_ms: 10 }, { metrics: { p99_ttft_ms: 1 }, valid: true, reasons: [] })).toEqual({
      met: false,
      misses: [{ metric: 'p99_itl_ms', value: null, bound: 10 }],
    });
  });
});

describe('the knee metrics', () => {
  it('are registered throughputs: higher is better, gated', () => {
    expect(metricInfo('max_rate_under_slo')).toMatchObject({ known: true, direction: 'higher-is-better', unit: 'req/s', role: 'gated' });
    expect(metricInfo('max_concurrency_under_slo')).toMatchObject({ known: true, direction: 'higher-is-better', role: 'gated' });
  });
});

describe('search config', () => {
  const config = (suite: string[]): string =>
    [
      'version: 1',
      'server: { url: http://127.0.0.1:1 }',
      'suites:',
      '  - name: knee',
      '    kind: serving',
      '    dataset: { type: random, input-len: 8, output-len: 4, num-prompts: 4 }',
      ...suite.map((l) => `    ${l}`),
      '',
    ].join('\n');
  const problems = async (suite: string[]): Promise<string> => {
    try {
      await loadConfigText(config(suite), 'perf.yml');
      return '';
    } catch (e) {
      return (e as Error).message + '\n' + JSON.stringify((e as { problems?: unknown }).problems ?? []);
    }
  };

  it('accepts a search with kebab-case SLO keys and maps them to the metrics', async () => {
    const loaded = await loadConfigText(
      config(['search: { slo: { p99-ttft-ms: 500, median_tpot_ms: 50 }, over: request-rate }']),
      'perf.yml',
    );
    const suite = loaded.config.suites[0]!;
    if (suite.kind !== 'serving' || !suite.search) throw new Error('no search');
    expect(searchSpec(suite.search)).toMatchObject({ slo: { p99_ttft_ms: 500, median_tpot_ms: 50 }, tolerance: 0.05, start: 1, max: 1024 });
  });

  it('refuses request-rates beside search, naming the file, the key and the fix', async () => {
    const text = await problems(['request-rates: [1, 2]', 'search: { slo: { p99-ttft-ms: 500 }, over: request-rate }']);
    expect(text).toContain('perf.yml');
    expect(text).toContain('suites[0].request-rates');
    expect(text).toMatch(/cannot be combined with `request-rates`/);
    expect(text).toMatch(/remove `request-rates`/);
  });

  it('suggests the SLO key meant by a typo', async () => {
    const text = await problems(['search: { slo: { p99-tft-ms: 500 }, over: concurrency }']);
    expect(text).toMatch(/`p99-tft-ms` is not a latency statistic/);
    expect(text).toMatch(/did you mean `p99-ttft-ms`\?/);
  });

  it('refuses a search over request rate of multi-turn sessions, whose load is the sessions in flight', async () => {
    const text = await loadConfigText(
      [
        'version: 1',
        'server: { url: http://127.0.0.1:1 }',
        'suites:',
        '  - name: chat',
        '    kind: serving',
        '    endpoint: chat',
        '    dataset: { type: multi-turn, path: chats.json, num-sessions: 4 }',
        '    search: { slo: { p99-ttft-ms: 500 }, over: request-rate }',
        '',
      ].join('\n'),
      'perf.yml',
    ).then(
      () => '',
      (e: Error) => e.message + '\n' + JSON.stringify((e as { problems?: unknown }).problems ?? []),
    );
    expect(text).toContain('suites[0].search.over');
    expect(text).toMatch(/a request rate has no meaning for sessions/);
    expect(text).toMatch(/search `over: concurrency`/);
  });

  it('refuses a percentile the suite does not report', async () => {
    const text = await problems(['search: { slo: { p99.9-ttft-ms: 500 }, over: request-rate }']);
    expect(text).toMatch(/report the percentiles 50, 90, 95, 99, not 99.9/);
  });
});
