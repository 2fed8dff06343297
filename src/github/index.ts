// github/: the only place that knows GitHub. Inputs, run context, comment, artifacts, baseline stores.
export { readSettings, resolveMode, DEFAULTS, MODES, BASELINE_SOURCES, COMMENT_POLICIES } from './settings.js';
export type { Settings, Mode, ResolvedMode, BaselineSource, CommentPolicy, InputReader } from './settings.js';
export { readRunContext, runUrl, artifactUrl, pullRequestOfWorkflowRun, pullRequestToReport, artifactSourceRun } from './context.js';
export type { RunContext, PullRequestRef } from './context.js';
export { createOctokit, apiBaseUrl, httpStatus, apiMessage } from './octokit.js';
export type { Octokit } from './octokit.js';
export { upsertComment, postReportComment, findComment, findComments, tokenLogin, ACTIONS_BOT_LOGIN } from './comment.js';
export type { CommentTarget, UpsertOptions, UpsertResult, PostedComment } from './comment.js';
export {
  uploadRunArtifacts,
  downloadRunArtifacts,
  artifactName,
  artifactsUnavailable,
  commonFolder,
  ARTIFACT_PREFIX,
  MAX_RESULTS_ARTIFACT_BYTES,
} from './artifacts.js';
export type { UploadResult, UploadOptions, DownloadOptions, DownloadedArtifact, RefusedArtifact } from './artifacts.js';
export { readArtifactResults, MAX_RESULTS_FILE_BYTES } from './artifact-results.js';
export type { ArtifactResults } from './artifact-results.js';
export { findArtifactBaseline, candidateRuns, artifactStore } from './baseline-artifact.js';
export type { ArtifactBaseline, ArtifactBaselineQuery } from './baseline-artifact.js';
export { readBranchBaseline, appendBranchBaseline, appendRun, historyPath, branchStore } from './baseline-branch.js';
export type { BaselineHistory, BranchStore, AppendResult, AppendOptions } from './baseline-branch.js';
export { resolveFileBaseline, fileStore } from './baseline-file.js';
export { appendBaseline, loadBaseline, baselineStoreOf, branchStoreFor, defaultBranchOf, BASELINE_STORES } from './baseline.js';
export type { BaselineStore, LoadArgs, LoadedBaseline, StoreArgs, StoreResult } from './baseline.js';
export { isForkPullRequest, forkRefusalMessage } from './fork.js';
export { maskSecrets } from './mask.js';
export { setActionOutputs, outputCounts, writeJobSummary, emitAnnotations } from './publish.js';
export type { ActionOutputs } from './publish.js';
