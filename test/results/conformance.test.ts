// Conformance with real vLLM result files in ../shared/reference (read, never copied). Where the
// folder is absent the tests are skipped, and say so.
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readResults } from '../../src/results/read.js';
import { validateResults } from '../../src/results/validate.js';
import { VLLM_HEAD_KEYS, dumpVllmResult, toVllmServeResult } from '../../src/results/vllm-format.js';

const REF = path.resolve('../shared/reference');
const MODERN = path.join(REF, 'vllm-bench-serve_result_modern.json');
const LEGACY = path.join(REF, 'vllm-bench-serve_results_legacy.jsonl');
const present = existsSync(MODERN) && existsSync(LEGACY);
const itRef = present ? it : it.skip;
if (!present) console.warn(`NOTE: ${REF} is absent: the vLLM reference conformance tests are skipped`);

/** Serving result files in the reference folder (name says bench-serve). */
async function servingFiles(): Promise<string[]> {
  return (await readdir(REF)).filter((f) => /bench-serve.*\.jsonl?$/.test(f)).map((f) => path.join(REF, f));
}

describe("vLLM's real result files (../shared/reference)", () => {
  itRef('every reference serving file imports into valid results documents', async () => {
    const files = await servingFiles();
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const f of files) {
      const docs = await readResults(f);
      expect(docs.length).toBeGreaterThan(0);
      for (const d of docs) expect(validateResults(d)).toEqual([]);
    }
  });

  itRef('round-trips the modern file: the same keys in the same order, the same values, the same bytes', async () => {
    const text = (await readFile(MODERN, 'utf8')).trim();
    const original = JSON.parse(text) as Record<string, unknown>;
    const [doc] = await readResults(MODERN);
    const point = doc!.suites[0]!.points[0]!;
    const back = toVllmServeResult(point);
    expect(Object.keys(back)).toEqual(Object.keys(original));
    expect(back).toEqual(original);
    expect(dumpVllmResult(back)).toBe(text);
  });

  itRef('round-trips every legacy record to the modern layout, keeping its values and --metadata pairs', async () => {
    const lines = (await readFile(LEGACY, 'utf8')).split('\n').filter((l) => l.trim());
    const originals = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const docs = await readResults(LEGACY);
    const points = docs.flatMap((d) => d.suites.flatMap((s) => s.points));
    expect(points).toHaveLength(originals.length);
    for (const point of points) {
      const original = originals[point['vllm-meta']!.line! - 1]!;
      const back = toVllmServeResult(point);
      const metadataKeys = Object.keys(original).filter(
        (k) => typeof original[k] === 'string' && !['date', 'backend', 'model_id', 'tokenizer_id', 'request_rate'].includes(k),
      );
      // Modern head, then the metadata pairs where vLLM puts them (after num_prompts).
      expect(Object.keys(back).slice(0, VLLM_HEAD_KEYS.length + metadataKeys.length)).toEqual([...VLLM_HEAD_KEYS, ...metadataKeys]);
      for (const [k, v] of Object.entries(original)) {
        const key = k === 'request_goodput:' ? 'request_goodput' : k;
        expect(back[key], k).toEqual(v);
      }
    }
  });

  itRef('keys the legacy runs by rate and splits repeated rates into separate runs', async () => {
    const docs = await readResults(LEGACY);
    for (const d of docs) {
      const keys = d.suites.flatMap((s) => s.points.map((p) => p.key));
      expect(new Set(keys).size).toBe(keys.length);
      for (const k of keys) expect(k).toMatch(/^rate=(inf|\d+(\.\d+)?)$/);
    }
  });
});
