/**
 * Plain-text decoding. Users upload whatever their tools wrote: Latin-1 exports, files cut mid-character, UTF-16
 * from Windows. Decoding never fails; it replaces what is not valid and says how much, so a mostly-garbage file
 * shows up in the file's stats instead of silently feeding noise to the pipeline.
 */
import { encodingOf, type TextEncodingName } from '../encoding.ts';

export interface DecodedText {
  text: string;
  /** U+FFFD characters introduced by decoding (invalid bytes), not counting any the file already contained. */
  replacedChars: number;
}

function countChar(text: string, char: string): number {
  let n = 0;
  for (let at = text.indexOf(char); at >= 0; at = text.indexOf(char, at + 1)) n++;
  return n;
}

/** U+FFFD already present in the bytes, encoded the file's way, so it is not mistaken for a decoding loss. */
function presentReplacementChars(bytes: Uint8Array, encoding: TextEncodingName): number {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (encoding === 'utf-8') {
    let n = 0;
    for (let at = buf.indexOf(REPLACEMENT_UTF8); at >= 0; at = buf.indexOf(REPLACEMENT_UTF8, at + 3)) n++;
    return n;
  }
  const [hi, lo] = encoding === 'utf-16le' ? [0xfd, 0xff] : [0xff, 0xfd];
  let n = 0;
  for (let i = 2; i + 1 < buf.length; i += 2) if (buf[i] === hi && buf[i + 1] === lo) n++;
  return n;
}

const REPLACEMENT_UTF8 = Buffer.from([0xef, 0xbf, 0xbd]);

export function normaliseNewlines(text: string): string {
  return text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
}

export function decodeText(bytes: Uint8Array): DecodedText {
  const encoding = encodingOf(bytes);
  let text: string;
  let replacedChars = 0;
  try {
    // The strict decoder is the common, fast path: most files are valid and need no accounting.
    text = new TextDecoder(encoding, { fatal: true }).decode(bytes);
  } catch {
    text = new TextDecoder(encoding, { fatal: false }).decode(bytes);
    replacedChars = Math.max(0, countChar(text, '\uFFFD') - presentReplacementChars(bytes, encoding));
  }
  return { text: normaliseNewlines(text), replacedChars };
}
