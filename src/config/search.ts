// The rules of a serving suite's `search` (the SLO knee search) that the schema cannot say: the SLO
// names latency statistics the suite's points report, and the search replaces the sweep lists.
import { catalogNames, metricInfo, servingStatBases } from '../catalog/metrics.js';
import { didYouMean } from './did-you-mean.js';
import type { KeyPath } from './key-path.js';
import type { ServingSuite } from './schema-types.gen.js';

export const SLO_SEARCH_DEFAULTS = { start: 1, tolerance: '5%' } as const;

const SLO_KEY = /^(mean|median|p(\d+(?:\.\d+)?))_(ttft|tpot|itl|e2el)_ms$/;
const SHORT: Readonly<Record<string, string>> = { ttft: 'TTFT', tpot: 'TPOT', itl: 'ITL', e2el: 'E2EL' };

/** The metric an SLO key names: `p99-ttft-ms` (or `p99_ttft_ms`) -> `p99_ttft_ms`. */
export function sloMetricOf(key: string): string {
  return key.trim().toLowerCase().replace(/-/g, '_');
}

/** "p99 TTFT ≤ 500 ms" */
export function sloBoundText(metric: string, bound: number): string {
  const m = SLO_KEY.exec(metric);
  const what = m ? `${m[1]} ${SHORT[m[3]!]}` : metric;
  return `${what} ≤ ${bound} ${metricInfo(metric).unit || ''}`.trimEnd();
}

export interface SearchProblem {
  /** Key path inside the suite. */
  key: KeyPath;
  message: string;
  hint: string;
  atKey?: boolean;
}

/** What is wrong with a suite's `search`: a sweep list beside it, or an SLO key no point reports. */
export function searchProblems(s: ServingSuite): SearchProblem[] {
  const search = s.search;
  if (!search) return [];
  const out: SearchProblem[] = [];
  if (s.dataset.type === 'trace')
    out.push({
      key: ['search'],
      message: 'a `trace` dataset is replayed at its own timestamps: there is no load to search',
      hint: 'remove `search`, or search with another dataset (random, sharegpt, ...)',
    });
  if (s.dataset.type === 'multi-turn' && search.over === 'request-rate')
    out.push({
      key: ['search', 'over'],
      message:
        'a multi-turn suite keeps a number of sessions in flight, each turn sent after the answer before it: a request rate has no meaning for sessions',
      hint: 'search `over: concurrency` (the sessions in flight)',
    });
  for (const list of ['request-rates', 'concurrency'] as const) {
    if (s[list] === undefined) continue;
    out.push({
      key: [list],
      message: `\`search\` finds the load itself; it cannot be combined with \`${list}\``,
      hint: `remove \`${list}\` (the search probes ${search.over === 'concurrency' ? 'concurrency levels' : 'request rates'} from \`search.start\` up), or remove \`search\` to sweep the list`,
    });
  }
  if (search.over === 'request-rate' && s['prompts-per-concurrency'] !== undefined)
    out.push({
      key: ['prompts-per-concurrency'],
      message: '`prompts-per-concurrency` applies to a search over concurrency only',
      hint: 'set the number of requests with `dataset.num-prompts` instead',
    });
  if (search.over === 'concurrency' && s['max-concurrency'] !== undefined)
    out.push({
      key: ['max-concurrency'],
      message: '`max-concurrency` caps a request rate; a search over concurrency sets the level itself',
      hint: 'remove it, or search over request-rate',
    });
  if (search.start !== undefined && search.max !== undefined && search.start > search.max)
    out.push({
      key: ['search', 'start'],
      message: `the search starts at ${search.start}, above its max ${search.max}`,
      hint: `lower start or raise max`,
    });
  if (search.over === 'concurrency')
    for (const k of ['start', 'max'] as const) {
      const v = search[k];
      if (v !== undefined && !Number.isInteger(v))
        out.push({ key: ['search', k], message: `a concurrency is a whole number, got ${v}`, hint: `use ${Math.max(1, Math.round(v))}` });
    }
  if (search.tolerance !== undefined && Number(search.tolerance.replace('%', '')) === 0)
    out.push({
      key: ['search', 'tolerance'],
      message: 'a tolerance of 0% would bisect for ever',
      hint: 'use e.g. "5%": the knee is then within 5% of the highest load that meets the SLO',
    });
  const percentiles = (s.percentiles ?? [50, 90, 95, 99]).map(String);
  const stream = s.stream ?? true;
  for (const key of Object.keys(search.slo)) {
    const metric = sloMetricOf(key);
    const m = SLO_KEY.exec(metric);
    if (!m) {
      const guess = didYouMean(key, sloCandidates(percentiles));
      out.push({
        key: ['search', 'slo', key],
        atKey: true,
        message: `\`${key}\` is not a latency statistic a serving point reports`,
        hint: guess
          ? `did you mean \`${guess}\`?`
          : 'name a statistic of ttft, tpot, itl or e2el in milliseconds: mean-, median- or pNN- (a percentile of the suite), e.g. `p99-ttft-ms`',
      });
      continue;
    }
    if (m[2] !== undefined && !percentiles.includes(String(Number(m[2]))))
      out.push({
        key: ['search', 'slo', key],
        atKey: true,
        message: `the suite's points report the percentiles ${percentiles.join(', ')}, not ${m[2]}`,
        hint: `add ${m[2]} to the suite's \`percentiles\``,
      });
    if (!stream && m[3] !== 'e2el')
      out.push({
        key: ['search', 'slo', key],
        atKey: true,
        message: `a suite with \`stream: false\` reports no ${SHORT[m[3]!]} (only end-to-end latency)`,
        hint: `bound an e2el statistic instead (e.g. \`p99-e2el-ms\`), or stream`,
      });
  }
  return out;
}

/** The SLO keys a did-you-mean offers: every latency statistic the suite reports, kebab-case. */
function sloCandidates(percentiles: string[]): string[] {
  const bases = servingStatBases()
    .map((b) => b.base)
    .filter((b) => b in SHORT);
  const names = new Set(catalogNames().filter((n) => SLO_KEY.test(n)));
  for (const b of bases) for (const p of percentiles) names.add(`p${p}_${b}_ms`);
  return [...names].map((n) => n.replace(/_/g, '-'));
}
