/**
 * Vitest global setup: builds one migrated PGlite database (with pg-boss's schema) and dumps it to a temp file, so
 * each test file loads it (about 2 s) instead of running initdb, migrations and pg-boss's install (about 10 s under
 * load). Skipped on the PostgreSQL pass, where every file creates its own database on the server.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { migrateDatabase, openDatabase } from '../../src/db/client.ts';
import { JobQueue } from '../../src/jobs/queue.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplate: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (process.env.DATABASE_URL) {
    project.provide('pgliteTemplate', '');
    return async () => {};
  }
  const database = await openDatabase({ pgliteDir: 'memory://' });
  await migrateDatabase(database);
  const queue = await JobQueue.start(database, { heartbeatSeconds: 30, retryLimit: 1 });
  await queue.stop();
  if (database.kind !== 'pglite') throw new Error('expected PGlite');
  const dump = await database.pglite.dumpDataDir('none');
  await database.close();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pglite-template-'));
  const file = path.join(dir, 'template.tar');
  await writeFile(file, Buffer.from(await dump.arrayBuffer()));
  project.provide('pgliteTemplate', file);
  return async () => {
    await rm(dir, { recursive: true, force: true });
  };
}
