/**
 * Which of a chunk's terms to search its related chunks with. Using every term makes the query favour long chunks
 * full of common domain words; tf-idf keeps the terms that are frequent here and rare elsewhere in the source.
 */
export function selectQueryTerms(
  termFrequency: ReadonlyMap<string, number>,
  documentFrequency: ReadonlyMap<string, number>,
  totalDocuments: number,
  maxTerms = 24,
): string[] {
  const scored: Array<[string, number]> = [];
  for (const [term, tf] of termFrequency) {
    const df = documentFrequency.get(term) ?? 1;
    // A term in (nearly) every chunk tells nothing about relatedness.
    if (totalDocuments > 4 && df / totalDocuments > 0.5) continue;
    // Single characters and bare numbers are mostly list markers and page numbers in extracted text.
    if (term.length < 2 || /^\d+$/.test(term)) continue;
    const idf = Math.log(1 + totalDocuments / df);
    scored.push([term, (1 + Math.log(tf)) * idf]);
  }
  scored.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return scored.slice(0, maxTerms).map(([term]) => term);
}
