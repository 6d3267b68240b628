import { and, asc, eq, gt } from 'drizzle-orm';
import { newId } from '../../lib/ids.ts';
import type { Db } from '../client.ts';
import { configs } from '../schema/index.ts';
import { decodeCursor, type PageRequest, toPage } from './pagination.ts';

/** What the API may return: everything but the secrets column. */
const publicColumns = {
  id: configs.id,
  tenantId: configs.tenantId,
  projectId: configs.projectId,
  name: configs.name,
  document: configs.document,
  warnings: configs.warnings,
  createdAt: configs.createdAt,
};

export type ConfigView = {
  id: string;
  tenantId: string;
  projectId: string;
  name: string;
  document: Record<string, unknown>;
  warnings: Array<{ path: string; message: string }>;
  createdAt: Date;
};

export async function insertConfig(
  db: Db,
  data: Omit<typeof configs.$inferInsert, 'id' | 'createdAt'>,
): Promise<ConfigView> {
  const [row] = await db
    .insert(configs)
    .values({ id: newId('config'), ...data })
    .returning(publicColumns);
  return row as ConfigView;
}

export async function getConfig(db: Db, tenantId: string, id: string): Promise<ConfigView | undefined> {
  const [row] = await db
    .select(publicColumns)
    .from(configs)
    .where(and(eq(configs.tenantId, tenantId), eq(configs.id, id)));
  return row;
}

/** For the worker only: the document together with its secrets. */
export async function deleteConfig(db: Db, id: string): Promise<void> {
  await db.delete(configs).where(eq(configs.id, id));
}

export async function getConfigWithSecrets(db: Db, id: string) {
  const [row] = await db.select().from(configs).where(eq(configs.id, id));
  return row;
}

export async function listConfigs(db: Db, tenantId: string, projectId: string, page: PageRequest) {
  const after = decodeCursor(page.cursor);
  const rows = await db
    .select(publicColumns)
    .from(configs)
    .where(
      and(eq(configs.tenantId, tenantId), eq(configs.projectId, projectId), after ? gt(configs.id, after) : undefined),
    )
    .orderBy(asc(configs.id))
    .limit(page.limit + 1);
  return toPage(rows, page.limit, (r) => r.id);
}
