import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../../support/service.ts';

let t: TestService;
beforeAll(async () => {
  t = await startTestService();
});
afterAll(async () => {
  await t?.stop();
});

describe('projects', () => {
  it('creates, reads, renames, pages through and deletes projects', async () => {
    const created = await t.client.POST('/v1/projects', {
      body: { name: 'Field manuals', description: 'US Army FMs' },
    });
    expect(created.response.status).toBe(201);
    expect(created.response.headers.get('location')).toBe(`/v1/projects/${created.data?.id}`);
    expect(created.data?.id).toMatch(/^proj_/);
    const id = created.data?.id as string;

    const got = await t.client.GET('/v1/projects/{id}', { params: { path: { id } } });
    expect(got.data?.name).toBe('Field manuals');

    const patched = await t.client.PATCH('/v1/projects/{id}', { params: { path: { id } }, body: { name: 'FMs' } });
    expect(patched.data?.name).toBe('FMs');
    expect(patched.data?.description).toBe('US Army FMs');

    for (let i = 0; i < 4; i++) await t.client.POST('/v1/projects', { body: { name: `p${i}` } });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await t.client.GET('/v1/projects', { params: { query: { limit: 2, cursor } } });
      expect(page.data?.items.length).toBeLessThanOrEqual(2);
      seen.push(...(page.data?.items.map((p) => p.id) ?? []));
      cursor = page.data?.next_cursor ?? undefined;
    } while (cursor);
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);

    const deleted = await t.client.DELETE('/v1/projects/{id}', { params: { path: { id } } });
    expect(deleted.response.status).toBe(204);
    const gone = await t.client.GET('/v1/projects/{id}', { params: { path: { id } } });
    expect(gone.response.status).toBe(404);
  });

  it('answers bad input with problem+json naming the field', async () => {
    const res = await fetch(`${t.baseUrl}/v1/projects`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: '', extra: 1 }),
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await res.json()) as { type: string; status: number; errors: Array<{ path: string }> };
    expect(problem.status).toBe(400);
    expect(problem.type).toContain('validation');
    const paths = problem.errors.map((e) => e.path);
    expect(paths).toContain('body.name');
    expect(paths.some((p) => p.startsWith('body'))).toBe(true);
  });

  it('answers malformed JSON, unknown routes, wrong methods and unknown ids with problem+json', async () => {
    const malformed = await fetch(`${t.baseUrl}/v1/projects`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"name": ',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('content-type')).toContain('application/problem+json');

    const unknownRoute = await fetch(`${t.baseUrl}/v1/nothing-here`);
    expect(unknownRoute.status).toBe(404);
    expect(unknownRoute.headers.get('content-type')).toContain('application/problem+json');

    const wrongMethod = await fetch(`${t.baseUrl}/v1/projects`, { method: 'PUT' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toContain('POST');
    expect(wrongMethod.headers.get('content-type')).toContain('application/problem+json');

    const unsupported = await fetch(`${t.baseUrl}/v1/projects`, {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: '<a/>',
    });
    expect(unsupported.status).toBe(415);
    expect(unsupported.headers.get('content-type')).toContain('application/problem+json');

    const missing = await t.client.GET('/v1/projects/{id}', { params: { path: { id: 'proj_doesnotexist' } } });
    expect(missing.response.status).toBe(404);
    expect(missing.error?.detail).toContain('proj_doesnotexist');
  });
});
