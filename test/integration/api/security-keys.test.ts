/**
 * API keys while the service runs. On PostgreSQL, `npm run apikey` changes keys under a running service and they take
 * effect at once. On the embedded database it refuses while the service has the database open (two processes must
 * never open one PGlite directory: the last to close used to overwrite the other's keys). A server on a network
 * address never falls back to keyless access when its last key is revoked, and its /metrics and /docs need a key.
 * Config secrets are sealed at rest.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadSettings } from '../../../src/config/settings.ts';
import { queryRows } from '../../../src/db/client.ts';
import { revokeApiKey } from '../../../src/db/queries/tenants.ts';
import { type Service, startService } from '../../../src/service.ts';
import { rawRequest } from '../../support/raw-http.ts';
import { startTestService, type TestService } from '../../support/service.ts';

const run = promisify(execFile);
const onPostgres = Boolean(process.env.DATABASE_URL);

/** `npm run apikey -- …` as a separate process, the way an operator runs it. */
async function apikey(env: Record<string, string>, ...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'tools/apikey.ts', ...args], {
      env: { ...process.env, LOG_LEVEL: 'silent', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const status = async (baseUrl: string, path: string, key?: string) =>
  (
    await rawRequest(baseUrl, {
      method: 'GET',
      path,
      headers: key ? { authorization: `Bearer ${key}` } : {},
    })
  ).status;

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

describe.skipIf(!onPostgres)('on PostgreSQL', () => {
  it('a key created or revoked by the CLI takes effect in the running service at once', async () => {
    const t = await startTestService();
    cleanup.push(() => t.stop());
    await t.clientForNewTenant('first'); // keys exist: keyless requests are refused
    const env = { DATABASE_URL: t.database.url as string, DATA_DIR: t.dataDir };
    const created = await apikey(env, 'create', 'ops-team');
    expect(created.code, created.stderr).toBe(0);
    const [line, key] = created.stdout.trim().split('\n');
    const keyId = /created key (\S+)/.exec(line ?? '')?.[1] as string;
    expect(await status(t.baseUrl, '/v1/projects', key)).toBe(200);
    const revoked = await apikey(env, 'revoke', keyId);
    expect(revoked.stdout).toContain(`revoked ${keyId}`);
    expect(await status(t.baseUrl, '/v1/projects', key)).toBe(401);
  });
});

describe.skipIf(onPostgres)('on the embedded database', () => {
  it('refuses to open a database the service has open, and keeps keys made while it is stopped', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'datagen-keys-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const settings = loadSettings({}, { dataDir, logLevel: 'silent', workerConcurrency: 2, workerThread: false });
    const start = async () => {
      const service = await startService(settings, { logger: pino({ level: 'silent' }), keyCheckIntervalMs: 0 });
      await service.app?.listen({ host: '127.0.0.1', port: 0 });
      const address = service.app?.server.address();
      return { service, baseUrl: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` };
    };
    let running: { service: Service; baseUrl: string } | undefined = await start();
    cleanup.push(async () => running?.service.stop());

    const refused = await apikey({ DATA_DIR: dataDir }, 'create', 'while-running');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('open in another process');
    // The service is unaffected: still local mode, still answering.
    expect(await status(running.baseUrl, '/v1/projects')).toBe(200);
    // A second service on the same directory is refused too.
    await expect(startService(settings, { logger: pino({ level: 'silent' }) })).rejects.toThrow(/another process/);

    await running.service.stop();
    running = undefined;
    const created = await apikey({ DATA_DIR: dataDir }, 'create', 'while-stopped');
    expect(created.code, created.stderr).toBe(0);
    const key = created.stdout.trim().split('\n')[1] as string;

    running = await start();
    expect(await status(running.baseUrl, '/v1/projects', key)).toBe(200);
    expect(await status(running.baseUrl, '/v1/projects')).toBe(401);
  });
});

describe('a server bound to a network address', () => {
  let t: TestService;
  const start = async (settings = {}) => {
    t = await startTestService({ host: '0.0.0.0', settings });
    cleanup.push(() => t.stop());
    return t;
  };

  it('stays locked when its last key is revoked', async () => {
    await start();
    const { key } = await t.clientForNewTenant('only');
    expect(await status(t.baseUrl, '/v1/projects', key)).toBe(200);
    const [row] = await queryRows<{ id: string }>(t.database.db, sql`select id from api_keys`);
    await revokeApiKey(t.database.db, row?.id as string);
    expect(await status(t.baseUrl, '/v1/projects')).toBe(401);
    expect(await status(t.baseUrl, '/v1/projects', key)).toBe(401);
  });

  it('serves /metrics and /docs only with a key, unless PUBLIC_OPS_ENDPOINTS says otherwise', async () => {
    await start();
    const { key } = await t.clientForNewTenant('ops');
    for (const path of ['/metrics', '/openapi.json', '/docs/']) {
      expect(await status(t.baseUrl, path), path).toBe(401);
      expect(await status(t.baseUrl, path, key), path).toBeLessThan(400);
    }
    expect(await status(t.baseUrl, '/healthz')).toBe(200);
  });

  it('opens the ops endpoints when told to', async () => {
    await start({ publicOpsEndpoints: true });
    await t.clientForNewTenant('ops');
    expect(await status(t.baseUrl, '/metrics')).toBe(200);
    expect(await status(t.baseUrl, '/v1/projects')).toBe(401);
  });
});

describe('config secrets', () => {
  it('are sealed at rest and never returned', async () => {
    const t = await startTestService();
    cleanup.push(() => t.stop());
    const project = await t.client.POST('/v1/projects', { body: { name: 'secrets' } });
    const secret = 'sk-live-0123456789abcdef';
    const response = await rawRequest(t.baseUrl, {
      method: 'POST',
      path: `/v1/projects/${project.data?.id}/configs`,
      headers: { 'content-type': 'application/yaml' },
      body: `pdf_cleaning:\n  pdf_cleaning_small_api_key: ${secret}\n`,
    });
    expect(response.status).toBe(201);
    expect(response.body).not.toContain(secret);
    const [row] = await queryRows<{ secrets: Record<string, string> }>(t.database.db, sql`select secrets from configs`);
    const stored = Object.values(row?.secrets ?? {});
    expect(stored.length).toBe(1);
    expect(stored[0]).toMatch(/^enc:v1:[0-9a-f]{8}:/);
    expect(JSON.stringify(row)).not.toContain(secret);
  });
});
