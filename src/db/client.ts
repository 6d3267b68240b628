import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MessagePort } from 'node:worker_threads';
import type { SQL } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import { lockDirectory } from './directory-lock.ts';
import { EMBEDDED_POSTGRESQL_CONF, initializeInChildProcess } from './pglite-memory.ts';
import { asPglite, type EmbeddedDatabase, PgliteThread } from './pglite-thread.ts';
import * as schema from './schema/index.ts';

/** drizzle's SQL tag, for the queue's transaction adapter (drizzle itself stays inside src/db). */
export { sql } from 'drizzle-orm';

export type Schema = typeof schema;
/** The drizzle handle every query module takes; the same type over PGlite and node-postgres. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

/**
 * An open database. `pglite` (the embedded database's thread) or `connectionString` is what the queue needs: pg-boss
 * talks to PGlite through its own adapter and to PostgreSQL through a connection string (it keeps its own pool).
 */
export type Database = {
  db: Db;
  close(): Promise<void>;
} & ({ kind: 'pglite'; pglite: EmbeddedDatabase } | { kind: 'postgres'; pool: pg.Pool; connectionString: string });

const migrationsFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

export interface OpenDatabaseOptions {
  /** PostgreSQL URL; without it the embedded PGlite is used. */
  databaseUrl?: string | undefined;
  /** PGlite data directory; `memory://` for a throw-away database. */
  pgliteDir?: string;
  /** Load a PGlite data dir dump (tests start from a migrated template this way). */
  pgliteTemplate?: Blob | File;
  poolMax?: number;
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  if (options.databaseUrl) {
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.poolMax ?? 10 });
    // An idle client losing its connection must not crash the process; the pool replaces it.
    pool.on('error', () => {});
    const db = drizzlePg(pool, { schema }) as unknown as Db;
    return { kind: 'postgres', db, pool, connectionString: options.databaseUrl, close: () => pool.end() };
  }
  const dir = options.pgliteDir ?? 'memory://';
  const onDisk = !dir.startsWith('memory://');
  let unlock = () => {};
  if (onDisk) {
    mkdirSync(dir, { recursive: true });
    unlock = lockDirectory(dir);
  }
  let pglite: PgliteThread;
  try {
    if (onDisk && !options.pgliteTemplate) await initializeInChildProcess(dir);
    pglite = await PgliteThread.create(dir, {
      conf: EMBEDDED_POSTGRESQL_CONF,
      ...(options.pgliteTemplate ? { template: options.pgliteTemplate } : {}),
    });
  } catch (error) {
    unlock();
    throw error;
  }
  const db = drizzlePglite(asPglite(pglite), { schema }) as unknown as Db;
  const close = async () => {
    try {
      await pglite.close();
    } finally {
      unlock();
    }
  };
  return { kind: 'pglite', db, pglite, close };
}

/**
 * The embedded database of this process, from another of its threads: `port` came from `connectPort` on the thread
 * that opened it (see `Database.pglite`). Closing it closes the port; the database stays with its owner.
 */
export function attachEmbeddedDatabase(port: MessagePort): Database {
  const pglite = PgliteThread.overPort(port);
  const db = drizzlePglite(asPglite(pglite), { schema }) as unknown as Db;
  return { kind: 'pglite', db, pglite, close: () => pglite.close() };
}

/** Applies the committed migrations (src/db/migrations); idempotent. */
export async function migrateDatabase(database: Database): Promise<void> {
  if (database.kind === 'pglite') {
    // biome-ignore lint/suspicious/noExplicitAny: the migrator wants its driver's own database type
    await migratePglite(database.db as any, { migrationsFolder });
  } else {
    // Processes starting together (an API and its workers) would otherwise race to apply the same migration; the
    // lock is held on one session while the migrator works, and the others wait for it, then find nothing to do.
    const session = await database.pool.connect();
    try {
      await session.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
      // biome-ignore lint/suspicious/noExplicitAny: as above
      await migratePg(database.db as any, { migrationsFolder });
    } finally {
      await session.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
      session.release();
    }
  }
}

/** The advisory lock key of schema migrations (any constant the service uses for nothing else). */
const MIGRATION_LOCK = 7_305_221_841;

/** Runs raw SQL and returns its rows; both drivers answer `{ rows }`, which the shared Db type leaves untyped. */
export async function queryRows<T>(db: Db, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

/** True for a unique-constraint violation (SQLSTATE 23505), whichever driver raised it and however drizzle wrapped it. */
export function isUniqueViolation(error: unknown): boolean {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.code === '23505') return true;
  }
  return false;
}
