/**
 * Chunks of documents, computed once per (document content, size, chunker version, tokenizer) and stored, so every
 * stage, style, iteration and run that asks for the same chunking reads it back instead of re-tokenizing.
 */

import { chunksOfSets, getChunkSet, insertChunkSet } from '../db/queries/chunks.ts';
import { CHUNKER_VERSION, chunkDocument, chunkSetKeyFor } from '../ingest/chunk.ts';
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

export { CHUNKER_VERSION };
