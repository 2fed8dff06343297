// Builds the engine configuration from engine flags, simulator knobs and the profile. Shared by
// the server (real time) and the offline benches (simulated time).
import type { EngineArgs, SimKnobs } from './args.js';
import type { EngineConfig } from './engine.js';
import { randomInt } from 'node:crypto';
import { Rng, streamRng } from './rng.js';

export interface EngineSetup {
  config: EngineConfig;
  runFactor: number;
}

export function engineConfig(e: EngineArgs, k: SimKnobs, timeScale: number): EngineSetup {
  const p = k.profile;
  // Run-to-run variance: one factor per process start, repeatable only when a seed was given.
  const runRng = k.seedGiven ? streamRng(k.seed, 'run') : new Rng(randomInt(2 ** 32));
  const runFactor = runRng.factor(k.runCv);
  const factor = k.slowdown * runFactor * timeScale;
  return {
    runFactor,
    config: {
      maxNumSeqs: e.maxNumSeqs,
      // Like vLLM: without chunked prefill a whole prompt must fit one step.
      maxNumBatchedTokens: e.chunkedPrefill ? e.maxNumBatchedTokens : Math.max(e.maxNumBatchedTokens, e.maxModelLen),
      maxModelLen: e.maxModelLen,
      kvBlocks: e.numGpuBlocks,
      blockSize: e.blockSize,
      chunkedPrefill: e.chunkedPrefill,
      enablePrefixCaching: e.enablePrefixCaching,
      cost: {
        base: p.step_base_s,
        perSeq: p.step_per_seq_s,
        perPrefillToken: p.step_per_prefill_token_s,
        perContextToken: p.step_per_context_token_s,
      },
      costFactor: factor,
      noiseCv: k.noiseCv,
      noiseRng: streamRng(k.seed, 'noise'),
      // The front end is CPU, not GPU: it scales with time but not with --sim-slowdown.
      frontendBase: p.frontend_base_s * timeScale,
      frontendPerInflight: p.frontend_per_inflight_s * timeScale,
      frontendInflightExp: p.frontend_inflight_exp,
      frontendCv: p.frontend_cv,
      frontendRng: streamRng(k.seed, 'frontend'),
    },
  };
}
