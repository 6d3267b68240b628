/**
 * Chunks of documents, computed once per (document content, size, chunker version, tokenizer) and stored, so every
 * stage, style, iteration and run that asks for the same chunking reads it back instead of re-tokenizing.
 */

import {
  type ChunkRef,
  chunkId,
  chunkRowsOfSets,
  embeddingsOfSets,
  insertChunkSet,
  insertEmbeddings,
  lexemeDocumentFrequency,
  lexemesOfChunks,
  rankChunksFor,
  storedChunkSets,
  textsOfChunks,
} from '../db/queries/chunks.ts';
import { CHUNKER_VERSION, chunkDocumentInSlices, chunkSetKeyFor } from '../ingest/chunk.ts';
import { fuseRankings } from '../ingest/rank-fusion.ts';
import { selectQueryTerms } from '../ingest/related-terms.ts';
import { defaultTokenizer } from '../ingest/tokenizer.ts';
import { groupBy } from '../lib/group-by.ts';
import { sha256Hex } from '../lib/hash.ts';
import { cosine, type Embedder } from '../llm/embeddings.ts';
import type { ChunkView, DocumentRef } from '../pipelines/stage.ts';
import { readText } from './document-texts.ts';
import type { StageDeps } from './stage-deps.ts';

/**
 * The documents' chunks at `maxTokens`, in document order, chunking and storing the documents not chunked at that
 * size yet (reading their texts one at a time). Chunk sets are keyed by the document's sha256, so which are stored is
 * one lookup and a document chunked before is never read again. Views carry no text (`chunkTexts` reads texts);
 * `subsetSeed` is what their subset keys are taken with.
 */
export async function chunkDocuments(
  deps: Pick<StageDeps, 'db' | 'blobs'>,
  documents: readonly DocumentRef[],
  maxTokens: number,
  subsetSeed: number | string,
): Promise<ChunkView[]> {
  const tokenizer = defaultTokenizer();
  const keys = documents.map((doc) => chunkSetKeyFor(doc.sha256, maxTokens, tokenizer.name));
  const setKeys = [...new Set(keys)];
  const stored = await storedChunkSets(deps.db, setKeys);
  for (const [i, doc] of documents.entries()) {
    const key = keys[i] as string;
    if (stored.has(key)) continue;
    const text = await readText(deps.blobs, doc.text);
    const result = await chunkDocumentInSlices({ text, metadata: '' }, maxTokens, tokenizer);
    await insertChunkSet(
      deps.db,
      { key, docHash: doc.sha256, maxTokens, droppedCount: result.dropped.length },
      result.chunks.map((c) => ({ idx: c.index, text: c.text, start: c.start, end: c.end, tokens: c.tokens })),
    );
    // A document twice in the list (a copy) is chunked once.
    stored.add(key);
  }
  const rows = await chunkRowsOfSets(deps.db, setKeys, String(subsetSeed));
  const bySet = groupBy(rows, (c) => c.setKey);
  const out: ChunkView[] = [];
  documents.forEach((doc, i) => {
    const key = keys[i] as string;
    for (const c of bySet.get(key) ?? []) {
      out.push({
        id: chunkId({ setKey: key, idx: c.idx }),
        sourceName: doc.sourceName,
        metadata: doc.metadata,
        index: c.idx,
        tokens: c.tokens,
        digest: c.digest,
        subsetKey: c.subsetKey,
      });
    }
  });
  return out;
}

/** Chunk texts read per query. */
const TEXT_BATCH = 500;

/** The texts of the chunks, keyed by chunk id, read TEXT_BATCH chunks per query. */
export async function chunkTexts(
  deps: Pick<StageDeps, 'db'>,
  chunks: readonly ChunkView[],
): Promise<Map<string, string>> {
  const refs = [...new Map(chunks.map((c) => [c.id, refOf(c)])).values()];
  const out = new Map<string, string>();
  for (let start = 0; start < refs.length; start += TEXT_BATCH) {
    for (const [id, text] of await textsOfChunks(deps.db, refs.slice(start, start + TEXT_BATCH))) out.set(id, text);
  }
  return out;
}

/**
 * For each chunk of `pool`, up to `k` other chunks of the pool most related to it, best first (the original's vector
 * search over a source's chunks, blueprint §5.5). Always PostgreSQL full-text ranking on the chunk's most distinctive
 * terms; with an embeddings endpoint also cosine similarity of the chunks' embeddings (computed once per chunk and
 * model, stored), the two rankings fused by reciprocal rank. A chunk is never its own related chunk, nor is a chunk
 * with the very same text (a duplicated document). The vector side compares every pair of the pool in memory, which
 * is fine for a source's few thousand chunks.
 */
export async function relatedChunks(
  deps: Pick<StageDeps, 'db'>,
  pool: ChunkView[],
  k: number,
  options: { embeddings?: Embedder | undefined; signal?: AbortSignal } = {},
): Promise<Map<string, ChunkView[]>> {
  // The factual ways of a run (and its RAG stage) ask for the same pool one after another while they plan: the
  // ranking (a query per chunk) is done once per process and pool. Chunks are content-keyed, so a hit is exact.
  const key = sha256Hex(`${k}\u0000${options.embeddings?.model ?? ''}\u0000${pool.map((c) => c.id).join('\u0001')}`);
  const known = relatedMemo.get(key);
  if (known) return new Map(known);
  const computed = await rankRelated(deps, pool, k, options);
  if (relatedMemo.size >= RELATED_MEMO_SIZE) relatedMemo.delete(relatedMemo.keys().next().value as string);
  relatedMemo.set(key, computed);
  return new Map(computed);
}

const RELATED_MEMO_SIZE = 16;
/** Chunks ranked per query. */
const RANK_BATCH = 100;
const relatedMemo = new Map<string, Map<string, ChunkView[]>>();

async function rankRelated(
  deps: Pick<StageDeps, 'db'>,
  pool: ChunkView[],
  k: number,
  options: { embeddings?: Embedder | undefined; signal?: AbortSignal },
): Promise<Map<string, ChunkView[]>> {
  const result = new Map<string, ChunkView[]>();
  if (k <= 0 || pool.length < 2) {
    for (const chunk of pool) result.set(chunk.id, []);
    return result;
  }
  const byId = new Map(pool.map((c) => [c.id, c]));
  const setKeys = [...new Set(pool.map((c) => setKeyOf(c.id)))];
  const vectors = options.embeddings
    ? await poolEmbeddings(deps, pool, setKeys, options.embeddings, options.signal)
    : undefined;
  const { total, df } = await lexemeDocumentFrequency(deps.db, setKeys);
  // Ask each ranking for extra candidates: the sets may hold chunks outside the pool (a subset) or duplicates.
  const depth = k * 3 + 5;
  const candidate = (chunk: ChunkView, id: string) => {
    const view = byId.get(id);
    return view !== undefined && view.id !== chunk.id && view.digest !== chunk.digest;
  };
  // Ranked a batch of chunks per query pair (their lexemes, then their rankings): a round trip per chunk was most
  // of a factual way's planning time, on the run's critical path.
  const unique = [...byId.values()];
  const ranked = new Map<string, string[]>();
  for (let start = 0; start < unique.length; start += RANK_BATCH) {
    const batch = unique.slice(start, start + RANK_BATCH);
    const lexemes = await lexemesOfChunks(deps.db, batch.map(refOf));
    const queries = batch.map((c) => ({
      ...refOf(c),
      lexemes: selectQueryTerms(lexemes.get(c.id) ?? new Map(), df, total),
    }));
    for (const [id, ids] of await rankChunksFor(deps.db, { pool: setKeys, queries, limit: depth })) {
      ranked.set(id, ids);
    }
  }
  for (const chunk of pool) {
    const lexical = (ranked.get(chunk.id) ?? []).filter((id) => candidate(chunk, id));
    const rankings = [lexical];
    const own = vectors?.get(chunk.id);
    if (vectors && own) {
      const similar = pool
        .filter((other) => candidate(chunk, other.id))
        .map((other) => ({ id: other.id, score: cosine(own, vectors.get(other.id) ?? new Float32Array()) }))
        .sort((a, b) => b.score - a.score)
        .slice(0, depth)
        .map((s) => s.id);
      rankings.push(similar);
    }
    result.set(
      chunk.id,
      fuseRankings(rankings, k).map((id) => byId.get(id) as ChunkView),
    );
  }
  return result;
}

/**
 * The pool's embedding vectors: stored ones, and the missing ones computed through the embedder and stored, a page
 * of texts at a time (each page is stored before the next is read, so an interrupted plan keeps what it paid for).
 */
async function poolEmbeddings(
  deps: Pick<StageDeps, 'db'>,
  pool: ChunkView[],
  setKeys: string[],
  embedder: Embedder,
  signal: AbortSignal | undefined,
): Promise<Map<string, Float32Array>> {
  const stored = await embeddingsOfSets(deps.db, embedder.model, setKeys);
  const missing = [...new Map(pool.filter((c) => !stored.has(c.id)).map((c) => [c.id, c])).values()];
  for (let start = 0; start < missing.length; start += TEXT_BATCH) {
    const page = missing.slice(start, start + TEXT_BATCH);
    const texts = await chunkTexts(deps, page);
    const computed = await embedder.embed(
      page.map((c) => texts.get(c.id) ?? ''),
      signal,
    );
    const rows = page.map((c, i) => ({ ...refOf(c), vector: computed[i] as Float32Array }));
    await insertEmbeddings(deps.db, embedder.model, rows);
    for (const row of rows) stored.set(chunkId(row), row.vector);
  }
  return stored;
}

/** The inverse of chunkId: a chunk view's set key (its index is what follows the last colon). */
function setKeyOf(id: string): string {
  return id.slice(0, id.lastIndexOf(':'));
}

function refOf(chunk: ChunkView): ChunkRef {
  return { setKey: setKeyOf(chunk.id), idx: chunk.index };
}

export { CHUNKER_VERSION };
