// `vllm-perf-gate config --expand`: the config as it will run, presets and vllm-suite entries
// replaced by their suites and every default filled in, as YAML. Secret values are masked.
import { Document, isScalar, visit } from 'yaml';
import type { LoadedConfig } from './load.js';

export function renderExpandedConfig(loaded: LoadedConfig): string {
  // Longest first, so a secret that contains another is masked whole.
  const secrets = [...loaded.secrets].sort((a, b) => b.length - a.length);
  const mask = (s: string): string => secrets.reduce((acc, x) => acc.split(x).join('***'), s);
  const masked = JSON.parse(JSON.stringify(loaded.config), (_k, v: unknown) => (typeof v === 'string' ? mask(v) : v)) as unknown;
  const doc = new Document(masked, { aliasDuplicateObjects: false });
  // Lists of plain values read best on one line: `concurrency: [1, 2, 4]`.
  visit(doc, {
    Seq(_key, node) {
      if (node.items.every((i) => isScalar(i))) node.flow = true;
    },
  });
  const header = [
    `# ${loaded.file}, expanded: presets and vllm-suite entries replaced by their suites, defaults filled in.`,
    `# config-id: ${loaded.configId}`,
    `# config-hash: ${loaded.configHash}`,
    ...loaded.notes.map((n) => `# note: ${n}`),
  ];
  return `${header.join('\n')}\n${doc.toString({ lineWidth: 0, flowCollectionPadding: false })}`;
}
