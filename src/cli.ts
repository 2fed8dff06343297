// vllm-perf-gate on the command line: the same pipeline as the Action, for a laptop or any CI.
//   run      boots the server, runs the suites, writes results (and judges them with --baseline)
//   compare  judges results against a baseline (our results.json or vLLM result files)
//   report   writes the Markdown the Action would post
//   config   validates a config, or prints it expanded
// Exit codes: 0 the gate passed (pass, no baseline, or not comparable with gate.on-not-comparable:
// pass); 1 it did not (a regression, an invalid point, a baseline point not measured, nothing
// compared, not comparable); 2 bad input; 130/143 cancelled.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { compareRuns, gateSettings, type GateSettings } from './compare/index.js';
import { parseThresholds } from './config/thresholds.js';
import type { GateReport } from './compare/types.js';
import { loadConfig } from './config/load.js';
import { renderExpandedConfig } from './config/render.js';
import { describeError, GateError } from './errors.js';
import { analyzeHistory } from './history/index.js';
import { checkDatasets } from './load/dataset-check.js';
import { gateSettingsFor, runGate } from './pipeline.js';
import { formatRunVerdict, formatServingSummary, formatSweepTable, ProgressView } from './report/console.js';
import { renderComment, renderSummary, renderText, toJson, type RenderContext } from './report/index.js';
import { historyJson, renderHistoryMarkdown, renderHistoryText } from './report/history.js';
import { renderHistoryHtml } from './report/history-html.js';
import { readResults } from './results/read.js';
import type { ResultsDocument } from './results/schema-types.gen.js';
import { cancelExitCode, installCancelHandlers } from './server/signals.js';
import { TOOL_VERSION } from './suites/run-plan.js';

const USAGE = `vllm-perf-gate ${TOOL_VERSION}: stop vLLM serving performance regressions

usage:
  vllm-perf-gate run --config FILE [--out DIR] [--baseline PATH]... [--suite-map OLD=NEW]... [--format text|markdown|json]
  vllm-perf-gate compare --baseline PATH... --current PATH [--config FILE] [--suite-map OLD=NEW]... [--format text|markdown|json]
  vllm-perf-gate report --results FILE [--baseline PATH]... [--config FILE] [--suite-map OLD=NEW]... [--out FILE]
  vllm-perf-gate config --config FILE [--expand]
  vllm-perf-gate history --history PATH... [--config FILE] [--format text|markdown|json|html] [--out FILE]

PATH is a results.json, a vLLM result file (vllm bench serve --save-result, modern or legacy,
JSON or JSON lines; vllm bench latency/throughput --output-json) or a folder of them (a history).
Points are matched by suite name and point key; a vLLM file's suite is its --label, else its file
name. --suite-map OLD=NEW judges this run's suite NEW against the baseline's OLD (as gate.suite-map).

Exit codes:
  0  pass, or no baseline yet, or not comparable with gate.on-not-comparable: pass
  1  the gate did not pass: a gated metric regressed, a point is invalid, a baseline point was not
     measured (gate.on-missing: fail), nothing could be compared, or the baseline ran on another
     setup (not comparable)
  2  bad input (usage, config, results files, datasets)
  130/143  cancelled (SIGINT/SIGTERM)
`;

type Format = 'text' | 'markdown' | 'json';

class UsageError extends Error {}

function out(s: string): void {
  process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
}
function err(s: string): void {
  process.stderr.write(s.endsWith('\n') ? s : `${s}\n`);
}

function formatOf(v: string | undefined): Format {
  if (v === undefined) return 'text';
  if (v === 'text' || v === 'markdown' || v === 'json') return v;
  throw new UsageError(`--format must be text, markdown or json, not "${v}"`);
}

async function readHistory(paths: string[], notes: string[]): Promise<ResultsDocument[]> {
  const docs: ResultsDocument[] = [];
  for (const p of paths) docs.push(...(await readResults(p, { notes })));
  return docs.sort((a, b) => a.run['started-at'].localeCompare(b.run['started-at']));
}

/** What the renderers know of a run besides its report: its config id and the baseline's newest run. */
function renderContext(configId: string, baseline: readonly ResultsDocument[] | null): RenderContext {
  const baselineDoc = baseline?.at(-1);
  return { configId, ...(baselineDoc ? { baselineDoc } : {}) };
}

function render(report: GateReport, current: ResultsDocument, format: Format, ctx: RenderContext): string {
  if (format === 'json') return toJson(report);
  if (format === 'markdown') return renderComment(report, current, ctx);
  return renderText(report, current, ctx);
}

/**
 * The exit code of a failure: 2 when the user's input is bad (config, results or baseline files,
 * datasets), 130 cancelled, 1 for everything else. One mapping for the command's own errors and
 * for the one a run ends with.
 */
export function exitCodeFor(e: unknown): number {
  if (!(e instanceof GateError)) return 1;
  if (e.code === 'CANCELLED') return 130;
  return e.code === 'CONFIG' || e.code === 'INPUT' || e.code === 'DATASET' ? 2 : 1;
}

/** 0 when the gate lets the run through; every other verdict (not comparable included, by default) is 1. */
function exitFor(report: GateReport): number {
  return report.passes ? 0 : 1;
}

/** `--suite-map OLD=NEW`, repeatable: baseline suite name -> this run's. */
function suiteMapOf(values: string[] | undefined): Record<string, string> {
  const map: Record<string, string> = {};
  for (const v of values ?? []) {
    const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)=([A-Za-z0-9][A-Za-z0-9._-]*)$/.exec(v);
    if (!m) throw new UsageError(`--suite-map takes OLD=NEW (the baseline's suite name = this run's), not "${v}"`);
    map[m[1]!] = m[2]!;
  }
  return map;
}

async function cmdRun(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string' },
      out: { type: 'string' },
      baseline: { type: 'string', multiple: true },
      format: { type: 'string' },
      'suite-map': { type: 'string', multiple: true },
    },
    strict: true,
  });
  if (!values.config) throw new UsageError('run needs --config FILE');
  const format = formatOf(values.format);
  const suiteMap = suiteMapOf(values['suite-map']);
  const loaded = await loadConfig(values.config);
  for (const n of loaded.notes) err(`note: ${n}`);
  const outDir = path.resolve(values.out ?? path.join('out', loaded.configId));
  const notes: string[] = [];
  const baseline = values.baseline?.length ? await readHistory(values.baseline, notes) : null;
  for (const n of notes) err(`note: ${n}`);

  const progress = new ProgressView((s) => process.stderr.write(s), process.stderr.isTTY === true);
  let cancelledBy: NodeJS.Signals | undefined;
  // A cancel waits for everything below: the run aborts through the signal, tears the server down
  // and writes partial results, and then report.md and verdict.json are written too.
  let release = (): void => {};
  const settled = new Promise<void>((r) => (release = r));
  const cancel = installCancelHandlers(
    async (sig) => {
      cancelledBy = sig;
      await settled;
    },
    { exit: exitFlushed },
  );
  try {
    const gate = await runGate(loaded, {
      outDir,
      signal: cancel.signal,
      baseline,
      suiteMap,
      ...(values.baseline?.length ? { baselineSource: values.baseline.join(', ') } : {}),
      log: (line) => err(line),
      onProgress: (ev) => progress.update(ev),
      onPointEnd: (suite, { point }) => {
        progress.endPoint();
        err(formatServingSummary(point, { suite }));
      },
      git: {
        ...(process.env.GITHUB_SHA ? { sha: process.env.GITHUB_SHA } : {}),
        ...(process.env.GITHUB_REF ? { ref: process.env.GITHUB_REF } : {}),
      },
    });

    for (const s of gate.doc.suites) if (s.kind === 'serving' && s.points.length > 1) err(`\n${s.name}\n${formatSweepTable(s.points)}`);
    err(`results: ${gate.resultsPath}`);
    if (gate.error) {
      err(`error: ${gate.error.format()}`);
      // No server.log when the run stopped before a server was spawned (a busy port, an offline suite).
      err(`partial results${existsSync(path.join(outDir, 'server.log')) ? ' and the server log' : ''} are in ${outDir}`);
    } else for (const line of formatRunVerdict(gate.report, gate.doc)) err(line);
    const rctx = renderContext(loaded.configId, baseline);
    if (baseline !== null || format !== 'text') out(render(gate.report, gate.doc, format, rctx));
    // report.md is the PR comment; summary.md the job summary, with every table and figure.
    await writeFile(path.join(outDir, 'report.md'), renderComment(gate.report, gate.doc, rctx));
    await writeFile(path.join(outDir, 'summary.md'), renderSummary(gate.report, gate.doc, rctx));
    await writeFile(path.join(outDir, 'verdict.json'), toJson(gate.report));
    if (cancelledBy) return cancelExitCode(cancelledBy);
    if (gate.error) return exitCodeFor(gate.error);
    return exitFor(gate.report);
  } finally {
    cancel.dispose();
    release();
  }
}

async function cmdCompare(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      baseline: { type: 'string', multiple: true },
      current: { type: 'string' },
      config: { type: 'string' },
      format: { type: 'string' },
      'suite-map': { type: 'string', multiple: true },
    },
    strict: true,
  });
  if (!values.current) throw new UsageError('compare needs --current PATH');
  if (!values.baseline?.length) throw new UsageError('compare needs at least one --baseline PATH');
  const format = formatOf(values.format);
  const suiteMap = suiteMapOf(values['suite-map']);
  const notes: string[] = [];
  const currentDocs = await readResults(values.current, { notes });
  const current = currentDocs.at(-1);
  if (!current)
    throw new GateError('INPUT', `no results found in ${values.current}`, {
      where: { file: values.current },
      hint: 'point --current at a results.json or a vLLM result file',
    });
  if (currentDocs.length > 1) notes.push(`${values.current} holds ${currentDocs.length} runs; the newest is the current one`);
  const baseline = await readHistory(values.baseline, notes);
  for (const n of notes) err(`note: ${n}`);
  const loaded = values.config ? await loadConfig(values.config) : null;
  const settings = withSuiteMap(loaded ? gateSettingsFor(loaded) : defaultSettings(), suiteMap);
  const report = compareRuns(baseline, current, settings, { source: values.baseline.join(', ') });
  out(render(report, current, format, renderContext(loaded?.configId ?? current.run['config-id'], baseline)));
  return exitFor(report);
}

async function cmdReport(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      results: { type: 'string' },
      baseline: { type: 'string', multiple: true },
      config: { type: 'string' },
      out: { type: 'string' },
      'suite-map': { type: 'string', multiple: true },
    },
    strict: true,
  });
  if (!values.results) throw new UsageError('report needs --results FILE');
  const suiteMap = suiteMapOf(values['suite-map']);
  const notes: string[] = [];
  const current = (await readResults(values.results, { notes })).at(-1);
  if (!current) throw new GateError('INPUT', `no results found in ${values.results}`, { where: { file: values.results } });
  const baseline = values.baseline?.length ? await readHistory(values.baseline, notes) : [];
  for (const n of notes) err(`note: ${n}`);
  const loaded = values.config ? await loadConfig(values.config) : null;
  const settings = withSuiteMap(loaded ? gateSettingsFor(loaded) : defaultSettings(), suiteMap);
  const report = compareRuns(baseline, current, settings, values.baseline?.length ? { source: values.baseline.join(', ') } : {});
  const md = renderComment(report, current, renderContext(loaded?.configId ?? current.run['config-id'], baseline));
  if (values.out) {
    await mkdir(path.dirname(path.resolve(values.out)), { recursive: true });
    await writeFile(values.out, md);
    err(`wrote ${values.out}`);
  } else out(md);
  return 0;
}

/** Change points of every gated metric over a history of runs (docs/history.md). */
async function cmdHistory(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      history: { type: 'string', multiple: true },
      config: { type: 'string' },
      format: { type: 'string' },
      out: { type: 'string' },
    },
    strict: true,
  });
  if (!values.history?.length) throw new UsageError('history needs at least one --history PATH');
  const format = values.format ?? 'text';
  if (!['text', 'markdown', 'json', 'html'].includes(format))
    throw new UsageError(`--format must be text, markdown, json or html, not "${format}"`);
  const notes: string[] = [];
  const docs = await readHistory(values.history, notes);
  const loaded = values.config ? await loadConfig(values.config) : null;
  const analysis = analyzeHistory(docs, loaded ? gateSettingsFor(loaded) : defaultSettings());
  const title = `Performance history${loaded ? ` of ${loaded.configId}` : ''}`;
  const text =
    format === 'json'
      ? historyJson(analysis)
      : format === 'markdown'
        ? renderHistoryMarkdown(analysis, { title })
        : format === 'html'
          ? renderHistoryHtml(analysis, { title })
          : renderHistoryText(analysis);
  for (const n of notes) err(`note: ${n}`);
  if (values.out) {
    await mkdir(path.dirname(path.resolve(values.out)), { recursive: true });
    await writeFile(values.out, text);
    err(`wrote ${values.out}`);
  } else out(text);
  return 0;
}

async function cmdConfig(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { config: { type: 'string' }, expand: { type: 'boolean' } }, strict: true });
  if (!values.config) throw new UsageError('config needs --config FILE');
  const loaded = await loadConfig(values.config);
  for (const n of loaded.notes) err(`note: ${n}`);
  // Dataset files are read and checked as a run reads them before it boots anything.
  await checkDatasets(loaded);
  if (values.expand) out(renderExpandedConfig(loaded));
  else out(`${values.config}: valid (${loaded.config.suites.length} suites, id ${loaded.configId})`);
  return 0;
}

/** The command line's --suite-map on top of the config's gate.suite-map. */
function withSuiteMap(settings: GateSettings, suiteMap: Record<string, string>): GateSettings {
  return { ...settings, suiteMap: { ...settings.suiteMap, ...suiteMap } };
}

/** Without a config, compare uses the built-in tolerances. */
function defaultSettings(): ReturnType<typeof gateSettings> {
  return gateSettings({ thresholds: parseThresholds(undefined, { path: 'thresholds' }) });
}

/** Options given once at most: parseArgs would silently keep the last of two. */
const SINGLE_OPTIONS = ['config'];

function refuseRepeats(args: string[]): void {
  const { tokens } = parseArgs({ args, strict: false, tokens: true });
  for (const name of SINGLE_OPTIONS) {
    const given = tokens.filter((t) => t.kind === 'option' && t.name === name).length;
    if (given > 1)
      throw new UsageError(`--${name} is given ${given} times; give it once (one config per run: run the command once per config)`);
  }
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    refuseRepeats(rest);
    switch (cmd) {
      case 'run':
        return await cmdRun(rest);
      case 'compare':
        return await cmdCompare(rest);
      case 'report':
        return await cmdReport(rest);
      case 'config':
        return await cmdConfig(rest);
      case 'history':
        return await cmdHistory(rest);
      case '--version':
      case 'version':
        out(TOOL_VERSION);
        return 0;
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        out(USAGE);
        return cmd === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${cmd}"`);
    }
  } catch (e) {
    if (e instanceof UsageError || (e instanceof TypeError && (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'))) {
      err(`error: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    err(`error: ${describeError(e)}`);
    return exitCodeFor(e);
  }
}

let exiting = false;
/**
 * The one way out of the CLI: exits with `code` once stdout and stderr have handed everything written
 * to them to whatever reads them. A pipe takes 64 KiB at a time and Node writes to it asynchronously,
 * so process.exit alone cuts piped output there. Later calls (a cancel racing the command's own end)
 * are ignored: the first code wins.
 */
function exitFlushed(code: number): void {
  if (exiting) return;
  exiting = true;
  void Promise.all([flushed(process.stdout), flushed(process.stderr)]).then(() => process.exit(code));
}

/** Resolves once everything written to `stream` so far is written out, or the reader has gone (EPIPE). */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || stream.writableFinished) return resolve();
    stream.once('error', () => resolve());
    stream.write('', () => resolve());
  });
}

const invokedDirectly = process.argv[1] !== undefined && /(cli\.(ts|js)|vllm-perf-gate(\.js)?)$/.test(process.argv[1]);
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => exitFlushed(code),
    (e: unknown) => {
      err(`error: ${describeError(e)}`);
      exitFlushed(1);
    },
  );
}
