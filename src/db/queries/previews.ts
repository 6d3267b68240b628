import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { previews } from '../schema/index.ts';

export type PreviewRow = typeof previews.$inferSelect;

export async function insertPreview(
  db: Db,
  row: Pick<PreviewRow, 'id' | 'tenantId' | 'projectId' | 'configId' | 'chunksPerSource'>,
): Promise<PreviewRow> {
  const [inserted] = await db
    .insert(previews)
    .values({ ...row, status: 'queued' })
    .returning();
  return inserted as PreviewRow;
}

export async function getPreview(db: Db, tenantId: string, id: string): Promise<PreviewRow | undefined> {
  const [row] = await db
    .select()
    .from(previews)
    .where(and(eq(previews.id, id), eq(previews.tenantId, tenantId)));
  return row;
}

export async function getPreviewById(db: Db, id: string): Promise<PreviewRow | undefined> {
  const [row] = await db.select().from(previews).where(eq(previews.id, id));
  return row;
}

export async function startPreview(db: Db, id: string): Promise<void> {
  await db.update(previews).set({ status: 'running' }).where(eq(previews.id, id));
}

/** Ends a preview that has not ended (a job delivered twice finishes it once). */
export async function finishPreview(
  db: Db,
  id: string,
  end: { status: 'succeeded'; result: Record<string, unknown> } | { status: 'failed'; error: string },
): Promise<void> {
  await db
    .update(previews)
    .set({ ...end, finishedAt: new Date() })
    .where(and(eq(previews.id, id), inArray(previews.status, ['queued', 'running'])));
}
