// Errors are values a user can act on: what went wrong, where (file, key path, line), how to fix it.
// Only the outermost layer (action.ts, cli.ts) turns one into a failed step or an exit code;
// a stack trace is never the message.

export type ErrorCode =
  | 'CONFIG' // the config file is missing, unreadable, or invalid
  | 'INPUT' // a results/baseline/suite file given to us is unreadable or invalid
  | 'BOOT_EXIT' // the server process exited during start-up
  | 'BOOT_TIMEOUT' // the server never became ready
  | 'PORT_IN_USE'
  | 'SERVER_CRASH' // the server died while suites ran
  | 'OFFLINE_BENCH' // vllm bench latency|throughput failed
  | 'DATASET' // a dataset file is missing or unusable
  | 'CANCELLED'
  | 'GITHUB' // the GitHub API refused or failed
  | 'INTERNAL';

export interface Where {
  /** File the problem is in. */
  file?: string;
  /** Key path inside it, e.g. `suites[1].dataset.input-len`. */
  path?: string;
  /** 1-based line, when known. */
  line?: number;
  column?: number;
}

export class GateError extends Error {
  readonly code: ErrorCode;
  readonly where: Where;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, opts: { where?: Where; hint?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'GateError';
    this.code = code;
    this.where = opts.where ?? {};
    this.hint = opts.hint;
  }

  /** `file:line: path: message` then the hint on its own line, the way compilers print. */
  format(): string {
    const loc = formatWhere(this.where);
    const head = loc ? `${loc}: ${this.message}` : this.message;
    return this.hint ? `${head}\n  fix: ${this.hint}` : head;
  }
}

export function formatWhere(w: Where): string {
  const parts: string[] = [];
  if (w.file) parts.push(w.line ? `${w.file}:${w.line}${w.column ? `:${w.column}` : ''}` : w.file);
  if (w.path) parts.push(w.path);
  return parts.join(': ');
}

/** Any thrown value as a one-paragraph message a user can read (no stack trace). */
export function describeError(err: unknown): string {
  if (err instanceof GateError) return err.format();
  if (err instanceof Error) return err.message;
  return String(err);
}

export function isGateError(err: unknown, code?: ErrorCode): err is GateError {
  return err instanceof GateError && (code === undefined || err.code === code);
}
