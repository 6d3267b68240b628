/**
 * Parsers of the representation-variation and inferred-facts answers (blueprint §5.2, §5.3, §15). Pure functions of
 * the raw answer; `retry` reasons are phrased for the model because they come back to it as `error_message`.
 */

import { type ParseResult, type Parser, parsed } from '../step.ts';
import { findTag, lastNumberedList, stripReasoning, taggedPayload } from './answer-text.ts';

/**
 * `Verdict: SUITABLE` / `Verdict: UNSUITABLE` (the prompt's contract; `NOT SUITABLE` also accepted), the last verdict
 * line winning. Without one, the legacy words decide by their LAST occurrence: the original tested "unsuitable"
 * anywhere first, so reasoning such as "this is not unsuitable … Suitable" or a bare "Not suitable" were misread
 * (⚠ §5.5). The original's "table of contents anywhere → unsuitable" rule is not kept: the prompt's own examples
 * reject tables of contents, and a passage that merely mentions one is not unsuitable.
 */
const VERDICT_LINE = /verdict\W{0,6}(un|not\s+)?suitable\b/gi;
const LEGACY_WORD = /(\bun|\bnot\s+|n['’]t\s+(?:be\s+)?)?suitable\b/gi;

export const parseSuitability: Parser<boolean> = (answer) => {
  const stripped = stripReasoning(answer);
  if (!stripped.ok) return parsed.retry(stripped.reason);
  const verdict = lastMatch(stripped.text, VERDICT_LINE) ?? lastMatch(stripped.text, LEGACY_WORD);
  if (!verdict) {
    return parsed.retry('The answer had no verdict: end it with a line "Verdict: SUITABLE" or "Verdict: UNSUITABLE".');
  }
  return parsed.ok(verdict[1] === undefined);
};

function lastMatch(text: string, pattern: RegExp): RegExpExecArray | undefined {
  let last: RegExpExecArray | undefined;
  for (const match of text.matchAll(pattern)) last = match as RegExpExecArray;
  return last;
}

/** The filter's reasoning without its verdict line, shortened: what an "unsuitable" drop reason quotes. */
export function verdictExplanation(answer: string, maxChars = 200): string {
  const stripped = stripReasoning(answer);
  const text = stripped.ok ? stripped.text : answer;
  const lines = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !/^\W*verdict\b/i.test(line));
  const last = lines.at(-1) ?? '';
  return last.length > maxChars ? `${last.slice(0, maxChars - 1)}…` : last;
}

/**
 * A fact list: the content of `<tag>`, else the last numbered list anywhere in the answer (small models often forget
 * the tags). An unclosed tag is a cut-off answer: retried rather than accepting a list that lost its tail.
 */
function factList(tag: string): Parser<string> {
  return (answer): ParseResult<string> => {
    const stripped = stripReasoning(answer);
    if (!stripped.ok) return parsed.retry(stripped.reason);
    const found = findTag(stripped.text, tag);
    if (found.kind === 'found') {
      const content = found.content.trim();
      if (content === '') return parsed.retry(`The <${tag}> block was empty: list the facts inside it, one per line.`);
      return parsed.ok(content);
    }
    if (found.kind === 'unclosed') {
      return parsed.retry(
        `The <${tag}> block was never closed (the answer was probably cut off): finish it with </${tag}>.`,
      );
    }
    const list = lastNumberedList(stripped.text);
    if (list !== undefined) return parsed.ok(list);
    return parsed.retry(
      `The answer had no <${tag}> block and no numbered list: give the facts as a numbered list inside <${tag}>…</${tag}>.`,
    );
  };
}

export const parseAtomicFacts: Parser<string> = factList('atomic_facts');

/** Its own tag (⚠ §5.3: the original parsed this with the atomic-facts parser and fell back to the last list). */
export const parseInferredFacts: Parser<string> = factList('inferred_facts');

export const parseRewrite: Parser<string> = (answer) => taggedPayload(answer, 'rewrite');
