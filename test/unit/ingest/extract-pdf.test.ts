import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { extractText } from '../../../src/ingest/extract/index.ts';
import { corpusAvailable, corpusPath } from '../../support/corpus.ts';
import { makeEncryptedPdf, makePdf } from '../../support/fixtures/index.ts';

const limits = { maxChars: 10_000_000 };

describe('extractText: PDF', () => {
  it('extracts the text of every page, pages joined by a newline', async () => {
    const pdf = await makePdf(['The first page talks about field training.', 'The second page covers logistics.']);
    const r = await extractText(pdf, 'pdf', limits);
    expect(r).toEqual({
      ok: true,
      documents: [{ text: 'The first page talks about field training.\nThe second page covers logistics.' }],
      stats: { pages: 2, pageFurniture: { runningLines: 0, pageNumbers: 0, tocLines: 0, blankPageNotices: 0 } },
    });
  });

  it.skipIf(!corpusAvailable)('reads a real field manual', async () => {
    const bytes = readFileSync(corpusPath('army-field-manuals/fm-1-05-religious-support.pdf'));
    const r = await extractText(bytes, 'pdf', limits);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.stats.pages).toBe(48);
    expect(r.documents[0]?.text.length).toBeGreaterThan(100_000);
    expect(r.documents[0]?.text).toContain('religious affairs specialists');
  });

  it('fails an encrypted PDF with a clear message', async () => {
    expect(await extractText(makeEncryptedPdf(), 'pdf', limits)).toEqual({
      ok: false,
      error: 'the PDF is password-protected',
    });
  });

  it('fails corrupt and truncated PDFs without throwing', async () => {
    const corrupt = new TextEncoder().encode('%PDF-1.7\nthis is not really a pdf body\n%%EOF');
    expect(await extractText(corrupt, 'pdf', limits)).toEqual({
      ok: false,
      error: 'not a valid PDF (corrupt or truncated)',
    });
    const pdf = await makePdf(['Some page text that will be cut off.']);
    const truncated = await extractText(pdf.subarray(0, Math.floor(pdf.length / 2)), 'pdf', limits);
    expect(truncated.ok).toBe(false);
  });

  it('fails a PDF without text (a scan) instead of returning nothing', async () => {
    const blank = await makePdf(['']);
    const r = await extractText(blank, 'pdf', limits);
    expect(r).toEqual({
      ok: false,
      error: 'the PDF has no extractable text (scanned pages need OCR, which is not supported)',
    });
  });

  it('times out instead of hanging', async () => {
    const page = 'A long page of field manual text about maintenance schedules and training. '.repeat(40);
    const bytes = await makePdf(Array.from({ length: 300 }, () => page));
    expect(await extractText(bytes, 'pdf', { ...limits, timeoutMs: 20 })).toEqual({
      ok: false,
      error: 'reading the PDF took longer than 20 ms',
    });
    // The parser was torn down, not left running: a normal extraction still works afterwards.
    expect((await extractText(await makePdf(['after']), 'pdf', limits)).ok).toBe(true);
  });
});
