/**
 * Near-identical questions about one chunk (§5.5: N iterations and a model that repeats itself should not put the
 * same pair into the training set twice): the same words after normalising, or word-trigram Jaccard similarity of at
 * least a threshold. Pure.
 */
import type { QaPair } from './parse.ts';

/** A follow-up assent repeats by design; it is never a duplicate. */
const BARE_ASSENT = /^\s*yes,?\s*please\.?\s*$/i;

/** Lower-cased words of a question, without punctuation: what "the same question" compares. */
function words(question: string): string[] {
  return question
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]/gu, ' ')
    .split(/\s+/)
    .filter(Boolean);
}

function shingles(list: string[]): Set<string> {
  if (list.length < 3) return new Set([list.join(' ')]);
  const out = new Set<string>();
  for (let i = 0; i + 3 <= list.length; i++) out.add(list.slice(i, i + 3).join(' '));
  return out;
}

/**
 * Near-identical questions about one chunk: the same words after normalising, or word-trigram Jaccard similarity of
 * at least `threshold`. Keeps the first of each group; returns the kept pairs and the dropped ones.
 */
export function dropDuplicateQuestions(
  pairs: readonly QaPair[],
  threshold = 0.8,
): { kept: QaPair[]; duplicates: QaPair[] } {
  const kept: Array<{ pair: QaPair; key: string; shingles: Set<string> }> = [];
  const duplicates: QaPair[] = [];
  for (const pair of pairs) {
    const list = words(pair.question);
    const key = list.join(' ');
    const own = shingles(list);
    const same = kept.some((k) => {
      if (k.key === key) return true;
      let common = 0;
      for (const s of own) if (k.shingles.has(s)) common++;
      const union = own.size + k.shingles.size - common;
      return union > 0 && common / union >= threshold;
    });
    if (same && !BARE_ASSENT.test(pair.question)) duplicates.push(pair);
    else kept.push({ pair, key, shingles: own });
  }
  return { kept: kept.map((k) => k.pair), duplicates };
}
