// Reads results to compare: our results.json, vLLM's result files, or a folder of either (a history).
//
// Folders are walked recursively. A folder that holds a results.json of ours is one run, as
// `vllm-perf-gate run --out DIR` writes it: its results.json is the run, and nothing else in or below
// that folder is read (the offline suites' --output-json files, vllm/, verdict.json, a confirmation
// rerun are that run's own files, not runs of their own). vLLM's files hold one measurement each (a
// JSON-lines file, one per line), so their records are pooled and put back together into runs: in
// time order, a record joins the current run unless that run already has a point for its suite and
// key, which starts the next run. A vLLM CI results folder thus reads as one run, and a folder of
// repeated sweeps (or one --append-result file of them) as a history.
//
// Only regular files are opened (a FIFO would block the read forever). In a folder, a file that
// cannot be read or is not valid is skipped with a note naming it and why; given directly, it is an
// error. No message quotes a file's content.
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, readdir, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import path from 'node:path';
import { formatWhere, GateError } from '../errors.js';
import type { ResultsDocument, Suite } from './schema-types.gen.js';
import { JsonSyntaxError, parseJsonRecords, topLevelKeyLine } from './tolerant-json.js';
import { formatResultsProblems, validateResults } from './validate.js';
import { formatVllmDate } from './vllm-format.js';
import { importLatencyRecord, importServeRecord, importThroughputRecord, vllmRecordKind, type ImportedPoint } from './vllm-import.js';
import { RESULTS_FILE } from './write.js';

export interface ReadOptions {
  /** Collects what was skipped in a folder and why, one line each. */
  notes?: string[];
}

const GIVE =
  'give a results.json written by `vllm-perf-gate run`, a file written by `vllm bench serve --save-result` ' +
  '(or --append-result), or the --output-json of `vllm bench latency` or `vllm bench throughput`';

/**
 * The runs in `target` (a file or a folder), oldest first. A file of ours or a vLLM file gives one
 * run (a JSON-lines file of repeated points, several). Throws GateError INPUT naming the file, the
 * line and key path, and how to fix it; for a folder, only when nothing in it could be read.
 */
export async function readResults(target: string, opts: ReadOptions = {}): Promise<ResultsDocument[]> {
  const info = await statTarget(target);
  const docs = info.isDirectory() ? await readFolder(target, opts) : await readGivenFile(target);
  return docs.sort((a, b) => Date.parse(a.run['started-at']) - Date.parse(b.run['started-at']));
}

async function statTarget(target: string): Promise<Stats> {
  try {
    return await stat(target);
  } catch (err) {
    throw new GateError('INPUT', `results not found: ${target}${await danglingLink(target, err)}`, {
      where: { file: target },
      hint: 'give a results.json written by `vllm-perf-gate run`, a `vllm bench serve --save-result` file, or a folder of them',
    });
  }
}

/** A file given directly: anything but results in it is an error. */
async function readGivenFile(file: string): Promise<ResultsDocument[]> {
  const parsed = await readOne(file);
  if (parsed.kind === 'other') {
    throw new GateError('INPUT', `not a results file: ${parsed.what}`, { where: { file, line: parsed.line }, hint: GIVE });
  }
  return parsed.kind === 'ours' ? parsed.docs : groupIntoRuns(parsed.points, file);
}

interface FolderRead {
  ours: ResultsDocument[];
  points: ImportedPoint[];
  /** Files that could not be read or are not valid: one line each, for the notes. */
  skipped: string[];
}

async function readFolder(dir: string, opts: ReadOptions): Promise<ResultsDocument[]> {
  const acc: FolderRead = { ours: [], points: [], skipped: [] };
  await walk(dir, acc, opts.notes);
  const docs = [...acc.ours, ...groupIntoRuns(acc.points, dir)];
  opts.notes?.push(...acc.skipped);
  if (docs.length === 0) {
    const shown = acc.skipped
      .slice(0, 10)
      .map((n) => `\n  ${n}`)
      .join('');
    const more = acc.skipped.length > 10 ? `\n  ... and ${acc.skipped.length - 10} more` : '';
    throw new GateError(
      'INPUT',
      `no usable results in ${dir}${acc.skipped.length ? `: ${acc.skipped.length} file(s) skipped${shown}${more}` : ''}`,
      {
        where: { file: dir },
        hint: acc.skipped.length
          ? 'fix or remove the files named above'
          : 'the folder holds no results.json and no vLLM result file (.json or .jsonl)',
      },
    );
  }
  return docs;
}

/** Reads the results in `dir` and below into `acc`; a run folder of ours stops the descent. */
async function walk(dir: string, acc: FolderRead, notes: string[] | undefined): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const own = entries.find((e) => e.name === RESULTS_FILE && !e.isDirectory());
  let ownParsed: Parsed | undefined;
  if (own) {
    const file = path.join(dir, own.name);
    const r = await tryReadOne(file);
    if (r instanceof GateError) {
      // The name is ours, so the folder is a run folder we cannot read; its other files are parts
      // of that run, which read on their own would be taken for a run.
      acc.skipped.push(`${skipNote(r)} (a run folder: its other files are not read either)`);
      return;
    }
    if (r.kind === 'ours') {
      acc.ours.push(...r.docs);
      return;
    }
    ownParsed = r;
  }
  for (const e of entries) {
    if (e.name.startsWith('.') || e.name === 'node_modules') continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) {
      await walk(full, acc, notes);
      continue;
    }
    if (!/\.jsonl?$/i.test(e.name)) continue;
    const r = e === own ? ownParsed! : await tryReadOne(full);
    if (r instanceof GateError) acc.skipped.push(skipNote(r));
    else if (r.kind === 'ours') acc.ours.push(...r.docs);
    else if (r.kind === 'vllm') acc.points.push(...r.points);
    else notes?.push(`${full}: skipped, not a results file (${r.what})`);
  }
}

async function tryReadOne(file: string): Promise<Parsed | GateError> {
  try {
    return await readOne(file);
  } catch (err) {
    if (err instanceof GateError && err.code === 'INPUT') return err;
    throw err;
  }
}

/** `file:line: key: skipped, what is wrong` on one line. */
function skipNote(err: GateError): string {
  return `${formatWhere(err.where)}: skipped, ${err.message.replace(/:\n/g, ': ').replace(/\n/g, '; ')}`;
}

type Parsed =
  { kind: 'ours'; docs: ResultsDocument[] } | { kind: 'vllm'; points: ImportedPoint[] } | { kind: 'other'; what: string; line: number };

/** One file: our results document, vLLM's records, or something else (said what). Throws GateError INPUT. */
async function readOne(file: string): Promise<Parsed> {
  const { text, mtime } = await readRegularFile(file);
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
  if (records.length === 0) throw new GateError('INPUT', 'the file is empty', { where: { file }, hint: GIVE });
  const first = records[0]!.value;
  if (isObject(first) && 'schema-version' in first) {
    if (records.length > 1) {
      throw new GateError('INPUT', `holds ${records.length} JSON values; a results.json holds one`, {
        where: { file, line: records[1]!.line },
      });
    }
    if (isBranchHistory(first)) return { kind: 'ours', docs: first.runs.map((run, i) => checkHistoryRun(run, file, i)) };
    return { kind: 'ours', docs: [checkOurs(first, file)] };
  }
  const points: ImportedPoint[] = [];
  for (const r of records) {
    const kind = vllmRecordKind(r.value);
    const origin = {
      file,
      fallbackTime: mtime,
      recordLine: r.line,
      keyLine: (key: string) => topLevelKeyLine(text, r.offset, key),
      ...(records.length > 1 ? { line: r.line } : {}),
    };
    if (kind === 'serve') points.push(importServeRecord(r.value as Record<string, unknown>, origin));
    else if (kind === 'latency') points.push(importLatencyRecord(r.value as Record<string, unknown>, origin));
    else if (kind === 'throughput') points.push(importThroughputRecord(r.value as Record<string, unknown>, origin));
    else return { kind: 'other', what: whatItIs(r.value), line: r.line };
  }
  return { kind: 'vllm', points };
}

/**
 * The text of `file`, opened only if it is a regular file: a FIFO or a device would block the read
 * or never end. Opened non-blocking and checked again on the handle, in case the path was swapped.
 */
async function readRegularFile(file: string): Promise<{ text: string; mtime: Date }> {
  const unreadable = (why: string): GateError =>
    new GateError('INPUT', `cannot be read: ${why}`, {
      where: { file },
      hint: 'results are read from regular files; remove it or give another path',
    });
  let info: Stats;
  try {
    info = await stat(file);
  } catch (err) {
    throw unreadable(`${reason(err)}${await danglingLink(file, err)}`);
  }
  if (!info.isFile()) throw unreadable(`not a regular file (${fileKind(info)})`);
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    throw unreadable(reason(err));
  }
  try {
    const opened = await handle.stat();
    if (!opened.isFile()) throw unreadable(`not a regular file (${fileKind(opened)})`);
    return { text: await handle.readFile('utf8'), mtime: opened.mtime };
  } catch (err) {
    throw err instanceof GateError ? err : unreadable(reason(err));
  } finally {
    await handle.close();
  }
}

function reason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'it does not exist';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ELOOP') return 'a loop of symbolic links';
  if (code === 'EISDIR') return 'a folder';
  return code ?? (err as Error).message;
}

/** ` (a symbolic link to a path that does not exist)` when `file` is one. */
async function danglingLink(file: string, err: unknown): Promise<string> {
  if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return '';
  try {
    return (await lstat(file)).isSymbolicLink() ? ' (a symbolic link to a path that does not exist)' : '';
  } catch {
    return '';
  }
}

function fileKind(s: Stats): string {
  if (s.isFIFO()) return 'a FIFO';
  if (s.isSocket()) return 'a socket';
  if (s.isCharacterDevice() || s.isBlockDevice()) return 'a device';
  if (s.isDirectory()) return 'a folder';
  return 'not a file';
}

/** What a JSON value is, by its shape only: no value of the file is repeated. */
function whatItIs(v: unknown): string {
  if (Array.isArray(v)) {
    const o = v[0];
    if (isObject(o) && 'benchmark' in o && 'metric' in o)
      return "a list in vLLM's PyTorch benchmark format (.pytorch.json); read the plain .json beside it";
    if (isObject(o) && 'Test name' in o) return "vLLM CI's converted table (benchmark_results.json); read the per-test .json files instead";
    return 'a JSON list';
  }
  if (isObject(v)) {
    if ('verdict' in v && 'counts' in v && 'points' in v)
      return "a verdict.json of vllm-perf-gate (a run's verdict, not its results; read the results.json beside it)";
    return 'a JSON object with none of the keys of a results.json (`schema-version`) or of a vLLM result (`request_throughput`, `avg_latency`, `elapsed_time`)';
  }
  return `a JSON ${v === null ? 'null' : typeof v}`;
}

function checkOurs(doc: Record<string, unknown>, file: string): ResultsDocument {
  const version = doc['schema-version'];
  if (version !== 1) {
    throw new GateError(
      'INPUT',
      `a results document of schema version ${typeof version === 'number' ? version : `(${typeof version})`}; this version reads 1`,
      {
        where: { file, path: 'schema-version' },
        hint: 'read it with the vllm-perf-gate version that wrote it, or run the baseline again',
      },
    );
  }
  const problems = validateResults(doc);
  if (problems.length > 0) {
    throw new GateError('INPUT', `not a valid results document:\n${formatResultsProblems(problems)}`, {
      where: { file, path: problems[0]!.path },
      hint: 'results.json files are written by `vllm-perf-gate run`; if this one was edited by hand, undo the edit or run again',
    });
  }
  return doc as unknown as ResultsDocument;
}

/** A history file of the baseline branch (`baseline-source: branch`): `{ schema-version, config-id, runs }`. */
function isBranchHistory(v: Record<string, unknown>): v is Record<string, unknown> & { runs: unknown[] } {
  return Array.isArray(v.runs) && 'config-id' in v && !('suites' in v);
}

function checkHistoryRun(run: unknown, file: string, i: number): ResultsDocument {
  if (!isObject(run))
    throw new GateError('INPUT', 'a run of the history is not an object', {
      where: { file, path: `runs[${i}]` },
      hint: 'fix or delete the history file; the next baseline run writes a new one',
    });
  try {
    return checkOurs(run, file);
  } catch (err) {
    if (!(err instanceof GateError)) throw err;
    throw new GateError('INPUT', `run ${i + 1} of the history: ${err.message}`, {
      where: { file, path: `runs[${i}]${err.where.path ? `.${err.where.path}` : ''}` },
      ...(err.hint ? { hint: err.hint } : {}),
    });
  }
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
  const configId =
    path
      .basename(path.resolve(target))
      .replace(/\.(jsonl?|json)$/i, '')
      .replace(/[^A-Za-z0-9._-]+/g, '-') || 'vllm';
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
