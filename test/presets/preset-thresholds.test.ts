// A preset may gate metrics that are only observed elsewhere: the prefix-cache preset gates its hit
// rate. Its lines join the config's thresholds (visible in `config --expand`); the config's own win.
import { describe, expect, it } from 'vitest';
import { loadConfigText } from '../../src/config/load.js';

const config = (extra: string[] = []): string =>
  ['version: 1', 'server: { command: vllm-sim, model: m }', 'suites:', '  - preset: prefix-cache', ...extra, ''].join('\n');

describe('tolerances a preset brings', () => {
  it('gates the prefix-cache suite on its hit rate, a 10% drop at most', async () => {
    const loaded = await loadConfigText(config(), 'perf.yml');
    expect(loaded.config.thresholds?.suites?.['prefix-cache']).toEqual({ prefix_cache_hit_rate: '-10%' });
    expect(loaded.thresholds.suites['prefix-cache']?.prefix_cache_hit_rate).toBeDefined();
  });

  it("leaves the config's own line for the metric, and its other lines, as they are", async () => {
    const loaded = await loadConfigText(
      config(['thresholds:', '  suites:', '    prefix-cache: { prefix_cache_hit_rate: observe, median_ttft_ms: "+20%" }']),
      'perf.yml',
    );
    expect(loaded.config.thresholds?.suites?.['prefix-cache']).toEqual({ prefix_cache_hit_rate: 'observe', median_ttft_ms: '+20%' });
  });

  it('follows the suite to its name when the preset entry renames it', async () => {
    const loaded = await loadConfigText(config(['    name: warm-prefixes']), 'perf.yml');
    expect(Object.keys(loaded.config.thresholds?.suites ?? {})).toEqual(['warm-prefixes']);
  });

  it('brings nothing for presets without such lines', async () => {
    const loaded = await loadConfigText(config().replace('prefix-cache', 'concurrency-sweep'), 'perf.yml');
    expect(loaded.config.thresholds?.suites).toBeUndefined();
  });
});
