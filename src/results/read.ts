// Reads results to compare: our results.json, vLLM's result files, or a folder of either (a history).
//
// Folders are walked recursively. Each results.json of ours is one run. vLLM's files hold one
// measurement each (a JSON-lines file, one per line), so their records are pooled and put back
// together into runs: in time order, a record joins the current run unless that run already has a
// point for its suite and key, which starts the next run. A vLLM CI results folder thus reads as one
// run, and a folder of repeated sweeps (or one --append-result file of them) as a history.
// vLLM files that one of our results.json already wrote (its points' vllm-result-file) are skipped.
import { createHash } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { GateError } from '../errors.js';
import type { ResultsDocument, Suite } from './schema-types.gen.js';
import { JsonSyntaxError, parseJsonRecords } from './tolerant-json.js';
import { formatResultsProblems, validateResults } from './validate.js';
import { formatVllmDate } from './vllm-format.js';
import {
  importLatencyRecord,
  importServeRecord,
  importThroughputRecord,
  vllmRecordKind,
  type ImportedPoint,
} from './vllm-import.js';

export interface ReadOptions {
  /** Collects what was skipped in a folder and why, one line each. */
  notes?: string[];
}

/**
 * The runs in `target` (a file or a folder), oldest first. A file of ours or a vLLM file gives one
 * run (a JSON-lines file of repeated points, several). Throws GateError INPUT naming the file, the
 * line and key path, and how to fix it.
 */
export async function readResults(target: string, opts: ReadOptions = {}): Promise<ResultsDocument[]> {
  let info;
  try {
    info = await stat(target);
  } catch {
    throw new GateError('INPUT', `results not found: ${target}`, {
      where: { file: target },
      hint: 'give a results.json written by `vllm-perf-gate run`, a `vllm bench serve --save-result` file, or a folder of them',
    });
  }
  const files = info.isDirectory() ? await listJsonFiles(target) : [target];
  const ours: { doc: ResultsDocument; file: string }[] = [];
  const imported: { p: ImportedPoint; file: string; order: number }[] = [];
  let order = 0;
  for (const file of files) {
    const parsed = await readOne(file, info.isDirectory(), opts);
    if (!parsed) continue;
    if ('doc' in parsed) ours.push({ doc: parsed.doc, file });
    else for (const p of parsed.points) imported.push({ p, file, order: order++ });
  }
  // A vLLM file one of our runs wrote is the same measurement again.
  const written = new Set<string>();
  for (const { doc, file } of ours) {
    for (const s of doc.suites) for (const pt of s.points) if (pt['vllm-result-file']) written.add(path.resolve(path.dirname(file), pt['vllm-result-file']));
  }
  const fresh = imported.filter((r) => !written.has(path.resolve(r.file)));
  const docs = [...ours.map((o) => o.doc), ...groupIntoRuns(fresh.map((r) => r.p), target)];
  if (docs.length === 0) {
    throw new GateError('INPUT', `no results in ${target}`, {
      where: { file: target },
      hint: 'the folder holds no results.json and no vLLM result file (.json or .jsonl)',
    });
  }
  return docs.sort((a, b) => Date.parse(a.run['started-at']) - Date.parse(b.run['started-at']));
}

async function listJsonFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.name.startsWith('.') || e.name === 'node_modules') continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listJsonFiles(full)));
    else if (/\.jsonl?$/i.test(e.name)) out.push(full);
  }
  return out;
}

type Parsed = { doc: ResultsDocument } | { points: ImportedPoint[] };

async function readOne(file: string, inFolder: boolean, opts: ReadOptions): Promise<Parsed | undefined> {
  let text: string;
  let mtime: Date;
  try {
    text = await readFile(file, 'utf8');
    mtime = (await stat(file)).mtime;
  } catch (err) {
    throw new GateError('INPUT', `cannot read ${file}: ${(err as Error).message}`, { where: { file } });
  }
  let records;
  try {
    records = parseJsonRecords(text);
  } catch (err) {
    if (!(err instanceof JsonSyntaxError)) throw err;
    throw new GateError('INPUT', err.message, {
      where: { file, line: err.line, column: err.column },
      hint: 'fix the JSON (one object per line for JSON lines)',
    });
  }
  if (records.length === 0) {
    if (inFolder) {
      opts.notes?.push(`${file}: skipped, empty`);
      return undefined;
    }
    throw new GateError('INPUT', `${file} is empty`, { where: { file } });
  }
  const first = records[0]!.value;
  if (isObject(first) && 'schema-version' in first) {
    if (records.length > 1) {
      throw new GateError('INPUT', `${file} holds ${records.length} JSON values; a results.json holds one`, { where: { file, line: records[1]!.line } });
    }
    return { doc: checkOurs(first, file) };
  }
  const points: ImportedPoint[] = [];
  for (const r of records) {
    const kind = vllmRecordKind(r.value);
    const origin = { file, fallbackTime: mtime, ...(records.length > 1 ? { line: r.line } : {}) };
    if (kind === 'serve') points.push(importServeRecord(r.value as Record<string, unknown>, origin));
    else if (kind === 'latency') points.push(importLatencyRecord(r.value as Record<string, unknown>, origin));
    else if (kind === 'throughput') points.push(importThroughputRecord(r.value as Record<string, unknown>, origin));
    else {
      if (inFolder) {
        opts.notes?.push(`${file}: skipped, not a results file (${whatItIs(r.value)})`);
        return undefined;
      }
      throw new GateError('INPUT', `${file} is not a results file: ${whatItIs(r.value)}`, {
        where: { file, line: r.line },
        hint:
          'give a results.json written by `vllm-perf-gate run`, a file written by `vllm bench serve --save-result` ' +
          '(or --append-result), or the --output-json of `vllm bench latency` or `vllm bench throughput`',
      });
    }
  }
  return { points };
}

function whatItIs(v: unknown): string {
  if (Array.isArray(v)) {
    const o = v[0];
    if (isObject(o) && 'benchmark' in o && 'metric' in o) return "a list in vLLM's PyTorch benchmark format (.pytorch.json); read the plain .json beside it";
    if (isObject(o) && 'Test name' in o) return "vLLM CI's converted table (benchmark_results.json); read the per-test .json files instead";
    return 'a JSON list';
  }
  if (isObject(v)) {
    const keys = Object.keys(v).slice(0, 5);
    return `an object with keys ${keys.join(', ')}${Object.keys(v).length > 5 ? ', ...' : ''}`;
  }
  return `a JSON ${v === null ? 'null' : typeof v}`;
}

function checkOurs(doc: Record<string, unknown>, file: string): ResultsDocument {
  if (doc['schema-version'] !== 1) {
    throw new GateError('INPUT', `${file} is a results document of schema version ${JSON.stringify(doc['schema-version'])}; this version reads 1`, {
      where: { file, path: 'schema-version' },
      hint: 'read it with the vllm-perf-gate version that wrote it, or run the baseline again',
    });
  }
  const problems = validateResults(doc);
  if (problems.length > 0) {
    throw new GateError('INPUT', `${file} is not a valid results document:\n${formatResultsProblems(problems)}`, {
      where: { file, path: problems[0]!.path },
      hint: 'results.json files are written by `vllm-perf-gate run`; if this one was edited by hand, undo the edit or run again',
    });
  }
  return doc as unknown as ResultsDocument;
}

/** Imported points, oldest first, packed into runs: a repeated suite + point key starts the next run. */
function groupIntoRuns(points: ImportedPoint[], target: string): ResultsDocument[] {
  const sorted = points
    .map((p, i) => ({ p, i }))
    .sort((a, b) => (a.p.time?.getTime() ?? 0) - (b.p.time?.getTime() ?? 0) || a.i - b.i)
    .map((x) => x.p);
  const runs: ImportedPoint[][] = [];
  let current: ImportedPoint[] = [];
  let seen = new Set<string>();
  for (const p of sorted) {
    const id = `${p.suite}\u0000${p.point.key}`;
    if (seen.has(id)) {
      runs.push(current);
      current = [];
      seen = new Set();
    }
    current.push(p);
    seen.add(id);
  }
  if (current.length > 0) runs.push(current);
  return runs.map((run) => toDocument(run, target));
}

function toDocument(run: ImportedPoint[], target: string): ResultsDocument {
  const times = run.map((p) => p.time?.getTime()).filter((t): t is number => t !== undefined);
  const start = new Date(times.length ? Math.min(...times) : 0);
  const end = new Date(times.length ? Math.max(...times) : 0);
  const suites: Suite[] = [];
  for (const p of run) {
    let s = suites.find((x) => x.name === p.suite);
    if (!s) {
      s = { name: p.suite, kind: p.kind, points: [] };
      suites.push(s);
    }
    s.points.push(p.point);
  }
  const sources = new Set(run.map((p) => p.source));
  const models = new Set(run.map((p) => p.model).filter((m): m is string => m !== null));
  const identity = run.map((p) => {
    const { file: _f, line: _l, date: _d, ...meta } = p.point['vllm-meta'] ?? {};
    return [p.suite, p.point.key, meta];
  });
  const configId = path.basename(path.resolve(target)).replace(/\.(jsonl?|json)$/i, '').replace(/[^A-Za-z0-9._-]+/g, '-') || 'vllm';
  return {
    'schema-version': 1,
    tool: { name: 'vllm bench', version: 'unknown' },
    run: {
      id: `vllm-${formatVllmDate(start)}`,
      'started-at': start.toISOString(),
      'finished-at': end.toISOString(),
      'config-id': configId,
      'config-hash': createHash('sha256').update(JSON.stringify(identity)).digest('hex'),
      label: `imported from ${target}`,
      source: sources.size === 1 ? [...sources][0]! : 'vllm-bench',
    },
    environment: { fingerprint: { model: models.size === 1 ? [...models][0]! : null } },
    suites,
    status: 'complete',
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
