// The aggregate comment fails closed: what it does not know (a count that is not a whole number)
// never renders as given, and an artifact it could not judge shows as not judged and fails the whole.
// The verdict rule itself is compare/overall.ts's (test/compare/overall.test.ts).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GateReport } from '../../src/compare/types.js';
import type { ResultsDocument } from '../../src/results/schema-types.gen.js';
import { renderAggregate } from '../../src/report/aggregate.js';

const fixture = <T>(name: string): T => JSON.parse(readFileSync(path.join(import.meta.dirname, 'fixtures', name), 'utf8')) as T;
const current = (): ResultsDocument => fixture<ResultsDocument>('nightly.current.json');
const passing = (): GateReport => ({ ...fixture<GateReport>('nightly.report.json'), verdict: 'pass', passes: true });

describe('the aggregate comment fails closed', () => {
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
