import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../../src/config/settings.ts';
import { startService } from '../../../src/service.ts';
import { rawRequest } from '../../support/raw-http.ts';
import { startTestService, type TestService } from '../../support/service.ts';

let t: TestService;
beforeAll(async () => {
  t = await startTestService();
});
afterAll(async () => {
  await t?.stop();
});

describe('ops endpoints', () => {
  it('reports health, readiness and metrics, and serves the docs', async () => {
    expect((await t.client.GET('/healthz')).data).toEqual({ status: 'ok' });
    expect((await t.client.GET('/readyz')).data).toEqual({ status: 'ready' });
    await t.client.GET('/v1/projects');
    const metrics = await fetch(`${t.baseUrl}/metrics`);
    const text = await metrics.text();
    expect(text).toContain('http_requests_total');
    expect(text).toMatch(/http_requests_total\{method="GET",route="\/v1\/projects",status="200"\} \d+/);
    // The process's own figures: resident memory and the V8 heap, for capacity planning.
    expect(text).toMatch(/^process_resident_memory_bytes [1-9]\d*$/m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes [1-9]\d*$/m);
    const docs = await fetch(`${t.baseUrl}/docs`, { redirect: 'follow' });
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('<html');
    const spec = await fetch(`${t.baseUrl}/openapi.json`);
    expect(((await spec.json()) as { openapi: string }).openapi).toBe('3.1.0');
    expect(t.client).toBeDefined();
    expect(await t.service.localMode()).toBe(true);
    expect(t.database).toBeDefined();
  });

  it('answers hostile requests to /metrics (NUL bytes, a path walking out, a wrong method) with problems', async () => {
    const get = (path: string, method = 'GET') => rawRequest(t.baseUrl, { method, path });
    // A percent-encoded letter is the same route; NUL bytes and a path walking out of it are not.
    expect((await get('/%6detrics')).body).toContain('process_resident_memory_bytes');
    for (const [path, status] of [
      ['/metrics%00', 400],
      ['/metrics?x=%00', 400],
      ['/metrics/../v1/projects', 404],
    ] as const) {
      const res = await get(path);
      expect(res.status, path).toBe(status);
      expect(String(res.headers['content-type']), path).toContain('application/problem+json');
    }
    const posted = await get('/metrics', 'POST');
    expect(posted.status).toBe(405);
    expect(String(posted.headers['content-type'])).toContain('application/problem+json');
  });

  it('serves /metrics, /healthz and /readyz from a worker-only process when METRICS_PORT is set, on loopback by default', async () => {
    const worker = await startService(
      loadSettings({}, { dataDir: t.dataDir, logLevel: 'silent', role: 'worker', metricsPort: 0 }),
      { database: t.database, logger: pino({ level: 'silent' }) },
    );
    try {
      expect(worker.app).toBeUndefined();
      const address = worker.metricsServer?.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('# TYPE datagen_jobs_total counter');
      expect((address as { address: string }).address).toBe('127.0.0.1');
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready' });
      expect((await fetch(`http://127.0.0.1:${port}/nope`)).status).toBe(404);
    } finally {
      await worker.stop();
    }
  });

  it('sends a request id on every response', async () => {
    const res = await fetch(`${t.baseUrl}/healthz`);
    expect(res.headers.get('x-request-id')).toMatch(/^req_/);
  });
});
