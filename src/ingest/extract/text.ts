/**
 * Plain-text decoding. Users upload whatever their tools wrote: Latin-1 exports, files cut mid-character, UTF-16
 * from Windows. Decoding never fails; it replaces what is not valid and says how much, so a mostly-garbage file
 * shows up in the file's stats instead of silently feeding noise to the pipeline.
 *
 * Files are decoded a chunk at a time (TextStreamDecoder), so a file of any size is never one buffer nor one string;
 * the whole file's text is the pieces joined, whatever the chunk boundaries.
 */
import { TextDecoder } from 'node:util';
import { encodingOf, type TextEncodingName } from '../encoding.ts';

export interface DecodedText {
  text: string;
  /** U+FFFD characters introduced by decoding (invalid bytes), not counting any the file already contained. */
  replacedChars: number;
}

const REPLACEMENT = '\uFFFD';
const REPLACEMENT_UTF8 = Buffer.from([0xef, 0xbf, 0xbd]);
const EMPTY = new Uint8Array(0);
/** The longest UTF-8 sequence: past this many bytes after a lead byte, a sequence has ended, valid or not. */
const MAX_SEQUENCE_BYTES = 4;

export function countChar(text: string, char: string): number {
  let n = 0;
  for (let at = text.indexOf(char); at >= 0; at = text.indexOf(char, at + 1)) n++;
  return n;
}

/** U+FFFD written out in UTF-8 bytes (the file's own, not a decoding loss). */
export function countReplacementBytes(bytes: Uint8Array): number {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let n = 0;
  for (let at = buf.indexOf(REPLACEMENT_UTF8); at >= 0; at = buf.indexOf(REPLACEMENT_UTF8, at + 3)) n++;
  return n;
}

export function normaliseNewlines(text: string): string {
  return text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
}

/** Bytes a UTF-8 sequence takes by its first byte (1 for a byte that cannot start one: it decodes alone). */
function sequenceLength(first: number): number {
  if (first >= 0xf0 && first <= 0xf7) return 4;
  if (first >= 0xe0 && first <= 0xef) return 3;
  if (first >= 0xc0 && first <= 0xdf) return 2;
  return 1;
}

/**
 * Where to cut UTF-8 bytes so that the decoder is between characters there: after the last character when it is
 * whole, else before it (its first byte: the last that is not a continuation byte, 10xxxxxx). A cut where the
 * sequence has had all its bytes, valid or not, is safe: the decoder has ended it, or replaced it and what followed.
 */
function utf8Cut(bytes: Uint8Array): number {
  let start = bytes.length - 1;
  while (start >= 0 && ((bytes[start] as number) & 0xc0) === 0x80) start--;
  if (start < 0 || bytes.length - start > MAX_SEQUENCE_BYTES) return bytes.length;
  return start + sequenceLength(bytes[start] as number) <= bytes.length ? bytes.length : start;
}

/** `a` then `b` in one array (`b` itself when `a` is empty). */
export function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * Decodes a file given in chunks of any size: `write` each chunk and `end` once, joining what they return. The
 * result equals decoding the whole file at once: the encoding comes from its first bytes (UTF-16 by its byte order
 * mark, otherwise UTF-8), a leading byte order mark is dropped, CRLF and lone CR become LF, and invalid bytes become
 * U+FFFD, counted in `replacedChars`.
 *
 * UTF-8 is decoded in one-shot batches cut between characters (a one-shot decode is several times faster than a
 * streaming TextDecoder, and such a cut never splits a character nor a written-out U+FFFD); a character cut off at
 * a chunk's end waits for the next chunk. UTF-16, rare, goes through a streaming TextDecoder.
 */
export class TextStreamDecoder {
  private encoding: TextEncodingName | undefined;
  /** UTF-8: a one-shot decoder, the byte order mark dropped by hand at the start. UTF-16: a streaming one. */
  private decoder: TextDecoder | undefined;
  /** Bytes not decoded yet: the first byte until the encoding is known, or a UTF-8 character's start onwards. */
  private carry: Uint8Array = EMPTY;
  private atStart = true;
  private pendingCr = false;
  private introduced = 0;
  private present = 0;
  /** UTF-16: bytes seen, and the last byte when it began a code unit (a written-out U+FFFD may span two chunks). */
  private offset = 0;
  private unitStart: number | undefined;

  get replacedChars(): number {
    return Math.max(0, this.introduced - this.present);
  }

  write(chunk: Uint8Array): string {
    if (this.encoding === undefined) {
      const head = concatBytes(this.carry, chunk);
      if (head.length < 2) {
        this.carry = head.slice();
        return '';
      }
      this.carry = EMPTY;
      this.start(encodingOf(head));
      return this.write(head);
    }
    if (this.encoding !== 'utf-8') return this.text(this.utf16(chunk, false));
    const bytes = concatBytes(this.carry, chunk);
    const cut = utf8Cut(bytes);
    // Copied: a stream may hand out views of a buffer it later reuses.
    this.carry = bytes.subarray(cut).slice();
    return this.text(this.utf8(bytes.subarray(0, cut)));
  }

  end(): string {
    if (this.encoding === undefined) this.start(encodingOf(this.carry));
    let tail: string;
    if (this.encoding === 'utf-8') tail = this.utf8(this.carry);
    else tail = this.utf16(this.carry, true);
    this.carry = EMPTY;
    const text = this.text(tail);
    if (!this.pendingCr) return text;
    this.pendingCr = false;
    return `${text}\n`;
  }

  private start(encoding: TextEncodingName): void {
    this.encoding = encoding;
    this.decoder =
      encoding === 'utf-8'
        ? new TextDecoder('utf-8', { fatal: false, ignoreBOM: true })
        : new TextDecoder(encoding, { fatal: false });
  }

  private utf8(bytes: Uint8Array): string {
    if (bytes.length === 0) return '';
    let text = (this.decoder as TextDecoder).decode(bytes);
    if (this.atStart) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      this.atStart = false;
    }
    if (text.includes(REPLACEMENT)) {
      this.introduced += countChar(text, REPLACEMENT);
      this.present += countReplacementBytes(bytes);
    }
    return text;
  }

  private utf16(bytes: Uint8Array, last: boolean): string {
    const [hi, lo] = this.encoding === 'utf-16le' ? [0xfd, 0xff] : [0xff, 0xfd];
    // Code units after the byte order mark (offset 2 onwards) that spell U+FFFD.
    for (const byte of bytes) {
      if (this.offset >= 2 && this.offset % 2 === 0) this.unitStart = byte;
      else if (this.offset >= 3 && this.unitStart === hi && byte === lo) this.present++;
      this.offset++;
    }
    const decoder = this.decoder as TextDecoder;
    const text = last ? decoder.decode(bytes) : decoder.decode(bytes, { stream: true });
    this.introduced += countChar(text, REPLACEMENT);
    return text;
  }

  /** Newlines normalised; a CR that ends the piece waits, since an LF may begin the next one. */
  private text(decoded: string): string {
    let text = this.pendingCr ? `\r${decoded}` : decoded;
    this.pendingCr = text.endsWith('\r');
    if (this.pendingCr) text = text.slice(0, -1);
    return normaliseNewlines(text);
  }
}

/** A whole file decoded at once (the same as one chunk through TextStreamDecoder). */
export function decodeText(bytes: Uint8Array): DecodedText {
  const decoder = new TextStreamDecoder();
  const text = decoder.write(bytes) + decoder.end();
  return { text, replacedChars: decoder.replacedChars };
}
