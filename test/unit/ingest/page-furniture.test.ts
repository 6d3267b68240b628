/** Page furniture out of PDF text: running headers and footers, page numbers, leaders, blank-page notices. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { extractPdf } from '../../../src/ingest/extract/pdf.ts';
import { removePageFurniture } from '../../../src/ingest/page-furniture.ts';
import { corpusAvailable, corpusPath } from '../../support/corpus.ts';

const page = (n: number, body: string) =>
  [
    `Orchard Handbook ${n}`,
    '',
    body,
    '',
    n % 2 ? `${n}-1 Members' Edition` : `Members' Edition ${n}-1`,
    String(n),
  ].join('\n');

describe('removePageFurniture', () => {
  // Odd and even pages carry their page number on different sides, as printed manuals do.
  it('removes headers and footers that recur at page edges, page numbers, leaders and blank-page notices', () => {
    const pages = [
      page(1, 'Contents\nGrading apples ........................ 1-1\nThe cold store ..................... iv'),
      page(2, 'Apples are graded by size. The Orchard Handbook covers every class.'),
      page(3, 'This page intentionally left blank.'),
      page(4, 'The cold store keeps apples until spring.'),
      page(5, 'Juice is pressed on Mondays.'),
      page(6, 'Members are paid by weight.'),
    ];
    const { pages: out, removed } = removePageFurniture(pages);
    expect(out.join('\n')).not.toMatch(/Orchard Handbook \d|Members' Edition|\.{5}|intentionally/);
    expect(out[1]).toContain('The Orchard Handbook covers every class.');
    expect(out[3]).toContain('The cold store keeps apples until spring.');
    expect(removed).toEqual({ runningLines: 12, pageNumbers: 6, tocLines: 2, blankPageNotices: 1 });
  });

  it('leaves a short document (too few pages to tell furniture from text) its repeated lines', () => {
    const pages = ['Note\nKeep the door shut.', 'Note\nKeep the lights off.'];
    expect(removePageFurniture(pages).pages).toEqual(pages);
  });
});

describe.skipIf(!corpusAvailable)('the field manual PDF from the corpus', () => {
  it('extracts without its running headers and footers, contents leaders or blank-page notices', async () => {
    const result = await extractPdf(readFileSync(corpusPath('army-field-manuals/fm-1-05-religious-support.pdf')), {
      timeoutMs: 120_000,
    });
    if ('error' in result) throw new Error(result.error);
    const lines = result.text.split('\n');
    const footers = lines.filter((l) => /^(?:\S+ FM 1-05 21 January 2019|21 January 2019 FM 1-05 \S+)$/.test(l));
    expect(footers.length).toBeLessThanOrEqual(1);
    expect(lines.filter((l) => /\.{6,}/.test(l))).toEqual([]);
    expect(lines.filter((l) => /^this page intentionally left blank/i.test(l.trim()))).toEqual([]);
    expect(result.furniture.runningLines).toBeGreaterThan(40);
    expect(result.text).toContain('Chaplain sections and UMTs aggressively, intentionally, creatively');
  }, 150_000);
});
