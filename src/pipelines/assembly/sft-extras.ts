/**
 * Two more parts of the SFT tree (blueprint §6.6, §6.7), seeded:
 * - the pretraining slice: whole cleaned documents, drawn without replacement until the token target is reached
 *   (the larger of `what_percent_of_sft_is_pretrain` % of the domain SFT tokens and `num_tokens_pretraining_in_sft`),
 *   one file per run (⚠ §6.6: the original added a new file each time the total changed);
 * - the RAG source data a serving-time retriever indexes: one record per generated question, with its chunk and the
 *   related chunks, from the ways not marked `not_in_rag_data`.
 */
import type { Random } from '../../lib/seeded-random.ts';

export function pretrainingTarget(
  domainTokens: number,
  settings: { percent: number | null; minimum: number | null },
): number {
  const share = settings.percent === null ? 0 : (domainTokens * settings.percent) / 100;
  return Math.max(share, settings.minimum ?? 0);
}

/**
 * Documents drawn until their tokens reach `target` (all of them when the corpus is smaller). `tokensOf` is asked
 * only of the documents drawn, in the order drawn: documents are references, and only those are read.
 */
export async function pretrainingSlice<Doc>(
  documents: readonly Doc[],
  target: number,
  tokensOf: (document: Doc) => number | Promise<number>,
  random: Random,
): Promise<{ documents: Doc[]; tokens: number }> {
  const chosen: Doc[] = [];
  let tokens = 0;
  for (const document of random.shuffle(documents)) {
    if (tokens >= target) break;
    chosen.push(document);
    tokens += await tokensOf(document);
  }
  return { documents: chosen, tokens };
}

export interface RagSourceRecord {
  question: string;
  source_text: string;
  source_metadata: string;
  related_chunks: Array<{ text: string; metadata: string }>;
}

export function ragSourceRecords(
  items: ReadonlyArray<{
    input: { text: string; metadata: string; related: Array<{ text: string; metadata: string }> };
    output: { pairs: Array<{ question: string }> };
  }>,
): RagSourceRecord[] {
  return items.flatMap(({ input, output }) =>
    output.pairs.map((pair) => ({
      question: pair.question,
      source_text: input.text,
      source_metadata: input.metadata,
      related_chunks: input.related.map((r) => ({ text: r.text, metadata: r.metadata })),
    })),
  );
}

/** A whole document as the original's `{text, metadata}` record (text chunks, the pretraining slice). */
export const documentRecord = (d: { text: string; metadata: string }) => ({ text: d.text, metadata: d.metadata });
