// The whole pipeline in one place for its two front ends, the CLI (cli.ts) and the Action
// (action.ts): run the suites (run-plan), judge against a baseline (compare), rerun what regressed
// when confirmation is asked for, or run A/B. Rendering and GitHub stay in the front ends.
import path from 'node:path';
import { compareAB, compareRuns, gateSettings, mergeConfirmation, pointsToConfirm, type GateSettings } from './compare/index.js';
import { decisionLines } from './compare/decision-lines.js';
import { judgedCount } from './compare/prefix.js';
import { mergeRepeats, pointsToRepeat } from './compare/confirm.js';
import { writeResults } from './results/write.js';
import type { GateReport } from './compare/types.js';
import type { LoadedConfig } from './config/load.js';
import type { GateError } from './errors.js';
import type { ResultsDocument } from './results/schema-types.gen.js';
import { runPlan, type RunPlanOptions } from './suites/run-plan.js';

export function gateSettingsFor(loaded: LoadedConfig): GateSettings {
  const goodputSuites = loaded.config.suites.filter((s) => s.kind === 'serving' && s.goodput).map((s) => s.name);
  return gateSettings({ thresholds: loaded.thresholds, ...(loaded.config.gate ? { gate: loaded.config.gate } : {}), goodputSuites });
}

export interface GateRunOptions extends Omit<RunPlanOptions, 'only' | 'label'> {
  /** Baseline history, oldest first; empty or null: first run. */
  baseline: ResultsDocument[] | null;
  /** Baseline suite name -> this run's, on top of the config's gate.suite-map (the CLI's --suite-map). */
  suiteMap?: Record<string, string>;
  baselineSource?: string;
  /**
   * This run's results will be the baseline (the Action's baseline mode): adaptive points stop on
   * precision alone, never once the verdict is settled, since a baseline cut short would hold every
   * later run to its shorter count.
   */
  referenceRun?: boolean;
}

export interface GateRun {
  doc: ResultsDocument;
  resultsPath: string;
  report: GateReport;
  error?: GateError;
}

/** Runs the config's suites (or its A/B comparison) and judges them. */
export async function runGate(loaded: LoadedConfig, opts: GateRunOptions): Promise<GateRun> {
  const fromConfig = gateSettingsFor(loaded);
  const settings = opts.suiteMap ? { ...fromConfig, suiteMap: { ...fromConfig.suiteMap, ...opts.suiteMap } } : fromConfig;
  if (loaded.config['compare-servers']) return runAB(loaded, settings, opts);
  const lines = opts.baseline && opts.baseline.length > 0 && !opts.referenceRun ? decisionLines(opts.baseline, settings) : undefined;
  const run = await runPlan(loaded, lines ? { ...opts, decisionLines: lines } : opts);
  const judge = (doc: typeof run.doc): GateReport =>
    compareRuns(opts.baseline ?? [], doc, settings, opts.baselineSource ? { source: opts.baselineSource } : {});
  let report = judge(run.doc);
  // rerun-inconclusive: more repeats where the plan says they settle a gated metric, then judge again
  // (and rewrite results.json, so what is stored and re-judged later holds every repeat).
  const more = pointsToRepeat(report, settings);
  if (more.points.length > 0 && !run.error && !opts.signal?.aborted) {
    opts.log?.(`rerunning ${more.points.length} point(s) with inconclusive gated metrics for more repeats`);
    const only = more.points.map((p) => ({ suite: p.suite, keys: [p.key], repeat: p.add }));
    const rerun = await runPlan(loaded, {
      ...opts,
      outDir: path.join(opts.outDir, 'inconclusive'),
      only: bySuite(only),
      label: 'inconclusive rerun',
    });
    const merged = mergeRepeats(run.doc, rerun.doc, more.points);
    run.doc = merged.doc;
    run.resultsPath = await writeResults(path.resolve(opts.outDir), merged.doc);
    report = judge(merged.doc);
    report = { ...report, notes: [...report.notes, ...merged.notes] };
  }
  if (more.notes.length > 0) report = { ...report, notes: [...report.notes, ...more.notes] };
  const confirm = pointsToConfirm(report);
  if (loaded.config.gate?.['confirm-regressions'] && confirm.length > 0 && !run.error && !opts.signal?.aborted) {
    opts.log?.(`confirming ${confirm.length} regressed point(s) with a rerun`);
    const only = [...new Set(confirm.map((c) => c.suite))].map((suite) => ({
      suite,
      keys: confirm.filter((c) => c.suite === suite).map((c) => c.key),
    }));
    // The rerun is judged over the same requests as the first look, so it is not cut before them.
    const rerun = await runPlan(loaded, {
      ...opts,
      ...(lines ? { decisionLines: lines } : {}),
      cutFloor: judgedCount(report, run.doc),
      outDir: path.join(opts.outDir, 'confirm'),
      only,
      label: 'confirmation',
    });
    report = mergeConfirmation(report, rerun.doc);
  }
  return { doc: run.doc, resultsPath: run.resultsPath, report, ...(run.error ? { error: run.error } : {}) };
}

/** One `only` entry per suite: its points' keys, at the largest repeat any of them asked for. */
function bySuite(only: { suite: string; keys: string[]; repeat: number }[]): { suite: string; keys: string[]; repeat: number }[] {
  const out = new Map<string, { suite: string; keys: string[]; repeat: number }>();
  for (const o of only) {
    const have = out.get(o.suite);
    if (have) out.set(o.suite, { suite: o.suite, keys: [...have.keys, ...o.keys], repeat: Math.max(have.repeat, o.repeat) });
    else out.set(o.suite, o);
  }
  return [...out.values()];
}

/** A/B: the two configs' servers booted in turn, A B A B for `rounds`, this config's suites on each. */
async function runAB(loaded: LoadedConfig, settings: GateSettings, opts: GateRunOptions): Promise<GateRun> {
  // The sides were read and checked with the config (loadConfig), before anything boots.
  const sides = (loaded.sides ?? []).map((side) => {
    const config = { ...loaded.config, server: side.server };
    delete (config as { 'compare-servers'?: unknown })['compare-servers'];
    return { label: side.label, loaded: { ...loaded, config, secrets: [...loaded.secrets, ...side.secrets] } as LoadedConfig };
  });
  const rounds = loaded.config.rounds ?? 2;
  const runs: ResultsDocument[][] = [[], []];
  let last: { doc: ResultsDocument; resultsPath: string; error?: GateError } | undefined;
  for (let r = 1; r <= rounds && !last?.error && !opts.signal?.aborted; r++) {
    for (const [i, side] of sides.entries()) {
      opts.log?.(`A/B round ${r}/${rounds}: ${i === 0 ? 'A (baseline)' : 'B (candidate)'} ${side.label}`);
      const res = await runPlan(side.loaded, { ...opts, outDir: path.join(opts.outDir, `${i === 0 ? 'a' : 'b'}-${r}`), label: side.label });
      runs[i]!.push(res.doc);
      last = res;
      if (res.error) break;
    }
  }
  const report = compareAB(runs[0]!, runs[1]!, settings, { baselineLabel: sides[0]!.label, candidateLabel: sides[1]!.label });
  const current = runs[1]!.at(-1) ?? last!.doc;
  return { doc: current, resultsPath: last!.resultsPath, report, ...(last?.error ? { error: last.error } : {}) };
}
