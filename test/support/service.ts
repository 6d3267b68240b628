/**
 * The real service for integration tests: a fresh database (PGlite, or a new database on DATABASE_URL's server),
 * real queue and workers, listening on a random loopback port, and the typed client generated from the OpenAPI spec.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import createClient, { type Client } from 'openapi-fetch';
import pino from 'pino';
import { loadSettings, type Settings } from '../../src/config/settings.ts';
import type { Database } from '../../src/db/client.ts';
import { createApiKey, createTenant } from '../../src/db/queries/tenants.ts';
import type { LlmPortFactory } from '../../src/jobs/item-runner.ts';
import type { AnyStageDefinition } from '../../src/pipelines/stage.ts';
import { type Service, startService } from '../../src/service.ts';
import type { paths } from './openapi-types.ts';
import { createTestDatabase } from './test-db.ts';

export type ApiClient = Client<paths>;

export interface TestService {
  service: Service;
  /** `url` is set on the PostgreSQL pass: other processes (a worker) can connect to this test's database. */
  database: Database & { url?: string };
  baseUrl: string;
  dataDir: string;
  /** Client without credentials (local mode, or to test 401s). */
  client: ApiClient;
  /** Creates a tenant with a key and returns a client using it; after the first key the service requires keys. */
  clientForNewTenant(name: string): Promise<{ client: ApiClient; tenantId: string; key: string }>;
  stop(): Promise<void>;
}

export async function startTestService(
  options: {
    settings?: Partial<Settings>;
    llmFor?: LlmPortFactory;
    extraStages?: AnyStageDefinition[];
    /** Bind address; the default is loopback. `0.0.0.0` tests what a server on a network address does. */
    host?: string;
  } = {},
): Promise<TestService> {
  const database = await createTestDatabase();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'datagen-test-'));
  const settings = loadSettings(
    {},
    {
      dataDir,
      logLevel: 'silent',
      jobHeartbeatSeconds: 10,
      workerConcurrency: 16,
      // In-process: the test runner starts threads without a TypeScript loader (main.ts processes use the thread).
      workerThread: false,
      ...options.settings,
    },
  );
  const service = await startService(settings, {
    database,
    llmFor: options.llmFor,
    extraStages: options.extraStages,
    monitorIntervalSeconds: 1,
    sweepIntervalMs: 2000,
    logger: pino({ level: process.env.TEST_LOG ?? 'silent' }),
    keyCheckIntervalMs: 0,
  });
  await service.app?.listen({ host: options.host ?? '127.0.0.1', port: 0 });
  const address = service.app?.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    service,
    database,
    baseUrl,
    dataDir,
    client: createClient<paths>({ baseUrl }),
    async clientForNewTenant(name) {
      const tenant = await createTenant(database.db, name);
      const key = `test_${name}_${Math.random().toString(36).slice(2)}`;
      await createApiKey(database.db, tenant.id, name, key);
      return {
        client: createClient<paths>({ baseUrl, headers: { authorization: `Bearer ${key}` } }),
        tenantId: tenant.id,
        key,
      };
    },
    async stop() {
      await service.stop();
      await database.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
