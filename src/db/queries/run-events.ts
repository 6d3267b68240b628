import { and, asc, eq, gt } from 'drizzle-orm';
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
