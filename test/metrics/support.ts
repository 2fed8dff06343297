import type { RequestRecord } from '../../src/load/types.js';

/** A successful streaming request; times in ms from the point's start. */
export function rec(p: Partial<RequestRecord> & { startMs?: number }): RequestRecord {
  const startMs = p.startMs ?? 0;
  return {
    index: 0,
    datasetIndex: 0,
    success: true,
    errorKind: null,
    error: null,
    httpStatus: 200,
    scheduledMs: startMs,
    arrivalMs: startMs,
    dispatchMs: startMs,
    startMs,
    ttftMs: null,
    itlMs: [],
    latencyMs: null,
    endMs: null,
    promptTokens: null,
    intendedPromptTokens: null,
    outputTokens: null,
    tokenChunks: p.itlMs ? p.itlMs.length + 1 : 0,
    maxTokens: 0,
    coalescedChunks: 0,
    responseId: null,
    ...p,
  };
}

export function failed(kind: RequestRecord['errorKind'], p: Partial<RequestRecord> = {}): RequestRecord {
  return rec({ success: false, errorKind: kind, error: 'boom', httpStatus: null, ...p });
}
