import { and, asc, eq, gt } from 'drizzle-orm';
import { newId } from '../../lib/ids.ts';
import type { Db } from '../client.ts';
import { projects } from '../schema/index.ts';
import { decodeCursor, type PageRequest, toPage } from './pagination.ts';

export type ProjectRow = typeof projects.$inferSelect;

export async function insertProject(
  db: Db,
  tenantId: string,
  data: { name: string; description?: string | undefined },
) {
  const [row] = await db
    .insert(projects)
    .values({ id: newId('project'), tenantId, name: data.name, description: data.description ?? '' })
    .returning();
  return row as ProjectRow;
}

export async function getProject(db: Db, tenantId: string, id: string): Promise<ProjectRow | undefined> {
  const [row] = await db
    .select()
    .from(projects)
    .where(and(eq(projects.tenantId, tenantId), eq(projects.id, id)));
  return row;
}

export async function listProjects(db: Db, tenantId: string, page: PageRequest) {
  const after = decodeCursor(page.cursor);
  const rows = await db
    .select()
    .from(projects)
    .where(and(eq(projects.tenantId, tenantId), after ? gt(projects.id, after) : undefined))
    .orderBy(asc(projects.id))
    .limit(page.limit + 1);
  return toPage(rows, page.limit, (r) => r.id);
}

export async function updateProject(
  db: Db,
  tenantId: string,
  id: string,
  patch: { name?: string | undefined; description?: string | undefined },
) {
  const values: Partial<typeof projects.$inferInsert> = { updatedAt: new Date() };
  if (patch.name !== undefined) values.name = patch.name;
  if (patch.description !== undefined) values.description = patch.description;
  const [row] = await db
    .update(projects)
    .set(values)
    .where(and(eq(projects.tenantId, tenantId), eq(projects.id, id)))
    .returning();
  return row;
}

export async function deleteProject(db: Db, tenantId: string, id: string): Promise<boolean> {
  const rows = await db
    .delete(projects)
    .where(and(eq(projects.tenantId, tenantId), eq(projects.id, id)))
    .returning({ id: projects.id });
  return rows.length > 0;
}
