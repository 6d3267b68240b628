/**
 * The PDF-cleaning steps (blueprint §5.1): one small-model call per chunk of a PDF's text, then the cleaned pieces
 * put back together in order. Input of `cleanPdfChunk`: a chunk's text; output: its cleaned text, or a drop with the
 * gateway's reason (the stage counts those and decides whether to fall back to the raw text).
 */
import { type ItemOutcome, outcome, type StepContext } from '../step.ts';
import { parseCleanedText } from './parse.ts';

export const pdfCleaningSampling = { maxTokens: 5000, temperature: 0.5, topP: 0.9 };

export async function cleanPdfChunk(ctx: StepContext, text: string): Promise<ItemOutcome<string>> {
  const result = await ctx.llm.call({
    prompt: 'pdf-cleaning/clean-pdf',
    model: 'small',
    vars: { text },
    sampling: pdfCleaningSampling,
    parse: parseCleanedText,
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
