// The results document's `environment`: what the run ran on, and the fingerprint that must match
// for two runs to be compared (GPU, model, server args, engine version).
import os from 'node:os';
import type { Server } from '../config/schema-types.gen.js';
import type { Environment } from '../results/schema-types.gen.js';
import { normaliseServerArgs, serverEnv } from './argv.js';
import type { RunningServer } from './boot.js';
import { createMasker } from './mask.js';
import { parseSmiBanner, queryGpus, runNvidiaSmi, type GpuRow } from './nvidia-smi.js';

export interface EnvironmentInput {
  server: Server;
  /** The booted (or external) server, once ready. */
  running?: Pick<RunningServer, 'version' | 'startupSeconds' | 'argv' | 'baseUrl' | 'servedModelName'> | null;
  secrets?: string[];
  /** The runner's environment (RUNNER_NAME, PATH for nvidia-smi). Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Notes the telemetry made (e.g. nvidia-smi absent), kept with the environment. */
  telemetryNotes?: string[];
}

/** The GPUs the server sees: CUDA_VISIBLE_DEVICES (as indices) narrows nvidia-smi's list. */
export function visibleGpus(rows: GpuRow[], cudaVisible: string | undefined): GpuRow[] {
  if (cudaVisible === undefined || cudaVisible.trim() === '') return rows;
  const ids = cudaVisible.split(',').map((s) => s.trim());
  if (!ids.every((s) => /^\d+$/.test(s))) return rows; // UUIDs or MIG names: keep all rather than guess
  return ids.map(Number).flatMap((i) => rows.filter((r) => r.index === i));
}

/** One GPU name for the fingerprint: the name, or the distinct names joined when they differ. */
export function gpuName(rows: GpuRow[]): string | null {
  const names = [...new Set(rows.map((r) => r.name))].sort();
  return names.length ? names.join(' + ') : null;
}

export async function collectEnvironment(input: EnvironmentInput): Promise<Environment> {
  const env = input.env ?? process.env;
  const mask = createMasker(input.secrets ?? []);
  const notes = [...(input.telemetryNotes ?? [])];
  let gpus: GpuRow[] = [];
  let driver: string | null = null;
  let cuda: string | null = null;
  const q = await queryGpus(env);
  if ('rows' in q) {
    gpus = visibleGpus(q.rows, serverEnv(input.server, env).CUDA_VISIBLE_DEVICES);
    driver = q.rows[0]?.driverVersion ?? null;
    const banner = await runNvidiaSmi([], { env });
    if (banner.ok) cuda = parseSmiBanner(banner.stdout).cudaVersion;
  } else if (!notes.some((n) => n.startsWith(q.note)))
    notes.push(`${q.note}: no GPU name, count, driver or CUDA version in the fingerprint`);

  const r = input.running ?? null;
  const model = input.server.model ?? r?.servedModelName ?? input.server['served-model-name'] ?? null;
  return {
    fingerprint: {
      'gpu-name': gpuName(gpus),
      'gpu-count': gpus.length,
      model,
      'server-args': normaliseServerArgs(input.server.args).map(mask),
      'engine-version': r?.version ?? null,
    },
    'driver-version': driver,
    'cuda-version': cuda,
    gpus: gpus.map((g) => ({ index: g.index, name: g.name, 'memory-total-mib': g.memoryTotalMiB })),
    'served-model-name': r?.servedModelName ?? input.server['served-model-name'] ?? input.server.model ?? null,
    ...(r?.argv ? { 'server-command': r.argv.map(mask) } : {}),
    'server-url': r ? mask(r.baseUrl) : input.server.url ? mask(input.server.url) : null,
    runner: env.RUNNER_NAME ?? null,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    'node-version': process.version,
    'startup-s': r?.startupSeconds ?? null,
    'telemetry-notes': notes,
  };
}
