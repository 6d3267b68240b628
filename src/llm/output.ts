/**
 * What the gateway does to requests and answers around the provider call, identically for fresh and cached answers.
 */

/** OpenAI rejects requests with more than 4 stop sequences; most OpenAI-compatible servers accept at least that. */
export const MAX_STOP_SEQUENCES = 4;

/**
 * The stop list actually sent: none when use_stop is off (the original deleted the step's list, blueprint §1.5),
 * otherwise the first 4 distinct non-empty strings. Steps list their most likely stops first, so the cut keeps
 * the ones that matter. `undefined` means "send no stop parameter".
 */
export function effectiveStops(stop: readonly string[] | undefined, useStop: boolean): string[] | undefined {
  if (!useStop || !stop) return undefined;
  const kept = [...new Set(stop.filter((s) => s !== ''))].slice(0, MAX_STOP_SEQUENCES);
  return kept.length > 0 ? kept : undefined;
}

/** Rough token count when the provider reports no `usage`: 4 characters per token (llm/ may not import ingest/'s tokenizer). */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}
