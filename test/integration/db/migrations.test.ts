/**
 * Processes starting together on one PostgreSQL (an API and its workers) apply the migrations once: the migrator
 * runs behind an advisory lock, so the others wait and find nothing left to do. PostgreSQL only (PGlite has one
 * process by construction).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { migrateDatabase, openDatabase } from '../../../src/db/client.ts';
import { usingPostgres } from '../../support/test-db.ts';

describe.skipIf(!usingPostgres)('migrations on PostgreSQL', () => {
  it('are applied once when four processes start at the same moment', async () => {
    const serverUrl = process.env.DATABASE_URL as string;
    const name = `test_migrate_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`create database ${name}`);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    const databases = await Promise.all(
      Array.from({ length: 4 }, () => openDatabase({ databaseUrl: url.toString(), poolMax: 2 })),
    );
    try {
      await Promise.all(databases.map((database) => migrateDatabase(database)));
      const check = new pg.Client({ connectionString: url.toString() });
      await check.connect();
      const { rows } = await check.query(
        'select hash, count(*)::int as n from drizzle.__drizzle_migrations group by hash',
      );
      await check.end();
      expect(rows.length).toBeGreaterThan(5);
      expect(rows.every((row: { n: number }) => row.n === 1)).toBe(true);
    } finally {
      await Promise.all(databases.map((database) => database.close()));
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  }, 60_000);
});
