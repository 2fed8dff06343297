// The gate's verdict as JSON (`--format json`, and the verdict file in the artifact).
import type { GateReport } from '../compare/types.js';

export function toJson(report: GateReport): string {
  return `${JSON.stringify(report, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2)}\n`;
}
