// What a config may not put on a command line, found when the config loads (before anything boots):
// values that argparse would read as flags (`model: "--port=1"`), flags vllm-perf-gate sets itself,
// and secrets written into args, which every user of the runner could read with `ps -ef`.
// Refused rather than warned about: a warning in a CI log is read after the secret has leaked.
import type { KeyPath } from './key-path.js';
import type { Server } from './schema-types.gen.js';
import {
  flagLikeArgValues,
  flagLikeValues,
  kebabFlag,
  literalSecretFlags,
  reservedFlagProblem,
  type ArgsSpec,
  type FlagLikeValue,
} from './server-flags.js';

export interface RuleProblem {
  /** Key path relative to the server (or to the suite, for offline args). */
  key: KeyPath;
  message: string;
  hint: string;
}

/** Environment variables that programs read in place of a secret flag. */
const SECRET_ENV: Record<string, { variable: string; reader: string }> = {
  '--api-key': { variable: 'VLLM_API_KEY', reader: '`vllm serve` reads it' },
  '--hf-token': { variable: 'HF_TOKEN', reader: 'Hugging Face downloads read it' },
};

function flagLike(f: FlagLikeValue, what: string): RuleProblem {
  return {
    key: f.key,
    message: `${JSON.stringify(f.value)} starts with "-": ${what} would read it as a flag, not as the value of \`${f.key.filter((k) => typeof k === 'string').at(-1)}\``,
    hint: 'give the value itself (a path that starts with "-" can be written "./-name"); flags go in `args`',
  };
}

function secretProblems(args: ArgsSpec, forServer: boolean): RuleProblem[] {
  return literalSecretFlags(args).map(({ key, flag }) => {
    const env = SECRET_ENV[flag];
    const hint = env
      ? `remove it; put the value in the runner's environment as ${env.variable} (e.g. from a repository secret; ${env.reader}) and list it in \`secret-env: [${env.variable}]\` so it is masked${flag === '--api-key' && forServer ? '; `api-key-env: VLLM_API_KEY` makes the benchmark client send it' : ''}`
      : 'remove it; pass the secret in an environment variable the program reads, listed in `secret-env` so it is masked';
    return { key, message: `${flag} writes a secret on the command line, where every user of the runner can read it (\`ps -ef\`)`, hint };
  });
}

/** Where `flag` is written in args: its map key or list index. */
function argKey(args: ArgsSpec, flag: string): KeyPath {
  const name = kebabFlag(flag);
  if (Array.isArray(args)) {
    const i = args.findIndex((a) => /^--?[A-Za-z]/.test(a) && kebabFlag(a.split('=')[0]!) === name);
    return i >= 0 ? ['args', i] : ['args'];
  }
  const k = Object.keys(args ?? {}).find((key) => kebabFlag(key) === name);
  return k !== undefined ? ['args', k] : ['args'];
}

/** Problems of a server section (top-level, a suite's override, or an A/B side). */
export function serverRuleProblems(server: Server): RuleProblem[] {
  const out: RuleProblem[] = flagLikeValues(server).map((f) => flagLike(f, '`vllm serve`'));
  const reserved = reservedFlagProblem(server.args);
  if (reserved) {
    out.push({
      key: argKey(server.args, reserved.flag),
      message: `sets ${reserved.flag}, which vllm-perf-gate sets itself`,
      hint: `remove it from args and set ${reserved.instead} instead`,
    });
  }
  return [...out, ...secretProblems(server.args, true)];
}

/** Problems of a latency or throughput suite's `args` (flags of `vllm bench latency|throughput`). */
export function offlineArgsProblems(args: ArgsSpec): RuleProblem[] {
  return [...flagLikeArgValues(args).map((f) => flagLike(f, '`vllm bench`')), ...secretProblems(args, false)];
}
