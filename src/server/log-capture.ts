// A child's stdout and stderr as timestamped lines in a file (server.log, <suite>.log), masked, with
// the last lines kept in memory for error messages and progress lines.
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { Masker } from './mask.js';

export interface LogCaptureOptions {
  /** Lines kept in memory. */
  keep?: number;
  mask?: Masker;
  /** Wall-clock time of a line (the file's timestamps). */
  now?: () => Date;
}

export class LogCapture {
  readonly path: string;
  private readonly file: WriteStream;
  private readonly ring: string[] = [];
  private readonly keep: number;
  private readonly mask: Masker;
  private readonly now: () => Date;
  private lastOut: string | undefined;
  private open = 0;
  private closed = false;

  constructor(filePath: string, opts: LogCaptureOptions = {}) {
    this.path = filePath;
    mkdirSync(path.dirname(filePath), { recursive: true });
    this.file = createWriteStream(filePath, { flags: 'a' });
    // A full disk must not take the run down with it; the in-memory tail still works.
    this.file.on('error', () => {});
    this.keep = opts.keep ?? 200;
    this.mask = opts.mask ?? ((t) => t);
    this.now = opts.now ?? (() => new Date());
  }

  /**
   * Reads a stream line by line until it ends. Progress bars (tqdm's `\r` updates) become lines of
   * their own, so the last line is what the user last saw.
   */
  attach(stream: Readable | null | undefined, tag = ''): void {
    if (!stream) return;
    this.open++;
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (partial + chunk).split(/\r\n|\n|\r/);
      partial = parts.pop() ?? '';
      for (const p of parts) this.output(p, tag);
    });
    const end = (): void => {
      if (partial !== '') this.output(partial, tag);
      partial = '';
      this.open--;
    };
    stream.once('end', end);
    stream.once('error', end);
  }

  private output(text: string, tag: string): void {
    this.line(text, tag);
    if (text.trim() !== '') this.lastOut = this.mask(text);
  }

  /** The child's last non-blank line (ours left out). */
  lastOutputLine(): string | undefined {
    return this.lastOut;
  }

  /** Adds one line (ours or the child's). Blank lines are kept in the file only. */
  line(text: string, tag = ''): void {
    const masked = this.mask(text);
    if (!this.closed) this.file.write(`${this.now().toISOString()} ${tag}${masked}\n`);
    if (masked.trim() === '') return;
    this.ring.push(masked);
    if (this.ring.length > this.keep) this.ring.shift();
  }

  /** The last n non-blank lines, oldest first. */
  lastLines(n: number): string[] {
    return n <= 0 ? [] : this.ring.slice(-n);
  }

  lastLine(): string | undefined {
    return this.ring[this.ring.length - 1];
  }

  /** Whether every attached stream has ended. */
  get drained(): boolean {
    return this.open === 0;
  }

  /** Flushes and closes the file; later lines stay in memory only. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return new Promise((resolve) => this.file.end(() => resolve()));
  }
}
