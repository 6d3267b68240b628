import { and, eq, inArray, lt } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { llmResponses } from '../schema/index.ts';

/** A stored provider answer: the response cache, which is also what makes a resumed run repeat no finished call. */
export interface CachedResponse {
  text: string;
  inputTokens: number;
  outputTokens: number;
  finishReason: string | null;
}

export interface CachedResponseRow extends CachedResponse {
  key: string;
  model: string;
  tenantId?: string | undefined;
  projectId?: string | undefined;
}

/** The stored answers among `keys` (one statement for a whole batch of lookups). */
/** `storedBefore`: only answers stored before then (an estimate made after its run started ignores the run's own). */
export async function getCachedResponses(
  db: Db,
  keys: readonly string[],
  storedBefore?: Date,
): Promise<Map<string, CachedResponse>> {
  const found = new Map<string, CachedResponse>();
  if (keys.length === 0) return found;
  const rows = await db
    .select({
      key: llmResponses.key,
      text: llmResponses.text,
      inputTokens: llmResponses.inputTokens,
      outputTokens: llmResponses.outputTokens,
      finishReason: llmResponses.finishReason,
    })
    .from(llmResponses)
    .where(
      storedBefore
        ? and(inArray(llmResponses.key, [...new Set(keys)]), lt(llmResponses.createdAt, storedBefore))
        : inArray(llmResponses.key, [...new Set(keys)]),
    );
  for (const { key, ...response } of rows) found.set(key, response);
  return found;
}

/** First writer wins: two workers answering the same request store equivalent text, so either is fine. */
export async function putCachedResponses(db: Db, rows: readonly CachedResponseRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insert(llmResponses)
    .values([...rows])
    .onConflictDoNothing();
}

/** Forgets the answers a project's runs stored (with the project's other data). */
export async function deleteCachedResponsesOfProject(db: Db, projectId: string): Promise<void> {
  await db.delete(llmResponses).where(eq(llmResponses.projectId, projectId));
}
