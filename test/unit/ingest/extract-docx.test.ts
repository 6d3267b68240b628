import { describe, expect, it } from 'vitest';
import { extractText } from '../../../src/ingest/extract/index.ts';
import { checkZip, defaultZipLimits, readCentralDirectory } from '../../../src/ingest/extract/zip-guard.ts';
import { deflatedEntry, makeDocx, makeZipBombDocx, writeZip } from '../../support/fixtures/index.ts';

const limits = { maxChars: 1_000_000 };

describe('extractText: DOCX', () => {
  it('extracts paragraphs separated by blank lines', async () => {
    const docx = await makeDocx(['Chaplains provide religious support.', 'They advise commanders.']);
    expect(await extractText(docx, 'docx', limits)).toEqual({
      ok: true,
      documents: [{ text: 'Chaplains provide religious support.\n\nThey advise commanders.' }],
      stats: {},
    });
  });

  it('refuses a zip bomb before inflating it', async () => {
    const started = performance.now();
    const r = await extractText(makeZipBombDocx(), 'docx', limits);
    expect(r).toEqual({
      ok: false,
      error: 'cannot read .docx: zip bomb suspected: word/document.xml expands 0.1 MB to 128.0 MB',
    });
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('refuses a zip bomb that lies about its sizes, stopping at the declared size', async () => {
    const r = await extractText(makeZipBombDocx({ lie: true }), 'docx', limits);
    expect(r).toEqual({
      ok: false,
      error: 'cannot read .docx: zip bomb suspected: word/document.xml expands beyond its declared 4096 bytes',
    });
  });

  it('times out instead of holding its thread, and the next document still reads', async () => {
    const paragraph =
      'Chaplains advise commanders on the religious needs of soldiers in garrison and in the field. '.repeat(4);
    const docx = await makeDocx(Array.from({ length: 3000 }, () => paragraph));
    expect(await extractText(docx, 'docx', { ...limits, timeoutMs: 20 })).toEqual({
      ok: false,
      error: 'cannot read .docx: reading the .docx took longer than 20 ms',
    });
    // The parser thread was ended, not left running: a normal extraction works afterwards.
    expect(await extractText(await makeDocx(['after']), 'docx', limits)).toEqual({
      ok: true,
      documents: [{ text: 'after' }],
      stats: {},
    });
  });

  it('fails zips that are not Word documents, and corrupt ones, without throwing', async () => {
    const notWord = writeZip([deflatedEntry('word/readme.txt', 'hello')]);
    const r = await extractText(notWord, 'docx', limits);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(/^cannot read \.docx: /);
    const docx = await makeDocx(['x']);
    expect(await extractText(docx.subarray(0, 100), 'docx', limits)).toEqual({
      ok: false,
      error: 'cannot read .docx: not a zip archive (no end of central directory)',
    });
  });
});

describe('zip guard', () => {
  it('reads the central directory of a real .docx', async () => {
    const entries = readCentralDirectory(await makeDocx(['a']), 100);
    expect(entries.map((e) => e.name)).toContain('word/document.xml');
    expect(await checkZip(await makeDocx(['a']))).toBeUndefined();
  });

  it('refuses archives with too many entries or too much declared data', async () => {
    const many = writeZip(Array.from({ length: 30 }, (_, i) => deflatedEntry(`f${i}.xml`, '<x/>')));
    expect(await checkZip(many, { ...defaultZipLimits, maxEntries: 20 })).toBe('zip archive has 30 entries (limit 20)');
    const big = writeZip([deflatedEntry('word/document.xml', 'a'.repeat(50_000))]);
    expect(await checkZip(big, { ...defaultZipLimits, maxTotalUncompressed: 10_000 })).toMatch(/^document too large/);
  });

  it('refuses a high overall ratio spread over many entries', async () => {
    const parts = Array.from({ length: 8 }, (_, i) => deflatedEntry(`word/p${i}.xml`, Buffer.alloc(1024 * 1024)));
    expect(await checkZip(writeZip(parts))).toMatch(/^zip bomb suspected: 0\.\d MB expands to 8\.0 MB$/);
  });

  it('refuses encrypted entries and unknown compression methods', async () => {
    const entry = deflatedEntry('word/document.xml', '<w/>');
    const zip = writeZip([entry]);
    const lzma = Buffer.from(zip);
    const central = lzma.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    lzma.writeUInt16LE(14, central + 10);
    expect(await checkZip(lzma)).toBe('zip entry word/document.xml uses unsupported compression method 14');
    const encrypted = Buffer.from(zip);
    encrypted.writeUInt16LE(0x0801, central + 8);
    expect(await checkZip(encrypted)).toBe('the document is encrypted');
  });
});
