/**
 * The embedded database on a directory of its own: created by a short-lived child process (initdb in the service's
 * process held ~1 GB at its first start and never gave ~190 MB of it back) and opened with small shared buffers.
 * Memory itself is measured by `npm run bench -- scale-ingest`; this checks the behaviour around it.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { migrateDatabase, openDatabase, queryRows, sql } from '../../../src/db/client.ts';
import { initializeInChildProcess } from '../../../src/db/pglite-memory.ts';

const root = await mkdtemp(path.join(os.tmpdir(), 'pglite-memory-'));
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('the embedded database directory', () => {
  it('is created by a child process, then opened, migrated and reopened with 16 MB of shared buffers', async () => {
    const dir = path.join(root, 'pg');
    await mkdir(dir);
    await initializeInChildProcess(dir);
    expect(await readFile(path.join(dir, 'PG_VERSION'), 'utf8')).toMatch(/^\d+/);
    for (let open = 0; open < 2; open++) {
      const database = await openDatabase({ pgliteDir: dir });
      try {
        await migrateDatabase(database);
        const rows = await queryRows<{ shared_buffers: string }>(database.db, sql`show shared_buffers`);
        expect(rows[0]?.shared_buffers).toBe('16MB');
        await database.db.execute(sql`insert into tenants (id, name) values (${`t${open}`}, 'kept')`);
        const kept = await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from tenants`);
        expect(kept[0]?.n).toBe(open + 1);
      } finally {
        await database.close();
      }
    }
  });

  it('builds beside the directory and renames it into place: a leftover of an interrupted start is rebuilt', async () => {
    const dir = path.join(root, 'interrupted');
    await mkdir(dir);
    // What a start killed while the child worked leaves: a partial build beside the (empty) directory.
    await mkdir(`${dir}.creating`);
    await writeFile(path.join(`${dir}.creating`, 'PG_VERSION'), '17\n');
    await initializeInChildProcess(dir);
    expect(await readFile(path.join(dir, 'PG_VERSION'), 'utf8')).toMatch(/^\d+/);
    expect(existsSync(`${dir}.creating`)).toBe(false);
    const database = await openDatabase({ pgliteDir: dir });
    await database.close();
  });

  it('does not replace a directory that holds files but no database', async () => {
    const dir = path.join(root, 'foreign');
    await mkdir(dir);
    await writeFile(path.join(dir, 'notes.txt'), 'mine');
    await expect(initializeInChildProcess(dir)).rejects.toThrow(/holds files but no database/);
    expect(await readFile(path.join(dir, 'notes.txt'), 'utf8')).toBe('mine');
    expect(existsSync(`${dir}.creating`)).toBe(false);
  });

  it('says which directory it could not create, and why', async () => {
    // A file where the directory should be: refused even for root.
    const dir = path.join(root, 'not-a-directory');
    await writeFile(dir, 'x');
    await expect(initializeInChildProcess(dir)).rejects.toThrow(
      `could not create the embedded database in ${dir}: it is a file, not a directory`,
    );
    expect(await readFile(dir, 'utf8')).toBe('x');
    // Below a file: the child cannot build it, and says why.
    const below = path.join(dir, 'pg');
    await expect(initializeInChildProcess(below)).rejects.toThrow(`could not create the embedded database in ${below}`);
  });
});
