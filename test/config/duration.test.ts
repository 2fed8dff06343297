import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../src/config/duration.js';
import { GateError } from '../../src/errors.js';

describe('parseDuration', () => {
  it('reads a number as seconds and returns milliseconds', () => {
    expect(parseDuration(30)).toBe(30_000);
    expect(parseDuration(0.25)).toBe(250);
  });

  it('reads ms, s, m and h suffixes', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('1.5s')).toBe(1_500);
    expect(parseDuration('20m')).toBe(1_200_000);
    expect(parseDuration('1h')).toBe(3_600_000);
  });

  it('rejects what is not a duration with a CONFIG error that shows the accepted forms', () => {
    for (const bad of ['30 sec', '-1s', 'soon', -5]) {
      let err: unknown;
      try {
        parseDuration(bad, { file: 'c.yaml', path: 'server.startup-timeout' });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(GateError);
      expect((err as GateError).code).toBe('CONFIG');
      expect((err as GateError).where.path).toBe('server.startup-timeout');
      expect((err as GateError).hint).toMatch(/"30s"/);
    }
  });
});
