/**
 * Word documents through mammoth's raw-text mode, run on a parser thread (parser-thread.ts: a timeout that can stop
 * it, a memory limit, its parse tree kept off the job worker's heap): paragraphs come out separated by blank lines.
 * The archive is checked for zip bombs here first, before any of it is inflated.
 */
import { errorMessage } from '../../lib/errors.ts';
import { isOutOfMemory, parseInThread } from './parser-thread.ts';
import { normaliseNewlines } from './text.ts';
import { checkZip, type ZipLimits } from './zip-guard.ts';

export async function extractDocx(
  bytes: Uint8Array,
  options: { timeoutMs: number; zipLimits?: ZipLimits },
): Promise<{ text: string } | { error: string }> {
  const refused = await checkZip(bytes, options.zipLimits);
  if (refused) return { error: `cannot read .docx: ${refused}` };
  try {
    const reply = await parseInThread('docx', bytes, { timeoutMs: options.timeoutMs, what: 'reading the .docx' });
    if (!reply.ok) return { error: `cannot read .docx: ${reply.message}` };
    // mammoth ends every paragraph with a blank line, the last one included.
    return { text: normaliseNewlines(reply.text).trimEnd() };
  } catch (error) {
    if (isOutOfMemory(error)) return { error: 'cannot read .docx: the document needs too much memory to read' };
    return { error: `cannot read .docx: ${errorMessage(error)}` };
  }
}
