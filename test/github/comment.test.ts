import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github.js';
import { createOctokit } from '../../src/github/octokit.js';
import { postReportComment, upsertComment, tokenLogin, ACTIONS_BOT_LOGIN } from '../../src/github/comment.js';
import { commentMarker } from '../../src/report/escape.js';

let gh: FakeGitHub;
const target = { owner: 'octo', repo: 'gpu-app', issueNumber: 7 };
const pat = () => createOctokit('pat-alice', { GITHUB_API_URL: gh.url });
const appToken = () => createOctokit('ghs_app_token', { GITHUB_API_URL: gh.url });
const body = (id: string, text: string) => `${commentMarker(id)}\n${text}`;

beforeAll(async () => {
  gh = await startFakeGitHub({ users: { 'pat-alice': 'alice' } });
});
afterAll(async () => gh.close());
beforeEach(() => {
  gh.state.comments = [];
  gh.state.forbidden = [];
  gh.state.onRequest = null;
});

describe('upsertComment', () => {
  it('creates the comment once, then updates it in place on every later run', async () => {
    const first = await upsertComment(pat(), target, commentMarker('nightly'), body('nightly', 'run 1'), 'always');
    expect(first.action).toBe('created');
    const second = await upsertComment(pat(), target, commentMarker('nightly'), body('nightly', 'run 2'), 'always');
    expect(second).toMatchObject({ action: 'updated', id: first.action === 'created' ? first.id : -1 });
    const third = await upsertComment(pat(), target, commentMarker('nightly'), body('nightly', 'run 3'), 'always');
    expect(third.action).toBe('updated');
    expect(gh.state.comments).toHaveLength(1);
    expect(gh.state.comments[0]!.body).toContain('run 3');
  });

  it('does not re-send a body that has not changed', async () => {
    await upsertComment(pat(), target, commentMarker('a'), body('a', 'same'), 'always');
    const before = gh.state.requests.filter((r) => r.method === 'PATCH').length;
    const r = await upsertComment(pat(), target, commentMarker('a'), body('a', 'same'), 'always');
    expect(r.action).toBe('unchanged');
    expect(gh.state.requests.filter((r) => r.method === 'PATCH').length).toBe(before);
  });

  it('finds its comment behind more than 100 others (paginated lookup) and never duplicates it', async () => {
    await upsertComment(pat(), target, commentMarker('nightly'), body('nightly', 'v1'), 'always');
    const now = new Date().toISOString();
    for (let i = 0; i < 230; i++)
      gh.state.comments.push({
        id: gh.state.nextId(),
        issue: 7,
        body: `chatter ${i}`,
        user: { login: 'bob', type: 'User' },
        created_at: now,
        updated_at: now,
      });
    // Move ours to the end so it is on the third page.
    const ours = gh.state.comments.shift()!;
    ours.id = gh.state.nextId();
    gh.state.comments.push(ours);
    const r = await upsertComment(pat(), target, commentMarker('nightly'), body('nightly', 'v2'), 'always');
    expect(r.action).toBe('updated');
    expect(gh.state.comments.filter((c) => c.body.includes(commentMarker('nightly')))).toHaveLength(1);
    const pages = gh.state.requests.filter((q) => q.method === 'GET' && q.path.endsWith('/issues/7/comments'));
    expect(pages.length).toBeGreaterThanOrEqual(3);
  });

  it('a job that loses a race to create the comment deletes its copy and updates the first one', async () => {
    let injected = 0;
    gh.state.onRequest = (req, state) => {
      if (req.method !== 'POST' || !req.path.endsWith('/issues/7/comments') || injected) return;
      // The other job's create lands between our lookup and our create.
      const now = new Date().toISOString();
      injected = state.nextId();
      state.comments.push({
        id: injected,
        issue: 7,
        body: body('race', 'other job'),
        user: { login: 'alice', type: 'User' },
        created_at: now,
        updated_at: now,
      });
    };
    try {
      const r = await upsertComment(pat(), target, commentMarker('race'), body('race', 'this job'), 'always');
      expect(r).toMatchObject({ action: 'updated', id: injected });
      expect(gh.state.comments).toHaveLength(1);
      expect(gh.state.comments[0]).toMatchObject({ id: injected, body: body('race', 'this job') });
    } finally {
      gh.state.onRequest = null;
    }
  });

  it('several jobs racing at once leave exactly one comment', async () => {
    await Promise.all([1, 2, 3].map((i) => upsertComment(pat(), target, commentMarker('race3'), body('race3', `job ${i}`), 'always')));
    expect(gh.state.comments.filter((c) => c.body.includes(commentMarker('race3')))).toHaveLength(1);
  });

  it('keeps one comment per config id', async () => {
    await upsertComment(pat(), target, commentMarker('h100'), body('h100', 'h100 v1'), 'always');
    await upsertComment(pat(), target, commentMarker('l4'), body('l4', 'l4 v1'), 'always');
    await upsertComment(pat(), target, commentMarker('h100'), body('h100', 'h100 v2'), 'always');
    expect(gh.state.comments.map((c) => c.body.split('\n')[1]).sort()).toEqual(['h100 v2', 'l4 v1']);
  });

  it('ignores a comment by someone else that carries our marker (it could be pasted to hijack)', async () => {
    const now = new Date().toISOString();
    gh.state.comments.push({
      id: gh.state.nextId(),
      issue: 7,
      body: body('nightly', 'fake by mallory'),
      user: { login: 'mallory', type: 'User' },
      created_at: now,
      updated_at: now,
    });
    const r = await upsertComment(pat(), target, commentMarker('nightly'), body('nightly', 'real'), 'always');
    expect(r.action).toBe('created');
    expect(gh.state.comments.find((c) => c.user.login === 'mallory')!.body).toContain('fake by mallory');
  });

  it('with the Actions token (GET /user refused) matches comments by github-actions[bot]', async () => {
    expect(await tokenLogin(appToken())).toBe(ACTIONS_BOT_LOGIN);
    const a = await upsertComment(appToken(), target, commentMarker('x'), body('x', 'one'), 'always');
    const b = await upsertComment(appToken(), target, commentMarker('x'), body('x', 'two'), 'always');
    expect(a.action).toBe('created');
    expect(b.action).toBe('updated');
    expect(gh.state.comments).toHaveLength(1);
    expect(gh.state.comments[0]!.user.login).toBe('github-actions[bot]');
  });

  it('on-change creates nothing while nothing changed, but updates an existing comment', async () => {
    const skipped = await upsertComment(pat(), target, commentMarker('c'), body('c', 'quiet'), 'on-change', { changed: false });
    expect(skipped.action).toBe('skipped');
    expect(gh.state.comments).toHaveLength(0);
    const created = await upsertComment(pat(), target, commentMarker('c'), body('c', 'regressed'), 'on-change', { changed: true });
    expect(created.action).toBe('created');
    const updated = await upsertComment(pat(), target, commentMarker('c'), body('c', 'quiet again'), 'on-change', { changed: false });
    expect(updated.action).toBe('updated');
    expect(gh.state.comments[0]!.body).toContain('quiet again');
  });

  it('never posts with comment: never', async () => {
    const r = await upsertComment(pat(), target, commentMarker('n'), body('n', 'x'), 'never', { changed: true });
    expect(r.action).toBe('skipped');
    gh.state.requests.length = 0;
    await upsertComment(pat(), target, commentMarker('n'), body('n', 'y'), 'never', { changed: true });
    expect(gh.state.requests).toHaveLength(0);
    expect(gh.state.comments).toHaveLength(0);
  });

  it('a 403 (read-only token) returns a notice for the summary instead of throwing', async () => {
    gh.state.forbidden.push({ method: 'POST', path: /\/issues\/\d+\/comments$/ });
    const r = await upsertComment(pat(), target, commentMarker('f'), body('f', 'x'), 'always');
    expect(r.action).toBe('forbidden');
    if (r.action === 'forbidden') {
      expect(r.notice).toContain('pull-requests: write');
      expect(r.notice).toContain('Resource not accessible by integration');
    }
    expect(gh.state.comments).toHaveLength(0);
  });
});

describe('postReportComment', () => {
  const report = (text: string, policy: 'always' | 'on-change' | 'never' = 'always', changed = true) => ({
    marker: commentMarker('nightly'),
    body: body('nightly', text),
    policy,
    changed,
  });

  it('posts the report on the PR and hands back its URL', async () => {
    const r = await postReportComment(pat(), target, report('run 1'));
    expect(r.notice).toBeUndefined();
    expect(gh.state.comments).toHaveLength(1);
    expect(r.url).toMatch(/^https?:\/\/.+/);
  });

  it('posts nothing without a pull request or with comment: never', async () => {
    const before = gh.state.requests.length;
    expect(await postReportComment(pat(), null, report('run 1'))).toEqual({});
    expect(await postReportComment(pat(), target, report('run 1', 'never'))).toEqual({});
    expect(gh.state.comments).toHaveLength(0);
    expect(gh.state.requests.length).toBe(before);
  });

  it('with on-change and nothing changed, creates no comment and has no URL', async () => {
    expect(await postReportComment(pat(), target, report('same', 'on-change', false))).toEqual({});
    expect(gh.state.comments).toHaveLength(0);
  });

  it('turns a refused token into a notice for the job summary, not an error', async () => {
    gh.state.forbidden.push({ method: 'POST', path: /\/issues\/\d+\/comments$/ });
    const r = await postReportComment(pat(), target, report('run 1'));
    expect(r.url).toBeUndefined();
    expect(r.notice).toMatch(/pull-requests: write/);
  });
});
