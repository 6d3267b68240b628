/**
 * Text encoding detection shared by sniffing and extraction: UTF-8 unless a UTF-16 byte order mark says otherwise
 * (Windows tools still write UTF-16 "Unicode" text files, which would otherwise look binary for their NUL bytes).
 */

export type TextEncodingName = 'utf-8' | 'utf-16le' | 'utf-16be';

export function encodingOf(bytes: Uint8Array): TextEncodingName {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return 'utf-8';
}

export function hasUtf16Bom(bytes: Uint8Array): boolean {
  return encodingOf(bytes) !== 'utf-8';
}

/** Decodes the first bytes of a file for sniffing: lenient, BOM removed, no accounting. */
export function decodeHead(bytes: Uint8Array): string {
  return new TextDecoder(encodingOf(bytes), { fatal: false }).decode(bytes);
}
