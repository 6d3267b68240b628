/**
 * The slot limiter on a real database. Two limiter instances on one database behave like two worker processes (each
 * has its own holder id and local state), so the sharing protocol is tested on PGlite too; cross-process.test.ts
 * repeats it with real processes on PostgreSQL.
 */
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { type Database, queryRows } from '../../../src/db/client.ts';
import { SlotLimiter } from '../../../src/llm/limiter.ts';
import { createTestDatabase } from '../../support/test-db.ts';
import { waitFor } from '../../support/wait.ts';

let database: Database;
const limiters: SlotLimiter[] = [];
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.close();
});
afterEach(async () => {
  await Promise.all(limiters.splice(0).map((l) => l.close()));
});

const limiter = (options: ConstructorParameters<typeof SlotLimiter>[1] = {}) => {
  const l = new SlotLimiter(database.db, { onError: (e) => console.error(e), ...options });
  limiters.push(l);
  return l;
};

/** Runs `count` tasks of `ms` each through the limiter, tracking how many run at once across all limiters. */
function workload(
  gauge: { now: number; max: number },
  l: SlotLimiter,
  scope: string,
  limit: number,
  count: number,
  ms: number,
) {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const lease = await l.acquire(scope, limit);
      gauge.now++;
      gauge.max = Math.max(gauge.max, gauge.now);
      await new Promise((r) => setTimeout(r, ms));
      gauge.now--;
      lease.release();
    }),
  );
}

it('hands slots on locally and gives them all back when the work is done', async () => {
  const l = limiter();
  const gauge = { now: 0, max: 0 };
  await workload(gauge, l, 'scope-a', 5, 40, 10);
  expect(gauge.max).toBe(5);
  await waitFor(async () => Object.keys(l.snapshot()).length === 0, { what: 'scope state to be dropped' });
  // The give-back statement may still be on its way when the local state is gone: wait for the table, not time.
  const held = async () =>
    (
      await queryRows<{ n: number }>(
        database.db,
        sql`select count(*)::int as n from llm_slots where scope = 'scope-a' and holder is not null`,
      )
    )[0]?.n;
  await waitFor(async () => (await held()) === 0, { what: 'every lease to be given back', timeoutMs: 5000 });
});

it('holds the limit across two processes sharing the database, and both get work done', async () => {
  const a = limiter();
  const b = limiter();
  const gauge = { now: 0, max: 0 };
  await Promise.all([workload(gauge, a, 'scope-b', 6, 60, 15), workload(gauge, b, 'scope-b', 6, 60, 15)]);
  expect(gauge.max).toBeLessThanOrEqual(6);
  expect(gauge.max).toBeGreaterThan(3);
});

it('gives a process holding every slot reason to share when another one waits (fair share)', async () => {
  const a = limiter({ fairnessCheckMs: 20 });
  const b = limiter({ fairnessCheckMs: 20 });
  const gauge = { now: 0, max: 0 };
  const busy = workload(gauge, a, 'scope-c', 4, 400, 10);
  await waitFor(async () => a.snapshot()['scope-c']?.held === 4, { what: 'A to hold every slot' });
  let bDone = 0;
  const waiting = workload({ now: 0, max: 0 }, b, 'scope-c', 4, 4, 10).then(() => (bDone = performance.now()));
  await waiting;
  // B finished while A still had most of its 400 tasks queued.
  expect(a.snapshot()['scope-c']?.waiting ?? 0).toBeGreaterThan(100);
  expect(bDone).toBeGreaterThan(0);
  await busy;
});

it('takes over the slots of a crashed process once their leases expire', async () => {
  await database.db.execute(sql`
    insert into llm_slots (scope, slot, holder, expires_at)
    select 'scope-d', g, 'dead-process', now() + interval '300 milliseconds' from generate_series(0, 1) g`);
  const l = limiter();
  const started = performance.now();
  const lease = await l.acquire('scope-d', 2);
  expect(performance.now() - started).toBeGreaterThanOrEqual(250);
  lease.release();
});

it('renews leases while they are held, so a long call keeps its slot', async () => {
  // Renewal every 100 ms against a 2 s lease: only a stall of nearly 2 s on a loaded machine could lose the slot.
  const a = limiter({ leaseTtlMs: 2000, renewEveryMs: 100 });
  const b = limiter();
  const lease = await a.acquire('scope-e', 1);
  await new Promise((r) => setTimeout(r, 2500)); // longer than the TTL: only renewal keeps the slot
  const controller = new AbortController();
  const other = b.acquire('scope-e', 1, controller.signal);
  const outcome = await Promise.race([other.then(() => 'acquired'), new Promise((r) => setTimeout(r, 200, 'waiting'))]);
  expect(outcome).toBe('waiting');
  controller.abort(new Error('gave up'));
  await expect(other).rejects.toThrow('gave up');
  lease.release();
});

it('rejects waiters when closed and frees its leases', async () => {
  const l = limiter();
  await l.acquire('scope-f', 1);
  const waiting = l.acquire('scope-f', 1).catch((error: unknown) => error);
  await l.close();
  expect(String(await waiting)).toMatch(/closed/);
  const held = await queryRows<{ n: number }>(
    database.db,
    sql`select count(*)::int as n from llm_slots where scope = 'scope-f' and holder is not null`,
  );
  expect(held[0]?.n).toBe(0);
});
