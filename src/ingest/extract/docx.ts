/** Word documents through mammoth's raw-text mode: paragraphs come out separated by blank lines. */
import mammoth from 'mammoth';
import { errorMessage } from '../../lib/errors.ts';
import { normaliseNewlines } from './text.ts';
import { withTimeout } from './timeout.ts';
import { checkZip, type ZipLimits } from './zip-guard.ts';

export async function extractDocx(
  bytes: Uint8Array,
  options: { timeoutMs: number; zipLimits?: ZipLimits },
): Promise<{ text: string } | { error: string }> {
  const refused = await checkZip(bytes, options.zipLimits);
  if (refused) return { error: `cannot read .docx: ${refused}` };
  try {
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const result = await withTimeout(mammoth.extractRawText({ buffer }), options.timeoutMs, 'reading the .docx');
    // mammoth ends every paragraph with a blank line, the last one included.
    return { text: normaliseNewlines(result.value).trimEnd() };
  } catch (error) {
    return { error: `cannot read .docx: ${errorMessage(error)}` };
  }
}
