import { describe, expect, it } from 'vitest';
import { MAX_FILE_NAME_BYTES, sanitizeFileName } from '../../../src/ingest/filename.ts';

const nameOf = (raw: string) => {
  const r = sanitizeFileName(raw);
  return 'error' in r ? undefined : r.name;
};

describe('sanitizeFileName', () => {
  it('keeps ordinary names as they are', () => {
    expect(sanitizeFileName('report 2024.pdf')).toEqual({ name: 'report 2024.pdf' });
    expect(nameOf('café-notes.md')).toBe('café-notes.md');
    expect(nameOf('.env')).toBe('.env');
  });

  it('keeps only the last path segment, for both separators', () => {
    expect(nameOf('../../etc/passwd')).toBe('passwd');
    expect(nameOf('..\\..\\windows\\system.ini')).toBe('system.ini');
    expect(nameOf('C:\\Users\\me\\Documents\\doc.docx')).toBe('doc.docx');
    expect(nameOf('/abs/path/file.txt')).toBe('file.txt');
  });

  it('refuses NUL, empty names and pure traversal', () => {
    expect(sanitizeFileName('evil\u0000.pdf')).toEqual({ error: 'file name contains a NUL character' });
    for (const raw of ['', '   ', '.', '..', '../', '../..', 'dir/', '\u0001\u0002']) {
      expect(sanitizeFileName(raw), JSON.stringify(raw)).toHaveProperty('error');
    }
  });

  it('removes control and invisible characters and collapses whitespace', () => {
    expect(nameOf('  my\tfile\n name .txt  ')).toBe('my file name .txt');
    expect(nameOf('invoice\u202Efdp.exe')).toBe('invoicefdp.exe');
    expect(nameOf('zero\u200bwidth.txt')).toBe('zerowidth.txt');
    expect(nameOf('trailing.txt...')).toBe('trailing.txt');
  });

  it('normalises to NFC so visually equal names compare equal', () => {
    expect(nameOf('cafe\u0301.txt')).toBe('caf\u00e9.txt');
  });

  it('limits the name to 200 UTF-8 bytes, keeping the extension and whole characters', () => {
    const long = `${'é'.repeat(300)}.docx`;
    const name = nameOf(long) as string;
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(MAX_FILE_NAME_BYTES);
    expect(name.endsWith('.docx')).toBe(true);
    expect(name).not.toContain('\uFFFD');
    const ascii = nameOf(`${'a'.repeat(250)}.txt`) as string;
    expect(ascii).toBe(`${'a'.repeat(196)}.txt`);
    const noExt = nameOf('b'.repeat(500)) as string;
    expect(noExt).toBe('b'.repeat(200));
  });
});
