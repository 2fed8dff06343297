// Threshold sentences: the `thresholds:` section of the config, parsed once while the config loads.
//
//   "-5%"             a drop of more than 5% is a regression (higher-is-better metrics)
//   "+10%"            a rise of more than 10% is a regression (lower-is-better metrics)
//   "+20ms" "-100tok/s" "+2s" "-0.5req/s"   the same, in the metric's own unit
//   "+10% or +20ms"   a regression must exceed both (small latencies need the absolute part)
//   "observe"         report, never gate
//   "gate"            gate with the tolerance that would apply anyway
//
// The sign is the bad direction and must agree with the metric's: "+5%" on output_throughput is a
// CONFIG error, because a rise in throughput is never a regression.
import { GateError } from '../errors.js';
import { catalogNames, metricInfo, type MetricInfo } from '../catalog/metrics.js';
import type { Thresholds } from './schema-types.gen.js';
import { didYouMean } from './did-you-mean.js';
import { formatKeyPath, parseKeyPath, type KeyPath } from './key-path.js';

export type ToleranceUnit = 'ms' | 'tok/s' | 'req/s' | '';

export interface Tolerance {
  /** The sentence as written (or as defaulted). */
  text: string;
  mode: 'rule' | 'observe' | 'gate';
  /** Bad direction: '-' a drop is a regression, '+' a rise. Set when mode is 'rule'. */
  sign?: '+' | '-';
  /** Relative part, a fraction: "-5%" -> 0.05. */
  relative?: number;
  /** Absolute part, in `absoluteUnit` (times are held in ms). */
  absolute?: number;
  absoluteUnit?: ToleranceUnit;
  /** Key path it came from, for messages (empty for built-in defaults). */
  path: string;
}

export type DefaultFamily = 'throughput' | 'latency' | 'startup';

export interface ParsedThresholds {
  /** Per family; ttft uses latency. Built-in: throughput -5%, latency +10%, startup +20%. */
  defaults: Record<DefaultFamily, Tolerance>;
  /** Top-level per-metric sentences. */
  metrics: Record<string, Tolerance>;
  /** Per suite, per metric. */
  suites: Record<string, Record<string, Tolerance>>;
}

export const BUILTIN_DEFAULTS: Record<DefaultFamily, string> = { throughput: '-5%', latency: '+10%', startup: '+20%' };

export interface ThresholdWhere {
  file?: string;
  /** Key path of the thresholds section, e.g. `thresholds`. */
  path: string;
}

export interface ParseThresholdOptions {
  /** Suite names of the config: a `thresholds.suites` key that names none of them is an error. */
  suites?: readonly string[];
}

/** Parses the thresholds section; throws GateError('CONFIG') naming the key path and a fix (the first problem). */
export function parseThresholds(raw: Thresholds | undefined, where: ThresholdWhere, opts: ParseThresholdOptions = {}): ParsedThresholds {
  const { thresholds, errors } = collectThresholds(raw, where, opts);
  if (errors[0]) throw errors[0];
  return thresholds;
}

/**
 * Parses the thresholds section and returns every problem, one GateError('CONFIG') per bad entry,
 * so a config with three bad sentences hears of all three at once. Bad entries are left out.
 */
export function collectThresholds(
  raw: unknown,
  where: ThresholdWhere,
  opts: ParseThresholdOptions = {},
): { thresholds: ParsedThresholds; errors: GateError[] } {
  const base = parseKeyPath(where.path);
  const errors: GateError[] = [];
  const fail = (path: KeyPath, message: string, hint: string): GateError =>
    new GateError('CONFIG', message, { where: { ...(where.file ? { file: where.file } : {}), path: formatKeyPath(path) }, hint });
  // One bad entry is recorded and the rest still parsed.
  const attempt = (parse: () => void): void => {
    try {
      parse();
    } catch (err) {
      if (!(err instanceof GateError)) throw err;
      errors.push(err);
    }
  };

  const defaults = {} as Record<DefaultFamily, Tolerance>;
  for (const fam of Object.keys(BUILTIN_DEFAULTS) as DefaultFamily[]) defaults[fam] = parseBuiltin(BUILTIN_DEFAULTS[fam]);
  const out: ParsedThresholds = { defaults, metrics: {}, suites: {} };
  if (raw === undefined || raw === null) return { thresholds: out, errors };
  if (!isRecord(raw))
    return {
      thresholds: out,
      errors: [
        fail(base, 'thresholds must be a map of metric names to sentences', 'write e.g. `thresholds: { output_throughput: "-3%" }`'),
      ],
    };

  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    if (key === 'default') {
      const path = [...base, 'default'];
      if (!isRecord(value)) {
        errors.push(
          fail(path, 'default must be a map of family to sentence', 'write e.g. `default: { throughput: "-5%", latency: "+10%" }`'),
        );
        continue;
      }
      for (const [fam, text] of Object.entries(value)) {
        if (text === undefined) continue;
        const p = [...path, fam];
        attempt(() => {
          if (!(fam in BUILTIN_DEFAULTS)) {
            const near = didYouMean(fam, Object.keys(BUILTIN_DEFAULTS));
            throw fail(
              p,
              `unknown metric family "${fam}"`,
              `${near ? `did you mean "${near}"? ` : ''}families are throughput, latency (TTFT, TPOT, ITL, E2E, offline latency) and startup`,
            );
          }
          defaults[fam as DefaultFamily] = parseFamilyDefault(fam as DefaultFamily, text, p, fail);
        });
      }
    } else if (key === 'suites') {
      const path = [...base, 'suites'];
      if (!isRecord(value)) {
        errors.push(
          fail(
            path,
            'suites must be a map of suite name to a map of metric sentences',
            'write e.g. `suites: { sweep: { median_itl_ms: "+5%" } }`',
          ),
        );
        continue;
      }
      for (const [suite, map] of Object.entries(value)) {
        if (map === undefined) continue;
        const sp = [...path, suite];
        if (opts.suites && !opts.suites.includes(suite)) {
          const near = didYouMean(suite, opts.suites);
          errors.push(
            fail(
              sp,
              `no suite is named "${suite}"`,
              near ? `did you mean "${near}"?` : `suites of this config: ${opts.suites.join(', ') || '(none)'}`,
            ),
          );
        }
        if (!isRecord(map)) {
          errors.push(
            fail(
              sp,
              `thresholds for suite "${suite}" must be a map of metric names to sentences`,
              `write e.g. \`${suite}: { median_itl_ms: "+5%" }\``,
            ),
          );
          continue;
        }
        const parsed: Record<string, Tolerance> = {};
        for (const [metric, text] of Object.entries(map)) {
          if (text === undefined) continue;
          attempt(() => (parsed[metric] = parseMetricThreshold(metric, text, [...sp, metric], fail)));
        }
        out.suites[suite] = parsed;
      }
    } else {
      attempt(() => (out.metrics[key] = parseMetricThreshold(key, value, [...base, key], fail)));
    }
  }
  return { thresholds: out, errors };
}

type Fail = (path: KeyPath, message: string, hint: string) => GateError;

function parseMetricThreshold(metric: string, text: unknown, path: KeyPath, fail: Fail): Tolerance {
  const info = metricInfo(metric);
  if (!info.known) {
    const near = didYouMean(metric, [...catalogNames(), 'default', 'suites']);
    throw fail(
      path,
      `unknown metric "${metric}"`,
      near
        ? `did you mean "${near}"?`
        : 'use a metric name as vLLM writes it, e.g. output_throughput, median_ttft_ms, p99_itl_ms (see docs/gate.md)',
    );
  }
  const t = parseSentence(text, path, fail);
  if (t.mode !== 'rule') return t;
  checkSign(t, info, metric, path, fail);
  if (t.absolute !== undefined) checkUnit(t, info, path, fail);
  return t;
}

function parseFamilyDefault(fam: DefaultFamily, text: unknown, path: KeyPath, fail: Fail): Tolerance {
  const t = parseSentence(text, path, fail);
  if (t.mode !== 'rule') return t;
  const bad = fam === 'throughput' ? '-' : '+';
  if (t.sign !== bad) {
    throw fail(
      path,
      `"${t.text}" says a ${t.sign === '+' ? 'rise' : 'drop'} is bad, but ${fam} is ${bad === '-' ? 'higher' : 'lower'}-is-better`,
      `write "${flip(t.text)}": a ${bad === '-' ? 'drop' : 'rise'} beyond the tolerance is the regression`,
    );
  }
  if (t.absolute !== undefined) {
    if (fam === 'throughput')
      throw fail(
        path,
        `"${t.text}": throughput metrics have different units (tok/s, req/s), so a family default cannot be absolute`,
        'use a percentage here, and absolute tolerances on single metrics (e.g. `output_throughput: "-100tok/s"`)',
      );
    if (t.absoluteUnit !== 'ms')
      throw fail(path, `"${t.text}": ${fam} is a time`, `write the absolute part in ms or s, e.g. "+10% or +20ms"`);
  }
  return t;
}

const CLAUSE = /^([+-])?\s*(\d+(?:\.\d+)?|\.\d+)\s*(%|ms|s|tok\/s|req\/s)?$/i;

/** One sentence, without reference to a metric. */
function parseSentence(raw: unknown, path: KeyPath, fail: Fail): Tolerance {
  const where = formatKeyPath(path);
  if (typeof raw !== 'string') {
    throw fail(
      path,
      `expected a sentence such as "-5%", "+10% or +20ms" or "observe", got ${JSON.stringify(raw)}`,
      'quote it in YAML: "-5%"',
    );
  }
  const text = raw.trim();
  const lower = text.toLowerCase();
  if (lower === 'observe' || lower === 'gate') return { text, mode: lower, path: where };
  if (text === '') throw fail(path, 'empty threshold', 'write a sentence such as "-5%", "+10% or +20ms", "observe" or "gate"');

  const parts = text.split(/\s+or\s+/i);
  const t: Tolerance = { text, mode: 'rule', path: where };
  if (parts.length > 2) throw fail(path, `"${text}": at most two parts, one relative and one absolute`, 'write e.g. "+10% or +20ms"');
  for (const part of parts) {
    const m = CLAUSE.exec(part.trim());
    if (!m) {
      const hint = /\band\b/i.test(text)
        ? 'join the parts with "or" ("+10% or +20ms": a regression must exceed both)'
        : 'write a signed amount with a unit: "-5%", "+10%", "+20ms", "-100tok/s", or "observe" / "gate"';
      throw fail(path, `cannot read "${part.trim()}" in "${text}"`, hint);
    }
    const [, sign, num, unitRaw] = m;
    if (!sign)
      throw fail(
        path,
        `"${text}" has no sign`,
        `write "-${part.trim()}" if a drop is bad (throughput) or "+${part.trim()}" if a rise is bad (latency)`,
      );
    if (t.sign !== undefined && t.sign !== sign)
      throw fail(path, `"${text}": both parts must have the same sign`, `write e.g. "${sign}10% or ${sign}20ms"`);
    t.sign = sign as '+' | '-';
    const value = Number(num);
    const unit = (unitRaw ?? '').toLowerCase();
    if (unit === '%') {
      if (t.relative !== undefined)
        throw fail(path, `"${text}" has two percentages`, 'write one relative and one absolute part, e.g. "+10% or +20ms"');
      if (value >= 100 && sign === '-')
        throw fail(path, `"${text}": a drop of ${value}% or more cannot happen`, 'write a percentage below 100, e.g. "-5%"');
      t.relative = value / 100;
    } else {
      if (t.absolute !== undefined)
        throw fail(path, `"${text}" has two absolute parts`, 'write one relative and one absolute part, e.g. "+10% or +20ms"');
      t.absolute = unit === 's' ? value * 1000 : value;
      t.absoluteUnit = unit === 's' || unit === 'ms' ? 'ms' : (unit as ToleranceUnit);
    }
  }
  return t;
}

function checkSign(t: Tolerance, info: MetricInfo, metric: string, path: KeyPath, fail: Fail): void {
  const bad = info.direction === 'higher-is-better' ? '-' : '+';
  if (t.sign === bad) return;
  throw fail(
    path,
    `"${t.text}" says a ${t.sign === '+' ? 'rise' : 'drop'} is bad, but ${metric} is ${info.direction}`,
    `write "${flip(t.text)}": a ${bad === '-' ? 'drop' : 'rise'} of ${metric} beyond the tolerance is the regression`,
  );
}

function checkUnit(t: Tolerance, info: MetricInfo, path: KeyPath, fail: Fail): void {
  const want: ToleranceUnit | undefined =
    info.unit === 'ms' || info.unit === 's'
      ? 'ms'
      : info.unit === 'tok/s' || info.unit === 'req/s' || info.unit === ''
        ? info.unit
        : undefined;
  if (want === t.absoluteUnit) return;
  if (want === undefined)
    throw fail(
      path,
      `"${t.text}": ${info.name} is in ${info.unit}; an absolute tolerance would be ambiguous`,
      'use a relative tolerance, e.g. "+10%"',
    );
  const shown = (u: ToleranceUnit | undefined): string => (u === 'ms' ? 'ms or s' : u === '' || u === undefined ? 'a plain number' : u);
  const got =
    t.absoluteUnit === ''
      ? 'its amount has no unit'
      : `${info.name} is measured in ${info.unit || 'plain numbers'}, not ${shown(t.absoluteUnit)}`;
  throw fail(
    path,
    `"${t.text}": ${got}`,
    `write the absolute part as ${shown(want)}${want === '' ? '' : ` (e.g. "${t.sign}${want === 'ms' ? '20ms' : `100${want}`}")`}, or use a percentage`,
  );
}

function flip(text: string): string {
  return text.replace(/[+-]/g, (s) => (s === '+' ? '-' : '+'));
}

function parseBuiltin(text: string): Tolerance {
  const t = parseSentence(text, [], () => new GateError('INTERNAL', `bad built-in threshold ${text}`));
  t.path = '';
  return t;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
