/**
 * Concurrency leases shared by worker processes (table llm_slots). Rows 0 … limit-1 of a scope are the slots; a
 * holder owns a slot until `expires_at` and renews it while its call runs, so a crashed process frees its slots
 * when the lease lapses. Rows with a negative slot number are demand markers: a process that could not get a slot
 * says so, and a process holding more than its fair share gives some back (see src/llm/limiter.ts).
 * Every statement is a single short one (PGlite has one connection; no transaction is held across awaits).
 */
import { sql } from 'drizzle-orm';
import { type Db, queryRows } from '../client.ts';

const lease = (ttlMs: number) => sql`now() + ${ttlMs} * interval '1 millisecond'`;

/** Creates the slot rows of a scope (idempotent). */
export async function ensureSlots(db: Db, scope: string, limit: number): Promise<void> {
  await db.execute(sql`
    insert into llm_slots (scope, slot)
    select ${scope}, g from generate_series(0, ${limit - 1}::int) g
    on conflict do nothing`);
}

/** Leases up to `count` free (or expired) slots below `limit`; returns the slot numbers obtained. */
export async function claimSlots(
  db: Db,
  scope: string,
  limit: number,
  holder: string,
  count: number,
  ttlMs: number,
): Promise<number[]> {
  const rows = await queryRows<{ slot: number }>(
    db,
    sql`
    update llm_slots set holder = ${holder}, expires_at = ${lease(ttlMs)}
    where (scope, slot) in (
      select scope, slot from llm_slots
      where scope = ${scope} and slot >= 0 and slot < ${limit}::int and (holder is null or expires_at < now())
      order by slot
      limit ${count}::int
      for update skip locked)
    returning slot`,
  );
  return rows.map((r) => Number(r.slot));
}

export async function releaseSlots(db: Db, scope: string, holder: string, slots: readonly number[]): Promise<void> {
  if (slots.length === 0) return;
  await db.execute(sql`
    update llm_slots set holder = null, expires_at = null
    where scope = ${scope} and holder = ${holder} and slot in (${sql.join(
      slots.map((s) => sql`${s}::int`),
      sql`, `,
    )})`);
}

/**
 * Extends the given leases of `holder`; returns those it still has (a lapsed one may have been taken over). Only the
 * leases the process believes it holds are renewed, so one it has forgotten still expires.
 */
export async function renewLeases(
  db: Db,
  holder: string,
  leases: ReadonlyArray<{ scope: string; slot: number }>,
  ttlMs: number,
): Promise<Array<{ scope: string; slot: number }>> {
  if (leases.length === 0) return [];
  const keys = sql.join(
    leases.map((l) => sql`(${l.scope}, ${l.slot}::int)`),
    sql`, `,
  );
  const rows = await queryRows<{ scope: string; slot: number }>(
    db,
    sql`
    update llm_slots set expires_at = ${lease(ttlMs)}
    where holder = ${holder} and (scope, slot) in (${keys})
    returning scope, slot`,
  );
  return rows.map((r) => ({ scope: r.scope, slot: Number(r.slot) }));
}

/** Frees every slot and demand marker of `holder` (graceful shutdown). */
export async function releaseHolder(db: Db, holder: string): Promise<void> {
  await db.execute(sql`delete from llm_slots where holder = ${holder} and slot < 0`);
  await db.execute(sql`update llm_slots set holder = null, expires_at = null where holder = ${holder}`);
}

/**
 * Frees every slot and drops every demand marker, whoever holds them; returns how many slots were held. Only for a
 * process that holds the embedded database alone: every lease in it was a process's that died holding it.
 */
export async function releaseAllLeases(db: Db): Promise<number> {
  await db.execute(sql`delete from llm_slots where slot < 0`);
  const rows = await queryRows<{ slot: number }>(
    db,
    sql`update llm_slots set holder = null, expires_at = null where holder is not null returning slot`,
  );
  return rows.length;
}

/** Says that `holder` is waiting for slots of `scope` (a marker row at a negative slot number private to it). */
export async function markDemand(db: Db, scope: string, marker: number, holder: string, ttlMs: number): Promise<void> {
  await db.execute(sql`
    insert into llm_slots (scope, slot, holder, expires_at) values (${scope}, ${marker}::int, ${holder}, ${lease(ttlMs)})
    on conflict (scope, slot) do update set holder = excluded.holder, expires_at = excluded.expires_at`);
}

export async function clearDemand(db: Db, scope: string, marker: number): Promise<void> {
  await db.execute(sql`delete from llm_slots where scope = ${scope} and slot = ${marker}::int`);
}

/** How many other processes are waiting for slots of `scope` right now. */
export async function otherDemand(db: Db, scope: string, holder: string): Promise<number> {
  const [row] = await queryRows<{ n: number }>(
    db,
    sql`
    select count(*)::int as n from llm_slots
    where scope = ${scope} and slot < 0 and holder <> ${holder} and expires_at >= now()`,
  );
  return Number(row?.n ?? 0);
}

/** Removes a scope's rows once its run has finished (the rows are tiny; this is housekeeping). */
export async function deleteSlots(db: Db, scope: string): Promise<void> {
  await db.execute(sql`delete from llm_slots where scope = ${scope}`);
}
