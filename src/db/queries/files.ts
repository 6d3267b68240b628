import { and, asc, eq, gt, inArray } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { type ExtractionStats, files } from '../schema/index.ts';
import { decodeCursor, type PageRequest, toPage } from './pagination.ts';

export type FileRow = typeof files.$inferSelect;
export type NewFile = typeof files.$inferInsert;

export async function insertFile(db: Db, file: NewFile): Promise<FileRow> {
  const [row] = await db.insert(files).values(file).returning();
  return row as FileRow;
}

export async function getFile(db: Db, tenantId: string, id: string): Promise<FileRow | undefined> {
  const [row] = await db
    .select()
    .from(files)
    .where(and(eq(files.tenantId, tenantId), eq(files.id, id)));
  return row;
}

export async function getFileById(db: Db, id: string): Promise<FileRow | undefined> {
  const [row] = await db.select().from(files).where(eq(files.id, id));
  return row;
}

export async function findFileByName(db: Db, sourceId: string, name: string): Promise<FileRow | undefined> {
  const [row] = await db
    .select()
    .from(files)
    .where(and(eq(files.sourceId, sourceId), eq(files.name, name)));
  return row;
}

export async function listFiles(db: Db, tenantId: string, sourceId: string, page: PageRequest) {
  const after = decodeCursor(page.cursor);
  const rows = await db
    .select()
    .from(files)
    .where(and(eq(files.tenantId, tenantId), eq(files.sourceId, sourceId), after ? gt(files.id, after) : undefined))
    .orderBy(asc(files.id))
    .limit(page.limit + 1);
  return toPage(rows, page.limit, (r) => r.id);
}

export async function filesOfSources(db: Db, sourceIds: string[]): Promise<FileRow[]> {
  if (sourceIds.length === 0) return [];
  return db
    .select()
    .from(files)
    .where(inArray(files.sourceId, sourceIds))
    .orderBy(asc(files.sourceId), asc(files.name));
}

export async function recordExtraction(
  db: Db,
  id: string,
  result:
    | { status: 'extracted'; textBlobKey: string; textChars: number; stats: ExtractionStats; extractorVersion: number }
    | { status: 'failed'; error: string; stats?: ExtractionStats; extractorVersion: number },
): Promise<void> {
  const common = { status: result.status, extractorVersion: result.extractorVersion, extractedAt: new Date() };
  if (result.status === 'extracted') {
    await db
      .update(files)
      .set({
        ...common,
        error: null,
        textBlobKey: result.textBlobKey,
        textChars: result.textChars,
        stats: result.stats,
      })
      .where(eq(files.id, id));
  } else {
    await db
      .update(files)
      .set({ ...common, error: result.error, textBlobKey: null, textChars: null, stats: result.stats ?? null })
      .where(eq(files.id, id));
  }
}

export async function deleteFile(db: Db, tenantId: string, id: string): Promise<FileRow | undefined> {
  const [row] = await db
    .delete(files)
    .where(and(eq(files.tenantId, tenantId), eq(files.id, id)))
    .returning();
  return row;
}

/** Blob keys of a source's files, to delete the stored bytes along with the source. */
export async function blobKeysOfSource(db: Db, tenantId: string, sourceId: string): Promise<string[]> {
  const rows = await db
    .select({ blobKey: files.blobKey })
    .from(files)
    .where(and(eq(files.tenantId, tenantId), eq(files.sourceId, sourceId)));
  return rows.map((r) => r.blobKey);
}
