// compare/: baseline + current -> verdicts. Pure: plain data in, plain data out, no I/O.
export type * from './types.js';
export { compareRuns, STARTUP_SUITE, withStartup, type CompareOptions } from './compare.js';
export { compareAB, type ABOptions } from './ab.js';
export { pointsToConfirm, mergeConfirmation, type PointRef } from './confirm.js';
export { overallVerdict, worstVerdict, knownVerdict, type ConfigOutcome } from './overall.js';
export {
  gateSettings,
  ruleFor,
  noiseFloorFor,
  lookLevel,
  DEFAULT_CONFIDENCE,
  DEFAULT_NOISE_FLOOR,
  type GateSettings,
  type NoiseFloors,
  type ResolvedRule,
} from './settings.js';
export { fingerprintDiffs, type FingerprintDiff } from './fingerprint.js';
export { judgeMetric, toleranceAmount, type MetricSamples } from './judge.js';
export {
  tQuantile,
  tCdf,
  incompleteBeta,
  lnGamma,
  normalCdf,
  sampleSd,
  predictionHalfWidth,
  pooledHalfWidth,
  welchHalfWidth,
  pairedHalfWidth,
} from './stats.js';
