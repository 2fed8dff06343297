// Reads a config file (YAML or JSON), validates it against schemas/config.schema.json, expands
// presets and vLLM CI suite files into ordinary suites, fills in defaults, and returns it typed,
// with its id, its hash and the secrets to mask. Every problem is reported at once, each with the
// file, line:column, key path, what was expected and how to fix it.
import { createHash } from 'node:crypto';
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { GateError, isGateError } from '../errors.js';
import { applyDefaults, applyDefaultsAt } from './defaults.js';
import { didYouMean } from './did-you-mean.js';
import { explain, type Problem } from './explain.js';
import { formatKeyPath, parseKeyPath, type KeyPath } from './key-path.js';
import { expandSuiteEntries } from './presets.js';
import { collectSecrets } from './secrets.js';
import { parseThresholds, type ParsedThresholds } from './thresholds.js';
import { parseConfigText, type ConfigSource } from './source.js';
import type {
  LatencySuite,
  Server,
  ServingSuite,
  ThroughputSuite,
  VllmPerfGateConfig,
} from './schema-types.gen.js';

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
      one ? one.message : `${problems[0]?.file ?? 'config'} has ${problems.length} problems:\n${problems.map((p) => indent(formatProblem(p))).join('\n')}`,
      one
        ? {
            where: { file: one.file, ...(one.path ? { path: one.path } : {}), ...(one.line ? { line: one.line } : {}), ...(one.column ? { column: one.column } : {}) },
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
    throw new GateError('CONFIG', code === 'ENOENT' ? `config file not found: ${file}` : `cannot read config file ${file}: ${(err as Error).message}`, {
      where: { file },
      hint: code === 'ENOENT' ? `check the path (it is relative to ${process.cwd()})` : 'check that the file is readable',
    });
  }
  return loadConfigText(text, file, opts);
}

/** loadConfig on text already read (`file` names it in errors and is the base of relative paths). */
export async function loadConfigText(text: string, file: string, opts: LoadOptions = {}): Promise<LoadedConfig> {
  const source = parseConfigText(text, file);
  const locate = (problems: Problem[]): ConfigProblem[] => problems.map((p) => located(source, p)).sort(byPosition);
  if (source.syntax.length > 0) {
    throw new ConfigError(source.syntax.map((s) => ({ file, path: '', ...pos(s), message: `syntax error: ${s.message}` })));
  }
  if (source.data === null || source.data === undefined) {
    throw new ConfigError([{ file, path: '', message: 'the config is empty', hint: 'start with `version: 1` and a `suites:` list (see docs/config.md)' }]);
  }
  const schemaProblems = explain(source.data);
  if (schemaProblems.length > 0) throw new ConfigError(locate(schemaProblems));
  const raw = source.data as VllmPerfGateConfig;

  const baseDir = path.dirname(path.resolve(file));
  let suites: Suite[];
  let notes: string[];
  try {
    const expansion = await expandSuiteEntries(raw.suites, {
      configFile: file,
      baseDir,
      ...(raw.server ? { server: raw.server } : {}),
      ...(opts.sharegptCandidates ? { sharegptCandidates: opts.sharegptCandidates } : {}),
    });
    suites = expansion.suites;
    notes = expansion.notes;
  } catch (err) {
    throw withLocation(err, source);
  }

  const config = applyDefaults({ ...raw, suites } as ExpandedConfig);
  const problems = [...checkMeaning(config, raw), ...(await checkFiles(raw, baseDir))];
  let thresholds: ParsedThresholds | undefined;
  try {
    thresholds = parseThresholds(config.thresholds, { file, path: 'thresholds' }, { suites: config.suites.map((s) => s.name) });
  } catch (err) {
    if (!isGateError(err, 'CONFIG')) throw err;
    const at = parseKeyPath(err.where.path ?? 'thresholds');
    // The loader's own check of thresholds.suites names already reports every unknown suite.
    if (!problems.some((p) => formatKeyPath(p.path) === formatKeyPath(at))) problems.push({ path: at, message: err.message, ...(err.hint ? { hint: err.hint } : {}) });
  }
  if (problems.length > 0 || !thresholds) throw new ConfigError(locate(problems));

  const env = opts.env ?? process.env;
  return {
    config,
    thresholds,
    configId: raw.id ?? idFromFileName(file),
    configHash: hashConfig(config),
    file,
    baseDir,
    secrets: collectSecrets([config.server, ...config.suites.map((s) => s.server)], env),
    notes,
  };
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
  return new GateError(err.code, err.message, { where: { ...err.where, ...pos(at ?? {}) }, ...(err.hint ? { hint: err.hint } : {}), cause: err });
}

/** Rules the schema cannot say: one sweep per serving suite, a server when one is needed, known suite names. */
function checkMeaning(config: ExpandedConfig, raw: VllmPerfGateConfig): Problem[] {
  const problems: Problem[] = [];
  // Where each expanded suite was written: ordinary entries pass through the expansion as they are.
  const entryIndex = (s: Suite): number | undefined => {
    const i = raw.suites.findIndex((e) => 'name' in e && 'kind' in e && e.name === s.name);
    return i >= 0 ? i : undefined;
  };
  const at = (s: Suite, key?: string): { path: KeyPath; from: string } => {
    const i = entryIndex(s);
    if (i !== undefined) return { path: key ? ['suites', i, key] : ['suites', i], from: '' };
    return { path: ['suites'], from: `suite \`${s.name}\` (from a preset or vllm-suite entry): ` };
  };

  const seen = new Map<string, number>();
  config.suites.forEach((s, i) => {
    const first = seen.get(s.name);
    if (first !== undefined) {
      const w = at(s, 'name');
      problems.push({ path: w.path, message: `${w.from}suite name \`${s.name}\` is used twice`, hint: 'suite names must be unique: points are matched with the baseline by suite name' });
    } else seen.set(s.name, i);
  });

  const needServer: string[] = [];
  for (const s of config.suites) {
    const server = serverForSuite(config, s);
    if (s.kind === 'serving') {
      const rates = s['request-rates'] !== undefined;
      const conc = s.concurrency !== undefined;
      if (rates && conc) {
        const w = at(s, 'concurrency');
        problems.push({ path: w.path, message: `${w.from}a serving suite sweeps either \`request-rates\` (open loop) or \`concurrency\` (closed loop), not both`, hint: 'split it into two suites, or use `max-concurrency` to cap requests in flight under a request rate' });
      } else if (!rates && !conc) {
        const w = at(s);
        problems.push({ path: w.path, message: `${w.from}a serving suite needs \`request-rates\` or \`concurrency\``, hint: 'add e.g. `request-rates: [1, 4, inf]` (open loop) or `concurrency: [1, 8, 32]` (closed loop)' });
      }
      if (conc && s['max-concurrency'] !== undefined) {
        const w = at(s, 'max-concurrency');
        problems.push({ path: w.path, message: `${w.from}\`max-concurrency\` caps a request-rate sweep; with \`concurrency\` it has no meaning`, hint: 'remove it' });
      }
      if (rates && s['prompts-per-concurrency'] !== undefined) {
        const w = at(s, 'prompts-per-concurrency');
        problems.push({ path: w.path, message: `${w.from}\`prompts-per-concurrency\` applies to a \`concurrency\` sweep only`, hint: 'set the number of requests with `dataset.num-prompts` instead' });
      }
      if (!server?.model && !server?.url) needServer.push(s.name);
    } else if (!server?.model && !hasArg(s.args, 'model')) {
      const w = at(s);
      problems.push({ path: w.path, message: `${w.from}the ${s.kind} suite \`${s.name}\` has no model`, hint: 'add `server: { model: ... }` at the top level, or `args: { model: ... }` to the suite' });
    }
  }
  if (needServer.length > 0) {
    problems.push({
      path: raw.server ? ['server'] : [],
      message: `no server for the serving suite${needServer.length > 1 ? 's' : ''} ${needServer.map((n) => `\`${n}\``).join(', ')}`,
      hint: 'add `server: { model: <Hugging Face id or path> }` to boot vLLM, or `server: { url: http://host:8000 }` for a server that is already running',
    });
  }

  const urls: [KeyPath, string | undefined][] = [[['server', 'url'], raw.server?.url]];
  raw.suites.forEach((e, i) => {
    if ('server' in e && e.server) urls.push([['suites', i, 'server', 'url'], e.server.url]);
  });
  for (const [p, url] of urls) {
    if (url !== undefined && !/^https?:\/\/[^/]/i.test(url)) {
      problems.push({ path: p, message: `expected an http:// or https:// URL, got ${JSON.stringify(url)}`, hint: 'e.g. http://127.0.0.1:8000 (the server root, without /v1)' });
    }
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

/** Files the config names that nothing else opens before the run starts. */
async function checkFiles(raw: VllmPerfGateConfig, baseDir: string): Promise<Problem[]> {
  const problems: Problem[] = [];
  for (const [i, f] of (raw['compare-servers'] ?? []).entries()) {
    try {
      await access(path.resolve(baseDir, f));
    } catch {
      problems.push({ path: ['compare-servers', i], message: `file not found: ${f}`, hint: `paths are relative to the config file's directory (${baseDir})` });
    }
  }
  return problems;
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
  const id = stem.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 64);
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
