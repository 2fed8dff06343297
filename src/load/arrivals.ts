// When each request of an open-loop point is sent, exactly as `vllm bench serve` decides it
// (vllm/benchmarks/serve.py `get_request`):
//   rate = inf           every request at t = 0
//   burstiness = inf     constant gaps of 1/rate
//   otherwise            gaps ~ Gamma(shape = burstiness, scale = 1/(rate·burstiness)) (burstiness 1 = Poisson)
// The gaps are cumulated (the first request is also delayed by its draw) and then rescaled so the
// last arrival is exactly N/rate seconds after the start, which "closes the 1-2% gap" between seeds.
import { Rng } from './rng.js';

/** Arrival offsets in ms from the point's start, ascending, one per request. */
export function arrivalScheduleMs(n: number, rate: number | 'inf', burstiness: number, seed: number): Float64Array {
  const out = new Float64Array(n);
  if (n === 0 || rate === 'inf' || rate === Infinity) return out;
  if (!(rate > 0)) throw new RangeError(`request rate must be > 0, got ${rate}`);
  if (!(burstiness > 0)) throw new RangeError(`burstiness must be > 0, got ${burstiness}`);
  const rng = new Rng(seed);
  const theta = 1 / (rate * burstiness);
  let t = 0;
  for (let i = 0; i < n; i++) {
    t += burstiness === Infinity ? 1 / rate : rng.gamma(burstiness, theta);
    out[i] = t;
  }
  const target = n / rate;
  if (t !== 0) {
    const k = (target / t) * 1000;
    for (let i = 0; i < n; i++) out[i]! *= k;
  }
  return out;
}
