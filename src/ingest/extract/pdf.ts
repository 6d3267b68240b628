/**
 * PDF text through pdf-parse 2 (pdf.js), run on a parser thread (parser-thread.ts: a timeout that can stop it, a
 * memory limit, its garbage kept off the job worker's heap).
 *
 * Text comes out line by line as laid out, less its page furniture (running headers and footers, page numbers,
 * table-of-contents leaders, blank-page notices: `page-furniture.ts`, counted in the file's report); joining lines
 * into sentences is a later, separate pass (`pdf-lines.ts`).
 */
import { errorMessage } from '../../lib/errors.ts';
import { type FurnitureRemoved, removePageFurniture } from '../page-furniture.ts';
import { isOutOfMemory, type ParserReply, parseInThread } from './parser-thread.ts';
import { normaliseNewlines } from './text.ts';
import { ExtractionTimeout } from './timeout.ts';

function describe(error: unknown): string {
  if (error instanceof ExtractionTimeout) return error.message;
  if (isOutOfMemory(error)) return 'the PDF needs too much memory to read';
  return `cannot read the PDF: ${errorMessage(error)}`;
}

function describeReply(reply: { name: string; message: string }): string {
  if (reply.name === 'PasswordException') return 'the PDF is password-protected';
  if (reply.name === 'InvalidPDFException') return 'not a valid PDF (corrupt or truncated)';
  return `cannot read the PDF: ${reply.message}`;
}

export async function extractPdf(
  bytes: Uint8Array,
  options: { timeoutMs: number },
): Promise<{ text: string; pages: number; furniture: FurnitureRemoved } | { error: string }> {
  let reply: ParserReply<'pdf'>;
  try {
    reply = await parseInThread('pdf', bytes, { timeoutMs: options.timeoutMs, what: 'reading the PDF' });
  } catch (error) {
    return { error: describe(error) };
  }
  if (!reply.ok) return { error: describeReply(reply) };
  // Pages are joined by a plain newline, as the original's per-page text was, so a sentence running across a page
  // break can be rejoined by the line-joining pass.
  const cleaned = removePageFurniture(reply.pages.map((p) => normaliseNewlines(p)));
  const text = cleaned.pages.map((p) => p.replace(/\s+$/, '')).join('\n');
  if (reply.pages.join('').trim() === '')
    return { error: 'the PDF has no extractable text (scanned pages need OCR, which is not supported)' };
  return { text, pages: reply.total, furniture: cleaned.removed };
}
