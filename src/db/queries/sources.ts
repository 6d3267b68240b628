import { and, asc, eq, gt } from 'drizzle-orm';
import { newId } from '../../lib/ids.ts';
import type { Db } from '../client.ts';
import { sources } from '../schema/index.ts';
import { decodeCursor, type PageRequest, toPage } from './pagination.ts';

export type SourceRow = typeof sources.$inferSelect;

export async function insertSource(
  db: Db,
  tenantId: string,
  projectId: string,
  data: { name: string; settings: Record<string, unknown> },
): Promise<SourceRow> {
  const [row] = await db
    .insert(sources)
    .values({ id: newId('source'), tenantId, projectId, name: data.name, settings: data.settings })
    .returning();
  return row as SourceRow;
}

export async function getSource(db: Db, tenantId: string, id: string): Promise<SourceRow | undefined> {
  const [row] = await db
    .select()
    .from(sources)
    .where(and(eq(sources.tenantId, tenantId), eq(sources.id, id)));
  return row;
}

export async function findSourceByName(db: Db, projectId: string, name: string): Promise<SourceRow | undefined> {
  const [row] = await db
    .select()
    .from(sources)
    .where(and(eq(sources.projectId, projectId), eq(sources.name, name)));
  return row;
}

export async function listSources(db: Db, tenantId: string, projectId: string, page: PageRequest) {
  const after = decodeCursor(page.cursor);
  const rows = await db
    .select()
    .from(sources)
    .where(
      and(eq(sources.tenantId, tenantId), eq(sources.projectId, projectId), after ? gt(sources.id, after) : undefined),
    )
    .orderBy(asc(sources.id))
    .limit(page.limit + 1);
  return toPage(rows, page.limit, (r) => r.id);
}

export async function allSourcesOfProject(db: Db, projectId: string): Promise<SourceRow[]> {
  return db.select().from(sources).where(eq(sources.projectId, projectId)).orderBy(asc(sources.name));
}

export async function updateSource(
  db: Db,
  tenantId: string,
  id: string,
  patch: { name?: string | undefined; settings?: Record<string, unknown> | undefined },
) {
  const values: Partial<typeof sources.$inferInsert> = { updatedAt: new Date() };
  if (patch.name !== undefined) values.name = patch.name;
  if (patch.settings !== undefined) values.settings = patch.settings;
  const [row] = await db
    .update(sources)
    .set(values)
    .where(and(eq(sources.tenantId, tenantId), eq(sources.id, id)))
    .returning();
  return row;
}

export async function deleteSource(db: Db, tenantId: string, id: string): Promise<boolean> {
  const rows = await db
    .delete(sources)
    .where(and(eq(sources.tenantId, tenantId), eq(sources.id, id)))
    .returning({ id: sources.id });
  return rows.length > 0;
}
