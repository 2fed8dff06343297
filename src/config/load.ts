// Reads a config file (YAML or JSON), validates it against schemas/config.schema.json, expands
// presets and vLLM CI suite files into ordinary suites, fills in defaults, and returns it typed,
// with its id, its hash and the secrets to mask. Every problem is reported at once, each with the
// file, line:column, key path, what was expected and how to fix it.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { GateError, isGateError } from '../errors.js';
import { applyDefaults, applyDefaultsAt } from './defaults.js';
import { didYouMean } from './did-you-mean.js';
import { explain, type Problem } from './explain.js';
import { formatKeyPath, parseKeyPath, type KeyPath } from './key-path.js';
import { expandSuiteEntries } from './presets.js';
import { collectSecrets } from './secrets.js';
import { durationLimitProblems, servingLimitProblems } from './limits.js';
import { searchProblems } from './search.js';
import { nodeAt } from './schema.js';
import { offlineArgsProblems, serverRuleProblems } from './server-rules.js';
import { collectThresholds, type ParsedThresholds } from './thresholds.js';
import { parseConfigText, type ConfigSource } from './source.js';
import type { LatencySuite, Server, ServingSuite, ThroughputSuite, VllmPerfGateConfig } from './schema-types.gen.js';

/** An ordinary suite: what presets and vllm-suite entries expand to. */
export type Suite = ServingSuite | LatencySuite | ThroughputSuite;

/** The config after expansion and defaults: every entry of `suites` is an ordinary suite. */
export type ExpandedConfig = Omit<VllmPerfGateConfig, 'suites'> & { suites: Suite[] };

export interface LoadedConfig {
  config: ExpandedConfig;
  /** The `thresholds` section parsed into tolerances (src/config/thresholds.ts), built-in defaults included. */
  thresholds: ParsedThresholds;
  /** `id` of the config, or the file name without its extension. */
  configId: string;
  /** sha256 (hex) of the expanded, defaulted config with keys sorted. */
  configHash: string;
  /** The config file as given. */
  file: string;
  /** Directory relative paths in the config (datasets, suite files) are resolved against: the file's. */
  baseDir: string;
  /** Values to mask in every log line, comment and artifact. */
  secrets: string[];
  /** What the expansion found worth saying (e.g. which ShareGPT file a preset uses), one line each. */
  notes: string[];
  /** A/B mode (`compare-servers`): the two sides, baseline first. */
  sides?: AbSide[];
}

export interface LoadOptions {
  /** Environment that `secret-env` and `api-key-env` name variables of (default process.env). */
  env?: Record<string, string | undefined>;
  /** Where presets look for a ShareGPT file when none is given (default: the presets' usual places). */
  sharegptCandidates?: string[];
}

/** One thing wrong with a config, located. */
export interface ConfigProblem {
  file: string;
  /** Key path, e.g. `suites[1].dataset.input-len`; '' for the whole file. */
  path: string;
  line?: number;
  column?: number;
  message: string;
  hint?: string;
}

/** A GateError('CONFIG') carrying every problem found; its message lists them all. */
export class ConfigError extends GateError {
  readonly problems: ConfigProblem[];

  constructor(problems: ConfigProblem[]) {
    const one = problems.length === 1 ? problems[0]! : undefined;
    super(
      'CONFIG',
      one
        ? one.message
        : `${problems[0]?.file ?? 'config'} has ${problems.length} problems:\n${problems.map((p) => indent(formatProblem(p))).join('\n')}`,
      one
        ? {
            where: {
              file: one.file,
              ...(one.path ? { path: one.path } : {}),
              ...(one.line ? { line: one.line } : {}),
              ...(one.column ? { column: one.column } : {}),
            },
            ...(one.hint ? { hint: one.hint } : {}),
          }
        : {},
    );
    this.problems = problems;
  }
}

/** `file:line:col: path: message` and the fix on the next line. */
export function formatProblem(p: ConfigProblem): string {
  const loc = p.line ? `${p.file}:${p.line}${p.column ? `:${p.column}` : ''}` : p.file;
  const head = [loc, p.path, p.message].filter(Boolean).join(': ');
  return p.hint ? `${head}\n  fix: ${p.hint}` : head;
}

function indent(s: string): string {
  return s
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

export async function loadConfig(file: string, opts: LoadOptions = {}): Promise<LoadedConfig> {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new GateError(
      'CONFIG',
      code === 'ENOENT' ? `config file not found: ${file}` : `cannot read config file ${file}: ${(err as Error).message}`,
      {
        where: { file },
        hint: code === 'ENOENT' ? `check the path (it is relative to ${process.cwd()})` : 'check that the file is readable',
      },
    );
  }
  return loadConfigText(text, file, opts);
}

/** loadConfig on text already read (`file` names it in errors and is the base of relative paths). */
export async function loadConfigText(text: string, file: string, opts: LoadOptions = {}): Promise<LoadedConfig> {
  const source = parseSource(text, file);
  const locate = (problems: Problem[]): ConfigProblem[] => problems.map((p) => located(source, p)).sort(byPosition);
  const schemaProblems = explain(source.data);
  // Tolerance sentences are read even when the schema found problems, so every mistake is told at once.
  if (schemaProblems.length > 0) throw new ConfigError(locate(withThresholdProblems(schemaProblems, source.data)));
  const raw = source.data as VllmPerfGateConfig;

  const baseDir = path.dirname(path.resolve(file));
  let expansion: Awaited<ReturnType<typeof expandSuiteEntries>>;
  try {
    expansion = await expandSuiteEntries(raw.suites, {
      configFile: file,
      baseDir,
      ...(raw.server ? { server: raw.server } : {}),
      ...(opts.sharegptCandidates ? { sharegptCandidates: opts.sharegptCandidates } : {}),
    });
  } catch (err) {
    const e = withLocation(err, source);
    if (e instanceof ConfigError) throw new ConfigError([...e.problems, ...locate(withThresholdProblems([], raw))].sort(byPosition));
    throw e;
  }
  const { suites, notes } = expansion;
  const origin = suiteOrigins(raw, suites, expansion.entries ?? suites.map((_, i) => i));

  const config = applyDefaults({ ...raw, suites, ...withPresetThresholds(raw.thresholds, expansion.thresholds) } as ExpandedConfig);
  const env = opts.env ?? process.env;
  const ab = raw['compare-servers'] ? await loadSides(raw['compare-servers'], source, baseDir, env) : undefined;
  const problems = [...checkMeaning(config, raw, origin, ab?.sides), ...checkServers(config, raw, origin), ...checkLimits(config, origin)];
  const { thresholds, errors } = collectThresholds(config.thresholds, { file, path: 'thresholds' });
  // Unknown suite names under thresholds.suites are reported by checkMeaning, at the key.
  problems.push(...errors.map(thresholdProblem));
  const sideProblems = ab?.problems ?? [];
  if (problems.length > 0 || sideProblems.length > 0) throw new ConfigError([...locate(problems), ...sideProblems]);

  return {
    config,
    thresholds,
    configId: raw.id ?? idFromFileName(file),
    configHash: hashConfig(config),
    file,
    baseDir,
    // The sides' secrets too, so the Action masks them from its first line on.
    secrets: [
      ...new Set([
        ...collectSecrets([config.server, ...config.suites.map((s) => s.server)], env),
        ...(ab?.sides.flatMap((s) => s.secrets) ?? []),
      ]),
    ],
    notes,
    ...(ab ? { sides: ab.sides } : {}),
  };
}

/** Parsed text, or a ConfigError for a syntax error or an empty file. */
function parseSource(text: string, file: string): ConfigSource {
  const source = parseConfigText(text, file);
  if (source.syntax.length > 0) {
    throw new ConfigError(
      source.syntax.map((s) => ({ file, path: '', ...pos(s), message: `syntax error: ${s.message}`, ...(s.hint ? { hint: s.hint } : {}) })),
    );
  }
  if (source.data === null || source.data === undefined) {
    throw new ConfigError([
      { file, path: '', message: 'the config is empty', hint: 'start with `version: 1` and a `suites:` list (see docs/config.md)' },
    ]);
  }
  return source;
}

function thresholdProblem(err: GateError): Problem {
  return { path: parseKeyPath(err.where.path ?? 'thresholds'), message: err.message, ...(err.hint ? { hint: err.hint } : {}) };
}

/**
 * `problems` with every problem of the thresholds section added; where both the schema and the
 * sentence parser speak of one key, the parser's words (which say what to write) are kept.
 */
function withThresholdProblems(problems: Problem[], data: unknown): Problem[] {
  const section = data !== null && typeof data === 'object' ? (data as Record<string, unknown>).thresholds : undefined;
  const parsed = collectThresholds(section, { path: 'thresholds' }).errors.map(thresholdProblem);
  const told = new Set(parsed.map((p) => formatKeyPath(p.path)));
  return [...problems.filter((p) => !told.has(formatKeyPath(p.path))), ...parsed];
}

function byPosition(a: ConfigProblem, b: ConfigProblem): number {
  return (a.line ?? Infinity) - (b.line ?? Infinity) || (a.column ?? 0) - (b.column ?? 0);
}

function pos(p: { line?: number; column?: number }): { line?: number; column?: number } {
  return { ...(p.line ? { line: p.line } : {}), ...(p.column ? { column: p.column } : {}) };
}

function located(source: ConfigSource, p: Problem): ConfigProblem {
  const at = source.locate(p.path, { key: p.atKey === true });
  return { file: source.file, path: formatKeyPath(p.path), ...pos(at ?? {}), message: p.message, ...(p.hint ? { hint: p.hint } : {}) };
}

/** A GateError thrown by the expansion, given the line of the key path it names. */
function withLocation(err: unknown, source: ConfigSource): unknown {
  if (!isGateError(err) || err.where.line !== undefined || err.where.file !== source.file) return err;
  const keyPath = err.where.path ? parseKeyPath(err.where.path) : [];
  const at = source.locate(keyPath);
  if (err.code === 'CONFIG') {
    return new ConfigError([
      { file: source.file, path: err.where.path ?? '', ...pos(at ?? {}), message: err.message, ...(err.hint ? { hint: err.hint } : {}) },
    ]);
  }
  return new GateError(err.code, err.message, {
    where: { ...err.where, ...pos(at ?? {}) },
    ...(err.hint ? { hint: err.hint } : {}),
    cause: err,
  });
}

/** Where a key of an expanded suite is reported: the key itself, or the entry that made the suite. */
type Origin = (suiteIndex: number, key?: KeyPath) => { path: KeyPath; from: string };

/**
 * Keys of suites the user wrote are reported where they are written; keys of suites a preset or
 * vllm-suite entry made are reported at that entry, naming the suite and the key inside it.
 */
function suiteOrigins(raw: VllmPerfGateConfig, suites: Suite[], entries: number[]): Origin {
  return (j, key = []) => {
    const i = entries[j] ?? 0;
    const entry = raw.suites[i];
    if (entry && 'kind' in entry) return { path: ['suites', i, ...key], from: '' };
    const by = entry && 'preset' in entry ? `preset ${String(entry.preset)}` : 'vllm-suite entry';
    return {
      path: ['suites', i],
      from: `suite \`${suites[j]?.name ?? j}\` (from the ${by})${key.length ? `, ${formatKeyPath(key)}` : ''}: `,
    };
  };
}

/** Rules the schema cannot say: one sweep per serving suite, a server when one is needed, known suite names. */
function checkMeaning(config: ExpandedConfig, raw: VllmPerfGateConfig, origin: Origin, sides: AbSide[] | undefined): Problem[] {
  const problems: Problem[] = [];
  const at = (j: number, key?: string): { path: KeyPath; from: string } => origin(j, key ? [key] : []);

  const seen = new Map<string, number>();
  config.suites.forEach((s, i) => {
    const first = seen.get(s.name);
    if (first !== undefined) {
      const w = at(i, 'name');
      problems.push({
        path: w.path,
        message: `${w.from}suite name \`${s.name}\` is used twice`,
        hint: 'suite names must be unique: points are matched with the baseline by suite name',
      });
    } else seen.set(s.name, i);
  });

  // In A/B mode the servers are the two sides'; each side was checked to have one.
  const tops: Pick<ExpandedConfig, 'server'>[] = sides ? sides.map((side) => ({ server: side.server })) : [config];
  const needServer: string[] = [];
  config.suites.forEach((s, j) => {
    const servers = tops.map((top) => serverForSuite(top, s));
    if (s.kind === 'serving') {
      const rates = s['request-rates'] !== undefined;
      const conc = s.concurrency !== undefined;
      if (s.search) {
        for (const p of searchProblems(s)) {
          const w = origin(j, p.key);
          problems.push({ path: w.path, message: `${w.from}${p.message}`, hint: p.hint, ...(p.atKey ? { atKey: true } : {}) });
        }
      } else if (s.dataset.type === 'trace') {
        // A trace is one point on its own schedule: the keys of a sweep have no meaning with it.
        for (const key of ['request-rates', 'concurrency', 'prompts-per-concurrency'] as const) {
          if (s[key] === undefined) continue;
          const w = at(j, key);
          problems.push({
            path: w.path,
            message: `${w.from}\`${key}\` has no meaning with a \`trace\` dataset: a trace is replayed at its own timestamps, as one point`,
            hint: 'remove it; set the pace with `dataset.time-scale` (2 replays the trace twice as fast), and cap requests in flight with `max-concurrency`',
          });
        }
      } else if (rates && conc) {
        const w = at(j, 'concurrency');
        problems.push({
          path: w.path,
          message: `${w.from}a serving suite sweeps either \`request-rates\` (open loop) or \`concurrency\` (closed loop), not both`,
          hint: 'split it into two suites, or use `max-concurrency` to cap requests in flight under a request rate',
        });
      } else if (!rates && !conc) {
        const w = at(j);
        problems.push({
          path: w.path,
          message: `${w.from}a serving suite needs \`request-rates\` or \`concurrency\``,
          hint: 'add e.g. `request-rates: [1, 4, inf]` (open loop) or `concurrency: [1, 8, 32]` (closed loop), or `search:` for the highest load that meets an SLO',
        });
      }
      if (conc && s['max-concurrency'] !== undefined) {
        const w = at(j, 'max-concurrency');
        problems.push({
          path: w.path,
          message: `${w.from}\`max-concurrency\` caps a request-rate sweep; with \`concurrency\` it has no meaning`,
          hint: 'remove it',
        });
      }
      if (rates && s['prompts-per-concurrency'] !== undefined) {
        const w = at(j, 'prompts-per-concurrency');
        problems.push({
          path: w.path,
          message: `${w.from}\`prompts-per-concurrency\` applies to a \`concurrency\` sweep only`,
          hint: 'set the number of requests with `dataset.num-prompts` instead',
        });
      }
      if (servers.some((server) => !server?.model && !server?.url)) needServer.push(s.name);
    } else if (servers.some((server) => !server?.model) && !hasArg(s.args, 'model')) {
      const w = at(j);
      problems.push({
        path: w.path,
        message: `${w.from}the ${s.kind} suite \`${s.name}\` has no model`,
        hint: 'add `server: { model: ... }` at the top level, or `args: { model: ... }` to the suite',
      });
    }
  });
  if (needServer.length > 0 && !sides) {
    problems.push({
      path: raw.server ? ['server'] : [],
      message: `no server for the serving suite${needServer.length > 1 ? 's' : ''} ${needServer.map((n) => `\`${n}\``).join(', ')}`,
      hint: 'add `server: { model: <Hugging Face id or path> }` to boot vLLM, or `server: { url: http://host:8000 }` for a server that is already running',
    });
  }

  const perSuite = config.thresholds?.suites;
  if (perSuite && typeof perSuite === 'object') {
    const names = config.suites.map((s) => s.name);
    for (const name of Object.keys(perSuite)) {
      if (names.includes(name)) continue;
      const guess = didYouMean(name, names);
      problems.push({
        path: ['thresholds', 'suites', name],
        atKey: true,
        message: `no suite is named \`${name}\``,
        hint: guess ? `did you mean \`${guess}\`?` : `suites: ${names.join(', ')}`,
      });
    }
  }
  return problems;
}

function urlProblem(url: string | undefined): { message: string; hint: string } | undefined {
  if (url === undefined || /^https?:\/\/[^/]/i.test(url)) return undefined;
  return {
    message: `expected an http:// or https:// URL, got ${JSON.stringify(url)}`,
    hint: 'e.g. http://127.0.0.1:8000 (the server root, without /v1)',
  };
}

/** Every server section and offline args: URLs, and what may not reach a command line (server-rules.ts). */
function checkServers(config: ExpandedConfig, raw: VllmPerfGateConfig, origin: Origin): Problem[] {
  const problems: Problem[] = [];
  const ofServer = (server: Server, at: (key: KeyPath) => { path: KeyPath; from: string }): void => {
    const url = urlProblem(server.url);
    if (url) problems.push({ path: at(['url']).path, message: `${at(['url']).from}${url.message}`, hint: url.hint });
    for (const r of serverRuleProblems(server))
      problems.push({ path: at(r.key).path, message: `${at(r.key).from}${r.message}`, hint: r.hint });
  };
  if (raw.server) ofServer(raw.server, (key) => ({ path: ['server', ...key], from: '' }));
  config.suites.forEach((s, j) => {
    if (s.server) ofServer(s.server, (key) => origin(j, ['server', ...key]));
    if (s.kind !== 'serving') {
      for (const r of offlineArgsProblems(s.args)) {
        const w = origin(j, r.key);
        problems.push({ path: w.path, message: `${w.from}${r.message}`, hint: r.hint });
      }
    }
  });
  return problems;
}

/** Limits no real run needs (limits.ts): what a serving suite builds and waits for, and string durations. */
function checkLimits(config: ExpandedConfig, origin: Origin): Problem[] {
  const problems: Problem[] = [];
  const { suites, ...rest } = config;
  for (const p of durationLimitProblems(rest, nodeAt(''), '')) problems.push({ path: p.key, message: p.message, hint: p.hint });
  suites.forEach((s, j) => {
    const found = [
      ...durationLimitProblems(s, nodeAt('/definitions/suiteEntry'), '/definitions/suiteEntry'),
      ...(s.kind === 'serving' ? servingLimitProblems(s) : []),
    ];
    for (const p of found) {
      const w = origin(j, p.key);
      problems.push({ path: w.path, message: `${w.from}${p.message}`, hint: p.hint });
    }
  });
  return problems;
}

/** One side of an A/B comparison: a config file whose `server` is booted in turn with the other's. */
export interface AbSide {
  /** The side's file, as shown in messages (relative to where the main config is). */
  file: string;
  /** Its `id`, or its file name without extension. */
  label: string;
  /** Its server, defaults filled. */
  server: Server;
  secrets: string[];
}

/**
 * The `compare-servers` files, read and checked now, so a missing or bad side is told before
 * anything boots. A side needs `version` and `server` only: its suites, if any, are not run.
 */
async function loadSides(
  files: string[],
  top: ConfigSource,
  baseDir: string,
  env: Record<string, string | undefined>,
): Promise<{ sides: AbSide[]; problems: ConfigProblem[] }> {
  const sides: AbSide[] = [];
  const problems: ConfigProblem[] = [];
  for (const [i, f] of files.entries()) {
    const shown = path.join(path.dirname(top.file), f);
    let text: string;
    try {
      text = await readFile(path.resolve(baseDir, f), 'utf8');
    } catch (err) {
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      problems.push(
        located(top, {
          path: ['compare-servers', i],
          message: missing ? `file not found: ${f}` : `cannot read ${f}: ${(err as Error).message}`,
          hint: `paths are relative to the config file's directory (${baseDir})`,
        }),
      );
      continue;
    }
    const side = checkSide(text, shown, env);
    problems.push(...side.problems);
    if (side.side) sides.push(side.side);
  }
  if (sides.length === 2 && sides[0]!.label === sides[1]!.label) {
    problems.push(
      located(top, {
        path: ['compare-servers'],
        message: `both sides are called \`${sides[0]!.label}\``,
        hint: 'give one of them an `id:` (the comment names each side by it)',
      }),
    );
  }
  return { sides, problems };
}

function checkSide(text: string, file: string, env: Record<string, string | undefined>): { side?: AbSide; problems: ConfigProblem[] } {
  let source: ConfigSource;
  try {
    source = parseSource(text, file);
  } catch (err) {
    if (err instanceof ConfigError) return { problems: err.problems };
    throw err;
  }
  const locate = (problems: Problem[]): ConfigProblem[] => problems.map((p) => located(source, p)).sort(byPosition);
  const onlySuitesMissing = (p: Problem): boolean => p.path.length === 0 && p.message === 'missing required key `suites`';
  const problems = explain(source.data).filter((p) => !onlySuitesMissing(p));
  if (problems.length > 0) return { problems: locate(problems) };
  const raw = source.data as Partial<VllmPerfGateConfig>;
  if (raw['compare-servers']) {
    problems.push({
      path: ['compare-servers'],
      message: 'a compare-servers side is one server; it cannot compare servers itself',
      hint: 'remove `compare-servers` from this file',
    });
  }
  const server = raw.server;
  if (!server?.model && !server?.url) {
    problems.push({
      path: server ? ['server'] : [],
      message: `no server to compare: ${file} needs \`server.model\` (or \`server.url\`)`,
      hint: 'add `server: { model: <Hugging Face id or path>, args: {...} }`: the server this side boots',
    });
  }
  if (server) {
    const url = urlProblem(server.url);
    if (url) problems.push({ path: ['server', 'url'], ...url });
    for (const r of serverRuleProblems(server)) problems.push({ path: ['server', ...r.key], message: r.message, hint: r.hint });
    for (const p of durationLimitProblems(server, nodeAt('/definitions/server'), '/definitions/server'))
      problems.push({ path: ['server', ...p.key], message: p.message, hint: p.hint });
  }
  if (problems.length > 0 || !server) return { problems: locate(problems) };
  const filled = applyDefaultsAt(server, '/definitions/server');
  return { side: { file, label: raw.id ?? idFromFileName(file), server: filled, secrets: collectSecrets([filled], env) }, problems: [] };
}

function hasArg(args: Record<string, unknown> | undefined, name: string): boolean {
  return args !== undefined && Object.keys(args).some((k) => k.replace(/_/g, '-') === name);
}

/**
 * The server a suite runs against: the top-level server with the suite's `server` overrides merged
 * over it (`args` and `env` maps merged key by key, a suite's args list replacing), defaults filled.
 * Undefined when neither is given.
 */
export function serverForSuite(config: Pick<ExpandedConfig, 'server'>, suite: Pick<Suite, 'server'>): Server | undefined {
  const top = config.server;
  const own = suite.server;
  if (!top && !own) return undefined;
  const merged: Server = { ...top, ...own };
  if (top?.args && own?.args && !Array.isArray(top.args) && !Array.isArray(own.args)) {
    const ownFlags = new Set(Object.keys(own.args).map((k) => k.replace(/_/g, '-')));
    const kept = Object.fromEntries(Object.entries(top.args).filter(([k]) => !ownFlags.has(k.replace(/_/g, '-'))));
    merged.args = { ...kept, ...own.args };
  }
  if (top?.env && own?.env) merged.env = { ...top.env, ...own.env };
  if (top?.['secret-env'] && own?.['secret-env']) merged['secret-env'] = [...new Set([...top['secret-env'], ...own['secret-env']])];
  return applyDefaultsAt(merged, '/definitions/server');
}

/** `benchmarks/vllm-perf-gate.yml` -> `vllm-perf-gate`, made a valid id. */
export function idFromFileName(file: string): string {
  const stem = path.basename(file).replace(/\.(ya?ml|json)$/i, '');
  const id = stem
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 64);
  return id || 'config';
}

/** Keys sorted at every level, so the same config always hashes the same. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

export function hashConfig(config: ExpandedConfig): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex');
}

/** The config's thresholds with the lines presets gate their suites with, where the config has none of its own. */
function withPresetThresholds(
  own: VllmPerfGateConfig['thresholds'],
  preset: Record<string, Record<string, string>> | undefined,
): Pick<VllmPerfGateConfig, 'thresholds'> {
  if (!preset) return own ? { thresholds: own } : {};
  const suites: Record<string, Record<string, string | undefined>> = { ...(own?.suites ?? {}) } as Record<
    string,
    Record<string, string | undefined>
  >;
  for (const [name, lines] of Object.entries(preset)) suites[name] = { ...lines, ...(suites[name] ?? {}) };
  return { thresholds: { ...(own ?? {}), suites } };
}
