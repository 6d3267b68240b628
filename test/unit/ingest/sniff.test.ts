import { describe, expect, it } from 'vitest';
import { sniffFormat } from '../../../src/ingest/sniff.ts';
import {
  deflatedEntry,
  makeDocx,
  makeEncryptedPdf,
  makePdf,
  makeZipBombDocx,
  writeZip,
} from '../../support/fixtures/index.ts';

const bytes = (s: string) => new TextEncoder().encode(s);
const formatOf = (data: Uint8Array, name: string) => {
  const r = sniffFormat(data, name);
  return 'error' in r ? `error: ${r.error}` : r.format;
};

describe('sniffFormat', () => {
  it('recognises PDF and DOCX by their bytes, whatever the name', async () => {
    const pdf = await makePdf(['hello']);
    expect(sniffFormat(pdf, 'x.txt')).toEqual({ format: 'pdf', mediaType: 'application/pdf' });
    expect(formatOf(makeEncryptedPdf(), 'locked.pdf')).toBe('pdf');
    const docx = await makeDocx(['hello']);
    expect(sniffFormat(docx.subarray(0, 8192), 'notes.bin')).toEqual({
      format: 'docx',
      mediaType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    });
    expect(formatOf(makeZipBombDocx({ mebibytes: 1 }), 'bomb.docx')).toBe('docx');
  });

  it('accepts a PDF header after leading junk, as readers do', () => {
    expect(formatOf(bytes(`junk line\n%PDF-1.4\n...`), 'a.pdf')).toBe('pdf');
  });

  it('never calls something a PDF for its name alone', () => {
    expect(formatOf(bytes('just some text'), 'report.pdf')).toBe('txt');
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
    expect(formatOf(png, 'fake.pdf')).toBe('error: unsupported binary format (PNG image)');
  });

  it('refuses binaries and zips that are not Word documents', () => {
    const cases: Array<[number[], string]> = [
      [[0xff, 0xd8, 0xff, 0xe0], 'JPEG'],
      [[0x47, 0x49, 0x46, 0x38, 0x39, 0x61], 'GIF'],
      [[0x1f, 0x8b, 0x08, 0x00], 'gzip'],
      [[0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 'ELF'],
      [[0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], 'legacy .doc'],
      [[0x41, 0x42, 0x00, 0x43], 'binary data'],
    ];
    for (const [magic, what] of cases) {
      expect(formatOf(new Uint8Array(magic), 'a.docx')).toContain(`error: unsupported binary format (${what}`);
    }
    const epub = writeZip([deflatedEntry('mimetype', 'application/epub+zip'), deflatedEntry('OEBPS/a.xhtml', '<p/>')]);
    expect(formatOf(epub, 'book.epub')).toMatch(/^error: unsupported binary format/);
    const xlsx = writeZip([deflatedEntry('[Content_Types].xml', '<Types/>'), deflatedEntry('xl/workbook.xml', '<w/>')]);
    expect(formatOf(xlsx, 'sheet.docx')).toBe('error: unsupported binary format (Excel workbook)');
    const zip = writeZip([deflatedEntry('a.txt', 'hello')]);
    expect(formatOf(zip, 'a.docx')).toMatch(/^error: unsupported binary format \(zip archive/);
  });

  it('tells text formats apart by content, then by name', () => {
    expect(formatOf(bytes('[{"text": "a"}]'), 'data.json')).toBe('json');
    expect(formatOf(bytes('\uFEFF  \n[\n  {"text": "a"}\n]'), 'data.json')).toBe('json');
    expect(formatOf(bytes('{\n  "text": "a"\n}'), 'one.json')).toBe('json');
    expect(formatOf(bytes('[{"text": "a"}]'), 'data.txt')).toBe('txt');
    expect(formatOf(bytes('\n{"text": "a"}\n{"text": "b"}\n'), 'records.txt')).toBe('jsonl');
    expect(formatOf(bytes('{"text": "a"}'), 'one.json')).toBe('jsonl');
    expect(formatOf(bytes('not json at all'), 'records.jsonl')).toBe('jsonl');
    expect(formatOf(bytes('# Title\n\nBody'), 'README.md')).toBe('md');
    expect(formatOf(bytes('# Title'), 'notes.MARKDOWN')).toBe('md');
    expect(formatOf(bytes('plain'), 'noextension')).toBe('txt');
    expect(sniffFormat(bytes('{"text":"x"}'), 'a.jsonl')).toEqual({
      format: 'jsonl',
      mediaType: 'application/x-ndjson',
    });
    expect(sniffFormat(bytes('# x'), 'a.md')).toEqual({ format: 'md', mediaType: 'text/markdown' });
    expect(sniffFormat(bytes('x'), 'a.txt')).toEqual({ format: 'txt', mediaType: 'text/plain' });
    expect(sniffFormat(bytes('[]'), 'a.json')).toEqual({ format: 'json', mediaType: 'application/json' });
  });

  it('reads UTF-16 text with a byte order mark as text despite its NUL bytes', () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Hello there', 'utf16le')]);
    expect(formatOf(utf16, 'win.txt')).toBe('txt');
  });

  it('treats invalid UTF-8 as text (replaced later), and empty input as an error', () => {
    expect(formatOf(new Uint8Array([0x48, 0x69, 0xc3, 0x28, 0xff, 0x21]), 'latin.txt')).toBe('txt');
    expect(sniffFormat(new Uint8Array(0), 'empty.txt')).toEqual({ error: 'file is empty' });
  });
});
