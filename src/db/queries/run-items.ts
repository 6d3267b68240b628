import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { type Db, queryRows } from '../client.ts';
import { type ItemState, runItems, runStages, runs } from '../schema/index.ts';

export interface NewItem {
  key: string;
  input: unknown;
}

/**
 * Adds items, numbered from `firstPosition`; an item whose key the stage has is left as it is (plans are idempotent:
 * re-planning after a crash inserts nothing that already exists). Returns how many were new.
 */
export async function insertItems(
  db: Db,
  runId: string,
  stage: string,
  items: NewItem[],
  firstPosition = 0,
): Promise<number> {
  const batchSize = 500;
  let inserted = 0;
  for (let i = 0; i < items.length; i += batchSize) {
    const batch = items.slice(i, i + batchSize);
    const rows = await db
      .insert(runItems)
      .values(
        batch.map((item, j) => ({ runId, stage, key: item.key, position: firstPosition + i + j, input: item.input })),
      )
      .onConflictDoNothing()
      .returning({ key: runItems.key });
    inserted += rows.length;
  }
  return inserted;
}

/**
 * An item with its run and stage, in one round trip: what a worker reads before processing it (the hot path of every
 * item, so one query rather than three).
 */
export async function getItemWithRun(db: Db, runId: string, stage: string, key: string) {
  const [row] = await hotStatements(db).itemWithRun.execute({ runId, stage, key });
  return row;
}

/** An item by its identity: run, stage and key. */
export interface ItemRef {
  runId: string;
  stage: string;
  key: string;
}

/**
 * Many items with their runs and stages, in one round trip (the items a worker took up together); items that do not
 * exist are absent.
 */
export async function getItemsWithRun(db: Db, refs: readonly ItemRef[]) {
  if (refs.length === 0) return [];
  return hotStatements(db).itemsWithRun.execute(refColumns(refs));
}

export async function getItem(db: Db, runId: string, stage: string, key: string) {
  const [row] = await db
    .select()
    .from(runItems)
    .where(and(eq(runItems.runId, runId), eq(runItems.stage, stage), eq(runItems.key, key)));
  return row;
}

/** The stage's pending items' keys in item order; with `among`, only those of these keys (a page just planned). */
export async function pendingItemKeys(db: Db, runId: string, stage: string, among?: string[]): Promise<string[]> {
  if (among?.length === 0) return [];
  const rows = await db
    .select({ key: runItems.key })
    .from(runItems)
    .where(
      and(
        eq(runItems.runId, runId),
        eq(runItems.stage, stage),
        eq(runItems.state, 'pending'),
        among ? inArray(runItems.key, among) : undefined,
      ),
    )
    .orderBy(asc(runItems.position));
  return rows.map((r) => r.key);
}

/**
 * Records an item's outcome exactly once: only a pending item changes, so a job delivered twice cannot count twice.
 * Returns whether this call recorded it.
 */
export async function recordItemOutcome(
  db: Db,
  runId: string,
  stage: string,
  key: string,
  result: { state: Exclude<ItemState, 'pending'>; output?: unknown; reason?: string | undefined },
): Promise<boolean> {
  const rows = await db
    .update(runItems)
    .set({
      state: result.state,
      output: result.output ?? null,
      reason: result.reason ?? null,
      attempts: sql`${runItems.attempts} + 1`,
      updatedAt: new Date(),
    })
    .where(
      and(eq(runItems.runId, runId), eq(runItems.stage, stage), eq(runItems.key, key), eq(runItems.state, 'pending')),
    )
    .returning({ key: runItems.key });
  return rows.length > 0;
}

export interface ItemOutcome extends ItemRef {
  state: Exclude<ItemState, 'pending'>;
  output?: unknown;
  reason?: string | undefined;
}

/**
 * Records many items' outcomes in one statement, each exactly once as `recordItemOutcome` does. Returns the items
 * this call recorded (those still pending until now). An item given twice is recorded from its first entry.
 */
export async function recordItemOutcomes(db: Db, outcomes: readonly ItemOutcome[]): Promise<ItemRef[]> {
  const byRef = new Map<string, ItemOutcome>();
  for (const o of outcomes) if (!byRef.has(refId(o))) byRef.set(refId(o), o);
  const first = [...byRef.values()];
  if (first.length === 0) return [];
  return queryRows<ItemRef>(
    db,
    sql`
    update ${runItems} i
    set state = o.state, output = o.output::jsonb, reason = o.reason, attempts = i.attempts + 1, updated_at = now()
    from unnest(
      ${sql.param(first.map((o) => o.runId))}::text[], ${sql.param(first.map((o) => o.stage))}::text[],
      ${sql.param(first.map((o) => o.key))}::text[], ${sql.param(first.map((o) => o.state))}::text[],
      ${sql.param(first.map((o) => (o.output === undefined || o.output === null ? null : JSON.stringify(o.output))))}::text[],
      ${sql.param(first.map((o) => o.reason ?? null))}::text[]
    ) as o(run_id, stage, key, state, output, reason)
    where i.run_id = o.run_id and i.stage = o.stage and i.key = o.key and i.state = 'pending'
    returning i.run_id as "runId", i.stage, i.key`,
  );
}

/** Which of these stages (run and stage name) still have a pending item, in one round trip. */
export async function stagesWithPending(
  db: Db,
  stages: ReadonlyArray<{ runId: string; stage: string }>,
): Promise<Array<{ runId: string; stage: string }>> {
  const distinct = [...new Map(stages.map((s) => [stageRefId(s), s])).values()];
  if (distinct.length === 0) return [];
  return queryRows<{ runId: string; stage: string }>(
    db,
    sql`
    select s.run_id as "runId", s.stage
    from unnest(${sql.param(distinct.map((s) => s.runId))}::text[], ${sql.param(distinct.map((s) => s.stage))}::text[])
      as s(run_id, stage)
    where exists (
      select 1 from ${runItems} i where i.run_id = s.run_id and i.stage = s.stage and i.state = 'pending'
    )`,
  );
}

/** An item's identity as one string (a map key). */
export const refId = (ref: ItemRef) => JSON.stringify([ref.runId, ref.stage, ref.key]);

/** A run's stage as one string (a map key). */
export const stageRefId = (ref: { runId: string; stage: string }) => JSON.stringify([ref.runId, ref.stage]);

const refColumns = (refs: readonly ItemRef[]) => ({
  runIds: refs.map((r) => r.runId),
  stages: refs.map((r) => r.stage),
  keys: refs.map((r) => r.key),
});

/** Keeps a pending item's last error and attempt count, so the dead-letter record can say what went wrong. */
export async function recordItemAttemptError(
  db: Db,
  item: { runId: string; stage: string; key: string },
  reason: string,
  attempts: number,
): Promise<void> {
  await db
    .update(runItems)
    .set({ reason, attempts })
    .where(and(eq(runItems.runId, item.runId), eq(runItems.stage, item.stage), eq(runItems.key, item.key)));
}

/**
 * Whether any item of the stage is still pending. Asked after every item settles, so it stops at the first one found
 * (a count visited every pending item each time: quadratic over a stage).
 */
export async function hasPending(db: Db, runId: string, stage: string): Promise<boolean> {
  const rows = await hotStatements(db).stageHasPending.execute({ runId, stage });
  return rows.length > 0;
}

/** drizzle's name for a prepared statement; empty keeps node-postgres from preparing it on the server. */
const UNNAMED = '';

/**
 * The two reads every item makes, built once per database handle and run with placeholders: turning a query into
 * SQL text cost drizzle more CPU than the database took to answer it (2.2 s of a composition run's ~12 s of service
 * CPU went to building statements). They go to PostgreSQL unnamed, as other statements do: a named prepared statement
 * would break behind a pooler in transaction mode (PgBouncer).
 */
function prepareHotStatements(db: Db) {
  const runId = sql.placeholder('runId');
  const stage = sql.placeholder('stage');
  return {
    itemWithRun: db
      .select({ item: runItems, run: runs, stage: runStages })
      .from(runItems)
      .innerJoin(runs, eq(runs.id, runItems.runId))
      .innerJoin(runStages, and(eq(runStages.runId, runItems.runId), eq(runStages.name, runItems.stage)))
      .where(and(eq(runItems.runId, runId), eq(runItems.stage, stage), eq(runItems.key, sql.placeholder('key'))))
      .prepare(UNNAMED),
    itemsWithRun: db
      .select({ item: runItems, run: runs, stage: runStages })
      .from(runItems)
      .innerJoin(runs, eq(runs.id, runItems.runId))
      .innerJoin(runStages, and(eq(runStages.runId, runItems.runId), eq(runStages.name, runItems.stage)))
      .where(
        sql`(${runItems.runId}, ${runItems.stage}, ${runItems.key}) in (select * from unnest(${sql.placeholder('runIds')}::text[], ${sql.placeholder('stages')}::text[], ${sql.placeholder('keys')}::text[]))`,
      )
      .prepare(UNNAMED),
    stageHasPending: db
      .select({ key: runItems.key })
      .from(runItems)
      .where(and(eq(runItems.runId, runId), eq(runItems.stage, stage), eq(runItems.state, 'pending')))
      .limit(1)
      .prepare(UNNAMED),
  };
}

const preparedFor = new WeakMap<Db, ReturnType<typeof prepareHotStatements>>();

function hotStatements(db: Db): ReturnType<typeof prepareHotStatements> {
  let statements = preparedFor.get(db);
  if (!statements) {
    statements = prepareHotStatements(db);
    preparedFor.set(db, statements);
  }
  return statements;
}

export interface StageCounts {
  total: number;
  pending: number;
  done: number;
  failed: number;
  dropped: number;
  reasons: Record<string, number>;
}

/**
 * Counts per stage, derived from the items themselves so they can never drift from the truth; only `stage`'s when
 * given (a check after one item settles need not count the whole run).
 */
export async function itemCountsByStage(db: Db, runId: string, stage?: string): Promise<Map<string, StageCounts>> {
  const rows = await db
    .select({ stage: runItems.stage, state: runItems.state, reason: runItems.reason, n: sql<number>`count(*)::int` })
    .from(runItems)
    .where(and(eq(runItems.runId, runId), stage === undefined ? undefined : eq(runItems.stage, stage)))
    .groupBy(runItems.stage, runItems.state, runItems.reason);
  const out = new Map<string, StageCounts>();
  for (const row of rows) {
    let c = out.get(row.stage);
    if (!c) {
      c = { total: 0, pending: 0, done: 0, failed: 0, dropped: 0, reasons: {} };
      out.set(row.stage, c);
    }
    c.total += row.n;
    c[row.state] += row.n;
    if (row.reason && (row.state === 'dropped' || row.state === 'failed')) {
      c.reasons[row.reason] = (c.reasons[row.reason] ?? 0) + row.n;
    }
  }
  return out;
}

export async function doneItems(db: Db, runId: string, stage: string) {
  return db
    .select({ key: runItems.key, input: runItems.input, output: runItems.output })
    .from(runItems)
    .where(and(eq(runItems.runId, runId), eq(runItems.stage, stage), eq(runItems.state, 'done')))
    .orderBy(asc(runItems.position));
}

/** Items of a stage that ended without an output (dropped or failed), in item order, with their reason. */
export async function unfinishedItems(db: Db, runId: string, stage: string) {
  return db
    .select({ key: runItems.key, input: runItems.input, state: runItems.state, reason: runItems.reason })
    .from(runItems)
    .where(and(eq(runItems.runId, runId), eq(runItems.stage, stage), inArray(runItems.state, ['dropped', 'failed'])))
    .orderBy(asc(runItems.position));
}
