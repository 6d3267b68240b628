/**
 * Which of a chunk's terms to search its related chunks with. Using every term makes the query favour long chunks
 * full of common domain words; tf-idf keeps the terms that are frequent here and rare elsewhere in the source.
 */
/**
 * Terms in more chunks than this are left out of a chunk's query: each query then ranks at most 24 × this many chunks,
 * so ranking a pool grows with its size, not its square (20,000 chunks of one manual). It binds only on pools of more
 * than 200 chunks, where such a term is no longer distinctive anyway.
 */
export const MAX_TERM_DOCUMENT_FREQUENCY = 50;

export function selectQueryTerms(
  termFrequency: ReadonlyMap<string, number>,
  documentFrequency: ReadonlyMap<string, number>,
  totalDocuments: number,
  maxTerms = 24,
): string[] {
  const scored: Array<[string, number]> = [];
  for (const [term, tf] of termFrequency) {
    const df = documentFrequency.get(term) ?? 1;
    // A term in (nearly) every chunk tells nothing about relatedness; one in very many chunks tells little and makes
    // the query match (and rank) a large share of a big pool, which made ranking every chunk quadratic in the pool.
    if (totalDocuments > 4 && df / totalDocuments > 0.5) continue;
    if (df > MAX_TERM_DOCUMENT_FREQUENCY) continue;
    // Single characters and bare numbers are mostly list markers and page numbers in extracted text.
    if (term.length < 2 || /^\d+$/.test(term)) continue;
    const idf = Math.log(1 + totalDocuments / df);
    scored.push([term, (1 + Math.log(tf)) * idf]);
  }
  scored.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return scored.slice(0, maxTerms).map(([term]) => term);
}
