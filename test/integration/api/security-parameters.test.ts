/**
 * Hostile values in every path and query parameter of the OpenAPI document (NUL, invalid UTF-8, overflowing numbers,
 * forged cursors, oversized strings), SSE `Last-Event-ID` extremes and other header and body edge cases: each answers
 * a 4xx problem+json (or a normal answer), never a 5xx, and the server stays up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fillPath, isProblem, operations, type RawResponse, rawRequest, sendAndCut } from '../../support/raw-http.ts';
import { startTestService, type TestService } from '../../support/service.ts';
import { upload } from '../../support/upload.ts';

let t: TestService;
const ids: Record<string, string> = {};
beforeAll(async () => {
  t = await startTestService();
  const project = await t.client.POST('/v1/projects', { body: { name: 'params' } });
  ids.project = project.data?.id as string;
  const source = await t.client.POST('/v1/projects/{id}/sources', {
    params: { path: { id: ids.project } },
    body: { name: 'docs' },
  });
  ids.source = source.data?.id as string;
  const uploaded = await upload(t.baseUrl, ids.source, [{ name: 'a.txt', data: 'Some text.' }]);
  ids.file = uploaded.body.items?.[0]?.id as string;
  const config = await rawRequest(t.baseUrl, {
    method: 'POST',
    path: `/v1/projects/${ids.project}/configs`,
    headers: { 'content-type': 'application/yaml' },
    body: 'dataset_context: params\n',
  });
  ids.config = (JSON.parse(config.body) as { id: string }).id;
  const run = await t.client.POST('/v1/projects/{id}/runs', {
    params: { path: { id: ids.project } },
    body: { config_id: ids.config },
  });
  ids.run = run.data?.id as string;
  await t.client.POST('/v1/runs/{id}/cancel', { params: { path: { id: ids.run } } });
});
afterAll(async () => {
  await t?.stop();
});

/** The real id for a path parameter, by the resource its path segment names. */
function realId(template: string, name: string): string {
  if (name === '*') return 'pretraining_run/none.yaml';
  const resource = /\/v1\/(\w+)\/\{id\}/.exec(template)?.[1] ?? '';
  const byResource: Record<string, string | undefined> = {
    projects: ids.project,
    sources: ids.source,
    files: ids.file,
    configs: ids.config,
    runs: ids.run,
  };
  return byResource[resource] ?? 'x_1';
}

const hostile = [
  '%00',
  'a%00b',
  '%FF%FE',
  '%C0%AF',
  '99999999999999999999',
  '1e400',
  '-1',
  'NaN',
  'AA',
  '%2e%2e%2f%2e%2e',
  'x'.repeat(99),
  'x'.repeat(150),
];

function expectClientError(response: RawResponse, where: string) {
  expect(response.status, `${where}: ${response.body.slice(0, 300)}`).toBeLessThan(500);
  if (response.status >= 400) expect(isProblem(response), where).toBe(true);
}

const sendable = operations.filter((op) => op.method !== 'POST' || op.bodyTypes.length === 0);

describe('path parameters', () => {
  for (const op of operations.filter((o) => o.pathParams.length > 0)) {
    it(`${op.method} ${op.path}`, async () => {
      for (const param of op.pathParams) {
        for (const value of hostile) {
          const path = fillPath(op.path, (name) => (name === param ? value : realId(op.path, name)));
          expectClientError(await rawRequest(t.baseUrl, { method: op.method, path }), `${op.method} ${path}`);
        }
      }
    });
  }
});

describe('query parameters', () => {
  for (const op of sendable.filter((o) => o.queryParams.length > 0)) {
    it(`${op.method} ${op.path}`, async () => {
      const base = fillPath(op.path, (name) => realId(op.path, name));
      for (const param of [...op.queryParams, 'bogus']) {
        for (const value of [...hostile, 'x'.repeat(5000), '']) {
          const path = `${base}?${param}=${value}`;
          expectClientError(await rawRequest(t.baseUrl, { method: op.method, path }), `${op.method} ${path}`);
        }
      }
    });
  }

  it('refuses a forged cursor that decodes to NUL, naming the field', async () => {
    const response = await rawRequest(t.baseUrl, { method: 'GET', path: '/v1/projects?cursor=AA' });
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body).errors[0].path).toBe('querystring.cursor');
  });
});

describe('event stream Last-Event-ID', () => {
  for (const value of ['1e400', '-1', '99999999999999999999', 'abc', '1.5', ' ']) {
    it(`answers 400 at once to ${JSON.stringify(value)}`, async () => {
      const response = await rawRequest(t.baseUrl, {
        method: 'GET',
        path: `/v1/runs/${ids.run}/events`,
        headers: { accept: 'text/event-stream', 'last-event-id': value },
      });
      expect(response.status).toBe(400);
      expect(isProblem(response)).toBe(true);
    });
  }

  it('ends the stream of a finished run after a valid id past its last event', async () => {
    const response = await rawRequest(t.baseUrl, {
      method: 'GET',
      path: `/v1/runs/${ids.run}/events`,
      headers: { accept: 'text/event-stream', 'last-event-id': '999999999999999' },
    });
    expect(response.status).toBe(200);
    expect(response.body).toBe('');
  });
});

describe('headers and bodies', () => {
  it('replaces an oversized or odd X-Request-Id instead of echoing it', async () => {
    for (const given of ['x'.repeat(5000), 'a b', 'line\tbreak']) {
      const response = await rawRequest(t.baseUrl, {
        method: 'GET',
        path: '/healthz',
        headers: { 'x-request-id': given },
      });
      expect(response.headers['x-request-id']).toMatch(/^req_/);
    }
    const kept = await rawRequest(t.baseUrl, {
      method: 'GET',
      path: '/healthz',
      headers: { 'x-request-id': 'trace-42' },
    });
    expect(kept.headers['x-request-id']).toBe('trace-42');
  });

  it('refuses NUL inside a JSON body with the field named', async () => {
    const response = await rawRequest(t.baseUrl, {
      method: 'POST',
      path: '/v1/projects',
      headers: { 'content-type': 'application/json' },
      body: '{"name":"a\\u0000b"}',
    });
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body).errors[0].path).toBe('body.name');
  });

  it('accepts configs only as YAML or JSON, and validates the config name', async () => {
    const post = (contentType: string, query = '', body = 'dataset_context: x\n') =>
      rawRequest(t.baseUrl, {
        method: 'POST',
        path: `/v1/projects/${ids.project}/configs${query}`,
        headers: { 'content-type': contentType },
        body,
      });
    expect((await post('text/plain')).status).toBe(415);
    expect((await post('application/x-www-form-urlencoded')).status).toBe(415);
    expect((await post('text/yaml')).status).toBe(201);
    const long = await post('application/yaml', `?name=${'n'.repeat(300)}`);
    expect(long.status).toBe(400);
    expect(JSON.parse(long.body).errors[0].path).toBe('querystring.name');
  });

  it('says a deeply nested config is too deep, not that a stack overflowed', async () => {
    for (const body of [`a: ${'['.repeat(5000)}${']'.repeat(5000)}`, `a: ${'{b: '.repeat(3000)}1${'}'.repeat(3000)}`]) {
      const response = await rawRequest(t.baseUrl, {
        method: 'POST',
        path: `/v1/projects/${ids.project}/configs`,
        headers: { 'content-type': 'application/yaml' },
        body,
      });
      expect(response.status).toBe(400);
      expect(response.body).toContain('nested too deeply');
      expect(response.body).not.toContain('call stack');
    }
  });

  it('is still up', async () => {
    expect((await rawRequest(t.baseUrl, { method: 'GET', path: '/readyz' })).status).toBe(200);
  });
});

describe('requests the HTTP parser refuses', () => {
  it('answers them in problem+json too', async () => {
    const answer = await sendAndCut(
      t.baseUrl,
      Buffer.from('GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n'),
      'end',
    );
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    expect(answer).toContain('application/problem+json');
    const huge = await sendAndCut(
      t.baseUrl,
      Buffer.from(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`),
      'end',
    );
    expect(huge).toMatch(/^HTTP\/1\.1 431/);
  });
});

describe('query parameters an operation does not take', () => {
  it.each(operations.filter((op) => op.method === 'GET' && op.path !== '/metrics'))(
    '$method $path answers ?bogus=1 with a 400 naming it',
    async (op) => {
      // The parameter check comes before the route looks anything up, so any id will do.
      const path = fillPath(op.path, (name) => (name === 'id' ? (ids.run as string) : 'x'));
      const response = await rawRequest(t.baseUrl, { method: op.method, path: `${path}?bogus=1` });
      expect(response.status, response.body).toBe(400);
      expect(isProblem(response)).toBe(true);
      expect(response.body).toContain('querystring.bogus');
    },
  );
});

describe('the events page', () => {
  it('pages with cursor, and says there is no next page once the ended run has returned its end event', async () => {
    const first = await rawRequest(t.baseUrl, { method: 'GET', path: `/v1/runs/${ids.run}/events?limit=1` });
    const page1 = JSON.parse(first.body) as { items: Array<{ id: number }>; next_cursor: string | null };
    expect(page1.items).toHaveLength(1);
    expect(page1.next_cursor).toBe(String(page1.items[0]?.id));
    let cursor = page1.next_cursor;
    const seen = [...page1.items];
    while (cursor !== null) {
      const res = await rawRequest(t.baseUrl, { method: 'GET', path: `/v1/runs/${ids.run}/events?cursor=${cursor}` });
      const page = JSON.parse(res.body) as { items: Array<{ id: number; type: string }>; next_cursor: string | null };
      seen.push(...page.items);
      cursor = page.next_cursor;
    }
    expect((seen as Array<{ type?: string }>).some((e) => e.type === 'run.canceled')).toBe(true);
    expect(new Set(seen.map((e) => e.id)).size).toBe(seen.length);
  });
});
