import { describe, expect, it } from 'vitest';
import { dumpVllmResult, formatVllmDate, parseVllmDate, toVllmServeResult, vllmResultFileName } from '../../src/results/vllm-format.js';
import { servingPoint } from './fixtures.js';

describe('toVllmServeResult', () => {
  it("writes exactly vLLM's modern keys in vLLM's order, with one percentile block per measured metric", () => {
    const rec = toVllmServeResult(servingPoint('rate=2', { 'request-rate': 2 }), { modelId: 'org/tiny', label: 'sweep' });
    const pct = (m: string): string[] => [`mean_${m}_ms`, `median_${m}_ms`, `std_${m}_ms`, `p50_${m}_ms`, `p90_${m}_ms`, `p99_${m}_ms`];
    expect(Object.keys(rec)).toEqual([
      'date',
      'endpoint_type',
      'backend',
      'label',
      'model_id',
      'tokenizer_id',
      'num_prompts',
      'request_rate',
      'burstiness',
      'max_concurrency',
      'duration',
      'completed',
      'failed',
      'total_input_tokens',
      'total_output_tokens',
      'request_throughput',
      'request_goodput',
      'output_throughput',
      'total_token_throughput',
      'max_output_tokens_per_s',
      'max_concurrent_requests',
      'rtfx',
      ...pct('ttft'),
      ...pct('tpot'),
      ...pct('itl'),
      ...pct('e2el'),
    ]);
    expect(rec).toMatchObject({
      date: '20261122-100000',
      endpoint_type: 'openai',
      backend: 'openai',
      label: 'sweep',
      model_id: 'org/tiny',
      tokenizer_id: 'org/tiny',
      num_prompts: 8,
      request_rate: 2,
      burstiness: 1,
      max_concurrency: null,
      rtfx: 0,
      p90_ttft_ms: 14,
    });
    expect(rec).not.toHaveProperty('error_rate');
  });

  it('writes a closed-loop point as vLLM runs one: request rate inf under a max concurrency', () => {
    const rec = toVllmServeResult(servingPoint('concurrency=4', { concurrency: 4 }));
    expect(rec.request_rate).toBe('inf');
    expect(rec.max_concurrency).toBe(4);
  });

  it('leaves out the blocks of metrics a point did not measure (non-streaming: e2el only)', () => {
    const p = servingPoint('rate=1', { 'request-rate': 1 });
    for (const k of Object.keys(p.metrics)) if (/_(ttft|tpot|itl)_ms$/.test(k)) delete p.metrics[k];
    const keys = Object.keys(toVllmServeResult(p));
    expect(keys.filter((k) => k.endsWith('_ms'))).toEqual([
      'mean_e2el_ms',
      'median_e2el_ms',
      'std_e2el_ms',
      'p50_e2el_ms',
      'p90_e2el_ms',
      'p99_e2el_ms',
    ]);
  });

  it('is serialised as Python json.dump writes it: floats with .0, counts as ints', () => {
    const line = dumpVllmResult(
      toVllmServeResult(servingPoint('rate=2', { 'request-rate': 2 }), { modelId: 'm', date: '20260101-000000' }),
    );
    expect(
      line.startsWith(
        '{"date": "20260101-000000", "endpoint_type": "openai", "backend": "openai", "label": null, "model_id": "m", "tokenizer_id": "m", "num_prompts": 8, "request_rate": 2.0, "burstiness": 1.0, "max_concurrency": null, "duration": 4.0, "completed": 8, "failed": 0,',
      ),
    ).toBe(true);
    expect(line).toContain('"max_concurrent_requests": 4, "rtfx": 0.0,');
    expect(line).not.toContain('\n');
  });
});

describe('vLLM names and dates', () => {
  it('names files as vLLM CI does: {test}_qps_{qps}_concurrency_{mc}.json, num_prompts when uncapped', () => {
    expect(vllmResultFileName('sweep', servingPoint('concurrency=4'))).toBe('sweep_qps_inf_concurrency_4.json');
    expect(vllmResultFileName('s', servingPoint('rate=0.5,max-concurrency=16'))).toBe('s_qps_0.5_concurrency_16.json');
    expect(vllmResultFileName('s', servingPoint('rate=4'))).toBe('s_qps_4_concurrency_8.json');
  });

  it('writes and reads dates as %Y%m%d-%H%M%S', () => {
    const d = new Date('2026-07-22T04:18:43Z');
    expect(formatVllmDate(d)).toBe('20260722-041843');
    expect(parseVllmDate('20260722-041843')?.toISOString()).toBe('2026-07-22T04:18:43.000Z');
    expect(parseVllmDate('2026-07-22')).toBeUndefined();
  });
});
