/**
 * Reading an LLM answer: a tagged payload, a numbered list. Shared by the pipelines' parsers. The gateway removes
 * reasoning before a parser sees an answer; parsers strip it again with the same rule (lib/reasoning.ts, idempotent)
 * because they are also handed raw text (tests, few-shot answers).
 *
 * Retry reasons are written as instructions: the gateway hands them to the prompt as `error_message`.
 */
import { stripReasoning } from '../../lib/reasoning.ts';
import { type ParseResult, parsed } from '../step.ts';

export { stripReasoning };

export type TagSearch = { kind: 'found'; content: string } | { kind: 'unclosed' } | { kind: 'missing' };

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The first `<tag>` and the first `</tag>` after it (the original's rule); tag names are matched case-insensitively. */
export function findTag(text: string, tag: string): TagSearch {
  const open = new RegExp(`<${escapeRegExp(tag)}\\s*>`, 'i').exec(text);
  if (!open) return { kind: 'missing' };
  const start = open.index + open[0].length;
  const close = new RegExp(`</${escapeRegExp(tag)}\\s*>`, 'i').exec(text.slice(start));
  if (!close) return { kind: 'unclosed' };
  return { kind: 'found', content: text.slice(start, start + close.index) };
}

const ITEM = /^\s*\d{1,4}[.)]\s+\S/;
const CONTINUATION = /^(?: {2,}|\t)\S/;

/**
 * The last run of numbered lines (`1. …`, `2) …`) in the text, or undefined. Blank lines and indented continuation
 * lines do not end a run (models often double-space lists or wrap long items); any other line does. Taking the LAST
 * run skips numbered plans or drafts that a reasoning preamble puts before the real list.
 */
export function lastNumberedList(text: string): string | undefined {
  let last: string[] | undefined;
  let current: string[] | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (ITEM.test(line)) {
      current ??= [];
      current.push(line.trim());
    } else if (current && (line.trim() === '' || CONTINUATION.test(line))) {
      if (line.trim() !== '') current.push(line.trimEnd());
    } else if (current) {
      last = current;
      current = undefined;
    }
  }
  const run = current ?? last;
  return run?.join('\n');
}

/**
 * The non-empty content of the answer's `<tag>…</tag>` block, trimmed; otherwise a retry whose reason tells the
 * model what was wrong.
 */
export function taggedPayload(answer: string, tag: string): ParseResult<string> {
  const stripped = stripReasoning(answer);
  if (!stripped.ok) return parsed.retry(stripped.reason);
  const found = findTag(stripped.text, tag);
  switch (found.kind) {
    case 'missing':
      return parsed.retry(`The answer had no <${tag}> block: put the final result between <${tag}> and </${tag}>.`);
    case 'unclosed':
      return parsed.retry(
        `The <${tag}> block was never closed (the answer was probably cut off): finish it with </${tag}>.`,
      );
    case 'found': {
      const content = found.content.trim();
      if (content === '') return parsed.retry(`The <${tag}> block was empty: put the result itself inside it.`);
      return parsed.ok(content);
    }
  }
}
