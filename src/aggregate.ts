// Aggregate mode: judge the results artifacts of a matrix (this run's) or of the run that triggered a
// `workflow_run` (a fork PR's benchmark), and post one comment. An artifact is untrusted input: its
// uploader chose every byte (a fork's workflow can upload anything under any name). So only its
// results.json is read, and only as a valid results document; its verdict.json and report.md are
// never read; the verdict is computed here, with the config of the same id from this step's own
// checkout, against a baseline this step fetches from the store the gate uses. Anything that cannot
// be judged fails the gate.
import * as core from '@actions/core';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { compareRuns, mergeConfirmation, overallVerdict, pointsToConfirm } from './compare/index.js';
import type { GateReport } from './compare/types.js';
import { loadConfig, type LoadedConfig } from './config/load.js';
import { GateError } from './errors.js';
import * as gh from './github/index.js';
import { gateSettingsFor } from './pipeline.js';
import { aggregateMarker, renderAggregate, type AggregateEntry, type JudgedEntry, type RejectedEntry } from './report/aggregate.js';
import { escapeText } from './report/escape.js';

export interface AggregateArgs {
  settings: gh.Settings;
  ctx: gh.RunContext;
  octokit: gh.Octokit;
  resultsDir: string;
  workspace: string;
}

/** The configs named by the `config` input, by id: the only source of thresholds and gate settings. */
async function loadTrustedConfigs(files: string[], workspace: string): Promise<Map<string, LoadedConfig>> {
  const byId = new Map<string, LoadedConfig>();
  for (const file of files) {
    const loaded = await loadConfig(path.resolve(workspace, file));
    gh.maskSecrets(loaded.secrets);
    const other = byId.get(loaded.configId);
    if (other) {
      throw new GateError(
        'CONFIG',
        `Two configs given to aggregate mode have the id ${loaded.configId}: ${other.file} and ${loaded.file}.`,
        {
          where: { file: 'action inputs (with:)', path: 'config' },
          hint: 'give each config its own `id:`; its artifact and its baseline are found by it',
        },
      );
    }
    byId.set(loaded.configId, loaded);
  }
  return byId;
}

interface JudgeContext extends AggregateArgs {
  trusted: Map<string, LoadedConfig>;
  /** The run whose artifacts are judged, when not this one (workflow_run). */
  source: ReturnType<typeof gh.artifactSourceRun>;
  pr: gh.PullRequestRef | null;
}

/** One downloaded artifact, judged here; or the reason it is not. */
async function judgeArtifact(a: gh.DownloadedArtifact, j: JudgeContext): Promise<AggregateEntry> {
  const artifactUrl = gh.artifactUrl(j.ctx, a.id, j.source?.runId);
  const reject = (reason: string): RejectedEntry => ({ artifact: a.name, rejected: reason, artifactUrl });
  const read = await gh.readArtifactResults(a.dir, a.name);
  if (!read.ok) return reject(read.reason);
  const current = read.doc;
  const configId = current.run['config-id'];
  const loaded = j.trusted.get(configId);
  if (!loaded) return reject(`no config given to this step (input \`config\`: ${j.settings.configs.join(', ')}) has the id ${configId}`);
  if (loaded.config['compare-servers'])
    return reject('an A/B comparison (compare-servers) is judged by the job that ran it, not from an artifact');

  const baseline = await gh.loadBaseline({
    settings: j.settings,
    octokit: j.octokit,
    ctx: j.ctx,
    configId,
    workspace: j.workspace,
    downloadDir: path.join(j.resultsDir, '.baselines', String(a.id)),
    ...(j.source ? { judged: { runId: j.source.runId, baseSha: j.pr?.baseSha } } : {}),
  });
  const settings = gateSettingsFor(loaded);
  let report: GateReport = compareRuns(baseline?.docs ?? [], current, settings, baseline ? { source: baseline.source } : {});
  if (settings.confirmRegressions && pointsToConfirm(report).length > 0) {
    const rerun = await gh.readArtifactResults(a.dir, a.name, path.join('confirm', 'results.json'));
    if (rerun.ok) report = mergeConfirmation(report, rerun.doc);
  }
  if (current.run['config-hash'] !== loaded.configHash) {
    report = {
      ...report,
      notes: [
        ...report.notes,
        `The results were measured with a config that differs from ${loaded.file} as checked out here; judged with the thresholds and gate settings of the checked-out one.`,
      ],
    };
  }
  const entry: JudgedEntry = { configId, report, current, artifactUrl };
  const newest = baseline?.docs.at(-1);
  if (newest) entry.baselineDoc = newest;
  return entry;
}

/** Every config given that no artifact is named for: a matrix job that died before uploading. */
function unreported(trusted: Map<string, LoadedConfig>, artifactNames: Set<string>): RejectedEntry[] {
  return [...trusted.keys()]
    .filter((id) => !artifactNames.has(gh.artifactName(id)))
    .map((id) => ({ artifact: gh.artifactName(id), rejected: `no results artifact was uploaded for config ${id}` }));
}

function logEntry(e: AggregateEntry): void {
  if ('rejected' in e) core.info(`${escapeText(e.artifact)}: not judged: ${escapeText(e.rejected)}`);
  else
    core.info(`${e.configId}: ${e.report.verdict} against ${e.report.baseline?.source ?? 'no baseline'}: ${escapeText(e.report.summary)}`);
}

export async function runAggregate(args: AggregateArgs): Promise<void> {
  const { settings, ctx, octokit, resultsDir } = args;
  const trusted = await loadTrustedConfigs(settings.configs, args.workspace);
  const source = gh.artifactSourceRun(ctx, settings.githubToken);
  const pr = await gh.pullRequestToReport(octokit, ctx);
  core.info(
    `aggregate: judging the results artifacts of ${source ? `the triggering run ${source.runId}` : 'this run'}${pr ? ` for PR ${pr.number}` : ''}`,
  );

  const { downloaded, refused } = await gh.downloadRunArtifacts({ dir: path.join(resultsDir, 'aggregate'), fromRun: source });
  if (downloaded.length === 0 && refused.length === 0) {
    throw new GateError(
      'GITHUB',
      `aggregate mode found no vllm-perf-gate results artifacts in ${source ? `run ${source.runId}` : 'this run'}`,
      {
        hint: source
          ? 'the triggering workflow must upload its results (mode: gate, any comment setting) before this one runs'
          : 'run the aggregate job after (needs:) the matrix jobs that ran the gate',
      },
    );
  }
  const judge: JudgeContext = { ...args, trusted, source, pr };
  const entries: AggregateEntry[] = refused.map((r) => ({
    artifact: r.name,
    rejected: r.reason,
    artifactUrl: gh.artifactUrl(ctx, r.id, source?.runId),
  }));
  for (const a of downloaded) entries.push(await judgeArtifact(a, judge));
  entries.push(...unreported(trusted, new Set([...downloaded, ...refused].map((a) => a.name))));
  entries.forEach(logEntry);

  const id = `aggregate-${ctx.workflowRef ?? 'run'}`.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 60);
  const rctx = { id, runUrl: gh.runUrl(ctx) };
  const reportPath = path.join(resultsDir, 'report.md');
  await writeFile(reportPath, renderAggregate(entries, rctx, 'summary'));
  const target = pr ? { owner: ctx.owner, repo: ctx.repo, issueNumber: pr.number } : null;
  const { url: commentUrl, notice } = await gh.postReportComment(octokit, target, {
    marker: aggregateMarker(id),
    body: renderAggregate(entries, rctx),
    policy: settings.comment,
    changed: true,
  });
  if (ctx.eventName === 'workflow_run' && !pr) {
    core.notice(
      'No open pull request points at the commit the triggering run measured (the branch moved on, or the run was not for a PR): the report is in the job summary only.',
    );
  }
  await gh.writeJobSummary(renderAggregate(entries, rctx, 'summary'), notice);

  const judged = entries.filter((e): e is JudgedEntry => !('rejected' in e));
  const { verdict, passes } = overallVerdict(entries);
  const counts = judged
    .map((e) => gh.outputCounts(e.report))
    .reduce((a, b) => ({ regressions: a.regressions + b.regressions, improvements: a.improvements + b.improvements }), {
      regressions: 0,
      improvements: 0,
    });
  gh.setActionOutputs({
    verdict,
    ...counts,
    resultsPath: path.join(resultsDir, 'aggregate'),
    reportPath,
    ...(commentUrl ? { commentUrl } : {}),
  });
  core.info(`verdict: ${verdict} (${judged.length} of ${entries.length} artifact(s) judged)`);
  if (!passes && settings.failOnRegression)
    core.setFailed(`vLLM performance gate failed in at least one configuration (verdict ${verdict}); see the job summary`);
}
