import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveFileBaseline } from '../../src/github/baseline-file.js';
import { commonFolder } from '../../src/github/artifacts.js';
import { describeError } from '../../src/errors.js';
import { loadBaseline } from '../../src/github/baseline.js';
import { readSettings } from '../../src/github/settings.js';
import { createOctokit } from '../../src/github/octokit.js';

const ws = mkdtempSync(path.join(tmpdir(), 'vpg-ws-'));
mkdirSync(path.join(ws, 'perf', 'history'), { recursive: true });
writeFileSync(
  path.join(ws, 'perf', 'baseline.json'),
  readFileSync(path.join(import.meta.dirname, '../report/fixtures/nightly.baseline.json')),
);
afterAll(() => rmSync(ws, { recursive: true, force: true }));

describe('baseline-source: file', () => {
  it('resolves a file or a folder inside the workspace', () => {
    expect(resolveFileBaseline('perf/baseline.json', ws)).toBe(path.join(ws, 'perf', 'baseline.json'));
    expect(resolveFileBaseline('perf/history', ws)).toBe(path.join(ws, 'perf', 'history'));
  });

  it('a missing baseline names the path and how to fix it', () => {
    const msg = describeError(
      (() => {
        try {
          resolveFileBaseline('perf/nope.json', ws);
        } catch (e) {
          return e;
        }
      })(),
    );
    expect(msg).toMatch(
      /^perf\/nope\.json: The baseline perf\/nope\.json does not exist in the repository\.\n {2}fix: commit a results\.json/,
    );
  });

  it('loadBaseline reads the committed results file, without any API call', async () => {
    const settings = readSettings((n) => ({ 'baseline-source': 'file', 'baseline-path': 'perf/baseline.json' })[n] ?? '');
    const ctx = { owner: 'o', repo: 'r', eventName: 'pull_request', ref: '', sha: '', runId: 1, runAttempt: 1, serverUrl: '' };
    const loaded = await loadBaseline({
      settings,
      octokit: createOctokit('t', { GITHUB_API_URL: 'http://127.0.0.1:9' }),
      ctx,
      configId: 'nightly',
      workspace: ws,
      downloadDir: ws,
    });
    expect(loaded).toMatchObject({ source: 'file perf/baseline.json' });
    expect(loaded!.docs.map((d) => d.run.id)).toEqual(['run-1']);
  });

  it('refuses a path outside the repository', () => {
    expect(() => resolveFileBaseline('../../etc/passwd', ws)).toThrow(/outside the repository/);
  });
});

describe('commonFolder', () => {
  it('is the deepest folder holding every artifact file', () => {
    expect(commonFolder(['/a/b/c/results.json', '/a/b/c/vllm/x.json', '/a/b/c/server.log'])).toBe('/a/b/c');
    expect(commonFolder(['/a/b/x.json', '/a/c/y.json'])).toBe('/a');
  });
});
