// The aggregate comment fails closed: what it does not know (a verdict, a count that is not a whole
// number) never passes or renders as given, and an artifact it could not judge fails the whole.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GateReport } from '../../src/compare/types.js';
import type { ResultsDocument } from '../../src/results/schema-types.gen.js';
import { aggregatePasses, knownVerdict, renderAggregate, worstVerdict, type AggregateEntry } from '../../src/report/aggregate.js';

const fixture = <T>(name: string): T => JSON.parse(readFileSync(path.join(import.meta.dirname, 'fixtures', name), 'utf8')) as T;
const current = (): ResultsDocument => fixture<ResultsDocument>('nightly.current.json');
const passing = (): GateReport => ({ ...fixture<GateReport>('nightly.report.json'), verdict: 'pass', passes: true });

describe('aggregate verdicts fail closed', () => {
  it('an unknown verdict counts as fail and never passes', () => {
    expect(knownVerdict('great')).toBe('fail');
    expect(knownVerdict('toString')).toBe('fail');
    expect(knownVerdict(undefined)).toBe('fail');
    expect(knownVerdict('no-baseline')).toBe('no-baseline');
    expect(worstVerdict([{ verdict: 'pass' }, { verdict: 'great' as GateReport['verdict'] }])).toBe('fail');
    const odd: AggregateEntry = { configId: 'a', report: { ...passing(), verdict: 'great' as GateReport['verdict'] }, current: current() };
    expect(aggregatePasses([odd])).toBe(false);
  });

  it('passes only when every artifact was judged and every report passes', () => {
    const ok: AggregateEntry = { configId: 'a', report: passing(), current: current() };
    expect(aggregatePasses([ok])).toBe(true);
    expect(aggregatePasses([])).toBe(false);
    expect(aggregatePasses([ok, { artifact: 'vllm-perf-gate-b', rejected: 'its results.json is not JSON' }])).toBe(false);
    expect(aggregatePasses([{ ...ok, report: { ...passing(), passes: 'yes' as unknown as boolean } }])).toBe(false);
  });

  it('renders counts only as whole numbers and an unjudged artifact as not judged, escaped', () => {
    const odd = {
      ...passing(),
      counts: { ...passing().counts, regressed: '<img src=x onerror=alert(1)>' as unknown as number, improved: 1.5 },
    };
    const md = renderAggregate(
      [
        { configId: 'a', report: odd, current: current() },
        { artifact: 'vllm-perf-gate-<b>', rejected: 'no config has the id @octo #7' },
      ],
      { id: 'perf' },
    );
    expect(md).toContain('## ❌ vLLM performance gate: fail — 2 configurations');
    expect(md).toMatch(/\| <code>a<\/code> \| ✅ pass \| \? \| \? \| \d+ \|/);
    expect(md).toContain('| <code>vllm-perf-gate-&lt;b&gt;</code> | ❌ not judged | — |');
    expect(md).toContain('- <code>vllm-perf-gate-&lt;b&gt;</code>: no config has the id @\u200bocto &#35;\u200b7');
    // The overview and the list of artifacts not judged are the aggregate's own sections (each
    // config's section below renders its report as this step judged it).
    const [overview, notJudged] = md.split('\n### ');
    expect(`${overview}${notJudged}`).not.toContain('<img');
  });
});
