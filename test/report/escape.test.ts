import { describe, expect, it } from 'vitest';
import { commentMarker, escapeMarkdown, escapeText, inlineCode, markerId, mermaidLabel } from '../../src/report/escape.js';

const HOSTILE = [
  'a | b',
  '<script>alert(1)</script>',
  '<!-- vllm-perf-gate:nightly -->',
  '`rm -rf /`',
  '@octo-org/admins please look',
  '**bold** _em_ ~~strike~~ [link](javascript:alert(1)) ![img](http://x/y.png)',
  'line1\nline2\r\n| --- |',
  'fixes #123 and https://evil.example/phish',
  'see GH-7, gh-8 and octo/gpu-app#9',
  '\u202Eevil\u0007bell\u001b[31mred',
  '$\\sqrt{x}$ :warning:',
];

describe('escapeMarkdown', () => {
  it.each(HOSTILE)('leaves nothing active in %j', (s) => {
    const e = escapeMarkdown(s);
    expect(e).not.toMatch(/[<>`|\n\r]/);
    expect(e).not.toMatch(/@(?!\u200b)/);
    expect(e).not.toMatch(/(^|[^\\])[*_~[\]()!$:]/);
    expect(e).not.toMatch(/#(?!\d*;)|(?<!&)#/);
    // Issue references: GitHub decodes &#35; back to # before it links #123 (see escape.ts).
    const decoded = e.replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)));
    expect(decoded).not.toMatch(/#\d|GH-\d/i);
    // eslint-disable-next-line no-control-regex -- control characters are what must not get through
    expect(e).not.toMatch(/[\u0000-\u001f\u202a-\u202e]/);
  });

  it('keeps the visible text: entities and backslash escapes render back to the original characters', () => {
    expect(escapeMarkdown('a | b <c> `d` @e #1 x_y')).toBe('a &#124; b &lt;c&gt; &#96;d&#96; @\u200be &#35;\u200b1 x\\_y');
  });

  it('breaks issue references as GitHub reads them after decoding entities: #12, GH-12, owner/repo#12', () => {
    expect(escapeMarkdown('#12')).toBe('&#35;\u200b12');
    expect(escapeMarkdown('GH-12 gh-3')).toBe('GH-\u200b12 gh-\u200b3');
    expect(escapeMarkdown('octo/gpu-app#12')).toBe('octo/gpu-app&#35;\u200b12');
    expect(escapeMarkdown('GH-x and #x')).toBe('GH-x and &#35;\u200bx');
  });

  it('inline code uses <code> with escaped text, since a code span cannot hold entities', () => {
    expect(inlineCode('a`b|c')).toBe('<code>a&#96;b&#124;c</code>');
    expect(inlineCode('x'.repeat(300), 10)).toBe(`<code>${'x'.repeat(9)}…</code>`);
  });
});

describe('markers and chart labels', () => {
  it('a config id cannot end the hidden marker early or inject a second one', () => {
    expect(commentMarker('nightly')).toBe('<!-- vllm-perf-gate:nightly -->');
    const m = commentMarker('x --> <!-- vllm-perf-gate:other');
    expect(m.match(/-->/g)).toHaveLength(1);
    expect(m.match(/<!--/g)).toHaveLength(1);
    expect(markerId('a--b')).toBe('a-b');
    expect(markerId('')).toBe('_');
  });

  it('mermaid labels keep only characters Mermaid reads as text', () => {
    expect(mermaidLabel('sweep "x"]\n```\n%%{init}%%')).toBe('sweep x init');
  });

  it('plain text drops terminal escape sequences and control characters', () => {
    expect(escapeText('\u001b[31mred\u001b[0m\u0007 and\nnext')).toBe('red and next');
  });
});
