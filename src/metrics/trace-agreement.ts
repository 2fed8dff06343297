// How far the client's measurements are from the server's own record of the same requests (the
// simulator's --sim-trace lines): the client's measurement error, joined by response id. Pure.
//
// TTFT differs between the two sides by two delays the trace cannot see apart: the request's way
// in (socket, the server's HTTP parsing before it stamps `arrival_s`) and the first token's way out
// (socket, the client's read). With the client's t0 on its own clock, both are estimated apart: the
// clocks' offset is taken as the smallest (client time - server time) over all requests, so each
// request's delay is measured from the fastest one seen (a lower bound, off by ~one loopback trip).
import type { RequestRecord } from '../load/types.js';
import { median } from './stats.js';

/** One line of vllm-sim's --sim-trace (seconds on the server's monotonic clock). */
export interface TraceLine {
  id: string;
  arrival_s: number;
  first_token_s: number | null;
  token_times_s: number[];
  finish_s: number;
}

export interface TraceAgreement {
  /** Requests found on both sides. */
  joined: number;
  /** |median(client TTFT) - median(server TTFT)|, ms; server TTFT = first token - arrival. */
  ttftMedianErrorMs: number | null;
  /** Median over requests of |client TTFT - server TTFT|, ms. */
  ttftMedianAbsErrorMs: number | null;
  /** |median(client ITL) - median(server ITL)|, ms, over all gaps. */
  itlMedianErrorMs: number | null;
  /** Median over gaps of |client gap - server gap| (requests with as many gaps on both sides), ms. */
  itlMedianAbsErrorMs: number | null;
  clientMedianTtftMs: number | null;
  serverMedianTtftMs: number | null;
  clientMedianItlMs: number | null;
  serverMedianItlMs: number | null;
  /** Median delay of the request reaching the server's arrival stamp, beyond the fastest (needs t0). */
  requestTransitMedianMs: number | null;
  /** Median delay of the first token reaching the client's read, beyond the fastest (needs t0). */
  firstTokenDeliveryMedianMs: number | null;
  /**
   * Requests whose client TTFT is shorter than the server's by more than 0.01 ms: impossible unless
   * a timestamp predates the bytes it stands for (the client's clock starts before the server can
   * stamp the arrival, and the server writes before the client can read), so it should be 0.
   */
  clientTtftBelowServer: number;
  /**
   * With both clocks known (serverToClientMs), the same two delays without the fastest request
   * taken off: a request's way in (client's write to the server's arrival stamp) and the first
   * token's way out (the server's write to the client's read), medians in ms.
   */
  requestTransitAbsMedianMs: number | null;
  firstTokenDeliveryAbsMedianMs: number | null;
}

/**
 * `clientT0Ms`: the point's t0 on the client's performance.now() clock. `serverToClientMs`: what to
 * add to a server time (trace seconds x 1000) to put it on that clock, when known.
 */
export function traceAgreement(
  records: readonly RequestRecord[],
  trace: readonly TraceLine[],
  clientT0Ms?: number,
  serverToClientMs?: number,
): TraceAgreement {
  const byId = new Map(trace.map((t) => [t.id, t]));
  const cT: number[] = [];
  const sT: number[] = [];
  const dT: number[] = [];
  const cI: number[] = [];
  const sI: number[] = [];
  const dI: number[] = [];
  const inbound: number[] = [];
  const outbound: number[] = [];
  let joined = 0;
  let below = 0;
  for (const r of records) {
    if (!r.success || r.responseId === null || r.ttftMs === null) continue;
    const t = byId.get(r.responseId);
    if (!t || t.first_token_s === null) continue;
    joined++;
    const server = (t.first_token_s - t.arrival_s) * 1000;
    cT.push(r.ttftMs);
    sT.push(server);
    dT.push(Math.abs(r.ttftMs - server));
    if (r.ttftMs < server - 0.01) below++;
    const gaps = t.token_times_s.slice(1).map((x, i) => (x - t.token_times_s[i]!) * 1000);
    cI.push(...r.itlMs);
    sI.push(...gaps);
    if (gaps.length === r.itlMs.length) for (let i = 0; i < gaps.length; i++) dI.push(Math.abs(r.itlMs[i]! - gaps[i]!));
    if (clientT0Ms !== undefined) {
      inbound.push(t.arrival_s * 1000 - (clientT0Ms + r.startMs));
      outbound.push(clientT0Ms + r.startMs + r.ttftMs - t.first_token_s * 1000);
    }
  }
  const diff = (a: number | null, b: number | null): number | null => (a === null || b === null ? null : Math.abs(a - b));
  const beyondFastest = (xs: number[]): number | null => {
    if (xs.length === 0) return null;
    const min = Math.min(...xs);
    return median(xs.map((x) => x - min));
  };
  const [mcT, msT, mcI, msI] = [median(cT), median(sT), median(cI), median(sI)];
  return {
    joined,
    ttftMedianErrorMs: diff(mcT, msT),
    ttftMedianAbsErrorMs: median(dT),
    itlMedianErrorMs: diff(mcI, msI),
    itlMedianAbsErrorMs: median(dI),
    clientMedianTtftMs: mcT,
    serverMedianTtftMs: msT,
    clientMedianItlMs: mcI,
    serverMedianItlMs: msI,
    requestTransitMedianMs: beyondFastest(inbound),
    firstTokenDeliveryMedianMs: beyondFastest(outbound),
    clientTtftBelowServer: below,
    requestTransitAbsMedianMs: serverToClientMs === undefined ? null : median(inbound.map((x) => x + serverToClientMs)),
    firstTokenDeliveryAbsMedianMs: serverToClientMs === undefined ? null : median(outbound.map((x) => x - serverToClientMs)),
  };
}

/** Parses --sim-trace JSON lines (blank lines skipped). */
export function parseTrace(text: string): TraceLine[] {
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as TraceLine);
}
