// Flags of `vllm serve` and `vllm bench` as the config writes them: a map (`{max_model_len: 4096}`,
// turned into flags as vLLM CI's json2args does) or a list passed verbatim. Read by the config
// checks (reserved flags, flag-like values, secrets on the command line) and by the server stage
// that builds the argv (src/server/argv.ts), so both read a flag the same way.
import type { Server } from './schema-types.gen.js';
import { looksSecret } from './secrets.js';

export type ArgsSpec = Server['args'];
export type ArgValue = string | number | boolean | null | (string | number)[] | undefined;

/** `max_model_len` or `max-model-len` -> `max-model-len`, as vLLM CI's json2args does. */
export function kebabFlag(key: string): string {
  return key.replace(/^-+/, '').replace(/_/g, '-');
}

/**
 * Config `args` as flags, the way vLLM's CI turns its JSON into a command line (json2args):
 * a map `{max_model_len: 4096, enforce-eager: true, disable-log-stats: "", quantization: false}`
 * -> `--max-model-len 4096 --enforce-eager --disable-log-stats`; false and null leave the flag out;
 * an array gives its values after one flag (`--served-model-name a b`), as vLLM's list flags
 * (argparse nargs='+') read them. A list is passed verbatim.
 */
export function argsToFlags(args: ArgsSpec | Record<string, ArgValue> | undefined): string[] {
  if (args === undefined) return [];
  if (Array.isArray(args)) return args.map(String);
  const out: string[] = [];
  for (const [key, value] of Object.entries(args)) {
    if (value === undefined || value === null || value === false) continue;
    const flag = `--${kebabFlag(key)}`;
    if (value === true || value === '') out.push(flag);
    else if (Array.isArray(value)) out.push(flag, ...value.map(String));
    else out.push(flag, String(value));
  }
  return out;
}

/** A flat argv split into flag groups: `--max-model-len 4096 --enforce-eager` -> two groups. */
export function flagGroups(argv: string[]): { flag: string; values: string[] }[] {
  const groups: { flag: string; values: string[] }[] = [];
  for (const tok of argv) {
    if (/^--?[A-Za-z]/.test(tok)) {
      const eq = tok.indexOf('=');
      const name = eq > 0 ? tok.slice(0, eq) : tok;
      const dashes = name.startsWith('--') ? '--' : '-';
      const g = { flag: dashes + kebabFlag(name), values: eq > 0 ? [tok.slice(eq + 1)] : [] };
      groups.push(g);
    } else if (groups.length > 0) groups[groups.length - 1]!.values.push(tok);
    else groups.push({ flag: '', values: [tok] });
  }
  return groups;
}

const OURS = new Map([
  ['host', 'server.host'],
  ['port', 'server.port'],
  ['served-model-name', 'server.served-model-name'],
  ['model', 'server.model'],
]);

/**
 * The flags we set ourselves may not also come from `server.args`: argparse would take the later
 * one, and readiness would wait on a port or a name the server does not use. Returns the problem.
 */
export function reservedFlagProblem(args: ArgsSpec): { flag: string; instead: string } | undefined {
  // A map's flags are its keys (a value that looks like a flag is refused on its own: flagLikeValues).
  const given = Object.entries(args ?? {}).filter(([, v]) => v !== undefined && v !== null && v !== false);
  const flags = Array.isArray(args) ? flagGroups(args) : given.map(([k]) => ({ flag: `--${kebabFlag(k)}` }));
  for (const g of flags) {
    const name = g.flag.replace(/^-+/, '');
    const instead = OURS.get(name);
    if (instead) return { flag: `--${name}`, instead };
  }
  return undefined;
}

/**
 * Whether a value placed on the command line would be read as an option: argparse takes any
 * element that starts with `-` as a flag, unless it reads as a negative number (`-1`).
 */
export function looksLikeFlag(value: string): boolean {
  return value.startsWith('-') && !/^-(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value);
}

/** Where a flag-like value sits, relative to the server (`['model']`, `['args', 'dtype']`). */
export interface FlagLikeValue {
  key: (string | number)[];
  value: string;
}

/** Values of an args map that would land on the command line as flags (a list is verbatim: its own business). */
export function flagLikeArgValues(args: ArgsSpec | Record<string, ArgValue> | undefined): FlagLikeValue[] {
  if (args === undefined || Array.isArray(args)) return [];
  const out: FlagLikeValue[] = [];
  for (const [k, v] of Object.entries(args)) {
    if (typeof v === 'string' && looksLikeFlag(v)) out.push({ key: ['args', k], value: v });
    if (Array.isArray(v)) v.forEach((x, i) => typeof x === 'string' && looksLikeFlag(x) && out.push({ key: ['args', k, i], value: x }));
  }
  return out;
}

/**
 * Values the serve argv places where a value belongs (the positional model, the values of --host
 * and --served-model-name, of the args map's flags) that argparse would read as flags instead:
 * `model: "--port=1"` would make `vllm serve --port=1 ...`.
 */
export function flagLikeValues(server: Pick<Server, 'model' | 'served-model-name' | 'host' | 'args'>): FlagLikeValue[] {
  const out: FlagLikeValue[] = [];
  for (const key of ['model', 'served-model-name', 'host'] as const) {
    const v = server[key];
    if (typeof v === 'string' && looksLikeFlag(v)) out.push({ key: [key], value: v });
  }
  return [...out, ...flagLikeArgValues(server.args)];
}

/** Whether a flag's value is a secret: the one rule for secret names (secrets.ts), so `--api-key` and `--hf-token` are, `--max-num-batched-tokens` and `--ssl-keyfile` are not. */
export function isSecretFlag(name: string): boolean {
  return looksSecret(kebabFlag(name));
}

/** Where a secret is written on the command line, relative to the server (`['args', 'api-key']`). */
export interface LiteralSecret {
  key: (string | number)[];
  flag: string;
}

/**
 * Flags of an args map or list that carry a secret value written into the config: on the command
 * line it is readable by every user of the machine (`ps -ef`, /proc/PID/cmdline). A bare flag
 * (`hf-token: true`, vLLM then reads the stored token) carries none.
 */
export function literalSecretFlags(args: ArgsSpec | Record<string, ArgValue> | undefined): LiteralSecret[] {
  if (args === undefined) return [];
  const out: LiteralSecret[] = [];
  if (Array.isArray(args)) {
    args.forEach((tok, i) => {
      const m = /^--?([A-Za-z][^=]*)(=(.*))?$/.exec(tok);
      if (!m || !isSecretFlag(m[1]!)) return;
      const next = args[i + 1];
      const value = m[2] !== undefined ? m[3] : next !== undefined && !looksLikeFlag(next) ? next : undefined;
      if (value) out.push({ key: ['args', i], flag: `--${kebabFlag(m[1]!)}` });
    });
    return out;
  }
  for (const [k, v] of Object.entries(args)) {
    if (!isSecretFlag(k) || v === undefined || v === null || typeof v === 'boolean' || v === '') continue;
    if (Array.isArray(v) && v.length === 0) continue;
    out.push({ key: ['args', k], flag: `--${kebabFlag(k)}` });
  }
  return out;
}
