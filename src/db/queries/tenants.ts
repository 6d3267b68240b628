import { and, eq, isNull } from 'drizzle-orm';
import { sha256Hex } from '../../lib/hash.ts';
import { newId } from '../../lib/ids.ts';
import type { Db } from '../client.ts';
import { apiKeys, tenants } from '../schema/index.ts';

export async function createTenant(db: Db, name: string): Promise<{ id: string }> {
  const id = newId('tenant');
  await db.insert(tenants).values({ id, name });
  return { id };
}

export async function findTenantByName(db: Db, name: string) {
  const [row] = await db.select().from(tenants).where(eq(tenants.name, name)).limit(1);
  return row;
}

/** Stores only the key's hash; returns the clear key, which the caller shows once. */
export async function createApiKey(db: Db, tenantId: string, name: string, clearKey: string): Promise<{ id: string }> {
  const id = newId('apiKey');
  await db
    .insert(apiKeys)
    .values({ id, tenantId, name, keyHash: sha256Hex(clearKey), keyPrefix: clearKey.slice(0, 12) });
  return { id };
}

export async function tenantForKey(db: Db, clearKey: string): Promise<string | undefined> {
  const [row] = await db
    .select({ tenantId: apiKeys.tenantId })
    .from(apiKeys)
    .where(and(eq(apiKeys.keyHash, sha256Hex(clearKey)), isNull(apiKeys.revokedAt)))
    .limit(1);
  return row?.tenantId;
}

export async function countActiveKeys(db: Db): Promise<number> {
  const rows = await db.select({ id: apiKeys.id }).from(apiKeys).where(isNull(apiKeys.revokedAt)).limit(1);
  return rows.length;
}

export async function listApiKeys(db: Db) {
  return db
    .select({
      id: apiKeys.id,
      name: apiKeys.name,
      tenantId: apiKeys.tenantId,
      keyPrefix: apiKeys.keyPrefix,
      createdAt: apiKeys.createdAt,
      revokedAt: apiKeys.revokedAt,
    })
    .from(apiKeys)
    .orderBy(apiKeys.id);
}

export async function revokeApiKey(db: Db, id: string): Promise<boolean> {
  const rows = await db
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(eq(apiKeys.id, id))
    .returning({ id: apiKeys.id });
  return rows.length > 0;
}
