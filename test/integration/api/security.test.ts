/**
 * Security checks written once and applied to every route group: no key → 401, a wrong key → 401, another tenant's
 * id → 404 (never 403: ids of other tenants do not exist for you).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, startTestService, type TestService } from '../../support/service.ts';

let t: TestService;
let alice: ApiClient;
let bob: ApiClient;
const ids: Record<string, string> = {};

beforeAll(async () => {
  t = await startTestService();
  alice = (await t.clientForNewTenant('alice')).client;
  bob = (await t.clientForNewTenant('bob')).client;
  const project = await alice.POST('/v1/projects', { body: { name: 'alice project' } });
  ids.project = project.data?.id as string;
  const source = await alice.POST('/v1/projects/{id}/sources', {
    params: { path: { id: ids.project } },
    body: { name: 'docs' },
  });
  ids.source = source.data?.id as string;
});
afterAll(async () => {
  await t?.stop();
});

describe('authentication', () => {
  it('requires a key once keys exist', async () => {
    const res = await fetch(`${t.baseUrl}/v1/projects`);
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  });

  it('rejects an unknown key', async () => {
    const res = await fetch(`${t.baseUrl}/v1/projects`, { headers: { authorization: 'Bearer nope' } });
    expect(res.status).toBe(401);
  });

  it('keeps ops endpoints public', async () => {
    expect((await fetch(`${t.baseUrl}/healthz`)).status).toBe(200);
  });
});

describe('tenant isolation', () => {
  const routes: Array<[string, (c: ApiClient) => Promise<{ response: Response }>]> = [
    ['GET project', (c) => c.GET('/v1/projects/{id}', { params: { path: { id: ids.project as string } } })],
    [
      'PATCH project',
      (c) => c.PATCH('/v1/projects/{id}', { params: { path: { id: ids.project as string } }, body: { name: 'x' } }),
    ],
    ['DELETE project', (c) => c.DELETE('/v1/projects/{id}', { params: { path: { id: ids.project as string } } })],
    ['list sources', (c) => c.GET('/v1/projects/{id}/sources', { params: { path: { id: ids.project as string } } })],
    [
      'create source',
      (c) =>
        c.POST('/v1/projects/{id}/sources', { params: { path: { id: ids.project as string } }, body: { name: 'x' } }),
    ],
    ['GET source', (c) => c.GET('/v1/sources/{id}', { params: { path: { id: ids.source as string } } })],
    ['DELETE source', (c) => c.DELETE('/v1/sources/{id}', { params: { path: { id: ids.source as string } } })],
    ['list files', (c) => c.GET('/v1/sources/{id}/files', { params: { path: { id: ids.source as string } } })],
    ['list configs', (c) => c.GET('/v1/projects/{id}/configs', { params: { path: { id: ids.project as string } } })],
    ['list runs', (c) => c.GET('/v1/projects/{id}/runs', { params: { path: { id: ids.project as string } } })],
    [
      'start run',
      (c) =>
        c.POST('/v1/projects/{id}/runs', {
          params: { path: { id: ids.project as string } },
          body: { config_id: 'cfg_x' },
        }),
    ],
  ];
  for (const [name, call] of routes) {
    it(`${name}: another tenant gets 404`, async () => {
      const res = await call(bob);
      expect(res.response.status).toBe(404);
      expect(res.response.headers.get('content-type')).toContain('application/problem+json');
    });
  }

  it("lists only the tenant's own projects", async () => {
    const page = await bob.GET('/v1/projects');
    expect(page.data?.items).toEqual([]);
    const mine = await alice.GET('/v1/projects');
    expect(mine.data?.items.map((p) => p.id)).toContain(ids.project);
  });
});
