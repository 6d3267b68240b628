/**
 * The retrieval simulation of the RAG-usage data (blueprint §5.9), pure and seeded: for a chunk, with probability
 * `failureRate` the retriever "fails" and shows only other chunks, else it shows the chunk itself among others, in a
 * shuffled order; how many (1..maxChunks) is drawn too. A source with fewer chunks than asked shows what it has (the
 * original crashed, ⚠ §5.9).
 */
import type { Random } from '../../lib/seeded-random.ts';

export interface RetrievedChunk {
  metadata: string;
  text: string;
}

export interface Retrieval {
  failed: boolean;
  chunks: RetrievedChunk[];
}

export function simulateRetrieval(
  own: RetrievedChunk,
  others: readonly RetrievedChunk[],
  options: { failureRate: number; maxChunks: number },
  random: Random,
): Retrieval {
  const failed = random.next() < options.failureRate;
  const k = random.int(1, Math.max(1, options.maxChunks));
  const pool = random.shuffle(others);
  if (failed) return { failed, chunks: pool.slice(0, k) };
  return { failed, chunks: random.shuffle([own, ...pool.slice(0, k - 1)]) };
}

/** "Chunk i / Source: … / --- / text / ---" per chunk, as the conversation prompts and system prompts show them. */
export function stringifyChunks(chunks: readonly RetrievedChunk[]): string {
  return chunks.map((c, i) => `Chunk ${i + 1}\nSource: ${c.metadata}\n---\n${c.text}\n---\n`).join('\n');
}
