import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectEnvironment, gpuName, visibleGpus } from '../../src/server/environment.js';
import { parseComputeApps, parseGpuQuery, parseSmiBanner, waitGpuReleased } from '../../src/server/nvidia-smi.js';
import { FIXTURES, tmpDir } from './helpers.js';

const withFakeSmi = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  PATH: `${FIXTURES}:${process.env.PATH}`,
  ...extra,
});

describe('nvidia-smi parsing', () => {
  it('reads one row per GPU of the csv,noheader,nounits query, unsupported fields as null', () => {
    expect(
      parseGpuQuery(
        'NVIDIA L4, 580.126.20, 23034, 87, 13900, 62.51, 2040\nNVIDIA L4, 580.126.20, 23034, [N/A], 100, [Not Supported], 210\n',
      ),
    ).toEqual([
      {
        index: 0,
        name: 'NVIDIA L4',
        driverVersion: '580.126.20',
        memoryTotalMiB: 23034,
        utilizationPct: 87,
        memoryUsedMiB: 13900,
        powerW: 62.51,
        smClockMHz: 2040,
      },
      {
        index: 1,
        name: 'NVIDIA L4',
        driverVersion: '580.126.20',
        memoryTotalMiB: 23034,
        utilizationPct: null,
        memoryUsedMiB: 100,
        powerW: null,
        smClockMHz: 210,
      },
    ]);
  });

  it('reads compute-app PIDs and the driver and CUDA versions of the banner', () => {
    expect(parseComputeApps('1234\n 5678 \n\n')).toEqual([1234, 5678]);
    expect(parseSmiBanner('| NVIDIA-SMI 550.54.15    Driver Version: 550.54.15    CUDA Version: 12.4     |')).toEqual({
      driverVersion: '550.54.15',
      cudaVersion: '12.4',
    });
  });

  it('narrows the GPU list to CUDA_VISIBLE_DEVICES and joins differing names', () => {
    const rows = parseGpuQuery('A100, 1, 1, 1, 1, 1, 1\nH100, 1, 1, 1, 1, 1, 1\nH100, 1, 1, 1, 1, 1, 1\n');
    expect(visibleGpus(rows, '1,2').map((r) => r.index)).toEqual([1, 2]);
    expect(visibleGpus(rows, 'GPU-uuid-1').length).toBe(3);
    expect(gpuName(visibleGpus(rows, '2'))).toBe('H100');
    expect(gpuName(rows)).toBe('A100 + H100');
  });
});

describe('waitGpuReleased', () => {
  it('waits until nvidia-smi lists none of our PIDs, and gives up with the ones left at the deadline', async () => {
    const apps = path.join(tmpDir(), 'apps');
    writeFileSync(apps, '4242\n777\n');
    const env = withFakeSmi({ FAKE_SMI_APPS: apps });
    expect(await waitGpuReleased([4242], { timeoutMs: 100, pollMs: 20, env })).toEqual([4242]);
    writeFileSync(apps, '777\n');
    expect(await waitGpuReleased([4242], { timeoutMs: 100, pollMs: 20, env })).toEqual([]);
    expect(await waitGpuReleased([4242], { timeoutMs: 100, env: { ...process.env, PATH: tmpDir() } })).toBeUndefined();
  });
});

describe('collectEnvironment', () => {
  it('fingerprints GPU, model, normalised masked server args and engine version, and records the run context', async () => {
    const e = await collectEnvironment({
      server: {
        model: 'Qwen/Qwen2.5-0.5B-Instruct',
        args: { 'gpu-memory-utilization': 0.6, max_model_len: 8192, port: 8000, 'hf-token-arg': 's3cret' },
      },
      running: {
        version: '0.23.0',
        startupSeconds: 41.5,
        argv: ['vllm', 'serve', 'Qwen/Qwen2.5-0.5B-Instruct', '--hf-token-arg', 's3cret'],
        baseUrl: 'http://127.0.0.1:8000',
        servedModelName: 'Qwen/Qwen2.5-0.5B-Instruct',
      },
      secrets: ['s3cret'],
      env: withFakeSmi({ RUNNER_NAME: 'gpu-runner-1' }),
    });
    expect(e.fingerprint).toEqual({
      'gpu-name': 'NVIDIA L4',
      'gpu-count': 1,
      model: 'Qwen/Qwen2.5-0.5B-Instruct',
      'server-args': ['--gpu-memory-utilization 0.6', '--hf-token-arg ***', '--max-model-len 8192'],
      'engine-version': '0.23.0',
    });
    expect(e['driver-version']).toBe('580.126.20');
    expect(e['cuda-version']).toBe('13.0');
    expect(e.gpus).toEqual([{ index: 0, name: 'NVIDIA L4', 'memory-total-mib': 23034 }]);
    expect(e['server-command']).toEqual(['vllm', 'serve', 'Qwen/Qwen2.5-0.5B-Instruct', '--hf-token-arg', '***']);
    expect(e.runner).toBe('gpu-runner-1');
    expect(e['startup-s']).toBe(41.5);
    expect(e['node-version']).toBe(process.version);
    expect(e['telemetry-notes']).toEqual([]);
  });

  it('notes a missing nvidia-smi once and leaves the GPU fields empty', async () => {
    const e = await collectEnvironment({ server: { url: 'http://10.0.0.5:8000', model: 'm' }, env: { PATH: tmpDir() } });
    expect(e.fingerprint?.['gpu-name']).toBeNull();
    expect(e.fingerprint?.['gpu-count']).toBe(0);
    expect(e['server-url']).toBe('http://10.0.0.5:8000');
    expect(e.runner).toBeNull();
    expect(e['telemetry-notes']).toEqual(['nvidia-smi not found on PATH: no GPU name, count, driver or CUDA version in the fingerprint']);
  });
});
