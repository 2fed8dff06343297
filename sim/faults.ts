// Fault injection (--sim-fault KIND[:ARG], repeatable). Decisions come from one seeded stream in
// request order, so a test can count on which requests fail.
import type { Rng } from './rng.js';

export type FaultKind =
  | 'boot-exit'
  | 'boot-hang'
  | 'crash-after'
  | 'http-500'
  | 'http-429'
  | 'stream-error'
  | 'stream-stall'
  | 'drop-connection'
  | 'malformed-sse';

const SHARE_KINDS = ['http-500', 'http-429', 'stream-error', 'stream-stall', 'drop-connection', 'malformed-sse'] as const;
export type RequestFault = (typeof SHARE_KINDS)[number];
export const FAULT_KINDS: readonly FaultKind[] = ['boot-exit', 'boot-hang', 'crash-after', ...SHARE_KINDS];

export interface FaultSpec {
  kind: FaultKind;
  /** Share of requests for the P kinds; N for crash-after. */
  arg: number;
}

/** Parses KIND[:ARG]; throws a message naming what is wrong. */
export function parseFault(text: string): FaultSpec {
  const i = text.indexOf(':');
  const kind = (i < 0 ? text : text.slice(0, i)) as FaultKind;
  const argText = i < 0 ? undefined : text.slice(i + 1);
  if (!FAULT_KINDS.includes(kind)) {
    throw new Error(`unknown fault '${kind}' (known: ${FAULT_KINDS.join(', ')})`);
  }
  if (kind === 'boot-exit' || kind === 'boot-hang') {
    if (argText !== undefined) throw new Error(`fault '${kind}' takes no argument`);
    return { kind, arg: 1 };
  }
  if (kind === 'crash-after') {
    const n = Number(argText);
    if (argText === undefined || !Number.isInteger(n) || n < 0) {
      throw new Error(`fault 'crash-after:N' needs a whole number of requests N >= 0, got '${argText ?? ''}'`);
    }
    return { kind, arg: n };
  }
  const p = argText === undefined ? 1 : Number(argText);
  if (!Number.isFinite(p) || p < 0 || p > 1) {
    throw new Error(`fault '${kind}:P' needs a share P between 0 and 1, got '${argText ?? ''}'`);
  }
  return { kind, arg: p };
}

export class Faults {
  private readonly shares: { kind: RequestFault; p: number }[] = [];
  readonly bootExit: boolean;
  readonly bootHang: boolean;
  readonly crashAfter: number | null;

  constructor(
    specs: readonly FaultSpec[],
    private readonly rng: Rng,
  ) {
    this.bootExit = specs.some((s) => s.kind === 'boot-exit');
    this.bootHang = specs.some((s) => s.kind === 'boot-hang');
    const crash = specs.find((s) => s.kind === 'crash-after');
    this.crashAfter = crash ? crash.arg : null;
    for (const s of specs) {
      if ((SHARE_KINDS as readonly string[]).includes(s.kind)) this.shares.push({ kind: s.kind as RequestFault, p: s.arg });
    }
  }

  /** The fault, if any, that hits the next request (one draw per configured kind, in order given). */
  draw(): RequestFault | null {
    let hit: RequestFault | null = null;
    for (const s of this.shares) {
      const u = this.rng.next();
      if (hit === null && u < s.p) hit = s.kind;
    }
    return hit;
  }
}
