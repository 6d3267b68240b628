import { and, asc, eq, like } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { artifacts } from '../schema/index.ts';

export type ArtifactRow = typeof artifacts.$inferSelect;

export async function upsertArtifact(db: Db, row: Omit<typeof artifacts.$inferInsert, 'createdAt'>): Promise<void> {
  await db
    .insert(artifacts)
    .values(row)
    .onConflictDoUpdate({
      target: [artifacts.runId, artifacts.path],
      set: {
        blobKey: row.blobKey,
        size: row.size,
        sha256: row.sha256,
        mediaType: row.mediaType,
        stage: row.stage,
        records: row.records ?? null,
      },
    });
}

export async function listArtifacts(db: Db, runId: string, prefix?: string): Promise<ArtifactRow[]> {
  return db
    .select()
    .from(artifacts)
    .where(
      and(
        eq(artifacts.runId, runId),
        prefix ? like(artifacts.path, `${prefix.replace(/[%_\\]/g, '\\$&')}%`) : undefined,
      ),
    )
    .orderBy(asc(artifacts.path));
}

export async function getArtifact(db: Db, runId: string, path: string): Promise<ArtifactRow | undefined> {
  const [row] = await db
    .select()
    .from(artifacts)
    .where(and(eq(artifacts.runId, runId), eq(artifacts.path, path)));
  return row;
}
