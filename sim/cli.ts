#!/usr/bin/env node
// vllm-sim: a GPU-free vLLM simulator. `serve` runs an OpenAI-compatible server with vLLM's wire
// format and a continuous-batching performance model; `bench latency|throughput` run the same
// model offline in simulated time.
import { writeFileSync } from 'node:fs';
import { engineArgs, LATENCY_FLAGS, parseArgs, SERVE_FLAGS, simKnobs, THROUGHPUT_FLAGS, UsageError } from './args.js';
import * as log from './log.js';
import { runLatency, runThroughput } from './offline.js';
import { SimServer, VLLM_VERSION, type ServeConfig } from './server.js';

export const SIM_VERSION = '0.1.0';

const USAGE = `usage: vllm-sim serve MODEL [--host H] [--port N] [--served-model-name NAME ...] [vllm serve flags ...] [--sim-* knobs]
       vllm-sim bench latency --model M --input-len N --output-len N --batch-size N --num-iters-warmup N --num-iters N [--output-json FILE]
       vllm-sim bench throughput --model M (--input-len N --output-len N | --dataset-path FILE) --num-prompts N [--output-json FILE]
       vllm-sim --version
See docs/vllm-sim.md.`;

function fail(msg: string): never {
  process.stderr.write(`${USAGE}\nvllm-sim: error: ${msg}\n`);
  process.exit(2);
}

const sleep = (s: number): Promise<void> => new Promise((r) => setTimeout(r, s * 1000));

/** What SIGTERM/SIGINT do: exit 0 during start-up, a graceful close once serving. */
let onSignal = (): void => {
  log.uvicorn('Shutting down');
  process.exit(0);
};

async function serve(argv: string[]): Promise<void> {
  process.on('SIGTERM', () => onSignal());
  process.on('SIGINT', () => onSignal());
  const p = parseArgs(argv, SERVE_FLAGS);
  const model = (p.values.get('model') as string | undefined) ?? p.positionals[0];
  if (model === undefined) throw new UsageError('the following arguments are required: model_tag');
  if (p.positionals.length > 1) throw new UsageError(`unrecognized arguments: ${p.positionals.slice(1).join(' ')}`);
  const knobs = simKnobs(p);
  const engine = engineArgs(p, knobs.profile);
  const cfg: ServeConfig = {
    model,
    host: (p.values.get('host') as string | undefined) ?? '0.0.0.0',
    port: (p.values.get('port') as number | undefined) ?? 8000,
    servedNames: (p.values.get('served-model-name') as string[] | undefined) ?? [model],
    engine,
    knobs,
    forceIncludeUsage: p.values.get('enable-force-include-usage') === true,
    logStats: p.values.get('disable-log-stats') !== true,
    promptTokensDetails: p.values.get('enable-prompt-tokens-details') === true,
    devMode: devModeFromEnv(process.env.VLLM_SERVER_DEV_MODE),
  };
  const t0 = Date.now();
  const at = async (frac: number): Promise<void> => {
    const wait = t0 + frac * knobs.startupS * 1000 - Date.now();
    if (wait > 0) await sleep(wait / 1000);
  };
  const nonDefault: Record<string, unknown> = { model_tag: model, model };
  for (const [k, v] of p.values) if (!k.startsWith('sim-') && k !== 'model') nonDefault[k.replace(/-/g, '_')] = v;
  log.api('INFO', 'api_server.py:1822', `vLLM API server version ${VLLM_VERSION} (vllm-sim ${SIM_VERSION}: simulated, no GPU)`);
  log.api('INFO', 'utils.py:233', `non-default args: ${JSON.stringify(nonDefault)}`);
  if (p.ignored.length > 0) {
    log.api('WARNING', 'vllm_sim.py:1', `flags accepted but not simulated (ignored): ${p.ignored.join(', ')}`);
  }
  log.api(
    'INFO',
    'vllm_sim.py:2',
    `profile ${knobs.profile.name}: ${knobs.profile.description} seed=${knobs.seed} time_scale=${knobs.timeScale} slowdown=${knobs.slowdown} ` +
      `noise_cv=${knobs.noiseCv} run_cv=${knobs.runCv}${knobs.faults.length ? ` faults=${knobs.faults.map((f) => `${f.kind}:${f.arg}`).join(',')}` : ''}`,
  );
  log.api('INFO', 'model.py:1564', `Using max model len ${engine.maxModelLen}`);
  if (engine.chunkedPrefill) {
    log.api('INFO', 'scheduler.py:205', `Chunked prefill is enabled with max_num_batched_tokens=${engine.maxNumBatchedTokens}.`);
  }
  log.core(
    'INFO',
    'core.py:77',
    `Initializing a V1 LLM engine (v${VLLM_VERSION}) with config: model='${model}', served_model_name=${cfg.servedNames.join(',')}, max_seq_len=${engine.maxModelLen}, tensor_parallel_size=${engine.tensorParallelSize}, max_num_seqs=${engine.maxNumSeqs}`,
  );
  log.core('INFO', 'gpu_model_runner.py:2547', `Starting to load model ${model}...`);
  await at(0.4);
  log.core('INFO', 'default_loader.py:267', `Loading weights took ${(knobs.startupS * 0.35).toFixed(2)} seconds`);
  if (knobs.faults.some((f) => f.kind === 'boot-exit')) {
    log.core('ERROR', 'core.py:708', 'EngineCore failed to start.');
    process.stderr.write(
      'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 22.03 GiB of which 1.06 GiB is free. ' +
        'Including non-PyTorch memory, this process has 20.96 GiB memory in use.\n' +
        'RuntimeError: Engine core initialization failed. See root cause above. Failed core proc(s): {}\n',
    );
    process.exit(1);
  }
  await at(0.7);
  const kvTokens = engine.numGpuBlocks * engine.blockSize;
  log.core('INFO', 'kv_cache_utils.py:1087', `GPU KV cache size: ${kvTokens.toLocaleString('en-US')} tokens`);
  log.core(
    'INFO',
    'kv_cache_utils.py:1091',
    `Maximum concurrency for ${engine.maxModelLen.toLocaleString('en-US')} tokens per request: ${(kvTokens / engine.maxModelLen).toFixed(2)}x`,
  );
  if (kvTokens < engine.maxModelLen) {
    process.stderr.write(
      `ValueError: To serve at least one request with the models's max seq len (${engine.maxModelLen}), the KV cache needs ${engine.maxModelLen} tokens, ` +
        `which is larger than the available KV cache (${kvTokens} tokens). Based on the available memory, the estimated maximum model length is ${kvTokens}. ` +
        'Try increasing `gpu_memory_utilization` or decreasing `max_model_len` when initializing the engine.\n',
    );
    process.exit(1);
  }
  if (knobs.faults.some((f) => f.kind === 'boot-hang')) {
    log.core('INFO', 'gpu_model_runner.py:3388', 'Capturing CUDA graphs ...');
    setInterval(() => undefined, 1 << 30); // stays alive until a signal
    return;
  }
  await at(0.9);
  log.core('INFO', 'gpu_model_runner.py:3388', 'Graph capturing finished in 1 secs, took 0.10 GiB');
  log.core(
    'INFO',
    'core.py:210',
    `init engine (profile, create kv cache, warmup model) took ${(knobs.startupS * 0.55).toFixed(2)} seconds`,
  );
  await at(1);
  const server = new SimServer(cfg);
  if (knobs.runCv > 0) {
    log.api(
      'INFO',
      'vllm_sim.py:3',
      `run factor ${server.runFactor.toFixed(4)} (--sim-run-cv ${knobs.runCv}; ${knobs.seedGiven ? 'repeats for this --sim-seed' : 'drawn at start; give --sim-seed to repeat it'})`,
    );
  }
  let port: number;
  try {
    port = await server.listen();
  } catch (e) {
    process.stderr.write(
      `OSError: [Errno 98] error while attempting to bind on address ('${cfg.host}', ${cfg.port}): ${(e as Error).message}\n`,
    );
    process.exit(1);
  }
  if (cfg.devMode)
    log.api('WARNING', 'api_server.py:1139', 'SECURITY WARNING: Development endpoints are enabled! This should NOT be used in production!');
  log.api('INFO', 'api_server.py:1618', "Supported_tasks: ['generate']");
  log.api('INFO', 'api_server.py:1895', `Starting vLLM API server 0 on http://${cfg.host}:${port}`);
  log.api('INFO', 'launcher.py:34', 'Available routes are:');
  for (const [route, methods] of Object.entries(server.routes)) {
    log.api('INFO', 'launcher.py:42', `Route: ${route}, Methods: ${methods.join(', ')}`);
  }
  log.uvicorn(`Started server process [${process.pid}]`);
  log.uvicorn('Waiting for application startup.');
  log.uvicorn('Application startup complete.');
  server.startStatsLog();
  let closing = false;
  onSignal = (): void => {
    if (closing) return;
    closing = true;
    log.uvicorn('Shutting down');
    void server.close().then(() => {
      log.uvicorn('Finished server process [' + process.pid + ']');
      process.exit(0);
    });
  };
}

function bench(argv: string[]): void {
  const kind = argv[0];
  if (kind === 'latency') {
    const p = parseArgs(argv.slice(1), LATENCY_FLAGS);
    const knobs = simKnobs(p);
    const engine = engineArgs(p, knobs.profile);
    const get = (k: string, d: number): number => (p.values.get(k) as number | undefined) ?? d;
    const r = runLatency(engine, knobs, {
      inputLen: get('input-len', 32),
      outputLen: get('output-len', 128),
      batchSize: get('batch-size', 8),
      warmupIters: get('num-iters-warmup', 10),
      iters: get('num-iters', 30),
    });
    if (p.ignored.length) process.stdout.write(`vllm-sim: flags accepted but not simulated (ignored): ${p.ignored.join(', ')}\n`);
    process.stdout.write(`(simulated time) Avg latency: ${r.avg_latency} seconds\n`);
    for (const [k, v] of Object.entries(r.percentiles)) process.stdout.write(`${k}% percentile latency: ${v} seconds\n`);
    const out = p.values.get('output-json') as string | undefined;
    if (out) writeFileSync(out, JSON.stringify(r, null, 4));
    return;
  }
  if (kind === 'throughput') {
    const p = parseArgs(argv.slice(1), THROUGHPUT_FLAGS);
    const knobs = simKnobs(p);
    const engine = engineArgs(p, knobs.profile);
    const r = runThroughput(engine, knobs, {
      inputLen: p.values.get('input-len') as number | undefined,
      outputLen: p.values.get('output-len') as number | undefined,
      numPrompts: (p.values.get('num-prompts') as number | undefined) ?? 1000,
      datasetPath: (p.values.get('dataset-path') as string | undefined) ?? (p.values.get('dataset') as string | undefined),
    });
    if (p.ignored.length) process.stdout.write(`vllm-sim: flags accepted but not simulated (ignored): ${p.ignored.join(', ')}\n`);
    process.stdout.write(
      `(simulated time) Throughput: ${r.result.requests_per_second.toFixed(2)} requests/s, ${r.result.tokens_per_second.toFixed(2)} total tokens/s, ${r.outputTokensPerSecond.toFixed(2)} output tokens/s\n` +
        `Total num prompt tokens:  ${r.promptTokens}\nTotal num output tokens:  ${r.outputTokens}\n`,
    );
    const out = p.values.get('output-json') as string | undefined;
    if (out) writeFileSync(out, JSON.stringify(r.result, null, 4));
    return;
  }
  throw new UsageError(`bench: expected 'latency' or 'throughput', got '${kind ?? ''}'`);
}

/** VLLM_SERVER_DEV_MODE as vLLM reads it (`bool(int(value))`): a value that is not an integer fails start-up. */
function devModeFromEnv(value: string | undefined): boolean {
  if (value === undefined || value === '') return false;
  if (!/^\s*[-+]?\d+\s*$/.test(value))
    throw new Error(`ValueError: invalid literal for int() with base 10: '${value}' (VLLM_SERVER_DEV_MODE)`);
  return Number(value) !== 0;
}

/**
 * VLLM_SIM_ARGS: --sim-* knobs from the environment, appended to the command line. It stands for
 * "a different engine build" (a PR that makes the engine slower without touching its flags), which
 * is what a regression gate must catch while the server's flags, and so its fingerprint, stay put.
 */
function envSimArgs(value: string | undefined): string[] {
  const words = (value ?? '').split(/\s+/).filter(Boolean);
  for (const w of words)
    if (w.startsWith('-') && !w.startsWith('--sim-')) throw new UsageError(`VLLM_SIM_ARGS takes only --sim-* knobs, not ${w}`);
  return words;
}

async function main(argv: string[]): Promise<void> {
  const cmd = argv[0];
  if (cmd === '--version' || cmd === '-v' || cmd === 'version') {
    process.stdout.write(`vllm-sim ${SIM_VERSION} (simulates vLLM ${VLLM_VERSION})\n`);
    return;
  }
  if (cmd === '--help' || cmd === '-h' || cmd === undefined) {
    process.stdout.write(USAGE + '\n');
    if (cmd === undefined) process.exit(2);
    return;
  }
  const extra = envSimArgs(process.env.VLLM_SIM_ARGS);
  if (cmd === 'serve') return serve([...argv.slice(1), ...extra]);
  if (cmd === 'bench') return bench([...argv.slice(1), ...extra]);
  throw new UsageError(`invalid choice: '${cmd}' (choose from 'serve', 'bench')`);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  if (e instanceof UsageError) fail(e.message);
  if (e instanceof Error && /profile|dataset/.test(e.message)) fail(e.message);
  process.stderr.write(`vllm-sim: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
