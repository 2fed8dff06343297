// Generates docs/config.md, the config reference, from schemas/config.schema.json: every key with
// its type, default and description, so the reference can never drift from what is validated.
// `node scripts/gen-config-docs.mjs` rewrites it; test/config/config-docs.test.ts checks it is current.
import { readFile, writeFile } from 'node:fs/promises';

export const SCHEMA = 'schemas/config.schema.json';
export const OUT = 'docs/config.md';

/** Sections: [heading, anchor, JSON pointer of an object schema, key prefix shown to the reader]. */
const SECTIONS = [
  ['Top level', 'top-level', '', ''],
  ['`server`', 'server', '/definitions/server', 'server.'],
  ['Serving suite (`kind: serving`)', 'serving-suite', '/definitions/servingSuite', 'suites[].'],
  ['Latency suite (`kind: latency`)', 'latency-suite', '/definitions/latencySuite', 'suites[].'],
  ['Throughput suite (`kind: throughput`)', 'throughput-suite', '/definitions/throughputSuite', 'suites[].'],
  ['Preset entry (`preset:`)', 'preset-entry', '/definitions/presetSuite', 'suites[].'],
  ['vLLM CI suite file entry (`vllm-suite:`)', 'vllm-suite-entry', '/definitions/vllmSuiteFile', 'suites[].'],
  ['Dataset `type: random`', 'dataset-random', '/definitions/dataset/oneOf/0', 'dataset.'],
  ['Dataset `type: sharegpt`', 'dataset-sharegpt', '/definitions/dataset/oneOf/1', 'dataset.'],
  ['Dataset `type: sonnet`', 'dataset-sonnet', '/definitions/dataset/oneOf/2', 'dataset.'],
  ['Dataset `type: fixed`', 'dataset-fixed', '/definitions/dataset/oneOf/3', 'dataset.'],
  ['Dataset `type: prefix-repetition`', 'dataset-prefix-repetition', '/definitions/dataset/oneOf/4', 'dataset.'],
  ['Dataset `type: trace`', 'dataset-trace', '/definitions/dataset/oneOf/5', 'dataset.'],
  ['Dataset `type: multi-turn`', 'dataset-multi-turn', '/definitions/dataset/oneOf/6', 'dataset.'],
  ['`goodput`', 'goodput', '/definitions/goodput', 'goodput.'],
  ['`stop` (adaptive points)', 'stop', '/definitions/adaptiveStop', 'stop.'],
  ['`search` (SLO knee search)', 'search', '/definitions/sloSearch', 'search.'],
  ['`thresholds`', 'thresholds', '/definitions/thresholds', 'thresholds.'],
  ['`thresholds.default`', 'thresholds-default', '/definitions/thresholds/properties/default', 'thresholds.default.'],
  ['`gate`', 'gate', '/definitions/gate', 'gate.'],
  ['`gate.noise-floor`', 'gate-noise-floor', '/definitions/gate/properties/noise-floor', 'gate.noise-floor.'],
  ['`gate.rerun-inconclusive`', 'gate-rerun-inconclusive', '/definitions/gate/properties/rerun-inconclusive', 'gate.rerun-inconclusive.'],
  ['`client`', 'client', '/definitions/client', 'client.'],
];

/** Where a $ref or a nested object is documented, by pointer. */
const LINKS = {
  '/definitions/server': 'server',
  '/definitions/suiteEntry': 'suites',
  '/definitions/dataset': 'datasets',
  '/definitions/goodput': 'goodput',
  '/definitions/adaptiveStop': 'stop',
  '/definitions/sloSearch': 'search',
  '/definitions/thresholds': 'thresholds',
  '/definitions/thresholds/properties/default': 'thresholds-default',
  '/definitions/gate': 'gate',
  '/definitions/gate/properties/noise-floor': 'gate-noise-floor',
  '/definitions/gate/properties/rerun-inconclusive': 'gate-rerun-inconclusive',
  '/definitions/client': 'client',
  '/definitions/duration': 'durations',
  '/definitions/threshold': 'tolerance-sentences',
  '/definitions/thresholdMap': 'tolerance-sentences',
};

const NAMES = {
  '/definitions/suiteEntry': 'suite entry',
  '/definitions/threshold': 'tolerance',
  '/definitions/thresholdMap': 'map of tolerances',
};

const INTRO = `# Config reference

<!-- Generated from ${SCHEMA} by scripts/gen-config-docs.mjs. Do not edit: edit the schema's
     descriptions and run \`node scripts/gen-config-docs.mjs\`. -->

One file (YAML or JSON) describes the server, the suites to run against it, and the tolerances that
decide pass or fail. Keys are kebab-case, as vLLM's flags are written. Editors that read JSON Schema
complete and check it from \`${SCHEMA}\`:

\`\`\`yaml
# yaml-language-server: $schema=https://raw.githubusercontent.com/vllm-perf-gate/vllm-perf-gate/main/${SCHEMA}
version: 1
server:
  model: Qwen/Qwen2.5-7B-Instruct
  args: { max-model-len: 4096 }
suites:
  - name: sweep
    kind: serving
    dataset: { type: random, input-len: 256, output-len: 128, num-prompts: 64 }
    concurrency: [1, 2, 4, 8, 16, 32]
    ignore-eos: true
  - preset: vllm-nightly
    dataset-path: data/ShareGPT_V3_unfiltered_cleaned_split.json
thresholds:
  default: { throughput: "-5%", latency: "+10%" }
  median_ttft_ms: "+10% or +20ms"
\`\`\`

How the file is read (\`src/config/load.ts\`):

- **Validation.** Every problem is reported at once, each with the file, line and column, the key
  path, what was expected, and a fix, for example:

  \`\`\`
  gate.yml:7:5: suites[0].concurency: unknown key \`concurency\`
    fix: did you mean \`concurrency\`?
  gate.yml:6:41: suites[0].dataset.input-len: expected an integer >= 1, got "abc"
  \`\`\`
- **Expansion.** \`preset:\` and \`vllm-suite:\` entries are replaced by the ordinary suites they stand
  for (see [presets.md](presets.md)); \`vllm-perf-gate config --expand\` prints the result.
- **Defaults.** The defaults below are filled in; \`gate\` and \`thresholds.default\` are created with
  theirs when left out. A suite's \`server\` holds overrides of the top-level \`server\` and gets no
  defaults of its own: args and env are merged key by key over the top-level ones.
- **Rules beyond the schema.** Suite names are unique. A serving suite has \`request-rates\` or
  \`concurrency\` (not both); \`max-concurrency\` goes with \`request-rates\`,
  \`prompts-per-concurrency\` with \`concurrency\`. Serving suites need a server with \`model\` (booted)
  or \`url\` (already running); latency and throughput suites need \`server.model\` or \`args.model\`.
  Keys under \`thresholds.suites\` name existing suites, and every tolerance sentence parses (and
  agrees with its metric's direction); every problem of the file, schema and sentences alike, is
  told at once. \`server.url\` is an http:// or https:// URL.
- **Limits no real run needs** are errors, found by \`vllm-perf-gate config\` and by \`run\` before
  anything boots, wherever the value comes from (a suite, a preset's overrides, a vLLM CI suite
  file): the per-key bounds below (num-prompts at most 100,000; token lengths at most 2^21; request
  rates 0.01 to 1,000,000; concurrency at most 16,384; durations at most 24h), a point's requests
  arriving within 24 hours (num-prompts / rate), concurrency x prompts-per-concurrency at most
  100,000, and at most 50,000,000 prompt tokens per serving suite (every prompt is built before the
  first point, about 10 bytes a token). Each sits well above what vLLM's own benchmarks run.
- **The command line.** \`model\`, \`served-model-name\`, \`host\` and the values of an \`args\` map
  may not start with \`-\` (argparse would read \`model: "--port=1"\` as a flag; a negative number
  such as \`-1\` is fine), and \`args\` may not set \`--host\`, \`--port\`, \`--served-model-name\` or
  \`--model\` (set the keys of \`server\` instead). A secret written into \`args\` (a flag with a value whose name looks
  secret by the masking rule below, e.g. \`api-key: sk-...\`, \`hf-token: hf_...\`,
  \`--db-password=...\`) is refused, not just masked: every user of the runner can read a command line
  (\`ps -ef\`). Put it in the runner's environment instead, as \`VLLM_API_KEY\` (read by
  \`vllm serve\`; add \`api-key-env: VLLM_API_KEY\` so the client sends it) or \`HF_TOKEN\`, and list
  it in \`secret-env\`. A bare \`hf-token: true\` (use the stored token) is fine.
- **A/B** (\`compare-servers: [a.yml, b.yml]\`): the two files need only \`version: 1\` and a
  \`server\` (their suites, if any, are not run); this file needs no \`server\`. Both are read and
  checked with this one, before anything boots.
- **Paths** (datasets, \`vllm-suite\` files, \`compare-servers\`) are relative to the config file's
  directory; \`compare-servers\` files are checked to exist when the config is loaded.
- **YAML** anchors and merge keys work, so suites can share settings:
  \`- &base { name: a, kind: serving, ... }\` then \`- { <<: *base, name: b }\`. JSON files are read by
  the same parser and get line numbers too; duplicate keys are an error, and so are aliases that
  expand without bound (a "billion laughs" document).
- **Identity.** The config id is \`id\`, or the file name without its extension. The config hash is
  the sha256 of the expanded, defaulted config with sorted keys: the same settings hash the same
  however they are written.
- **Secrets.** Values of \`server.env\` variables whose names look secret (TOKEN, SECRET, PASSWORD,
  API_KEY, ...), of the variables named in \`secret-env\`, and of \`api-key-env\` are masked in logs,
  comments and \`config --expand\`.

Contents: ${SECTIONS.map(([t, a]) => `[${t.replace(/`/g, '')}](#${a})`).join(' · ')} · [Durations](#durations) · [Tolerance sentences](#tolerance-sentences)
`;

export function generateConfigDocs(schema) {
  const nodeAt = (pointer) => {
    let n = schema;
    for (const raw of pointer.split('/').slice(1)) n = n[raw.replace(/~1/g, '/').replace(/~0/g, '~')];
    if (n === undefined) throw new Error(`no schema node at ${pointer}`);
    return n;
  };
  const deref = (node) => (node.$ref ? { node: nodeAt(node.$ref.slice(1)), pointer: node.$ref.slice(1) } : { node, pointer: undefined });
  const code = (v) => `\`${typeof v === 'string' ? v : JSON.stringify(v).replace(/,/g, ', ')}\``;
  const bounds = (n) =>
    [
      n.minimum !== undefined && `≥ ${n.minimum}`,
      n.exclusiveMinimum !== undefined && `> ${n.exclusiveMinimum}`,
      n.maximum !== undefined && `≤ ${n.maximum}`,
      n.exclusiveMaximum !== undefined && `< ${n.exclusiveMaximum}`,
    ]
      .filter(Boolean)
      .join(', ');

  /** What a schema accepts, as a list of alternatives (`string`, `list of integer (≥ 1)`, ...). */
  function alts(node, pointer) {
    if (node.$ref) {
      const target = node.$ref.slice(1);
      const anchor = LINKS[target];
      if (anchor) return [`[${NAMES[target] ?? target.split('/').pop()}](#${anchor})`];
      return alts(nodeAt(target), target);
    }
    if (pointer && LINKS[pointer] && node.properties) return [`map, see [${pointer.split('/').pop()}](#${LINKS[pointer]})`];
    if (node.const !== undefined) return [code(node.const)];
    if (node.enum) return node.enum.map(code);
    if (node.oneOf) return node.oneOf.flatMap((b, i) => alts(b, pointer && `${pointer}/oneOf/${i}`));
    const types = Array.isArray(node.type) ? node.type : node.type ? [node.type] : [];
    const out = types.map((t) => {
      if (t === 'array') {
        const items = node.items ? group(alts(node.items, pointer && `${pointer}/items`)) : 'values';
        const n = [node.minItems !== undefined && `at least ${node.minItems}`, node.maxItems !== undefined && `at most ${node.maxItems}`]
          .filter(Boolean)
          .join(', ');
        return `list of ${items}${n ? ` (${n})` : ''}`;
      }
      if (t === 'object') {
        if (node.additionalProperties && typeof node.additionalProperties === 'object' && !node.properties)
          return `map of ${group(alts(node.additionalProperties))}`;
        return 'map';
      }
      const b = bounds(node);
      const extra = [
        b,
        node.pattern && `matching \`${node.pattern}\``,
        node.minLength && `non-empty`,
        node.format && node.format.toUpperCase(),
      ]
        .filter(Boolean)
        .join(', ');
      return extra ? `${t} (${extra})` : t;
    });
    return out.length ? out : ['any'];
  }

  const typeOf = (node, pointer) => listOr(alts(node, pointer));

  function listOr(xs) {
    return xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} or ${xs[xs.length - 1]}`;
  }

  /** Several alternatives bracketed, so `list of (string or number)` reads unambiguously. */
  function group(xs) {
    return xs.length > 1 ? `(${listOr(xs)})` : (xs[0] ?? '');
  }

  const cell = (s) =>
    String(s ?? '')
      .replace(/\|/g, '\\|')
      .replace(/\n/g, ' ');

  function table(pointer, prefix) {
    const node = nodeAt(pointer);
    const required = new Set(node.required ?? []);
    const rows = ['| key | type | default | description |', '|---|---|---|---|'];
    for (const [key, prop] of Object.entries(node.properties ?? {})) {
      const { node: target } = deref(prop);
      const propPointer = `${pointer}/properties/${key}`;
      const dflt = prop.default ?? target.default;
      const desc = prop.description ?? target.description ?? '';
      rows.push(
        `| \`${prefix}${key}\`${required.has(key) ? ' **(required)**' : ''} | ${cell(typeOf(prop, propPointer))} | ${dflt === undefined ? '' : cell(code(dflt))} | ${cell(desc)} |`,
      );
    }
    if (node.additionalProperties && typeof node.additionalProperties === 'object') {
      rows.push(
        `| \`${prefix}<any other key>\` | ${cell(typeOf(node.additionalProperties))} | | ${cell(deref(node.additionalProperties).node.description ?? '')} |`,
      );
    } else if (node.additionalProperties === undefined && pointer !== '') {
      rows.push(`| \`${prefix}<other keys>\` | | | Allowed here; see the description above. |`);
    }
    return rows.join('\n');
  }

  const out = [INTRO];
  for (const [title, anchor, pointer, prefix] of SECTIONS) {
    const node = nodeAt(pointer);
    out.push(`<a id="${anchor}"></a>\n## ${title}\n`);
    if (node.description) out.push(`${node.description}\n`);
    if (anchor === 'serving-suite') {
      out.push('<a id="suites"></a>Each entry of `suites` is one of the five forms below.\n');
    }
    if (anchor === 'dataset-random')
      out.push('<a id="datasets"></a>`dataset` of a serving suite is one of these forms, chosen by `type`.\n');
    out.push(`${table(pointer, prefix)}\n`);
  }
  const duration = nodeAt('/definitions/duration');
  out.push(`<a id="durations"></a>\n## Durations\n\n${duration.description}\n`);
  const threshold = nodeAt('/definitions/threshold');
  out.push(`<a id="tolerance-sentences"></a>\n## Tolerance sentences\n\n${threshold.description}\n`);
  return `${out.join('\n').trimEnd()}\n`;
}

export async function generate() {
  return generateConfigDocs(JSON.parse(await readFile(SCHEMA, 'utf8')));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await writeFile(OUT, await generate());
  console.log(`wrote ${OUT}`);
}
