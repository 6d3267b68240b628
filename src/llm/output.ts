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

export type Stripped = { ok: true; text: string } | { ok: false; reason: string };

const CLOSE_THINK = /<\/think(?:ing)?\s*>/gi;
const OPEN_THINK_PREFIX = /^\s*<think(?:ing)?\s*>/i;

export const DANGLING_THINK_REASON =
  'The answer stopped inside its <think> block (no </think>): keep the reasoning shorter and finish the answer.';

/**
 * The answer without reasoning: everything up to the last `</think>` goes (some providers drop the opening tag, so a
 * lone closing tag counts too). An answer that opens `<think>` and never closes it ran out of tokens while reasoning:
 * nothing usable follows, so the call is retried. `<thinking>` is treated the same way.
 */
export function stripThink(answer: string): Stripped {
  let end = -1;
  for (const match of answer.matchAll(CLOSE_THINK)) end = match.index + match[0].length;
  if (end >= 0) return { ok: true, text: answer.slice(end).trim() };
  if (OPEN_THINK_PREFIX.test(answer)) return { ok: false, reason: DANGLING_THINK_REASON };
  return { ok: true, text: answer.trim() };
}

/** Rough token count when the provider reports no `usage`: 4 characters per token (llm/ may not import ingest/'s tokenizer). */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}
