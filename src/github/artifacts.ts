// Run artifacts through @actions/artifact (the toolkit's client for the Actions results service; it
// owns the protocol, blob upload and zip handling, which we would otherwise re-implement).
// Outside Actions there is no runtime token: uploading then warns and goes on.
import { existsSync } from 'node:fs';
import path from 'node:path';
import * as core from '@actions/core';
import { DefaultArtifactClient } from '@actions/artifact';
import { GateError } from '../errors.js';
import { apiMessage, httpStatus } from './octokit.js';

export const ARTIFACT_PREFIX = 'vllm-perf-gate-';

/** The artifact name of a config's results: the id with the characters artifacts may not hold replaced. */
export function artifactName(configId: string): string {
  const safe = configId.replace(/["':<>|*?\\/\r\n\t]/g, '_').trim() || 'default';
  return `${ARTIFACT_PREFIX}${safe}`.slice(0, 200);
}

export type UploadResult =
  | { uploaded: true; name: string; id: number | undefined; size: number | undefined; digest: string | undefined }
  | { uploaded: false; name: string; reason: string };

export interface UploadOptions {
  /** Folder the files are relative to inside the artifact (default: their deepest common folder). */
  rootDirectory?: string;
  retentionDays?: number;
  /** Fail instead of warning (baseline mode with baseline-source artifact: the artifact IS the baseline). */
  required?: boolean;
  env?: Record<string, string | undefined>;
}

/** Why artifacts cannot work here, or null when the runner provides what they need. */
export function artifactsUnavailable(env: Record<string, string | undefined> = process.env): string | null {
  if (!env.ACTIONS_RUNTIME_TOKEN) return 'ACTIONS_RUNTIME_TOKEN is not set (not running inside GitHub Actions)';
  if (!env.ACTIONS_RESULTS_URL)
    return 'ACTIONS_RESULTS_URL is not set (not running inside GitHub Actions, or the runner is too old for artifacts v4)';
  return null;
}

/** The deepest folder that holds every one of these files. */
export function commonFolder(files: string[]): string {
  const dirs = files.map((f) => path.resolve(path.dirname(f)).split(path.sep));
  const first = dirs[0] ?? [path.resolve('.')];
  let n = first.length;
  for (const d of dirs) {
    let i = 0;
    while (i < n && i < d.length && d[i] === first[i]) i++;
    n = i;
  }
  return first.slice(0, n).join(path.sep) || path.sep;
}

export async function uploadRunArtifacts(files: string[], name: string, opts: UploadOptions = {}): Promise<UploadResult> {
  const missing = artifactsUnavailable(opts.env);
  const fail = (reason: string, cause?: unknown): UploadResult => {
    if (opts.required)
      throw new GateError('GITHUB', `Could not upload the artifact ${name}: ${reason}`, {
        cause,
        hint: 'the baseline of later runs is this artifact; re-run the job',
      });
    core.warning(`Artifact ${name} not uploaded: ${reason}. The run goes on.`);
    return { uploaded: false, name, reason };
  };
  if (missing) return fail(missing);
  const present = files.filter((f) => existsSync(f));
  const absent = files.filter((f) => !existsSync(f));
  if (absent.length > 0) core.info(`Not in the artifact (not written by this run): ${absent.map((f) => path.basename(f)).join(', ')}`);
  if (present.length === 0) return fail('none of its files exist');
  try {
    const client = new DefaultArtifactClient();
    const up = await client.uploadArtifact(
      name,
      present,
      opts.rootDirectory ?? commonFolder(present),
      opts.retentionDays ? { retentionDays: opts.retentionDays } : {},
    );
    return { uploaded: true, name, id: up.id, size: up.size, digest: up.digest };
  } catch (err) {
    return fail(apiMessage(err), err);
  }
}

export interface DownloadedArtifact {
  name: string;
  id: number;
  /** Where its files are: <dir>/<id> (the id, not the name: another run chose the name). */
  dir: string;
  size: number;
}

/** An artifact left out without downloading it, and why. */
export interface RefusedArtifact {
  name: string;
  id: number;
  reason: string;
}

/** Results artifacts are a few MB (results, report, server log); anything far bigger is not ours. */
export const MAX_RESULTS_ARTIFACT_BYTES = 256 * 1024 * 1024;

export interface DownloadOptions {
  /** Folder to download into; each artifact goes to <dir>/<id>. */
  dir: string;
  /** Only artifacts whose name starts with this (default: all of ours). */
  prefix?: string;
  /** Another run's artifacts (workflow_run pattern): needs a token with `actions: read`. */
  fromRun?: { runId: number; owner: string; repo: string; token: string } | undefined;
  /** Larger artifacts are refused, not downloaded (default MAX_RESULTS_ARTIFACT_BYTES). */
  maxBytes?: number;
}

/** Aggregate mode: every results artifact of this run (or of `fromRun`), newest per name. */
export async function downloadRunArtifacts(
  opts: DownloadOptions,
): Promise<{ downloaded: DownloadedArtifact[]; refused: RefusedArtifact[] }> {
  const missing = opts.fromRun ? null : artifactsUnavailable();
  if (missing)
    throw new GateError('GITHUB', `Cannot read this run's artifacts: ${missing}.`, {
      hint: 'aggregate mode runs inside GitHub Actions, in a job after the matrix jobs that uploaded results',
    });
  const prefix = opts.prefix ?? ARTIFACT_PREFIX;
  const maxBytes = opts.maxBytes ?? MAX_RESULTS_ARTIFACT_BYTES;
  const client = new DefaultArtifactClient();
  const findBy = opts.fromRun
    ? {
        findBy: {
          token: opts.fromRun.token,
          workflowRunId: opts.fromRun.runId,
          repositoryOwner: opts.fromRun.owner,
          repositoryName: opts.fromRun.repo,
        },
      }
    : {};
  try {
    const { artifacts } = await client.listArtifacts({ latest: true, ...findBy });
    const ours = artifacts.filter((a) => a.name.startsWith(prefix)).sort((a, b) => a.name.localeCompare(b.name));
    const downloaded: DownloadedArtifact[] = [];
    const refused: RefusedArtifact[] = [];
    for (const a of ours) {
      if (!(a.size <= maxBytes)) {
        refused.push({ name: a.name, id: a.id, reason: `it is ${a.size} bytes, more than the ${maxBytes} a results artifact can be` });
        continue;
      }
      const dir = path.join(opts.dir, String(a.id));
      await client.downloadArtifact(a.id, { path: dir, ...findBy });
      downloaded.push({ name: a.name, id: a.id, dir, size: a.size });
    }
    return { downloaded, refused };
  } catch (err) {
    if (httpStatus(err) === 403 || /403/.test(String(err))) {
      throw new GateError('GITHUB', `Reading the artifacts was refused: ${apiMessage(err)}`, {
        hint: 'give the job `permissions: { actions: read }`',
        cause: err,
      });
    }
    throw new GateError('GITHUB', `Could not download the results artifacts: ${apiMessage(err)}`, { cause: err });
  }
}
