/**
 * The retrieval simulation of the RAG-usage data (blueprint §5.9), pure and seeded: for a chunk, with probability
 * `failureRate` the retriever "fails" and shows only other chunks, else it shows the chunk itself among others, in a
 * shuffled order; how many (1..maxChunks) is drawn too. The pool is the source's chunks, the chunk itself among them
 * (never shown as another, nor is a copy of its text: `sameText`). A source with fewer chunks than asked shows what it
 * has (the original crashed, ⚠ §5.9). Chunks are whatever the caller draws from (views without texts, when planning).
 */
import type { Random } from '../../lib/seeded-random.ts';

export interface RetrievedChunk {
  metadata: string;
  text: string;
}

export interface Retrieval<T> {
  failed: boolean;
  chunks: T[];
}

export function simulateRetrieval<T>(
  own: T,
  pool: readonly T[],
  options: { failureRate: number; maxChunks: number },
  random: Random,
  sameText: (a: T, b: T) => boolean,
): Retrieval<T> {
  const failed = random.next() < options.failureRate;
  const k = random.int(1, Math.max(1, options.maxChunks));
  const shown = pickOthers(own, pool, failed ? k : k - 1, random, sameText);
  if (failed) return { failed, chunks: shown };
  return { failed, chunks: random.shuffle([own, ...shown]) };
}

/**
 * Up to `count` distinct chunks of the pool other than `own` (nor a copy of its text), in random order. Indices are
 * drawn until there are enough, so a chunk of a 20,000-chunk source costs a few draws, not a shuffle of the whole
 * source (planning was quadratic: 34 s for 21,925 chunks); a pool where others are scarce is filtered and shuffled.
 */
function pickOthers<T>(
  own: T,
  pool: readonly T[],
  count: number,
  random: Random,
  sameText: (a: T, b: T) => boolean,
): T[] {
  if (count <= 0) return [];
  const isOther = (c: T) => c !== own && !sameText(c, own);
  const whole = () => random.shuffle(pool.filter(isOther)).slice(0, count);
  if (pool.length <= 8 * (count + 1)) return whole();
  const seen = new Set<number>();
  const out: T[] = [];
  for (let draws = 0; out.length < count && draws < 20 * (count + 1); draws++) {
    const at = random.int(0, pool.length - 1);
    if (seen.has(at)) continue;
    seen.add(at);
    const chunk = pool[at] as T;
    if (isOther(chunk)) out.push(chunk);
  }
  // A pool of mostly copies of this chunk's text: the draws ran out, so take the few others there are.
  return out.length === count ? out : whole();
}

/** "Chunk i / Source: … / --- / text / ---" per chunk, as the conversation prompts and system prompts show them. */
export function stringifyChunks(chunks: readonly RetrievedChunk[]): string {
  return chunks.map((c, i) => `Chunk ${i + 1}\nSource: ${c.metadata}\n---\n${c.text}\n---\n`).join('\n');
}
