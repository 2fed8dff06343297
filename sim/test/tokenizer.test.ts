import { describe, expect, it } from 'vitest';
import { countTokens, decode, encode, OUTPUT_WORDS, renderChat } from '../tokenizer.js';

describe('tokenizer', () => {
  it('round-trips any text through encode and decode', () => {
    const text = 'Hello, wörld! 42 tokens\n\tof <|im_start|>text 😀 here.';
    expect(decode(encode(text))).toBe(text);
  });
  it('counts what encode produces', () => {
    const text = 'The quick brown fox jumps over the lazy dog 1234.';
    expect(countTokens(text)).toBe(encode(text).length);
    expect(countTokens(text)).toBeGreaterThan(10);
  });
  it('makes every output word exactly one token, so generated text re-tokenizes to its count', () => {
    for (const w of OUTPUT_WORDS) expect(countTokens(w)).toBe(1);
    const text = OUTPUT_WORDS.slice(0, 20).join('');
    expect(countTokens(text)).toBe(20);
  });
  it('renders chat messages with the ChatML template and counts special tokens as one', () => {
    const t = renderChat([{ role: 'user', content: 'hi' }]);
    expect(t).toBe('<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n');
    expect(encode('<|im_start|>')).toHaveLength(1);
  });
});
