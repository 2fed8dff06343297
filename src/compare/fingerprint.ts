// What must match for two runs to be comparable: the GPU (name, count), the model, the server's
// arguments, and per suite the dataset. The engine version is not in the list: it is what a PR
// changes. A field only one side recorded (an imported vLLM file records none) is not a difference.
import type { ResultsDocument } from '../results/schema-types.gen.js';

export interface FingerprintDiff {
  field: string;
  baseline: string;
  current: string;
}

export function fingerprintDiffs(baseline: ResultsDocument, current: ResultsDocument): FingerprintDiff[] {
  const out: FingerprintDiff[] = [];
  const b = baseline.environment.fingerprint ?? {};
  const c = current.environment.fingerprint ?? {};
  const check = (field: string, bv: unknown, cv: unknown): void => {
    const bs = show(bv);
    const cs = show(cv);
    if (bs !== undefined && cs !== undefined && bs !== cs) out.push({ field, baseline: bs, current: cs });
  };
  check('gpu-name', b['gpu-name'], c['gpu-name']);
  check('gpu-count', b['gpu-count'], c['gpu-count']);
  check('model', b.model, c.model);
  check('server-args', b['server-args'], c['server-args']);
  for (const cs of current.suites) {
    const bs = baseline.suites.find((s) => s.name === cs.name);
    if (bs) check(`suites.${cs.name}.dataset-fingerprint`, bs['dataset-fingerprint'], cs['dataset-fingerprint']);
  }
  return out;
}

function show(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) return v.map(String).join(' ');
  return String(v);
}
