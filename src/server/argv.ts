// How the engine is started: the argv of `vllm serve` and of `vllm bench latency|throughput`, built
// as an array (never a shell line), and the normalised flag list the environment fingerprint holds.
import type { Server } from '../config/schema-types.gen.js';
import { argsToFlags, flagGroups, flagLikeValues, type ArgsSpec } from '../config/server-flags.js';
import { formatKeyPath } from '../config/key-path.js';
import { GateError } from '../errors.js';

export { argsToFlags, flagGroups, kebabFlag, reservedFlagProblem, type ArgsSpec } from '../config/server-flags.js';

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
 * args that set one of ours (reservedFlagProblem), so nothing here is silently overridden. The
 * config loader refuses values that argparse would read as flags; this guard holds for any caller.
 */
export function buildServeArgv(server: Server, port: number, host: string): string[] {
  if (!server.model) throw new Error('server.model is required to boot a server');
  const smuggled = flagLikeValues({ ...server, host })[0];
  if (smuggled) {
    const where = formatKeyPath(['server', ...smuggled.key]);
    throw new GateError('CONFIG', `${where} ${JSON.stringify(smuggled.value)} starts with "-": vllm serve would read it as a flag`, {
      where: { path: where },
      hint: 'give the value itself (a path starting with "-" can be written "./-name"); flags go in server.args',
    });
  }
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
