/**
 * Decides a file's format from its first bytes. The name only breaks ties between text formats: a client can call
 * anything `report.pdf`, and extractors must never see bytes they were not written for.
 */
import { decodeHead, hasUtf16Bom } from './encoding.ts';
import { type DocumentFormat, mediaTypes } from './format.ts';

export type SniffResult = { format: DocumentFormat; mediaType: string } | { error: string };

/** How much of the file `sniffFormat` looks at; callers may pass more, the rest is ignored. */
export const SNIFF_BYTES = 8192;

const ok = (format: DocumentFormat): SniffResult => ({ format, mediaType: mediaTypes[format] });
const binary = (what: string): SniffResult => ({ error: `unsupported binary format (${what})` });

const magics: Array<{ offset: number; bytes: number[] | string; what: string }> = [
  { offset: 0, bytes: [0x89, 0x50, 0x4e, 0x47], what: 'PNG image' },
  { offset: 0, bytes: [0xff, 0xd8, 0xff], what: 'JPEG image' },
  { offset: 0, bytes: 'GIF8', what: 'GIF image' },
  { offset: 0, bytes: [0x1f, 0x8b], what: 'gzip archive' },
  { offset: 0, bytes: [0x7f, 0x45, 0x4c, 0x46], what: 'ELF executable' },
  {
    offset: 0,
    bytes: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1],
    what: 'legacy .doc or password-protected Office file',
  },
  { offset: 0, bytes: 'RIFF', what: 'RIFF media file' },
  { offset: 0, bytes: 'BZh', what: 'bzip2 archive' },
  { offset: 0, bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], what: 'xz archive' },
  { offset: 0, bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], what: '7z archive' },
  { offset: 0, bytes: 'Rar!', what: 'RAR archive' },
  { offset: 0, bytes: [0x28, 0xb5, 0x2f, 0xfd], what: 'zstd archive' },
  { offset: 0, bytes: 'OggS', what: 'Ogg media file' },
  { offset: 0, bytes: 'fLaC', what: 'FLAC audio' },
  { offset: 0, bytes: 'ID3', what: 'MP3 audio' },
  { offset: 4, bytes: 'ftyp', what: 'MP4/QuickTime media file' },
  { offset: 0, bytes: 'SQLite format 3', what: 'SQLite database' },
  { offset: 0, bytes: [0xcf, 0xfa, 0xed, 0xfe], what: 'Mach-O executable' },
  { offset: 0, bytes: 'II*\u0000', what: 'TIFF image' },
  { offset: 0, bytes: 'MM\u0000*', what: 'TIFF image' },
  { offset: 0, bytes: '{\\rtf', what: 'RTF document' },
];

function startsWithAt(head: Uint8Array, offset: number, bytes: number[] | string): boolean {
  const want = typeof bytes === 'string' ? Array.from(bytes, (c) => c.charCodeAt(0)) : bytes;
  if (head.length < offset + want.length) return false;
  return want.every((b, i) => head[offset + i] === b);
}

function indexOfAscii(head: Uint8Array, needle: string, limit = head.length): number {
  return Buffer.from(head.buffer, head.byteOffset, Math.min(limit, head.length)).indexOf(needle, 0, 'latin1');
}

function looksBinary(head: Uint8Array): boolean {
  let suspicious = 0;
  for (const b of head) {
    if (b === 0) return true;
    // Tab, newlines, form feed and ESC occur in real text files; the other C0 controls almost never do.
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0b && b !== 0x0c && b !== 0x0d && b !== 0x1b) suspicious++;
  }
  return suspicious > Math.max(4, head.length * 0.05);
}

function extensionOf(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  return dot < 0 ? '' : fileName.slice(dot + 1).toLowerCase();
}

function firstLineIsJsonObject(text: string): boolean {
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    if (!trimmed.startsWith('{')) return false;
    try {
      const value: unknown = JSON.parse(trimmed);
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    } catch {
      return false;
    }
  }
  return false;
}

function sniffZip(head: Uint8Array, fileName: string): SniffResult {
  // Every OOXML package names its parts in local headers near the start; Word's main part lives under word/.
  if (indexOfAscii(head, 'word/') >= 0) return ok('docx');
  if (indexOfAscii(head, 'ppt/') >= 0) return binary('PowerPoint presentation');
  if (indexOfAscii(head, 'xl/') >= 0) return binary('Excel workbook');
  if (indexOfAscii(head, 'mimetypeapplication/epub+zip') >= 0) return binary('EPUB book');
  // A head shorter than the window is the whole file, so the absence of word/ is conclusive; otherwise the part may
  // come later, and a .docx name earns the file a try (the zip guard and mammoth then decide).
  if (head.length >= SNIFF_BYTES && extensionOf(fileName) === 'docx') return ok('docx');
  return binary('zip archive that is not a Word document');
}

export function sniffFormat(bytes: Uint8Array, fileName: string): SniffResult {
  if (bytes.length === 0) return { error: 'file is empty' };
  const head = bytes.subarray(0, SNIFF_BYTES);
  // The PDF spec lets the header sit anywhere in the first 1024 bytes; readers accept leading junk.
  if (indexOfAscii(head, '%PDF-', 1024) >= 0) return ok('pdf');
  if (startsWithAt(head, 0, [0x50, 0x4b, 0x03, 0x04])) return sniffZip(head, fileName);
  if (startsWithAt(head, 0, [0x50, 0x4b, 0x05, 0x06])) return binary('empty zip archive');
  for (const magic of magics) if (startsWithAt(head, magic.offset, magic.bytes)) return binary(magic.what);
  if (!hasUtf16Bom(head) && looksBinary(head)) return binary('binary data');

  const text = decodeHead(head).trimStart();
  const ext = extensionOf(fileName);
  if (ext === 'json' && (text.startsWith('[') || text.startsWith('{')) && !firstLineIsJsonObject(text))
    return ok('json');
  if (ext === 'jsonl' || ext === 'ndjson' || firstLineIsJsonObject(text)) return ok('jsonl');
  if (ext === 'md' || ext === 'markdown') return ok('md');
  return ok('txt');
}
