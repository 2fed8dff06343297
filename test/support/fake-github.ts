// A local fake of the parts of the GitHub REST API the action uses, and of the Actions artifact
// results service (Twirp JSON) that @actions/artifact v6 talks to. A real HTTP server on
// 127.0.0.1 with in-memory state that tests can seed and inspect:
//
//   const gh = await startFakeGitHub({ users: { 'pat-1': 'alice' } });
//   process.env.GITHUB_API_URL = gh.url; ...
//   gh.state.comments  gh.state.issues  gh.state.readFile('perf-baselines', 'x.json')  gh.state.requests
//   await gh.close();
//
// Shapes follow GitHub's REST responses as far as the action reads them; anything it does not read
// is left out. Blob storage for artifacts is Azurite (test/support/azurite.ts): the fake hands out
// SAS URLs pointing at it, exactly as the real service hands out Azure URLs.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BlobSASPermissions, ContainerClient, StorageSharedKeyCredential, generateBlobSASQueryParameters } from '@azure/storage-blob';

export interface FakeUser {
  login: string;
  type: 'User' | 'Bot';
}

export interface FakeComment {
  id: number;
  issue: number;
  body: string;
  user: FakeUser;
  created_at: string;
  updated_at: string;
}

export interface FakeIssue {
  number: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  labels: string[];
  user: FakeUser;
  created_at: string;
  updated_at: string;
}

export interface FakeFile {
  content: Buffer;
  sha: string;
}

export interface FakeBranch {
  sha: string;
  files: Map<string, FakeFile>;
}

export interface FakeRun {
  id: number;
  workflow_id: number;
  /** The workflow file, e.g. `.github/workflows/perf.yml`. */
  path: string;
  head_branch: string;
  head_sha: string;
  event: string;
  status: 'completed' | 'in_progress' | 'queued';
  conclusion: 'success' | 'failure' | 'cancelled' | null;
  created_at: string;
  /** Commit time of head_sha. */
  head_commit_timestamp: string;
  /** The results service's id for the run (ACTIONS_RUNTIME_TOKEN's scp claim). */
  backendId: string;
}

export interface FakeArtifact {
  id: number;
  runId: number;
  jobBackendId: string;
  name: string;
  size: number;
  digest: string | null;
  blobName: string;
  created_at: string;
  expired: boolean;
  finalized: boolean;
}

export interface ForbidRule {
  method?: string;
  /** Matched against the request path (no query). */
  path: RegExp;
  message?: string;
  /** How many times to refuse; unlimited when absent. */
  times?: number;
}

export interface FakePull {
  number: number;
  headOwner: string;
  headBranch: string;
  headSha: string;
  /** The base commit (`base.sha`); a made-up one when not given. */
  baseSha?: string;
  state: 'open' | 'closed';
}

export interface FakeState {
  owner: string;
  repo: string;
  defaultBranch: string;
  comments: FakeComment[];
  /** Issues (not pull requests), numbered from 500 so they never meet a test's PR numbers. */
  issues: FakeIssue[];
  branches: Map<string, FakeBranch>;
  runs: FakeRun[];
  artifacts: FakeArtifact[];
  pulls: FakePull[];
  /** Commit sha -> commit date (ISO). */
  commits: Map<string, string>;
  /** Every request, in arrival order. */
  requests: { method: string; path: string; query: string; status?: number }[];
  /** Requests matching a rule get a 403 (as a read-only token would). */
  forbidden: ForbidRule[];
  /** Called for every request before it is handled (after the 403 rules): lets a test act between two requests. */
  onRequest: ((req: { method: string; path: string }, state: FakeState) => void) | null;
  /** Called once before the next contents PUT is handled: lets a test write in between (a racing writer). */
  beforeNextPut: ((state: FakeState) => void) | null;
  /** Files above this size come back from GET contents without content, as GitHub does above 1 MB. */
  contentsInlineLimit: number;
  readFile(branch: string, path: string): string | null;
  writeFile(branch: string, path: string, content: string): string;
  addRun(run: Partial<FakeRun> & { head_sha: string }): FakeRun;
  nextId(): number;
}

export interface FakeGitHubOptions {
  owner?: string;
  repo?: string;
  defaultBranch?: string;
  /** token -> login of a user (GET /user answers). Any other token acts as the Actions GITHUB_TOKEN: GET /user is 403 and comments are by github-actions[bot]. */
  users?: Record<string, string>;
  /** Azurite for artifact blobs; without it the results service answers 500. */
  azurite?: { blobUrl: string; account: string; key: string };
  forbidden?: ForbidRule[];
}

export interface FakeGitHub {
  /** Base URL for GITHUB_API_URL and ACTIONS_RESULTS_URL. */
  url: string;
  state: FakeState;
  close: () => Promise<void>;
}

const CONTAINER = 'actions-results';
const APP_BOT: FakeUser = { login: 'github-actions[bot]', type: 'Bot' };

export function gitBlobSha(content: Buffer): string {
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function startFakeGitHub(opts: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  let counter = 1000;
  const nextId = (): number => ++counter;
  const sha = (): string => createHash('sha1').update(`commit-${nextId()}-${Math.random()}`).digest('hex');
  const defaultBranch = opts.defaultBranch ?? 'main';
  const state: FakeState = {
    owner: opts.owner ?? 'octo',
    repo: opts.repo ?? 'gpu-app',
    defaultBranch,
    comments: [],
    issues: [],
    branches: new Map([[defaultBranch, { sha: sha(), files: new Map() }]]),
    runs: [],
    artifacts: [],
    pulls: [],
    commits: new Map(),
    requests: [],
    forbidden: [...(opts.forbidden ?? [])],
    beforeNextPut: null,
    onRequest: null,
    contentsInlineLimit: 1_000_000,
    readFile(branch, path) {
      return state.branches.get(branch)?.files.get(path)?.content.toString('utf8') ?? null;
    },
    writeFile(branch, path, content) {
      const b = state.branches.get(branch);
      if (!b) throw new Error(`no branch ${branch}`);
      const buf = Buffer.from(content, 'utf8');
      const s = gitBlobSha(buf);
      b.files.set(path, { content: buf, sha: s });
      b.sha = sha();
      return s;
    },
    addRun(run) {
      const id = run.id ?? nextId();
      const r: FakeRun = {
        id,
        workflow_id: 77,
        path: '.github/workflows/perf.yml',
        head_branch: defaultBranch,
        event: 'push',
        status: 'completed',
        conclusion: 'success',
        created_at: new Date(Date.UTC(2026, 10, 1) + id * 60_000).toISOString(),
        head_commit_timestamp: new Date(Date.UTC(2026, 10, 1) + id * 60_000 - 30_000).toISOString(),
        backendId: `run-backend-${id}`,
        ...run,
      };
      state.runs.push(r);
      return r;
    },
    nextId,
  };

  // Objects written through the git data API (blob, tree, commit), for commits made without a
  // checkout. A branch head made by the contents API or writeFile is not here: its tree is its files.
  const gitBlobs = new Map<string, Buffer>();
  const gitTrees = new Map<string, Map<string, FakeFile>>();
  const gitCommits = new Map<string, { tree: string; parents: string[]; message: string }>();
  const treeOf = (files: Map<string, FakeFile>): string => {
    const listing = [...files].map(([path, f]) => `${path}\0${f.sha}`).sort();
    const t = createHash('sha1')
      .update(`tree ${listing.join('\n')}`)
      .digest('hex');
    gitTrees.set(t, new Map(files));
    return t;
  };
  const commitOf = (commitSha: string): { tree: string; parents: string[]; message: string } | undefined => {
    const c = gitCommits.get(commitSha);
    if (c) return c;
    const head = [...state.branches.values()].find((b) => b.sha === commitSha);
    return head ? { tree: treeOf(head.files), parents: [], message: '' } : undefined;
  };
  /** Whether `ancestor` is `commitSha` or one of its parents' ancestors (the fast-forward test). */
  const descends = (commitSha: string, ancestor: string): boolean => {
    const todo = [commitSha];
    for (let c = todo.pop(); c !== undefined; c = todo.pop()) {
      if (c === ancestor) return true;
      todo.push(...(gitCommits.get(c)?.parents ?? []));
    }
    return false;
  };

  const users = opts.users ?? {};
  const az = opts.azurite;
  let cred: StorageSharedKeyCredential | null = null;
  if (az) {
    cred = new StorageSharedKeyCredential(az.account, az.key);
    const container = new ContainerClient(`${az.blobUrl}/${az.account}/${CONTAINER}`, cred);
    await container.createIfNotExists();
  }
  const sasUrl = (blobName: string, perms: string): string => {
    if (!az || !cred) throw new HttpError(500, 'the fake has no blob store (start it with { azurite })');
    const q = generateBlobSASQueryParameters(
      {
        containerName: CONTAINER,
        blobName,
        permissions: BlobSASPermissions.parse(perms),
        startsOn: new Date(Date.now() - 60_000),
        expiresOn: new Date(Date.now() + 3_600_000),
      },
      cred,
    ).toString();
    return `${az.blobUrl}/${az.account}/${CONTAINER}/${blobName.split('/').map(encodeURIComponent).join('/')}?${q}`;
  };

  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      const message = err instanceof Error ? err.message : String(err);
      if (!res.headersSent) send(res, status, { message, documentation_url: 'https://docs.github.com/rest' });
    });
  });

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const last = state.requests[state.requests.length - 1];
    if (last && last.status === undefined) last.status = status;
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(body === undefined ? '' : JSON.stringify(body));
  }

  async function readBody(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    if (text.length === 0) return {};
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new HttpError(400, 'Problems parsing JSON');
    }
  }

  function tokenOf(req: IncomingMessage): string | null {
    const h = req.headers.authorization ?? '';
    const m = /^(?:token|bearer)\s+(.+)$/i.exec(h);
    return m?.[1] ?? null;
  }

  function authorOf(req: IncomingMessage): FakeUser {
    const t = tokenOf(req);
    const login = t ? users[t] : undefined;
    return login ? { login, type: 'User' } : APP_BOT;
  }

  /** GitHub's page/per_page with a Link header of absolute URLs (what octokit.paginate follows). */
  function page<T>(req: IncomingMessage, url: URL, items: T[]): { items: T[]; headers: Record<string, string> } {
    const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get('per_page') ?? 30) || 30));
    const pageNo = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
    const lastPage = Math.max(1, Math.ceil(items.length / perPage));
    const slice = items.slice((pageNo - 1) * perPage, pageNo * perPage);
    const link = (p: number, rel: string): string => {
      const u = new URL(url.toString());
      u.protocol = 'http:';
      u.host = req.headers.host ?? u.host;
      u.searchParams.set('page', String(p));
      u.searchParams.set('per_page', String(perPage));
      return `<${u.toString()}>; rel="${rel}"`;
    };
    const links: string[] = [];
    if (pageNo < lastPage) links.push(link(pageNo + 1, 'next'), link(lastPage, 'last'));
    if (pageNo > 1) links.push(link(1, 'first'), link(pageNo - 1, 'prev'));
    return { items: slice, headers: links.length > 0 ? { link: links.join(', ') } : {} };
  }

  const commentJson = (c: FakeComment, base: string): Record<string, unknown> => ({
    id: c.id,
    node_id: `IC_${c.id}`,
    body: c.body,
    user: { login: c.user.login, type: c.user.type, id: c.user.login.length },
    created_at: c.created_at,
    updated_at: c.updated_at,
    html_url: `https://github.com/${state.owner}/${state.repo}/pull/${c.issue}#issuecomment-${c.id}`,
    url: `${base}/repos/${state.owner}/${state.repo}/issues/comments/${c.id}`,
  });

  const issueJson = (i: FakeIssue, base: string): Record<string, unknown> => ({
    id: 90_000 + i.number,
    number: i.number,
    title: i.title,
    body: i.body,
    state: i.state,
    labels: i.labels.map((name) => ({ name })),
    user: { login: i.user.login, type: i.user.type },
    created_at: i.created_at,
    updated_at: i.updated_at,
    html_url: `https://github.com/${state.owner}/${state.repo}/issues/${i.number}`,
    url: `${base}/repos/${state.owner}/${state.repo}/issues/${i.number}`,
  });

  const pullJson = (x: FakePull): Record<string, unknown> => ({
    number: x.number,
    state: x.state,
    head: {
      sha: x.headSha,
      ref: x.headBranch,
      label: `${x.headOwner}:${x.headBranch}`,
      repo: { full_name: `${x.headOwner}/${state.repo}` },
    },
    base: { sha: x.baseSha ?? '0'.repeat(40), ref: state.defaultBranch, repo: { full_name: `${state.owner}/${state.repo}` } },
  });

  const runJson = (r: FakeRun): Record<string, unknown> => ({
    id: r.id,
    name: 'perf',
    workflow_id: r.workflow_id,
    path: r.path,
    head_branch: r.head_branch,
    head_sha: r.head_sha,
    event: r.event,
    status: r.status,
    conclusion: r.conclusion,
    created_at: r.created_at,
    updated_at: r.created_at,
    run_attempt: 1,
    head_commit: { id: r.head_sha, timestamp: r.head_commit_timestamp },
    html_url: `https://github.com/${state.owner}/${state.repo}/actions/runs/${r.id}`,
  });

  const artifactJson = (a: FakeArtifact): Record<string, unknown> => {
    const run = state.runs.find((r) => r.id === a.runId);
    return {
      id: a.id,
      name: a.name,
      size_in_bytes: a.size,
      created_at: a.created_at,
      expired: a.expired,
      digest: a.digest,
      archive_download_url: `/repos/${state.owner}/${state.repo}/actions/artifacts/${a.id}/zip`,
      workflow_run: run ? { id: run.id, head_branch: run.head_branch, head_sha: run.head_sha } : null,
    };
  };

  function fileJson(path: string, f: FakeFile): Record<string, unknown> {
    const inline = f.content.length <= state.contentsInlineLimit;
    return {
      type: 'file',
      name: path.split('/').pop(),
      path,
      sha: f.sha,
      size: f.content.length,
      encoding: inline ? 'base64' : 'none',
      // GitHub wraps base64 at 60 columns.
      content: inline ? (f.content.toString('base64').match(/.{1,60}/g) ?? []).join('\n') : '',
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const base = `http://${req.headers.host ?? '127.0.0.1'}`;
    const url = new URL(req.url ?? '/', base);
    const method = (req.method ?? 'GET').toUpperCase();
    const p = decodeURIComponent(url.pathname);
    state.requests.push({ method, path: p, query: url.search });

    const rule = state.forbidden.find(
      (r) => (!r.method || r.method.toUpperCase() === method) && r.path.test(p) && (r.times === undefined || r.times > 0),
    );
    if (rule) {
      if (rule.times !== undefined) rule.times--;
      return send(res, 403, {
        message: rule.message ?? 'Resource not accessible by integration',
        documentation_url: 'https://docs.github.com/rest',
      });
    }

    state.onRequest?.({ method, path: p }, state);

    // ---- Actions results service (Twirp JSON, proto field names) ----
    const twirp = /^\/twirp\/github\.actions\.results\.api\.v1\.ArtifactService\/(\w+)$/.exec(p);
    if (twirp && method === 'POST') return twirpCall(twirp[1]!, (await readBody(req)) as Record<string, unknown>, res);

    if (p === '/user' && method === 'GET') {
      const t = tokenOf(req);
      const login = t ? users[t] : undefined;
      if (!login) return send(res, 403, { message: 'Resource not accessible by integration' });
      return send(res, 200, { login, type: 'User', id: 1 });
    }

    const repoPrefix = `/repos/${state.owner}/${state.repo}`;
    if (!p.startsWith(repoPrefix)) return send(res, 404, { message: 'Not Found' });
    const rest = p.slice(repoPrefix.length) || '/';

    if (rest === '/' && method === 'GET') {
      return send(res, 200, {
        name: state.repo,
        full_name: `${state.owner}/${state.repo}`,
        owner: { login: state.owner },
        default_branch: state.defaultBranch,
      });
    }

    if (rest === '/pulls' && method === 'GET') {
      const st = url.searchParams.get('state') ?? 'open';
      const head = url.searchParams.get('head');
      const list = state.pulls.filter((x) => (st === 'all' || x.state === st) && (!head || `${x.headOwner}:${x.headBranch}` === head));
      const pg = page(req, url, list);
      return send(res, 200, pg.items.map(pullJson), pg.headers);
    }

    const pull = /^\/pulls\/(\d+)$/.exec(rest);
    if (pull && method === 'GET') {
      const x = state.pulls.find((q) => q.number === Number(pull[1]));
      if (!x) throw new HttpError(404, 'Not Found');
      return send(res, 200, pullJson(x));
    }

    // ---- issues ----
    if (rest === '/issues' && method === 'GET') {
      const st = url.searchParams.get('state') ?? 'open';
      const creator = url.searchParams.get('creator');
      const list = state.issues
        .filter((i) => (st === 'all' || i.state === st) && (!creator || i.user.login === creator))
        .sort((a, b) => b.number - a.number);
      const pg = page(req, url, list);
      return send(
        res,
        200,
        pg.items.map((i) => issueJson(i, base)),
        pg.headers,
      );
    }
    if (rest === '/issues' && method === 'POST') {
      const body = (await readBody(req)) as { title?: unknown; body?: unknown; labels?: unknown };
      if (typeof body.title !== 'string' || body.title === '') throw new HttpError(422, 'Validation Failed: title is required');
      if (body.body !== undefined && typeof body.body !== 'string') throw new HttpError(422, 'Invalid request: body must be a string');
      if (typeof body.body === 'string' && body.body.length > 65_536)
        throw new HttpError(422, 'Validation Failed: body is too long (maximum is 65536 characters)');
      const now = new Date().toISOString();
      const labels = Array.isArray(body.labels) ? body.labels.map(String) : [];
      const issue: FakeIssue = {
        number: 500 + state.issues.length,
        title: body.title,
        body: (body.body as string | undefined) ?? '',
        state: 'open',
        labels,
        user: authorOf(req),
        created_at: now,
        updated_at: now,
      };
      state.issues.push(issue);
      return send(res, 201, issueJson(issue, base));
    }
    let m = /^\/issues\/(\d+)$/.exec(rest);
    if (m) {
      const issue = state.issues.find((i) => i.number === Number(m![1]));
      if (!issue) throw new HttpError(404, 'Not Found');
      if (method === 'GET') return send(res, 200, issueJson(issue, base));
      if (method === 'PATCH') {
        const body = (await readBody(req)) as { title?: unknown; body?: unknown; state?: unknown };
        if (typeof body.body === 'string') {
          if (body.body.length > 65_536) throw new HttpError(422, 'Validation Failed: body is too long (maximum is 65536 characters)');
          issue.body = body.body;
        }
        if (typeof body.title === 'string') issue.title = body.title;
        if (body.state === 'open' || body.state === 'closed') issue.state = body.state;
        issue.updated_at = new Date().toISOString();
        return send(res, 200, issueJson(issue, base));
      }
    }

    // ---- issue comments ----
    m = /^\/issues\/(\d+)\/comments$/.exec(rest);
    if (m) {
      const issue = Number(m[1]);
      if (method === 'GET') {
        const all = state.comments.filter((c) => c.issue === issue).sort((a, b) => a.id - b.id);
        const pg = page(req, url, all);
        return send(
          res,
          200,
          pg.items.map((c) => commentJson(c, base)),
          pg.headers,
        );
      }
      if (method === 'POST') {
        const body = (await readBody(req)) as { body?: unknown };
        if (typeof body.body !== 'string') throw new HttpError(422, 'Invalid request: body is required');
        if (body.body.length > 65_536) throw new HttpError(422, 'Validation Failed: body is too long (maximum is 65536 characters)');
        const now = new Date().toISOString();
        const c: FakeComment = { id: nextId(), issue, body: body.body, user: authorOf(req), created_at: now, updated_at: now };
        state.comments.push(c);
        return send(res, 201, commentJson(c, base));
      }
    }
    m = /^\/issues\/comments\/(\d+)$/.exec(rest);
    if (m) {
      const c = state.comments.find((x) => x.id === Number(m![1]));
      if (!c) throw new HttpError(404, 'Not Found');
      if (method === 'GET') return send(res, 200, commentJson(c, base));
      if (method === 'PATCH') {
        const body = (await readBody(req)) as { body?: unknown };
        if (typeof body.body !== 'string') throw new HttpError(422, 'Invalid request: body is required');
        if (body.body.length > 65_536) throw new HttpError(422, 'Validation Failed: body is too long (maximum is 65536 characters)');
        if (authorOf(req).login !== c.user.login) throw new HttpError(403, 'You cannot edit this comment');
        c.body = body.body;
        c.updated_at = new Date().toISOString();
        return send(res, 200, commentJson(c, base));
      }
      if (method === 'DELETE') {
        state.comments = state.comments.filter((x) => x !== c);
        return send(res, 204, undefined);
      }
    }

    // ---- contents, refs, blobs, commits ----
    m = /^\/contents\/(.+)$/.exec(rest);
    if (m) {
      const path = m[1]!;
      if (method === 'GET') {
        const ref = url.searchParams.get('ref') ?? state.defaultBranch;
        const b = state.branches.get(ref.replace(/^refs\/heads\//, ''));
        if (!b) throw new HttpError(404, `No commit found for the ref ${ref}`);
        const f = b.files.get(path);
        if (!f) throw new HttpError(404, 'Not Found');
        return send(res, 200, fileJson(path, f));
      }
      if (method === 'PUT') {
        const body = (await readBody(req)) as { message?: string; content?: string; sha?: string; branch?: string };
        const hook = state.beforeNextPut;
        if (hook) {
          state.beforeNextPut = null;
          hook(state);
        }
        const branchName = body.branch ?? state.defaultBranch;
        const b = state.branches.get(branchName);
        if (!b) throw new HttpError(404, `Branch ${branchName} not found`);
        if (typeof body.message !== 'string' || typeof body.content !== 'string')
          throw new HttpError(422, 'Invalid request: message and content are required');
        const existing = b.files.get(path);
        if (existing && !body.sha) throw new HttpError(422, `Invalid request.\n\n"sha" wasn't supplied.`);
        if (existing && body.sha !== existing.sha) throw new HttpError(409, `${path} does not match ${body.sha}`);
        if (!existing && body.sha) throw new HttpError(409, `${path} does not match ${body.sha}`);
        const buf = Buffer.from(body.content, 'base64');
        const blob = gitBlobSha(buf);
        b.files.set(path, { content: buf, sha: blob });
        b.sha = sha();
        return send(res, existing ? 200 : 201, {
          content: { name: path.split('/').pop(), path, sha: blob, size: buf.length },
          commit: { sha: b.sha, message: body.message },
        });
      }
    }
    m = /^\/git\/ref\/heads\/(.+)$/.exec(rest);
    if (m && method === 'GET') {
      const b = state.branches.get(m[1]!);
      if (!b) throw new HttpError(404, 'Not Found');
      return send(res, 200, { ref: `refs/heads/${m[1]}`, object: { sha: b.sha, type: 'commit' } });
    }
    if (rest === '/git/refs' && method === 'POST') {
      const body = (await readBody(req)) as { ref?: string; sha?: string };
      const name = /^refs\/heads\/(.+)$/.exec(body.ref ?? '')?.[1];
      if (!name || !body.sha) throw new HttpError(422, 'Invalid request: ref and sha are required');
      if (state.branches.has(name)) throw new HttpError(422, 'Reference already exists');
      const fromCommit = commitOf(body.sha);
      const from = [...state.branches.values()].find((b) => b.sha === body.sha)?.files ?? (fromCommit && gitTrees.get(fromCommit.tree));
      if (!from) throw new HttpError(422, 'Object does not exist');
      state.branches.set(name, { sha: body.sha, files: new Map(from) });
      return send(res, 201, { ref: body.ref, object: { sha: body.sha, type: 'commit' } });
    }
    m = /^\/git\/refs\/heads\/(.+)$/.exec(rest);
    if (m && method === 'PATCH') {
      const b = state.branches.get(m[1]!);
      if (!b) throw new HttpError(422, 'Reference does not exist');
      const body = (await readBody(req)) as { sha?: string; force?: boolean };
      const c = body.sha ? gitCommits.get(body.sha) : undefined;
      if (!body.sha || !c) throw new HttpError(422, 'Object does not exist');
      if (!body.force && !descends(body.sha, b.sha)) throw new HttpError(422, 'Update is not a fast forward');
      b.sha = body.sha;
      b.files = new Map(gitTrees.get(c.tree));
      return send(res, 200, { ref: `refs/heads/${m[1]}`, object: { sha: b.sha, type: 'commit' } });
    }
    if (rest === '/git/blobs' && method === 'POST') {
      const body = (await readBody(req)) as { content?: unknown; encoding?: unknown };
      if (typeof body.content !== 'string') throw new HttpError(422, 'Invalid request: content is required');
      const buf = Buffer.from(body.content, body.encoding === 'base64' ? 'base64' : 'utf8');
      const blob = gitBlobSha(buf);
      gitBlobs.set(blob, buf);
      return send(res, 201, { sha: blob });
    }
    if (rest === '/git/trees' && method === 'POST') {
      const body = (await readBody(req)) as { base_tree?: string; tree?: { path?: string; sha?: string | null; content?: string }[] };
      const files = new Map(body.base_tree ? gitTrees.get(body.base_tree) : []);
      if (body.base_tree && !gitTrees.has(body.base_tree)) throw new HttpError(422, 'Invalid tree info: base_tree does not exist');
      for (const e of body.tree ?? []) {
        if (!e.path) throw new HttpError(422, 'Invalid tree info: path is required');
        if (e.sha === null) files.delete(e.path);
        else if (typeof e.content === 'string')
          files.set(e.path, { content: Buffer.from(e.content, 'utf8'), sha: gitBlobSha(Buffer.from(e.content, 'utf8')) });
        else {
          const content = e.sha ? gitBlobs.get(e.sha) : undefined;
          if (!content) throw new HttpError(422, 'Invalid tree info: sha is not a blob');
          files.set(e.path, { content, sha: e.sha! });
        }
      }
      return send(res, 201, { sha: treeOf(files) });
    }
    if (rest === '/git/commits' && method === 'POST') {
      const body = (await readBody(req)) as { message?: string; tree?: string; parents?: string[] };
      if (typeof body.message !== 'string' || !body.tree || !gitTrees.has(body.tree))
        throw new HttpError(422, 'Invalid request: message and tree are required');
      const parents = body.parents ?? [];
      if (parents.some((x) => !commitOf(x))) throw new HttpError(422, 'Invalid request: a parent does not exist');
      const c = sha();
      gitCommits.set(c, { tree: body.tree, parents, message: body.message });
      return send(res, 201, { sha: c, tree: { sha: body.tree }, parents: parents.map((x) => ({ sha: x })), message: body.message });
    }
    m = /^\/git\/commits\/([0-9a-f]{40})$/.exec(rest);
    if (m && method === 'GET') {
      const c = commitOf(m[1]!);
      if (!c) throw new HttpError(404, 'Not Found');
      return send(res, 200, { sha: m[1], tree: { sha: c.tree }, parents: c.parents.map((x) => ({ sha: x })), message: c.message });
    }
    m = /^\/git\/blobs\/([0-9a-f]{40})$/.exec(rest);
    if (m && method === 'GET') {
      for (const b of state.branches.values()) {
        for (const f of b.files.values()) {
          if (f.sha === m[1])
            return send(res, 200, { sha: f.sha, size: f.content.length, encoding: 'base64', content: f.content.toString('base64') });
        }
      }
      throw new HttpError(404, 'Not Found');
    }
    m = /^\/commits\/([0-9a-f]{7,40})$/.exec(rest);
    if (m && method === 'GET') {
      const date = state.commits.get(m[1]!) ?? state.runs.find((r) => r.head_sha === m![1])?.head_commit_timestamp;
      if (!date) throw new HttpError(404, `No commit found for SHA: ${m[1]}`);
      return send(res, 200, { sha: m[1], commit: { author: { date }, committer: { date } } });
    }

    // ---- Actions: runs and artifacts ----
    m = /^\/actions\/runs\/(\d+)$/.exec(rest);
    if (m && method === 'GET') {
      const r = state.runs.find((x) => x.id === Number(m![1]));
      if (!r) throw new HttpError(404, 'Not Found');
      return send(res, 200, runJson(r));
    }
    m = /^\/actions\/workflows\/([^/]+)\/runs$/.exec(rest);
    if (m && method === 'GET') {
      const wf = m[1]!;
      const q = url.searchParams;
      const runs = state.runs
        .filter((r) => String(r.workflow_id) === wf || r.path.endsWith(`/${wf}`))
        .filter((r) => !q.get('branch') || r.head_branch === q.get('branch'))
        .filter((r) => !q.get('event') || r.event === q.get('event'))
        .filter((r) => !q.get('head_sha') || r.head_sha === q.get('head_sha'))
        .filter((r) => {
          const s = q.get('status');
          if (!s) return true;
          return s === r.status || s === r.conclusion;
        })
        .sort((a, b) => b.created_at.localeCompare(a.created_at) || b.id - a.id);
      const pg = page(req, url, runs);
      return send(res, 200, { total_count: runs.length, workflow_runs: pg.items.map(runJson) }, pg.headers);
    }
    m = /^\/actions\/runs\/(\d+)\/artifacts$/.exec(rest);
    if (m && method === 'GET') {
      const runId = Number(m[1]);
      const name = url.searchParams.get('name');
      const list = state.artifacts
        .filter((a) => a.runId === runId && a.finalized && (!name || a.name === name))
        .sort((a, b) => a.id - b.id);
      const pg = page(req, url, list);
      return send(res, 200, { total_count: list.length, artifacts: pg.items.map(artifactJson) }, pg.headers);
    }
    if (rest === '/actions/artifacts' && method === 'GET') {
      const name = url.searchParams.get('name');
      const list = state.artifacts.filter((a) => a.finalized && (!name || a.name === name)).sort((a, b) => b.id - a.id);
      const pg = page(req, url, list);
      return send(res, 200, { total_count: list.length, artifacts: pg.items.map(artifactJson) }, pg.headers);
    }
    m = /^\/actions\/artifacts\/(\d+)\/zip$/.exec(rest);
    if (m && method === 'GET') {
      const a = state.artifacts.find((x) => x.id === Number(m![1]) && x.finalized);
      if (!a) throw new HttpError(404, 'Not Found');
      if (a.expired) throw new HttpError(410, 'Artifact has expired');
      return send(res, 302, undefined, { location: sasUrl(a.blobName, 'r') });
    }

    return send(res, 404, { message: `Not Found (the fake does not know ${method} ${p})` });
  }

  function twirpCall(methodName: string, body: Record<string, unknown>, res: ServerResponse): void {
    const runBackend = String(body.workflow_run_backend_id ?? '');
    const jobBackend = String(body.workflow_job_run_backend_id ?? '');
    let run = state.runs.find((r) => r.backendId === runBackend);
    const twirpError = (code: string, msg: string, status: number): void => send(res, status, { code, msg });
    switch (methodName) {
      case 'CreateArtifact': {
        if (!run) run = state.addRun({ head_sha: sha(), backendId: runBackend, status: 'in_progress', conclusion: null });
        const name = String(body.name ?? '');
        if (state.artifacts.some((a) => a.runId === run!.id && a.name === name && a.finalized)) {
          return twirpError('already_exists', 'an artifact with this name already exists on the workflow run', 409);
        }
        const id = nextId();
        const blobName = `${runBackend}/${jobBackend}/${id}/${name}.zip`;
        state.artifacts.push({
          id,
          runId: run.id,
          jobBackendId: jobBackend,
          name,
          size: 0,
          digest: null,
          blobName,
          created_at: new Date().toISOString(),
          expired: false,
          finalized: false,
        });
        let signed: string;
        try {
          signed = sasUrl(blobName, 'cw');
        } catch (e) {
          return twirpError('internal', (e as Error).message, 500);
        }
        return send(res, 200, { ok: true, signed_upload_url: signed });
      }
      case 'FinalizeArtifact': {
        const name = String(body.name ?? '');
        const a = [...state.artifacts].reverse().find((x) => run && x.runId === run.id && x.name === name && !x.finalized);
        if (!a) return twirpError('not_found', 'artifact not found', 404);
        a.finalized = true;
        a.size = Number(body.size ?? 0);
        a.digest = typeof body.hash === 'string' ? body.hash : null;
        return send(res, 200, { ok: true, artifact_id: String(a.id) });
      }
      case 'ListArtifacts': {
        const nameFilter = typeof body.name_filter === 'string' ? body.name_filter : null;
        const idFilter = body.id_filter !== undefined && body.id_filter !== null ? Number(body.id_filter) : null;
        const list = state.artifacts.filter(
          (a) =>
            run && a.runId === run.id && a.finalized && (!nameFilter || a.name === nameFilter) && (idFilter === null || a.id === idFilter),
        );
        return send(res, 200, {
          artifacts: list.map((a) => ({
            workflow_run_backend_id: runBackend,
            workflow_job_run_backend_id: a.jobBackendId,
            database_id: String(a.id),
            name: a.name,
            size: String(a.size),
            created_at: a.created_at,
            ...(a.digest ? { digest: a.digest } : {}),
          })),
        });
      }
      case 'GetSignedArtifactURL': {
        const name = String(body.name ?? '');
        const a = [...state.artifacts].reverse().find((x) => run && x.runId === run.id && x.name === name && x.finalized);
        if (!a) return twirpError('not_found', 'artifact not found', 404);
        return send(res, 200, { signed_url: sasUrl(a.blobName, 'r') });
      }
      case 'DeleteArtifact': {
        const name = String(body.name ?? '');
        const a = state.artifacts.find((x) => run && x.runId === run.id && x.name === name);
        if (!a) return twirpError('not_found', 'artifact not found', 404);
        state.artifacts = state.artifacts.filter((x) => x !== a);
        return send(res, 200, { ok: true, artifact_id: String(a.id) });
      }
      default:
        return twirpError('bad_route', `no method ${methodName}`, 404);
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An ACTIONS_RUNTIME_TOKEN as the runner hands it out: a JWT (alg none) whose scp names the run and job. */
export function runtimeToken(runBackendId: string, jobBackendId = 'job-1'): string {
  const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ scp: `Actions.GenericRead:x Actions.Results:${runBackendId}:${jobBackendId}` })}.`;
}
