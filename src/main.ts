// The Action's logic (src/action.ts is the entry that calls run()): one bundle for `main` and `post`, told apart by the isPost state (actions/checkout's
// pattern). main: settings -> config -> run + judge (pipeline.ts) -> report -> artifacts -> comment
// -> baseline store -> outputs -> fail on regression. post: tear down a server main left behind,
// and only ever warn.
import * as core from '@actions/core';
import { readdir, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { runAggregate } from './aggregate.js';
import { loadConfig } from './config/load.js';
import { describeError, GateError } from './errors.js';
import * as gh from './github/index.js';
import { analyzeNightly, reportNightlyHistory } from './github/history-issue.js';
import { publishNightlyDashboard } from './github/dashboard-branch.js';
import { gateSettingsFor, runGate } from './pipeline.js';
import { annotations, commentMarker, hasChanges, renderComment, renderSummary, toJson } from './report/index.js';
import { readServerState, teardownFromState } from './server/state.js';
import { installCancelHandlers } from './server/signals.js';

const STATE_FILE = 'serverStateFile';

async function main(): Promise<void> {
  core.saveState('isPost', 'true');
  const settings = gh.readSettings();
  gh.maskSecrets([settings.githubToken]);
  const ctx = gh.readRunContext();
  const mode = gh.resolveMode(settings.mode, ctx);
  const workspace = process.env.GITHUB_WORKSPACE ?? process.cwd();
  const resultsDir = path.resolve(workspace, settings.resultsDir);
  await mkdir(resultsDir, { recursive: true });

  if (mode !== 'aggregate' && gh.isForkPullRequest(ctx) && !settings.allowForkPrs) {
    core.setOutput('verdict', 'not-comparable');
    throw new GateError('GITHUB', gh.forkRefusalMessage(ctx), {
      hint: 'set allow-fork-prs: true only if you trust every fork; otherwise use the pull_request + workflow_run pattern (docs/action.md)',
    });
  }
  const octokit = gh.createOctokit(settings.githubToken);
  if (mode === 'aggregate') return runAggregate({ settings, ctx, octokit, resultsDir, workspace });

  const configPath = path.resolve(workspace, settings.config);
  const loaded = await loadConfig(configPath);
  gh.maskSecrets(loaded.secrets);
  for (const n of loaded.notes) core.info(`note: ${n}`);

  const store = gh.baselineStoreOf(settings);
  let baseline: gh.LoadedBaseline | null = null;
  if (!loaded.config['compare-servers']) {
    try {
      baseline = await store.load({
        settings,
        octokit,
        ctx,
        configId: loaded.configId,
        workspace,
        downloadDir: path.join(resultsDir, '.baseline'),
      });
    } catch (e) {
      if (mode === 'gate') throw e;
      core.warning(`no baseline read: ${describeError(e)}`);
    }
    core.info(
      baseline
        ? `baseline: ${baseline.source} (${baseline.docs.length} run(s))`
        : `no baseline yet in ${store.describe({ settings, ctx, configId: loaded.configId })}: this run will say no-baseline`,
    );
  }

  const statePath = path.join(process.env.RUNNER_TEMP ?? resultsDir, `vllm-perf-gate-${loaded.configId}-server.json`);
  core.saveState(STATE_FILE, statePath);
  let finished: Promise<unknown> = Promise.resolve();
  const cancel = installCancelHandlers(async () => void (await finished), { warn: (l) => core.warning(l) });
  const running = runGate(loaded, {
    outDir: resultsDir,
    signal: cancel.signal,
    statePath,
    baseline: baseline?.docs ?? null,
    ...(baseline ? { baselineSource: baseline.source } : {}),
    referenceRun: mode === 'baseline',
    log: (line) => core.info(line),
    git: { sha: ctx.pullRequest?.headSha ?? ctx.sha, ref: ctx.ref },
  });
  finished = running.catch(() => undefined);
  const gate = await running;
  cancel.dispose();

  const report = gate.report;
  const rctx = {
    configId: loaded.configId,
    runUrl: gh.runUrl(ctx),
    ...(baseline?.docs.at(-1) ? { baselineDoc: baseline.docs.at(-1)! } : {}),
  };
  const reportPath = path.join(resultsDir, 'report.md');
  await writeFile(reportPath, renderComment(report, gate.doc, rctx));
  await writeFile(path.join(resultsDir, 'verdict.json'), toJson(report));

  // Nightly: the stored history with this run, for change points; its dashboard rides in the artifact.
  const nightly =
    mode === 'baseline' && settings.baselineSource === 'branch' && !gate.error && gate.doc.status === 'complete'
      ? analyzeNightly({
          history: baseline?.docs ?? [],
          doc: gate.doc,
          configId: loaded.configId,
          cap: settings.baselineHistory,
          gate: gateSettingsFor(loaded),
        })
      : null;
  if (nightly) await writeFile(path.join(resultsDir, 'history.html'), nightly.html);

  const files = await listFiles(resultsDir);
  const upload = await gh.uploadRunArtifacts(files, gh.artifactName(loaded.configId), {
    rootDirectory: resultsDir,
    required: mode === 'baseline' && store.resultsArtifactIsBaseline && !gate.error,
  });
  if (!upload.uploaded) core.warning(`results were not uploaded as an artifact: ${upload.reason}`);
  const artifactUrl = upload.uploaded && upload.id !== undefined ? gh.artifactUrl(ctx, upload.id) : undefined;
  const fullCtx = { ...rctx, ...(artifactUrl ? { artifactUrl } : {}) };

  const target = ctx.pullRequest ? { owner: ctx.owner, repo: ctx.repo, issueNumber: ctx.pullRequest.number } : null;
  const { url: commentUrl, notice } = await gh.postReportComment(octokit, target, {
    marker: commentMarker(loaded.configId),
    body: renderComment(report, gate.doc, fullCtx),
    policy: settings.comment,
    changed: hasChanges(report),
  });
  await gh.writeJobSummary(renderSummary(report, gate.doc, fullCtx), notice);
  gh.emitAnnotations(annotations(report, { failOnRegression: settings.failOnRegression, file: settings.config }));

  if (mode === 'baseline' && !gate.error && gate.doc.status === 'complete') {
    const appended = await gh.appendBaseline({ mode, settings, octokit, ctx, doc: gate.doc, configId: loaded.configId });
    core.info(`baseline: ${appended.detail}`);
    if (nightly && appended.written) {
      // Never fails the run: a refused push is a notice.
      const page = await publishNightlyDashboard({
        octokit,
        settings,
        ctx,
        configId: loaded.configId,
        html: nightly.html,
        ...(gate.doc.run['git-sha'] ? { gitSha: gate.doc.run['git-sha'] } : {}),
      });
      await reportNightlyHistory({
        octokit,
        target: { owner: ctx.owner, repo: ctx.repo },
        settings,
        configId: loaded.configId,
        runUrl: gh.runUrl(ctx),
        nightly,
        ...(page?.published && page.url ? { dashboardUrl: page.url } : {}),
      });
    }
  }

  gh.setActionOutputs({
    verdict: report.verdict,
    ...gh.outputCounts(report),
    resultsPath: gate.resultsPath,
    reportPath,
    ...(commentUrl ? { commentUrl } : {}),
  });
  core.info(`verdict: ${report.verdict}: ${report.summary}`);
  if (gate.error) throw gate.error;
  // Whatever the gate did not pass fails the step: a regression, an invalid point, a baseline point
  // not measured, nothing compared, or not comparable (unless gate.on-not-comparable: pass).
  if (!report.passes && settings.failOnRegression)
    core.setFailed(`vLLM performance gate failed: ${report.summary}${report.fix ? ` Fix: ${report.fix}` : ''}`);
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(p)));
    else out.push(p);
  }
  return out;
}

async function post(): Promise<void> {
  const file = core.getState(STATE_FILE);
  if (!file) return;
  const state = readServerState(file);
  if (!state) return core.info('no server left to stop');
  const r = await teardownFromState(state, { log: (l) => core.info(l) });
  core.info(`post: server process group ${state.pgid}: ${typeof r === 'string' ? r : JSON.stringify(r)}`);
}

export async function run(): Promise<void> {
  if (core.getState('isPost') === 'true') {
    try {
      await post();
    } catch (e) {
      core.warning(`post step: ${describeError(e)}`);
    }
    return;
  }
  try {
    await main();
  } catch (e) {
    core.setFailed(describeError(e));
  }
}
