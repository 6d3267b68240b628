/**
 * A fresh, migrated database for one test file: an in-memory PGlite by default, or, when DATABASE_URL is set (CI's
 * second pass), a new database on that server created for this file and dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { inject } from 'vitest';
import { type Database, migrateDatabase, openDatabase } from '../../src/db/client.ts';

export const usingPostgres = Boolean(process.env.DATABASE_URL);

export async function createTestDatabase(): Promise<Database & { url?: string }> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    // Start from the migrated template built once by test/setup/pglite-template.ts; migrating again is a no-op check.
    const templateFile = inject('pgliteTemplate');
    const template = templateFile ? new Blob([await readFile(templateFile)]) : undefined;
    const database = await openDatabase({ pgliteDir: 'memory://', ...(template ? { pgliteTemplate: template } : {}) });
    await migrateDatabase(database);
    return database;
  }
  const name = `test_${Date.now()}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: url.toString() });
  await migrateDatabase(database);
  const close = database.close;
  return {
    ...database,
    url: url.toString(),
    close: async () => {
      await close();
      const cleanup = new pg.Client({ connectionString: serverUrl });
      await cleanup.connect();
      await cleanup.query(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    },
  };
}
