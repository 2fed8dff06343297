// Every string that reaches a comment, a summary or a chart came from somebody else: a config, a
// server, a log. These functions make such a string inert: it renders as the same visible text and
// can neither break a table, open an HTML tag or comment, start a code span, ping a user, nor
// smuggle a second marker into the comment.

const ZWSP = '\u200b';

/**
 * Text for Markdown (inline or in a table cell): HTML-significant characters become entities,
 * Markdown punctuation is backslash-escaped, `@` cannot mention and `#12` or `GH-12` cannot link an
 * issue, line breaks become spaces (a cell, a list item or a heading is one line). Control
 * characters go.
 */
export function escapeMarkdown(input: unknown): string {
  const s = String(input ?? '');
  let out = '';
  for (const ch of s) {
    switch (ch) {
      case '&':
        out += '&amp;';
        break;
      case '<':
        out += '&lt;';
        break;
      case '>':
        out += '&gt;';
        break;
      case '"':
        out += '&quot;';
        break;
      case '|':
        // `\|` is what GitHub's table parser honours, also inside code spans; the entity is for
        // places outside tables where a backslash would show.
        out += '&#124;';
        break;
      case '`':
        out += '&#96;';
        break;
      case '@':
        // A zero-width space after @ keeps the text but defeats @mentions and @team pings.
        out += `@${ZWSP}`;
        break;
      case '#':
        // GFM decodes `&#35;` to a plain # in the text (spec: "Entity and numeric character
        // references"), and GitHub finds issue references in that text afterwards, so `&#35;12`
        // alone still links #12: https://github.com/github/cmark-gfm/issues/181 (`&#35;181` and
        // `&#64;github` both still link). The zero-width space after it breaks the reference, as
        // for @ above; the entity stays so that a # at the start of a line cannot open a heading.
        out += `&#35;${ZWSP}`;
        break;
      case '\\':
      case '*':
      case '_':
      case '~':
      case '[':
      case ']':
      case '(':
      case ')':
      case '!':
      case '$':
      case ':':
        out += `\\${ch}`;
        break;
      case '\r':
        break;
      case '\n':
      case '\t':
        out += ' ';
        break;
      default: {
        const code = ch.codePointAt(0) ?? 0;
        // C0/C1 controls, bidi overrides and other invisible formatting characters.
        if (code < 0x20 || (code >= 0x7f && code < 0xa0) || (code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069)) break;
        out += ch;
      }
    }
  }
  // `GH-12` is GitHub's other short issue reference; `owner/repo#12` is broken by the # above.
  // https://docs.github.com/en/get-started/writing-on-github/working-with-advanced-formatting/autolinked-references-and-urls
  return out.replace(/(GH-)(?=\d)/gi, `$1${ZWSP}`);
}

/** Like escapeMarkdown, and long strings are shortened (a log line must not swallow a table). */
export function escapeCell(input: unknown, maxLen = 200): string {
  const s = String(input ?? '');
  const short = [...s].length > maxLen ? `${[...s].slice(0, maxLen - 1).join('')}…` : s;
  return escapeMarkdown(short);
}

/**
 * A string shown as inline code. Code spans cannot hold entities, so instead of a code span we use
 * <code> with the text escaped; GitHub renders it the same way.
 */
export function inlineCode(input: unknown, maxLen = 200): string {
  return `<code>${escapeCell(input, maxLen)}</code>`;
}

/**
 * A label inside a Mermaid chart: quoted by the caller, so it may hold neither quotes nor anything
 * Mermaid or the Markdown fence could read as syntax. Only a conservative character set survives.
 */
export function mermaidLabel(input: unknown, maxLen = 40): string {
  const cleaned = String(input ?? '')
    .replace(/[^A-Za-z0-9 .,=+\-/()]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return cleaned.length > maxLen ? `${cleaned.slice(0, maxLen - 1)}…` : cleaned;
}

/**
 * The config id as it appears inside the hidden marker `<!-- vllm-perf-gate:ID -->`: nothing that
 * could end the HTML comment early (`--`, `>`) or hide in whitespace.
 */
export function markerId(configId: string): string {
  const s = configId
    .replace(/[^A-Za-z0-9._/=+-]/g, '_')
    .replace(/-{2,}/g, '-')
    .slice(0, 120);
  return s.length > 0 ? s : '_';
}

/** The hidden HTML comment that identifies our comment for one config. */
export function commentMarker(configId: string): string {
  return `<!-- vllm-perf-gate:${markerId(configId)} -->`;
}

/** Plain text for a terminal: no control characters or escape sequences, one line. */
export function escapeText(input: unknown, maxLen = 300): string {
  const s = String(input ?? '')
    // eslint-disable-next-line no-control-regex
    .replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, '')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '')
    .replace(/[\r\n\t]+/g, ' ');
  return [...s].length > maxLen ? `${[...s].slice(0, maxLen - 1).join('')}…` : s;
}
