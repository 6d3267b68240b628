/**
 * Chunks of documents, computed once per (document content, size, chunker version, tokenizer) and stored, so every
 * stage, style, iteration and run that asks for the same chunking reads it back instead of re-tokenizing.
 */

import {
  chunkLexemes,
  chunksOfSets,
  getChunkSet,
  insertChunkSet,
  lexemeDocumentFrequency,
  rankChunks,
} from '../db/queries/chunks.ts';
import { CHUNKER_VERSION, chunkDocument, chunkSetKeyFor } from '../ingest/chunk.ts';
import { selectQueryTerms } from '../ingest/related-terms.ts';
import { defaultTokenizer } from '../ingest/tokenizer.ts';
import { sha256Hex } from '../lib/hash.ts';
import type { ChunkableDocument, ChunkView } from '../pipelines/stage.ts';
import type { StageDeps } from './stage-deps.ts';

export async function ensureChunkSet(deps: Pick<StageDeps, 'db'>, text: string, maxTokens: number): Promise<string> {
  const tokenizer = defaultTokenizer();
  const docHash = sha256Hex(text);
  const key = chunkSetKeyFor(docHash, maxTokens, tokenizer.name);
  if (await getChunkSet(deps.db, key)) return key;
  const result = chunkDocument({ text, metadata: '' }, maxTokens, tokenizer);
  await insertChunkSet(
    deps.db,
    { key, docHash, maxTokens, droppedCount: result.dropped.length },
    result.chunks.map((c) => ({ idx: c.index, text: c.text, start: c.start, end: c.end, tokens: c.tokens })),
  );
  return key;
}

export async function chunkDocuments(
  deps: Pick<StageDeps, 'db'>,
  documents: ChunkableDocument[],
  maxTokens: number,
): Promise<ChunkView[]> {
  const keys: string[] = [];
  for (const doc of documents) keys.push(await ensureChunkSet(deps, doc.text, maxTokens));
  const stored = await chunksOfSets(deps.db, [...new Set(keys)]);
  const bySet = new Map<string, typeof stored>();
  for (const c of stored) bySet.set(c.setKey, [...(bySet.get(c.setKey) ?? []), c]);
  const out: ChunkView[] = [];
  documents.forEach((doc, i) => {
    const key = keys[i] as string;
    for (const c of bySet.get(key) ?? []) {
      out.push({
        id: `${key}:${c.idx}`,
        sourceName: doc.sourceName,
        metadata: doc.metadata,
        index: c.idx,
        text: c.text,
        tokens: c.tokens,
      });
    }
  });
  return out;
}

/**
 * For each chunk of `pool`, up to `k` other chunks of the pool most related to it, best first (the original's vector
 * search over a source's chunks, blueprint §5.5; here PostgreSQL full-text ranking on the chunk's most distinctive
 * terms). A chunk is never its own related chunk, nor is a chunk with the very same text (a duplicated document).
 */
export async function relatedChunks(
  deps: Pick<StageDeps, 'db'>,
  pool: ChunkView[],
  k: number,
): Promise<Map<string, ChunkView[]>> {
  const result = new Map<string, ChunkView[]>();
  if (k <= 0 || pool.length < 2) {
    for (const chunk of pool) result.set(chunk.id, []);
    return result;
  }
  const byId = new Map(pool.map((c) => [c.id, c]));
  const setKeys = [...new Set(pool.map((c) => setKeyOf(c.id)))];
  const { total, df } = await lexemeDocumentFrequency(deps.db, setKeys);
  for (const chunk of pool) {
    const setKey = setKeyOf(chunk.id);
    const terms = selectQueryTerms(await chunkLexemes(deps.db, setKey, chunk.index), df, total);
    // Ask for extra rows: the chunk sets may hold chunks outside the pool (a subset) or duplicates of this text.
    const ranked = await rankChunks(deps.db, {
      pool: setKeys,
      lexemes: terms,
      exclude: { setKey, idx: chunk.index },
      limit: k * 3 + 5,
    });
    const related: ChunkView[] = [];
    for (const row of ranked) {
      const view = byId.get(`${row.setKey}:${row.idx}`);
      if (!view || view.text === chunk.text || related.includes(view)) continue;
      related.push(view);
      if (related.length === k) break;
    }
    result.set(chunk.id, related);
  }
  return result;
}

function setKeyOf(chunkId: string): string {
  return chunkId.slice(0, chunkId.lastIndexOf(':'));
}

export { CHUNKER_VERSION };
