/**
 * The embedded database on its own thread (src/db/pglite-thread.ts): the service's thread stays free while a
 * statement runs, a transaction holds the database alone, errors keep their SQLSTATE, and an idle database thread
 * neither keeps a process alive nor lets it exit while an answer is awaited.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isUniqueViolation } from '../../../src/db/client.ts';
import { PgliteThread } from '../../../src/db/pglite-thread.ts';

let thread: PgliteThread;

/** A promise (`opened`) and what settles it (`open`). */
const latch = () => {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
};
beforeAll(async () => {
  thread = await PgliteThread.create('memory://', { conf: [] });
  await thread.exec('create table t (id int primary key, note text)');
});
afterAll(async () => {
  await thread?.close();
});

describe('the embedded database thread', () => {
  it('leaves the service thread free while a long statement runs', async () => {
    let ticks = 0;
    const ticking = setInterval(() => ticks++, 1);
    try {
      // Hundreds of milliseconds of work inside PostgreSQL.
      const { rows } = await thread.query<{ n: number }>(
        'select count(*)::int as n from generate_series(1, 3000000) g where g % 7 = 0',
      );
      expect(rows[0]?.n).toBe(428_571);
    } finally {
      clearInterval(ticking);
    }
    expect(ticks).toBeGreaterThan(5);
  });

  it('answers in array mode and leaves the types asked for as text', async () => {
    const result = await thread.query<unknown[]>(
      "select 1 as one, timestamptz '2026-01-02 03:04:05+00' as at, '\\x0102'::bytea as bytes",
      [],
      { rowMode: 'array', parsers: { 1184: (v: string) => v } },
    );
    expect(result.rows[0]?.[0]).toBe(1);
    expect(typeof result.rows[0]?.[1]).toBe('string');
    expect(Array.from(result.rows[0]?.[2] as Uint8Array)).toEqual([1, 2]);
    expect(result.fields.map((f) => f.name)).toEqual(['one', 'at', 'bytes']);
  });

  it('keeps a database error’s SQLSTATE and detail', async () => {
    await thread.query('insert into t values (1, $1)', ['first']);
    const error = await thread.query('insert into t values (1, $1)', ['again']).catch((e: unknown) => e);
    expect(isUniqueViolation(error)).toBe(true);
    expect((error as { detail?: string }).detail).toMatch(/already exists/);
    expect(error).toBeInstanceOf(Error);
  });

  it('holds the database for a transaction: a statement from outside waits for its end', async () => {
    const { open: releaseTx, opened: held } = latch();
    const transaction = thread.transaction(async (tx) => {
      await tx.query('insert into t values (2, $1)', ['in tx']);
      await held;
      await tx.query('update t set note = $1 where id = 2', ['committed']);
    });
    // Sent while the transaction is open; it must see the committed row, not the half-done one.
    await new Promise((r) => setTimeout(r, 20));
    const outside = thread.query<{ note: string }>('select note from t where id = 2');
    await new Promise((r) => setTimeout(r, 20));
    releaseTx();
    await transaction;
    expect((await outside).rows).toEqual([{ note: 'committed' }]);
  });

  it('rolls a failed transaction back and carries on', async () => {
    const failed = thread.transaction(async (tx) => {
      await tx.query('insert into t values (3, $1)', ['never']);
      throw new Error('changed my mind');
    });
    await expect(failed).rejects.toThrow('changed my mind');
    expect((await thread.query('select * from t where id = 3')).rows).toEqual([]);
    const [result] = await thread.exec('select count(*)::int as n from t');
    expect(result?.rows).toEqual([{ n: 2 }]);
  });

  it('refuses statements once closed, with a clear error', async () => {
    const other = await PgliteThread.create('memory://', { conf: [] });
    await other.close();
    await expect(other.query('select 1')).rejects.toThrow(/closed/);
  });
});

describe("another thread's connection (a port the database thread serves)", () => {
  /** Resolves with 'waited' unless `promise` settles within `ms` (only a broken lock lets it). */
  const settlesWithin = (promise: Promise<unknown>, ms: number) =>
    Promise.race([promise.then(() => 'settled'), new Promise((r) => setTimeout(() => r('waited'), ms))]);

  it("waits for the other's transaction, and sees only what it committed", async () => {
    const other = PgliteThread.overPort(await thread.connectPort());
    const { open: inside, opened } = latch();
    const { open: release, opened: held } = latch();
    const transaction = thread.transaction(async (tx) => {
      await tx.query('insert into t values (10, $1)', ['half']);
      inside();
      await held;
      await tx.query('update t set note = $1 where id = 10', ['whole']);
    });
    await opened;
    const outside = other.query<{ note: string }>('select note from t where id = 10');
    expect(await settlesWithin(outside, 300)).toBe('waited');
    release();
    await transaction;
    expect((await outside).rows).toEqual([{ note: 'whole' }]);
    await other.close();
  });

  it("never runs inside the other's transaction: a rollback there leaves its statement done", async () => {
    const other = PgliteThread.overPort(await thread.connectPort());
    const { open: inside, opened } = latch();
    const rolledBack = other.transaction(async (tx) => {
      await tx.query('insert into t values (11, $1)', ['undone']);
      inside();
      await new Promise((r) => setTimeout(r, 50));
      throw new Error('roll it back');
    });
    await opened;
    const mine = thread.query('insert into t values (12, $1)', ['kept']);
    await expect(rolledBack).rejects.toThrow('roll it back');
    await mine;
    const { rows } = await thread.query<{ id: number }>('select id from t where id in (11, 12) order by id');
    expect(rows).toEqual([{ id: 12 }]);
    await other.close();
    // Its handle is closed; the database is not.
    await expect(other.query('select 1')).rejects.toThrow(/closed/);
    expect((await thread.query<{ n: number }>('select 1 as n')).rows).toEqual([{ n: 1 }]);
  });

  it('rolls back the transaction of a connection that goes away inside it, and serves the others', async () => {
    const port = await thread.connectPort();
    const other = PgliteThread.overPort(port);
    const { open: inside, opened } = latch();
    const abandoned = other.transaction(async (tx) => {
      await tx.query('insert into t values (13, $1)', ['abandoned']);
      inside();
      await new Promise(() => {}); // its thread dies here
    });
    void abandoned.catch(() => {});
    await opened;
    const waiting = thread.query<{ id: number }>('select id from t where id = 13');
    port.close();
    expect((await waiting).rows).toEqual([]);
  });
});

describe('a process using the embedded database thread', () => {
  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

  it('exits on its own when the database was left open and idle, and only after an awaited answer came', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'pglite-thread-'));
    try {
      const file = path.join(dir, 'left-open.mts');
      const entry = pathToFileURL(path.join(repoRoot, 'src/db/pglite-thread.ts')).href;
      await writeFile(
        file,
        `import { PgliteThread } from ${JSON.stringify(entry)};\n` +
          "const t = await PgliteThread.create('memory://', { conf: [] });\n" +
          "const { rows } = await t.query('select 41 + 1 as n');\n" +
          'console.log(rows[0].n);\n',
      );
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', file], {
        cwd: repoRoot,
        timeout: 60_000,
      });
      expect(stdout.trim()).toBe('42');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 70_000);
});
