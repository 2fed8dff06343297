import { describe, expect, it } from 'vitest';
import { didYouMean, levenshtein } from '../../src/config/did-you-mean.js';

describe('didYouMean', () => {
  it('counts edits as Levenshtein does', () => {
    expect(levenshtein('kitten', 'sitting')).toBe(3);
    expect(levenshtein('', 'abc')).toBe(3);
    expect(levenshtein('same', 'same')).toBe(0);
  });

  it('suggests the closest allowed key for a typo', () => {
    expect(didYouMean('concurency', ['concurrency', 'max-concurrency', 'request-rates'])).toBe('concurrency');
    expect(didYouMean('num-promts', ['num-prompts', 'seed'])).toBe('num-prompts');
  });

  it('reads vLLM snake_case spellings as our kebab-case keys', () => {
    expect(didYouMean('request_rates', ['request-rates', 'burstiness'])).toBe('request-rates');
    expect(didYouMean('served_model_name', ['served-model-name', 'model'])).toBe('served-model-name');
  });

  it('suggests nothing when no key is close', () => {
    expect(didYouMean('colour', ['name', 'kind', 'dataset'])).toBeUndefined();
    expect(didYouMean('ab', ['xy'])).toBeUndefined();
  });

  it('finds a snake_case candidate from a kebab-case typo and returns it as it was spelt', () => {
    expect(didYouMean('max-concurency', ['max_concurrency', 'request_rate'])).toBe('max_concurrency');
    expect(didYouMean('tp-k', ['top_k', 'top_p'])).toBe('top_k');
  });

  it('matches snake_case names as they are (metric names)', () => {
    expect(didYouMean('p99_tft_ms', ['p99_ttft_ms', 'mean_itl_ms'])).toBe('p99_ttft_ms');
    expect(didYouMean('P99_TTFT_MS', ['p99_ttft_ms'])).toBe('p99_ttft_ms');
  });
});
