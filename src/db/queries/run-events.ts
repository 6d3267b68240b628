import { and, asc, eq, gt, lte } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { runEvents } from '../schema/index.ts';

export type RunEventRow = typeof runEvents.$inferSelect;

export async function appendEvent(
  db: Db,
  runId: string,
  type: string,
  data: Record<string, unknown> = {},
  stage?: string,
): Promise<void> {
  await db.insert(runEvents).values({ runId, type, stage: stage ?? null, data });
}

export async function listEvents(db: Db, runId: string, afterId: number, limit: number): Promise<RunEventRow[]> {
  return db
    .select()
    .from(runEvents)
    .where(and(eq(runEvents.runId, runId), gt(runEvents.id, afterId)))
    .orderBy(asc(runEvents.id))
    .limit(limit);
}

/** Whether the run has an event of this type with an id up to `maxId` (its end event, say, already returned). */
export async function hasEventUpTo(db: Db, runId: string, type: string, maxId: number): Promise<boolean> {
  const [row] = await db
    .select({ id: runEvents.id })
    .from(runEvents)
    .where(and(eq(runEvents.runId, runId), eq(runEvents.type, type), lte(runEvents.id, maxId)))
    .limit(1);
  return row !== undefined;
}
