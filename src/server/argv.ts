// How the engine is started: the argv of `vllm serve` and of `vllm bench latency|throughput`, built
// as an array (never a shell line), and the normalised flag list the environment fingerprint holds.
import type { Server } from '../config/schema-types.gen.js';

export type ArgsSpec = Server['args'];
type ArgValue = string | number | boolean | null | (string | number)[] | undefined;

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

/** `server.command` as an argv prefix: a string is one program (never split on spaces). */
export function commandArgv(command: Server['command']): string[] {
  if (command === undefined) return ['vllm'];
  return typeof command === 'string' ? [command] : [...command];
}

/** The name requests use as `model`: `served-model-name`, else the model. */
export function servedModelName(server: Server): string {
  const name = server['served-model-name'] ?? server.model;
  if (name === undefined) throw new Error('server has neither served-model-name nor model');
  return name;
}

/**
 * `<command> serve <model> --host H --port P --served-model-name N <args>`. bootServer refuses
 * args that set one of ours (reservedFlagProblem), so nothing here is silently overridden.
 */
export function buildServeArgv(server: Server, port: number, host: string): string[] {
  if (!server.model) throw new Error('server.model is required to boot a server');
  return [
    ...commandArgv(server.command),
    'serve',
    server.model,
    '--host',
    host,
    '--port',
    String(port),
    '--served-model-name',
    servedModelName(server),
    ...argsToFlags(server.args),
  ];
}

/**
 * Flags that belong to the API server (`vllm serve`), not to the engine: `vllm bench latency` and
 * `vllm bench throughput` build an in-process engine and reject them as unrecognized arguments.
 */
export const SERVE_ONLY_FLAGS: ReadonlySet<string> = new Set([
  'host',
  'port',
  'uds',
  'served-model-name',
  'api-key',
  'uvicorn-log-level',
  'disable-uvicorn-access-log',
  'allow-credentials',
  'allowed-origins',
  'allowed-methods',
  'allowed-headers',
  'lora-modules',
  'chat-template',
  'chat-template-content-format',
  'response-role',
  'ssl-keyfile',
  'ssl-certfile',
  'ssl-ca-certs',
  'ssl-cert-reqs',
  'enable-ssl-refresh',
  'root-path',
  'middleware',
  'return-tokens-as-token-ids',
  'disable-frontend-multiprocessing',
  'enable-request-id-headers',
  'enable-auto-tool-choice',
  'tool-call-parser',
  'tool-parser-plugin',
  'tool-server',
  'log-config-file',
  'max-log-len',
  'disable-fastapi-docs',
  'enable-prompt-tokens-details',
  'enable-server-load-tracking',
  'enable-force-include-usage',
  'enable-tokenizer-info-endpoint',
  'enable-log-outputs',
  'enable-log-requests',
  'disable-log-requests',
  'h11-max-incomplete-event-size',
  'h11-max-header-count',
  'api-server-count',
  'headless',
]);

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

/** Engine flags of a server's args, for `vllm bench latency|throughput`: serve-only flags dropped. */
export function engineFlags(args: ArgsSpec): string[] {
  return flagGroups(argsToFlags(args))
    .filter((g) => !SERVE_ONLY_FLAGS.has(g.flag.replace(/^-+/, '')))
    .flatMap((g) => (g.flag ? [g.flag, ...g.values] : g.values));
}

const NOT_PERFORMANCE = new Set(['host', 'port', 'uds', 'served-model-name', 'api-key', 'ssl-keyfile', 'ssl-certfile', 'ssl-ca-certs']);

/**
 * The server's args as the environment fingerprint holds them: one `--flag value` string per flag,
 * kebab-case, sorted, without the flags that say where it listens or what it is called (they do
 * not change performance, and an auto port differs every run).
 */
export function normaliseServerArgs(args: ArgsSpec): string[] {
  return flagGroups(argsToFlags(args))
    .filter((g) => !NOT_PERFORMANCE.has(g.flag.replace(/^-+/, '')))
    .map((g) => [g.flag, ...g.values].filter((s) => s !== '').join(' '))
    .sort();
}

/** The runner's environment with `server.env` merged over it, every value a string. */
export function serverEnv(server: Pick<Server, 'env'>, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const [k, v] of Object.entries(server.env ?? {})) if (v !== undefined) env[k] = String(v);
  return env;
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
  for (const g of flagGroups(argsToFlags(args))) {
    const name = g.flag.replace(/^-+/, '');
    const instead = OURS.get(name);
    if (instead) return { flag: `--${name}`, instead };
  }
  return undefined;
}
