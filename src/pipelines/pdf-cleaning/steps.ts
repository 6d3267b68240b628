/**
 * The PDF-cleaning steps (blueprint §5.1): one small-model call per chunk of a PDF's text, then the cleaned pieces
 * put back together in order. Input of `cleanPdfChunk`: a chunk's text; output: its cleaned text, or a drop with the
 * gateway's reason (the stage then keeps the extracted text of that chunk).
 *
 * Two guards the original lacked (a reasoning model's thoughts count against the limit, and a cleaner that loses
 * most of a passage was accepted as clean):
 * - the output limit follows the piece: room for the whole passage twice over (its thinking, then its text), never
 *   less than the original's 5000 tokens;
 * - an answer shorter than `MIN_KEPT_FRACTION` of the passage's characters is retried with that reason, and dropped
 *   after its attempts. Cleaning removes headers, footers and extraction debris, which is rarely a third of a page.
 */
import { type ItemOutcome, outcome, type ParseResult, parsed, type StepContext } from '../step.ts';
import { parseCleanedText } from './parse.ts';

/** The least share of a passage's characters a cleaned text may keep. */
export const MIN_KEPT_FRACTION = 0.6;
/** Characters per token assumed when sizing the limit (English prose runs 4+; a low figure errs on the roomy side). */
const CHARS_PER_TOKEN = 3;

export function pdfCleaningSampling(text: string) {
  const passageTokens = Math.ceil(text.length / CHARS_PER_TOKEN);
  return { maxTokens: Math.max(5000, 2 * passageTokens + 500), temperature: 0.5, topP: 0.9 };
}

/** The cleaned text, unless it lost too much of the passage. */
export function parseCleanedPassage(passage: string) {
  return (answer: string): ParseResult<string> => {
    const result = parseCleanedText(answer);
    if (result.kind !== 'ok') return result;
    const kept = result.value.trim().length / Math.max(1, passage.trim().length);
    if (kept < MIN_KEPT_FRACTION) {
      return parsed.retry(
        `the cleaned text is ${Math.round(kept * 100)}% of the passage's length: keep all of its content, removing ` +
          'only extraction debris',
      );
    }
    return result;
  };
}

export async function cleanPdfChunk(ctx: StepContext, text: string): Promise<ItemOutcome<string>> {
  const result = await ctx.llm.call({
    prompt: 'pdf-cleaning/clean-pdf',
    model: 'small',
    vars: { text },
    sampling: pdfCleaningSampling(text),
    parse: parseCleanedPassage(text),
  });
  return result.ok ? outcome.done(result.value) : outcome.dropped(result.reason);
}

/**
 * One PDF's cleaned text from its pieces: ordered by chunk index, joined with a blank line. The original joins with
 * nothing, gluing the last word of a chunk to the first word of the next; chunks end at paragraph (or, for an
 * over-long paragraph, sentence) boundaries, so a paragraph break is the right seam. Blank pieces are skipped so
 * they leave no run of empty lines.
 */
export function reassemble(pieces: ReadonlyArray<{ index: number; text: string }>): string {
  return [...pieces]
    .sort((a, b) => a.index - b.index)
    .map((piece) => piece.text.trim())
    .filter((text) => text !== '')
    .join('\n\n');
}
