/**
 * Reasoning blocks in model answers, one rule for the whole service (the gateway strips them before any parser sees
 * an answer; parsers that are handed raw text strip them the same way).
 */
export type Stripped = { ok: true; text: string } | { ok: false; reason: string };

const CLOSE_THINK = /<\/think(?:ing)?\s*>/gi;
const OPEN_THINK_PREFIX = /^\s*<think(?:ing)?\s*>/i;

export const DANGLING_THINK_REASON =
  'The answer stopped inside its <think> block (no </think>): keep the reasoning shorter and finish the answer.';

/**
 * The answer without reasoning: everything up to the last `</think>` goes (some providers drop the opening tag, so a
 * lone closing tag counts too). An answer that opens `<think>` and never closes it ran out of tokens while reasoning:
 * nothing usable follows, so the call is retried. `<thinking>` is treated the same way. Idempotent.
 */
export function stripReasoning(answer: string): Stripped {
  let end = -1;
  for (const match of answer.matchAll(CLOSE_THINK)) end = match.index + match[0].length;
  if (end >= 0) return { ok: true, text: answer.slice(end).trim() };
  if (OPEN_THINK_PREFIX.test(answer)) return { ok: false, reason: DANGLING_THINK_REASON };
  return { ok: true, text: answer.trim() };
}
