/**
 * What every SFT stage plans from: per source, the cleaned documents (pdf_cleaning's result) chunked at the stage's
 * size, and the chunks the stage processes — the source's seeded subset when the stage's per-source settings ask for
 * one. Items are keyed by source and chunk, so a re-plan yields the same keys.
 */
import { firstByKey } from '../../ingest/chunk.ts';
import { sha256Hex } from '../../lib/hash.ts';
import { pdfCleaningStage } from '../pdf-cleaning/stage.ts';
import type { ChunkView, PlanContext, SourceSettings, SourceView } from '../stage.ts';

export interface SourceChunks {
  source: SourceView;
  /** Every chunk of the source, in document order (candidates for related chunks and retrieval). */
  all: ChunkView[];
  /** The chunks the stage makes items of. */
  chosen: ChunkView[];
  /** A chunk's place in `all` (the original's chunk index within its source). */
  positionOf(chunk: ChunkView): number;
}

export async function chunksBySource(
  ctx: PlanContext,
  size: number,
  subset: (settings: SourceSettings) => { use: boolean; size: number },
): Promise<SourceChunks[]> {
  const cleaned = await ctx.resultOf(pdfCleaningStage);
  const out: SourceChunks[] = [];
  for (const source of ctx.sources) {
    const all = await ctx.chunkDocuments(
      cleaned.filter((d) => d.sourceName === source.name),
      size,
    );
    const wanted = subset(source.settings);
    const position = new Map(all.map((c, i) => [c.id, i]));
    out.push({
      source,
      all,
      chosen: wanted.use ? seededSubset(all, wanted.size) : all,
      positionOf: (chunk) => position.get(chunk.id) ?? 0,
    });
  }
  return out;
}

/**
 * The original's deterministic subset (md5 of system.seed and the text, first `size`). Views carry that key, taken
 * when they were read, so the subset needs no texts.
 */
export const seededSubset = (chunks: readonly ChunkView[], size: number): ChunkView[] =>
  firstByKey(chunks, (c) => c.subsetKey, size);

export const chunkItemKey = (source: string, chunk: ChunkView) => sha256Hex(`${source}\u0000${chunk.id}`).slice(0, 32);
