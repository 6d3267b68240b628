import { and, asc, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import type { RunOutcome } from '../../lib/run-outcome.ts';
import type { Db } from '../client.ts';
import { type RunStatus, runItems, runStages, runs, type StageState } from '../schema/index.ts';
import { decodeCursor, type PageRequest, toPage } from './pagination.ts';

export type RunRow = typeof runs.$inferSelect;
export type StageRow = typeof runStages.$inferSelect;

export interface NewStage {
  name: string;
  kind: string;
  params: Record<string, unknown>;
  dependsOn: string[];
  state: StageState;
  detail?: string | undefined;
}

/** Inserts a run and its stage graph; the caller runs this in the same transaction as the first job. */
export async function insertRun(db: Db, run: typeof runs.$inferInsert, stages: NewStage[]): Promise<RunRow> {
  const [row] = await db.insert(runs).values(run).returning();
  if (stages.length > 0) {
    await db.insert(runStages).values(
      stages.map((s, position) => ({
        runId: run.id,
        name: s.name,
        kind: s.kind,
        params: s.params,
        position,
        dependsOn: s.dependsOn,
        state: s.state,
        detail: s.detail ?? null,
      })),
    );
  }
  return row as RunRow;
}

export async function getRun(db: Db, tenantId: string, id: string): Promise<RunRow | undefined> {
  const [row] = await db
    .select()
    .from(runs)
    .where(and(eq(runs.tenantId, tenantId), eq(runs.id, id)));
  return row;
}

export async function getRunById(db: Db, id: string): Promise<RunRow | undefined> {
  const [row] = await db.select().from(runs).where(eq(runs.id, id));
  return row;
}

export async function findRunByIdempotencyKey(db: Db, projectId: string, key: string): Promise<RunRow | undefined> {
  const [row] = await db
    .select()
    .from(runs)
    .where(and(eq(runs.projectId, projectId), eq(runs.idempotencyKey, key)));
  return row;
}

/** A project's runs, newest first (ids are time-ordered), optionally only those in one of `statuses`. */
export async function listRuns(
  db: Db,
  tenantId: string,
  projectId: string,
  page: PageRequest,
  statuses?: readonly RunStatus[],
) {
  const before = decodeCursor(page.cursor);
  const rows = await db
    .select()
    .from(runs)
    .where(
      and(
        eq(runs.tenantId, tenantId),
        eq(runs.projectId, projectId),
        before ? lt(runs.id, before) : undefined,
        statuses && statuses.length > 0 ? inArray(runs.status, [...statuses]) : undefined,
      ),
    )
    .orderBy(desc(runs.id))
    .limit(page.limit + 1);
  return toPage(rows, page.limit, (r) => r.id);
}

/** Deletes a run's rows (stages, items, events, artifacts and pushes go with it by cascade). */
export async function deleteRun(db: Db, id: string): Promise<void> {
  await db.delete(runs).where(eq(runs.id, id));
}

/** Whether any run uses the config. */
export async function configInUse(db: Db, configId: string): Promise<boolean> {
  const [row] = await db.select({ id: runs.id }).from(runs).where(eq(runs.configId, configId)).limit(1);
  return row !== undefined;
}

/** Moves a run from one of `from` to `to`; returns the row when this call made the transition. */
export async function transitionRun(
  db: Db,
  id: string,
  from: RunStatus[],
  to: RunStatus,
  extra: { error?: string; outcome?: RunOutcome } = {},
): Promise<RunRow | undefined> {
  const now = new Date();
  const values: Partial<typeof runs.$inferInsert> = { status: to, updatedAt: now };
  if (extra.outcome !== undefined) values.outcome = extra.outcome;
  if (to === 'running') values.startedAt = now;
  if (to === 'succeeded' || to === 'succeeded_with_drops' || to === 'failed' || to === 'canceled')
    values.finishedAt = now;
  if (extra.error !== undefined) values.error = extra.error;
  const [row] = await db
    .update(runs)
    .set(values)
    .where(and(eq(runs.id, id), inArray(runs.status, from)))
    .returning();
  return row;
}

export async function activeRunIds(db: Db, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .select({ id: runs.id })
    .from(runs)
    // A paused run's calls in flight finish (their answers are paid for); its items stop at their next call.
    .where(and(inArray(runs.id, ids), inArray(runs.status, ['queued', 'running', 'paused'])));
  return new Set(rows.map((r) => r.id));
}

export async function runsInProgress(db: Db): Promise<RunRow[]> {
  return db
    .select()
    .from(runs)
    .where(inArray(runs.status, ['queued', 'running']))
    .orderBy(desc(runs.id));
}

export async function getStages(db: Db, runId: string): Promise<StageRow[]> {
  return db.select().from(runStages).where(eq(runStages.runId, runId)).orderBy(asc(runStages.position));
}

/** Conditional stage transition: only one worker wins a `pending → running` or `running → finishing` race. */
export async function transitionStage(
  db: Db,
  runId: string,
  name: string,
  from: StageState[],
  to: StageState,
  extra: { error?: string; detail?: string } = {},
): Promise<boolean> {
  const values: Partial<typeof runStages.$inferInsert> = { state: to };
  if (to === 'running') values.startedAt = new Date();
  if (to === 'succeeded' || to === 'failed' || to === 'skipped' || to === 'canceled') values.finishedAt = new Date();
  if (extra.error !== undefined) values.error = extra.error;
  if (extra.detail !== undefined) values.detail = extra.detail;
  const rows = await db
    .update(runStages)
    .set(values)
    .where(and(eq(runStages.runId, runId), eq(runStages.name, name), inArray(runStages.state, from)))
    .returning({ name: runStages.name });
  return rows.length > 0;
}

/** Records that a stage planned its items from one finished instance it needs (see `planFrom`). */
export async function markPlannedFrom(db: Db, runId: string, name: string, instance: string): Promise<void> {
  await db
    .update(runStages)
    .set({ plannedFrom: sql`${runStages.plannedFrom} || ${JSON.stringify([instance])}::jsonb` })
    .where(
      and(
        eq(runStages.runId, runId),
        eq(runStages.name, name),
        sql`not (${runStages.plannedFrom} @> ${JSON.stringify([instance])}::jsonb)`,
      ),
    );
}

export async function cancelOpenStages(db: Db, runId: string): Promise<void> {
  await db
    .update(runStages)
    .set({ state: 'canceled', finishedAt: sql`now()` })
    .where(and(eq(runStages.runId, runId), inArray(runStages.state, ['pending', 'running', 'finishing'])));
}

/** queued/running → paused, with the reason; the row when this call paused it. */
export async function pauseRunRow(db: Db, id: string, reason: string): Promise<RunRow | undefined> {
  const [row] = await db
    .update(runs)
    .set({ status: 'paused', pauseReason: reason, updatedAt: new Date() })
    .where(and(eq(runs.id, id), inArray(runs.status, ['queued', 'running'])))
    .returning();
  return row;
}

/** paused → running (its start time kept), with a new budget when given; the row when this call resumed it. */
export async function resumeRunRow(
  db: Db,
  id: string,
  budgetUsd?: number | null,
  secretOverridesSealed?: Record<string, string>,
): Promise<RunRow | undefined> {
  const [row] = await db
    .update(runs)
    .set({
      status: 'running',
      pauseReason: null,
      updatedAt: new Date(),
      ...(budgetUsd !== undefined ? { budgetUsd } : {}),
      ...(secretOverridesSealed ? { secretOverridesSealed } : {}),
    })
    .where(and(eq(runs.id, id), eq(runs.status, 'paused')))
    .returning();
  return row;
}

export async function setRunEstimate(db: Db, id: string, estimate: Record<string, unknown>): Promise<void> {
  await db.update(runs).set({ estimate }).where(eq(runs.id, id));
}

/**
 * Reopens an ended run's failed items (pending again, attempts from zero), in one transaction: the stages holding
 * them run again, the stages after them (and those the failure canceled) plan again — done items keep their outputs,
 * items new to them are added —, and the run is running with no outcome. The row when this call reopened it.
 */
export async function reopenFailedItems(
  db: Db,
  id: string,
  stages: { rerun: string[]; replan: string[] },
): Promise<RunRow | undefined> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(runs)
      .set({ status: 'running', outcome: null, error: null, finishedAt: null, updatedAt: new Date() })
      .where(and(eq(runs.id, id), inArray(runs.status, ['succeeded_with_drops', 'failed'])))
      .returning();
    if (!row) return undefined;
    await tx
      .update(runItems)
      .set({ state: 'pending', reason: null, attempts: 0, updatedAt: new Date() })
      .where(and(eq(runItems.runId, id), eq(runItems.state, 'failed')));
    if (stages.rerun.length > 0) {
      await tx
        .update(runStages)
        .set({ state: 'running', error: null, finishedAt: null })
        .where(and(eq(runStages.runId, id), inArray(runStages.name, stages.rerun)));
    }
    if (stages.replan.length > 0) {
      await tx
        .update(runStages)
        .set({ state: 'pending', error: null, startedAt: null, finishedAt: null, plannedFrom: [] })
        .where(and(eq(runStages.runId, id), inArray(runStages.name, stages.replan)));
    }
    return row;
  });
}
