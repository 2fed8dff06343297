// nvidia-smi: the GPUs, their driver and CUDA version, what they do during a point, and whether a
// process of ours still holds one after teardown. Absent nvidia-smi (a CPU runner, the simulator) is
// a normal case: callers get `undefined` and say so in a note.
import { execFile } from 'node:child_process';
import { systemClock, type Clock } from '../clock.js';

/** The one query we ask: the environment and the samplers both read it. */
export const GPU_QUERY_FIELDS = [
  'name',
  'driver_version',
  'memory.total',
  'utilization.gpu',
  'memory.used',
  'power.draw',
  'clocks.sm',
] as const;
export const GPU_QUERY_ARGS = [`--query-gpu=${GPU_QUERY_FIELDS.join(',')}`, '--format=csv,noheader,nounits'];
export const COMPUTE_APPS_ARGS = ['--query-compute-apps=pid', '--format=csv,noheader'];

export interface GpuRow {
  index: number;
  name: string;
  driverVersion: string | null;
  memoryTotalMiB: number | null;
  utilizationPct: number | null;
  memoryUsedMiB: number | null;
  powerW: number | null;
  smClockMHz: number | null;
}

export type SmiResult = { ok: true; stdout: string } | { ok: false; missing: boolean; message: string };

/** Runs nvidia-smi with a timeout. `missing` when it is not on PATH. */
export function runNvidiaSmi(args: string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<SmiResult> {
  return new Promise((resolve) => {
    execFile(
      'nvidia-smi',
      args,
      { timeout: opts.timeoutMs ?? 10_000, env: opts.env ?? process.env, maxBuffer: 1 << 20 },
      (err, stdout, stderr) => {
        if (!err) return resolve({ ok: true, stdout });
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return resolve({ ok: false, missing: true, message: 'nvidia-smi not found on PATH' });
        const detail = (String(stderr).trim() || String(stdout).trim() || err.message).split('\n')[0];
        resolve({ ok: false, missing: false, message: `nvidia-smi failed: ${detail}` });
      },
    );
  });
}

function num(field: string | undefined): number | null {
  if (field === undefined) return null;
  const t = field.trim();
  // "[N/A]", "[Not Supported]", "[Unknown Error]" and friends.
  if (t === '' || t.startsWith('[')) return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

function str(field: string | undefined): string | null {
  const t = field?.trim();
  return t === undefined || t === '' || t.startsWith('[') ? null : t;
}

/** Rows of `nvidia-smi --query-gpu=<GPU_QUERY_FIELDS> --format=csv,noheader,nounits`, one per GPU. */
export function parseGpuQuery(csv: string): GpuRow[] {
  const rows: GpuRow[] = [];
  for (const line of csv.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    // GPU names hold no commas; the fields are ", "-separated.
    const f = line.split(',');
    rows.push({
      index: rows.length,
      name: str(f[0]) ?? 'unknown GPU',
      driverVersion: str(f[1]),
      memoryTotalMiB: num(f[2]),
      utilizationPct: num(f[3]),
      memoryUsedMiB: num(f[4]),
      powerW: num(f[5]),
      smClockMHz: num(f[6]),
    });
  }
  return rows;
}

/** PIDs of `nvidia-smi --query-compute-apps=pid --format=csv,noheader`. */
export function parseComputeApps(csv: string): number[] {
  return csv
    .split(/\r?\n/)
    .map((l) => Number(l.trim()))
    .filter((n) => Number.isInteger(n) && n > 0);
}

/** Driver and CUDA version from the banner of a plain `nvidia-smi`. */
export function parseSmiBanner(text: string): { driverVersion: string | null; cudaVersion: string | null } {
  const driver = /Driver Version:\s*([0-9][0-9.]*)/.exec(text);
  const cuda = /CUDA Version:\s*([0-9][0-9.]*)/.exec(text);
  return { driverVersion: driver?.[1] ?? null, cudaVersion: cuda?.[1] ?? null };
}

/** GPU rows now, or a note why not. */
export async function queryGpus(env?: NodeJS.ProcessEnv): Promise<{ rows: GpuRow[] } | { note: string; missing: boolean }> {
  const r = await runNvidiaSmi(GPU_QUERY_ARGS, env ? { env } : {});
  if (!r.ok) return { note: r.message, missing: r.missing };
  return { rows: parseGpuQuery(r.stdout) };
}

/**
 * After teardown: waits (bounded) until nvidia-smi lists none of `pids`, so the next job finds the
 * GPU memory free. Returns the PIDs still listed at the deadline (empty when released), or
 * undefined when nvidia-smi is absent. In a container nvidia-smi may list host PIDs that never
 * match ours; the wait then ends at once, which is the right outcome.
 */
export async function waitGpuReleased(
  pids: number[],
  opts: { timeoutMs: number; pollMs?: number; clock?: Clock; env?: NodeJS.ProcessEnv },
): Promise<number[] | undefined> {
  const clock = opts.clock ?? systemClock;
  const deadline = clock.monotonicMs() + opts.timeoutMs;
  const ours = new Set(pids);
  for (;;) {
    const r = await runNvidiaSmi(COMPUTE_APPS_ARGS, opts.env ? { env: opts.env } : {});
    if (!r.ok) return r.missing ? undefined : [];
    const held = parseComputeApps(r.stdout).filter((p) => ours.has(p));
    if (held.length === 0 || clock.monotonicMs() >= deadline) return held;
    await clock.sleep(opts.pollMs ?? 500);
  }
}
