import { and, desc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { hubPushes } from '../schema/index.ts';

export type HubPushRow = typeof hubPushes.$inferSelect;

export async function insertHubPush(
  db: Db,
  row: Pick<HubPushRow, 'id' | 'tenantId' | 'runId' | 'repo' | 'branch' | 'private' | 'tokenSealed'>,
): Promise<HubPushRow> {
  const [inserted] = await db
    .insert(hubPushes)
    .values({ ...row, status: 'queued' })
    .returning();
  return inserted as HubPushRow;
}

export async function getHubPush(db: Db, id: string): Promise<HubPushRow | undefined> {
  const [row] = await db.select().from(hubPushes).where(eq(hubPushes.id, id));
  return row;
}

/** A run's pushes, newest first. */
export async function listHubPushes(db: Db, runId: string): Promise<HubPushRow[]> {
  return db.select().from(hubPushes).where(eq(hubPushes.runId, runId)).orderBy(desc(hubPushes.createdAt));
}

/**
 * queued → running, or running again: a push found `running` is one whose worker died inside it (the queue hands a
 * push's job to one worker at a time, and to another only once the first one's heartbeat lapsed), so the job's new
 * holder carries it on. False when the push has ended.
 */
export async function startHubPush(db: Db, id: string): Promise<boolean> {
  const rows = await db
    .update(hubPushes)
    .set({ status: 'running' })
    .where(and(eq(hubPushes.id, id), inArray(hubPushes.status, ['queued', 'running'])))
    .returning({ id: hubPushes.id });
  return rows.length > 0;
}

/** Back to queued, for a retry after a fault. */
export async function requeueHubPush(db: Db, id: string, error: string): Promise<void> {
  await db.update(hubPushes).set({ status: 'queued', error }).where(eq(hubPushes.id, id));
}

/** Ends a push and forgets its token. */
export async function finishHubPush(
  db: Db,
  id: string,
  result: { status: 'succeeded'; commit: string; files: number; bytes: number } | { status: 'failed'; error: string },
): Promise<void> {
  await db
    .update(hubPushes)
    .set({
      ...(result.status === 'succeeded'
        ? { status: 'succeeded', commit: result.commit, files: result.files, bytes: result.bytes, error: null }
        : { status: 'failed', error: result.error }),
      tokenSealed: null,
      finishedAt: new Date(),
    })
    .where(eq(hubPushes.id, id));
}
