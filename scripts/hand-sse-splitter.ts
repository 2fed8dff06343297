// A hand-written SSE splitter, kept only as the yardstick bench:client measures eventsource-parser
// against (src/load/sse.ts explains the choice). Not used by the product.

export class SseSplitter {
  private readonly decoder = new TextDecoder('utf-8');
  private buf = '';
  private pendingCr = false;

  /**
   * Feeds one read of the body; calls onData(data) for each complete event that has data.
   * Returns how many events it delivered.
   */
  push(chunk: Uint8Array, onData: (data: string) => void): number {
    let text = this.decoder.decode(chunk, { stream: true });
    if (this.pendingCr) {
      text = '\r' + text;
      this.pendingCr = false;
    }
    if (text.includes('\r')) {
      // A CR at the very end may be the first half of a CRLF split across reads: hold it back.
      if (text.endsWith('\r')) {
        this.pendingCr = true;
        text = text.slice(0, -1);
      }
      text = text.replace(/\r\n?/g, '\n');
    }
    let buf = this.buf.length === 0 ? text : this.buf + text;
    let events = 0;
    let from = 0;
    for (;;) {
      const end = buf.indexOf('\n\n', from);
      if (end < 0) break;
      events += this.emit(buf, from, end, onData);
      from = end + 2;
    }
    if (from > 0) buf = from >= buf.length ? '' : buf.slice(from);
    this.buf = buf;
    return events;
  }

  /** Flushes a last event not followed by a blank line (a stream that ended without one). */
  end(onData: (data: string) => void): number {
    const tail = this.decoder.decode() + (this.pendingCr ? '\n' : '');
    const buf = (this.buf + tail).replace(/\n+$/, '');
    this.buf = '';
    return buf.length > 0 ? this.emit(buf, 0, buf.length, onData) : 0;
  }

  /** Bytes held back waiting for the end of an event. */
  get pending(): number {
    return this.buf.length;
  }

  private emit(buf: string, start: number, end: number, onData: (data: string) => void): number {
    // Fast path: a single `data: ...` line, which is every event vLLM writes.
    if (buf.startsWith('data: ', start)) {
      const nl = buf.indexOf('\n', start);
      if (nl < 0 || nl >= end) {
        onData(buf.slice(start + 6, end));
        return 1;
      }
    }
    let data: string | null = null;
    let lineStart = start;
    while (lineStart < end) {
      let nl = buf.indexOf('\n', lineStart);
      if (nl < 0 || nl > end) nl = end;
      const line = buf.slice(lineStart, nl);
      lineStart = nl + 1;
      if (line.length === 0 || line.charCodeAt(0) === 58 /* ':' comment */) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      if (field !== 'data') continue; // event:, id:, retry: carry nothing we measure
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.charCodeAt(0) === 32) value = value.slice(1);
      data = data === null ? value : data + '\n' + value;
    }
    if (data === null) return 0;
    onData(data);
    return 1;
  }
}
