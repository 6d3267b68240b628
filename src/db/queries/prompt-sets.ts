import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { promptSets } from '../schema/index.ts';

export type PromptSetRow = typeof promptSets.$inferSelect;

/** Inserts a set; undefined when the project already has a set of that name. */
export async function insertPromptSet(
  db: Db,
  row: Pick<PromptSetRow, 'id' | 'tenantId' | 'projectId' | 'name' | 'files'>,
): Promise<PromptSetRow | undefined> {
  const [inserted] = await db.insert(promptSets).values(row).onConflictDoNothing().returning();
  return inserted;
}

export async function listPromptSets(db: Db, tenantId: string, projectId: string): Promise<PromptSetRow[]> {
  return db
    .select()
    .from(promptSets)
    .where(and(eq(promptSets.tenantId, tenantId), eq(promptSets.projectId, projectId)))
    .orderBy(asc(promptSets.name));
}

export async function getPromptSetByName(db: Db, projectId: string, name: string): Promise<PromptSetRow | undefined> {
  const [row] = await db
    .select()
    .from(promptSets)
    .where(and(eq(promptSets.projectId, projectId), eq(promptSets.name, name)));
  return row;
}
