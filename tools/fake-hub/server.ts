/**
 * A local stand-in for the Hugging Face Hub, for tests and offline demos: the parts of its HTTP API that
 * `@huggingface/hub` uses to read a dataset (revision info, file tree, `resolve` downloads with Range) and to publish
 * one (create repo, preupload, NDJSON commit; every file is a "regular" upload, no LFS). Repos are in memory; a
 * repo's commit id is the sha1 of its files, so changing a file moves `main` to a new commit, as on the Hub.
 * Private repos answer 401 without the token they were given. Counters tell how many file bytes were downloaded.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRepo {
  files: Map<string, Buffer>;
  /** When set, only requests with this bearer token may read or write it. */
  token?: string;
  commits: number;
}

export interface FakeHubCounters {
  /** Requests that downloaded file content (not the 1-byte probes). */
  downloads: number;
  downloadedBytes: number;
  commits: number;
  requests: number;
  /** Requests held unanswered by `holdNext`. */
  held: number;
}

export interface FakeHub {
  url: string;
  /** Adds or replaces a dataset repo. */
  putDataset(repo: string, files: Record<string, string | Uint8Array>, options?: { token?: string }): void;
  /** A dataset's files as committed (for asserting a push). */
  dataset(repo: string): Map<string, Buffer> | undefined;
  counters(): FakeHubCounters;
  /** The next `count` requests whose path contains `pathPart` answer `status`. */
  failNext(pathPart: string, status: number, count?: number): void;
  /** The next `count` requests whose path contains `pathPart` are never answered (a hub that hangs; `close` ends them). */
  holdNext(pathPart: string, count?: number): void;
  close(): Promise<void>;
}

export async function startFakeHub(options: { port?: number; host?: string } = {}): Promise<FakeHub> {
  const repos = new Map<string, FakeRepo>();
  const counters: FakeHubCounters = { downloads: 0, downloadedBytes: 0, commits: 0, requests: 0, held: 0 };
  const failures: Array<{ pathPart: string; status: number; count: number }> = [];
  const holds: Array<{ pathPart: string; count: number }> = [];

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => json(res, 500, { error: String(error) }));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    counters.requests++;
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = decodeURIComponent(url.pathname);
    const hold = holds.find((h) => h.count > 0 && path.includes(h.pathPart));
    if (hold) {
      hold.count--;
      counters.held++;
      return;
    }
    const failure = failures.find((f) => f.count > 0 && path.includes(f.pathPart));
    if (failure) {
      failure.count--;
      return json(res, failure.status, { error: `injected failure ${failure.status}` });
    }
    const bearer = (req.headers.authorization ?? '').replace(/^Bearer /, '') || undefined;
    for (const [method, pattern, route] of routes) {
      const match = req.method === method ? path.match(pattern) : null;
      if (match) return route({ req, res, bearer, repoName: match[1] ?? '', rest: match.slice(2) });
    }
    return json(res, 404, { error: `fake hub: no route for ${req.method} ${path}` });
  }

  interface Route {
    req: IncomingMessage;
    res: ServerResponse;
    bearer: string | undefined;
    repoName: string;
    rest: string[];
  }

  async function createRepo({ req, res, bearer }: Route): Promise<void> {
    const body = JSON.parse((await readBody(req)).toString('utf8'));
    const repo = body.organization ? `${body.organization}/${body.name}` : body.name;
    if (!bearer) return json(res, 401, { error: 'Invalid username or password.' });
    if (repos.has(repo)) return json(res, 409, { error: 'You already created this dataset repo', url: repoUrl(repo) });
    repos.set(repo, { files: new Map(), token: bearer, commits: 0 });
    return json(res, 200, { url: repoUrl(repo), id: repo });
  }

  function revisionInfo({ res, bearer, repoName }: Route): void {
    const repo = readable(res, repoName, bearer);
    if (!repo) return;
    json(res, 200, {
      _id: `fake-${repoName}`,
      id: repoName,
      private: repo.token !== undefined,
      downloads: 0,
      likes: 0,
      gated: false,
      lastModified: new Date(0).toISOString(),
      sha: shaOf(repo),
    });
  }

  function tree({ res, bearer, repoName, rest }: Route) {
    const repo = readable(res, repoName, bearer);
    if (!repo) return;
    if (!revisionMatches(repo, rest[0] ?? '')) return json(res, 404, { error: 'Revision not found' });
    const entries = [...repo.files.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([p, content]) => ({ type: 'file', oid: sha1(content), size: content.length, path: p }));
    json(res, 200, entries);
  }

  function resolveFile({ req, res, bearer, repoName, rest }: Route) {
    const repo = readable(res, repoName, bearer);
    if (!repo) return;
    const content = repo.files.get(rest[1] ?? '');
    if (!content || !revisionMatches(repo, rest[0] ?? '')) {
      res.setHeader('X-Error-Code', 'EntryNotFound');
      return json(res, 404, { error: 'Entry not found' });
    }
    sendFile(req, res, content);
  }

  async function preupload({ req, res, bearer, repoName }: Route): Promise<void> {
    const repo = writable(res, repoName, bearer);
    if (!repo) return;
    const body = JSON.parse((await readBody(req)).toString('utf8'));
    json(res, 200, {
      files: body.files.map((f: { path: string }) => ({ path: f.path, uploadMode: 'regular', shouldIgnore: false })),
    });
  }

  async function commit({ req, res, bearer, repoName }: Route): Promise<void> {
    const repo = writable(res, repoName, bearer);
    if (!repo) return;
    const lines = (await readBody(req)).toString('utf8').split('\n').filter(Boolean);
    for (const line of lines) {
      const entry = JSON.parse(line);
      if (entry.key === 'file') repo.files.set(entry.value.path, Buffer.from(entry.value.content, 'base64'));
      else if (entry.key === 'deletedFile') repo.files.delete(entry.value.path);
      else if (entry.key !== 'header') return json(res, 400, { error: `unsupported commit entry ${entry.key}` });
    }
    repo.commits++;
    counters.commits++;
    const oid = shaOf(repo);
    json(res, 200, { commitOid: oid, commitUrl: `${repoUrl(repoName)}/commit/${oid}` });
  }

  const routes: Array<[string, RegExp, (route: Route) => void | Promise<void>]> = [
    ['POST', /^\/api\/repos\/create$/, createRepo],
    ['GET', /^\/api\/datasets\/([^/]+\/[^/]+)\/revision\/(.+)$/, revisionInfo],
    ['GET', /^\/api\/datasets\/([^/]+\/[^/]+)\/tree\/([^/]+)(\/.*)?$/, tree],
    ['GET', /^\/datasets\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/, resolveFile],
    ['POST', /^\/api\/datasets\/([^/]+\/[^/]+)\/preupload\/(.+)$/, preupload],
    ['POST', /^\/api\/datasets\/([^/]+\/[^/]+)\/commit\/(.+)$/, commit],
  ];

  function readable(res: ServerResponse, name: string, bearer: string | undefined): FakeRepo | undefined {
    const repo = repos.get(name);
    if (!repo) {
      res.setHeader('X-Error-Code', 'RepoNotFound');
      json(res, 404, { error: 'Repository not found' });
      return undefined;
    }
    if (repo.token !== undefined && repo.token !== bearer) {
      json(res, 401, { error: 'Invalid credentials in Authorization header' });
      return undefined;
    }
    return repo;
  }

  function writable(res: ServerResponse, name: string, bearer: string | undefined): FakeRepo | undefined {
    const repo = readable(res, name, bearer);
    if (repo && repo.token === undefined) {
      json(res, 403, { error: 'You have read access but not the required permissions for this operation' });
      return undefined;
    }
    return repo;
  }

  function sendFile(req: IncomingMessage, res: ServerResponse, content: Buffer): void {
    res.setHeader('ETag', `"${sha1(content)}"`);
    res.setHeader('Accept-Ranges', 'bytes');
    res.setHeader('Content-Type', 'application/octet-stream');
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (range) {
      const start = Number(range[1]);
      const end = range[2] ? Math.min(Number(range[2]), content.length - 1) : content.length - 1;
      const slice = content.subarray(start, end + 1);
      if (!(start === 0 && end === 0)) {
        counters.downloads++;
        counters.downloadedBytes += slice.length;
      }
      res.writeHead(206, {
        'Content-Range': `bytes ${start}-${end}/${content.length}`,
        'Content-Length': slice.length,
      });
      res.end(slice);
      return;
    }
    counters.downloads++;
    counters.downloadedBytes += content.length;
    res.writeHead(200, { 'Content-Length': content.length });
    res.end(content);
  }

  function repoUrl(repo: string): string {
    return `${base}/datasets/${repo}`;
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  const base = `http://${options.host ?? '127.0.0.1'}:${address.port}`;

  return {
    url: base,
    putDataset(repo, files, opts = {}) {
      repos.set(repo, {
        files: new Map(Object.entries(files).map(([p, c]) => [p, Buffer.from(c)])),
        ...(opts.token ? { token: opts.token } : {}),
        commits: 1,
      });
    },
    dataset: (repo) => repos.get(repo)?.files,
    counters: () => ({ ...counters }),
    failNext(pathPart, status, count = 1) {
      failures.push({ pathPart, status, count });
    },
    holdNext(pathPart, count = 1) {
      holds.push({ pathPart, count });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function revisionMatches(repo: FakeRepo, revision: string): boolean {
  return revision === 'main' || revision === shaOf(repo);
}

function shaOf(repo: FakeRepo): string {
  const hash = createHash('sha1');
  for (const [path, content] of [...repo.files.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    hash.update(path).update('\0').update(content).update('\0');
  }
  return hash.digest('hex');
}

const sha1 = (content: Buffer) => createHash('sha1').update(content).digest('hex');

function json(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
