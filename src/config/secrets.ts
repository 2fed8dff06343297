// Values that must never reach a log, a comment or an artifact: the values of server env vars whose
// names look secret, of the runner env vars named in `secret-env`, of the API key variable, and of
// server args whose flag names look secret (`--api-key`), and of a password in `server.url`.
import type { Server } from './schema-types.gen.js';

/**
 * The one rule for names (env variables, server flags, args keys) whose values are secret. A name is
 * cut into words at `_`, `-`, `.` and lower-to-upper case steps; it is secret when a word ends in
 * KEY(S), TOKEN, SECRET(S), PASSWORD, PASSWD or PASSPHRASE (HF_TOKEN, MY_KEY, WANDB_API_KEY, apiKey,
 * HFTOKEN), or is PASS, AUTH, AUTHORIZATION, CREDENTIAL(S) or COOKIE. Words, not substrings, so
 * that vLLM's `--max-num-batched-tokens 8192` or `--tokenizer-mode auto` do not mask every 8192 or
 * "auto" in the log.
 */
const SECRET_WORD_END = /(?:KEYS?|TOKEN|SECRETS?|PASSWORD|PASSWD|PASSPHRASE)$/;
const SECRET_WORDS = new Set(['PASS', 'AUTH', 'AUTHORIZATION', 'CREDENTIAL', 'CREDENTIALS', 'COOKIE']);

/** Whether a variable, flag or key name holds a secret value (HF_TOKEN, VLLM_API_KEY, MY_KEY, ...). */
export function looksSecret(name: string): boolean {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .map((w) => w.toUpperCase());
  return words.some((w) => SECRET_WORD_END.test(w) || SECRET_WORDS.has(w));
}

/**
 * The secret values of these servers (top-level and per-suite), read from `server.env` and from
 * `env` (the runner's environment) for `secret-env` and `api-key-env`; deduplicated, empty values
 * left out (masking "" would mask everything).
 */
export function collectSecrets(servers: (Server | undefined)[], env: Record<string, string | undefined>): string[] {
  const out = new Set<string>();
  const add = (v: unknown): void => {
    if (v === undefined || v === null) return;
    const s = String(v);
    if (s.length > 0) out.add(s);
  };
  for (const server of servers) {
    if (!server) continue;
    for (const [k, v] of Object.entries(server.env ?? {})) if (looksSecret(k)) add(v);
    for (const name of server['secret-env'] ?? []) {
      add(env[name]);
      add(server.env?.[name]);
    }
    // `vllm serve --api-key KEY` written into args puts the key on the command line.
    const args = server.args;
    if (Array.isArray(args)) {
      args.forEach((a, i) => {
        const m = /^--?([^=]+)(?:=(.*))?$/.exec(a);
        if (!m || !looksSecret(m[1]!)) return;
        if (m[2] !== undefined) add(m[2]);
        else if (args[i + 1] !== undefined && !args[i + 1]!.startsWith('-')) add(args[i + 1]);
      });
    } else if (args) {
      for (const [k, v] of Object.entries(args)) {
        if (!looksSecret(k) || typeof v === 'boolean' || v === null) continue;
        for (const x of Array.isArray(v) ? v : [v]) add(x);
      }
    }
    if (server.url) {
      try {
        const u = new URL(server.url);
        add(u.password ? decodeURIComponent(u.password) : undefined);
        add(u.password ? u.password : undefined);
      } catch {
        // not a URL: reported by the loader
      }
    }
    const keyVar = server['api-key-env'];
    if (keyVar) {
      add(env[keyVar]);
      add(server.env?.[keyVar]);
    }
  }
  return [...out];
}
