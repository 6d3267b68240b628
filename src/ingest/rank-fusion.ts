/**
 * Reciprocal rank fusion: several best-first rankings of the same candidates combined into one, each candidate
 * scoring Σ 1 / (K + rank) over the rankings that hold it. It needs no score calibration between rankers (full-text
 * rank and cosine similarity live on different scales), and a candidate ranked well by both beats one ranked first
 * by only one. K = 60 is the customary constant (Cormack et al., 2009).
 */
const K = 60;

export function fuseRankings(rankings: ReadonlyArray<readonly string[]>, limit: number): string[] {
  const scores = new Map<string, number>();
  for (const ranking of rankings) {
    ranking.forEach((id, i) => {
      scores.set(id, (scores.get(id) ?? 0) + 1 / (K + i + 1));
    });
  }
  return [...scores.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, Math.max(0, limit))
    .map(([id]) => id);
}
