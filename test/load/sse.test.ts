import { describe, expect, it } from 'vitest';
import { SseReader } from '../../src/load/sse.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

function feed(parts: (string | Uint8Array)[]): { data: string[]; malformed: string | null } {
  const data: string[] = [];
  const r = new SseReader((d) => data.push(d));
  for (const part of parts) r.push(typeof part === 'string' ? enc(part) : part);
  r.end();
  return { data, malformed: r.malformed };
}

describe('reading a server-sent event stream', () => {
  it('yields the data of each vLLM event, including [DONE]', () => {
    expect(feed(['data: {"a":1}\n\ndata: [DONE]\n\n']).data).toEqual(['{"a":1}', '[DONE]']);
  });

  it('joins an event split anywhere across reads, even inside a UTF-8 character', () => {
    const bytes = enc('data: {"t":"é€"}\n\ndata: [DONE]\n\n');
    const parts: Uint8Array[] = [];
    for (let i = 0; i < bytes.length; i += 3) parts.push(bytes.slice(i, i + 3));
    expect(feed(parts).data).toEqual(['{"t":"é€"}', '[DONE]']);
  });

  it('treats CRLF line ends as LF, also when CRLF is split across reads', () => {
    expect(feed(['data: 1\r\n\r', '\ndata: 2\r\n\r\n']).data).toEqual(['1', '2']);
  });

  it('skips comments, joins several data lines with a newline', () => {
    expect(feed([': ping\n\nid: 3\ndata: a\ndata:b\n\n']).data).toEqual(['a\nb']);
  });

  it('delivers a last event that lacks the closing blank line at the end of the stream', () => {
    expect(feed(['data: 1\n\ndata: 2']).data).toEqual(['1', '2']);
  });

  it('notes a line that is not SSE at all, so the stream can be called malformed', () => {
    const r = feed(['data: 1\n\n{"choices": [\n\n']);
    expect(r.data).toEqual(['1']);
    expect(r.malformed).toContain('{"choices"');
  });

  it('counts the events each read completed', () => {
    const r = new SseReader(() => {});
    expect(r.push(enc('data: 1\n\ndata: 2\n\ndata: 3'))).toBe(2);
    expect(r.push(enc('\n\n'))).toBe(1);
  });
});
