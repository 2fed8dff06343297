import { describe, expect, it } from 'vitest';
import { loadConfigText } from '../../src/config/load.js';
import { renderExpandedConfig } from '../../src/config/render.js';

const CONFIG = `version: 1
server:
  model: m
  env: { HF_TOKEN: hf_secret_value, VLLM_LOGGING_LEVEL: WARNING }
suites:
  - preset: concurrency-sweep
  - name: rates
    kind: serving
    dataset: { type: random, num-prompts: 10 }
    request-rates: [1, 4, inf]
`;

describe('renderExpandedConfig', () => {
  it('prints the expanded config as YAML that loads back to the same config', async () => {
    const plain = CONFIG.replace('  env: { HF_TOKEN: hf_secret_value, VLLM_LOGGING_LEVEL: WARNING }\n', '');
    const loaded = await loadConfigText(plain, 'gate.yml');
    const text = renderExpandedConfig(loaded);
    expect(text).not.toContain('preset:');
    expect(text).toContain('request-rates: [1, 4, inf]');
    const again = await loadConfigText(text, 'gate.yml');
    expect(again.config).toEqual(loaded.config);
    expect(again.configHash).toBe(loaded.configHash);
  });

  it('starts with the id and hash and masks secret values', async () => {
    const loaded = await loadConfigText(CONFIG, 'gate.yml');
    const text = renderExpandedConfig(loaded);
    expect(text.split('\n').slice(0, 3)).toEqual([
      '# gate.yml, expanded: presets and vllm-suite entries replaced by their suites, defaults filled in.',
      '# config-id: gate',
      `# config-hash: ${loaded.configHash}`,
    ]);
    expect(text).not.toContain('hf_secret_value');
    expect(text).toContain('HF_TOKEN: "***"');
    expect(text).toContain('VLLM_LOGGING_LEVEL: WARNING');
  });

  it('masks a secret inside a longer value, such as the password of a URL', async () => {
    const loaded = await loadConfigText(CONFIG.replace('  model: m\n', '  url: "https://bench:hunter2@gpu-box:8000"\n'), 'gate.yml');
    const text = renderExpandedConfig(loaded);
    expect(text).not.toContain('hunter2');
    expect(text).toContain('url: https://bench:***@gpu-box:8000');
  });
});
