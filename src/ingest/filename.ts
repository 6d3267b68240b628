/**
 * Upload file names are client input that ends up in artifact paths, archives and UIs. Only the last path segment is
 * kept (browsers and curl may send `C:\Users\me\doc.pdf` or `../../x`), invisible and control characters go, and
 * the length is bounded in UTF-8 bytes, which is what file systems and tar headers limit.
 */

export const MAX_FILE_NAME_BYTES = 200;

/** Longest tail kept as an extension when shortening; longer "extensions" are just part of the name. */
const MAX_EXTENSION_CHARS = 16;

// C0/C1 controls, plus bidi overrides and zero-width characters that make a name display differently from what it is.
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

const utf8Length = (s: string) => Buffer.byteLength(s, 'utf8');

function truncateToBytes(s: string, maxBytes: number): string {
  let out = '';
  let bytes = 0;
  for (const ch of s) {
    const n = utf8Length(ch);
    if (bytes + n > maxBytes) break;
    out += ch;
    bytes += n;
  }
  return out;
}

function shorten(name: string): string {
  if (utf8Length(name) <= MAX_FILE_NAME_BYTES) return name;
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 && name.length - dot <= MAX_EXTENSION_CHARS + 1 ? name.slice(dot) : '';
  const stem = name.slice(0, name.length - ext.length);
  return truncateToBytes(stem, MAX_FILE_NAME_BYTES - utf8Length(ext)).trimEnd() + ext;
}

export function sanitizeFileName(raw: string): { name: string } | { error: string } {
  if (raw.includes('\u0000')) return { error: 'file name contains a NUL character' };
  const lastSegment = raw.split(/[/\\]/).pop() ?? '';
  const name = lastSegment
    .normalize('NFC')
    // Whitespace controls (tab, newline) separate words; the other invisibles just go.
    .replace(/\s+/g, ' ')
    .replace(INVISIBLE, '')
    .replace(/ {2,}/g, ' ')
    .trim()
    // Windows drops trailing dots and spaces, so "a.txt." and "a.txt" would be the same file there.
    .replace(/[. ]+$/, '');
  if (name === '' || name === '.' || name === '..') {
    return { error: raw.trim() === '' ? 'file name is empty' : 'file name has no usable part (only a path or dots)' };
  }
  return { name: shorten(name) };
}
