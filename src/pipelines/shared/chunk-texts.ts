/**
 * Texts for a plan's items, read a page at a time: a stage plans over every chunk of a source by their views (no
 * texts) and reads, per page of items, the texts those items carry. A plan over a 20,000-chunk source so holds one
 * page's texts, never the source's.
 */
import type { ChunkView, PlanContext } from '../stage.ts';

/** Entries per page of texts read (the orchestrator writes items 500 at a time). */
const TEXT_PAGE = 500;

/**
 * Each entry with a lookup of the texts of the chunks it `needs` (its own chunk, and its related or retrieved
 * chunks), in entry order.
 */
export async function* withTexts<T>(
  ctx: Pick<PlanContext, 'chunkTexts'>,
  entries: readonly T[],
  needs: (entry: T) => readonly ChunkView[],
): AsyncGenerator<[T, (chunk: ChunkView) => string]> {
  for (let start = 0; start < entries.length; start += TEXT_PAGE) {
    const page = entries.slice(start, start + TEXT_PAGE);
    const texts = await ctx.chunkTexts(page.flatMap(needs));
    const textOf = (chunk: ChunkView) => {
      const text = texts.get(chunk.id);
      if (text === undefined) throw new Error(`chunk ${chunk.id} has no stored text`);
      return text;
    };
    for (const entry of page) yield [entry, textOf];
  }
}
