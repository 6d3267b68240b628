import { describe, expect, it } from 'vitest';
import { isPageNumberLine, joinPdfLines } from '../../../src/ingest/pdf-lines.ts';
import { corpusAvailable, corpusText } from '../../support/corpus.ts';

describe('joinPdfLines', () => {
  it('joins lines inside a sentence and keeps a newline after a sentence end', () => {
    const text =
      'Chaplains plan, prepare and execute\nreligious support across the\nfull range of operations.\nThey advise the commander:\nreligion matters.';
    expect(joinPdfLines(text)).toBe(
      'Chaplains plan, prepare and execute religious support across the full range of operations.\nThey advise the commander:\nreligion matters.',
    );
  });

  it('keeps blank lines as paragraph breaks, collapsing runs of them', () => {
    expect(joinPdfLines('First paragraph line one\nline two.\n\n\n  \nSecond paragraph\nstarts here')).toBe(
      'First paragraph line one line two.\n\nSecond paragraph starts here',
    );
  });

  it('treats closing quotes and brackets after sentence punctuation as a sentence end', () => {
    expect(joinPdfLines('He said "stop."\nThen left (quietly.)\nEnd?"\nYes')).toBe(
      'He said "stop."\nThen left (quietly.)\nEnd?"\nYes',
    );
  });

  it('rejoins words hyphenated across lines when the next line starts in lower case', () => {
    expect(joinPdfLines('the infor-\nmation collection\nplan is well-\nKnown to Jean-\nPaul')).toBe(
      'the information collection plan is well-Known to Jean-Paul',
    );
    expect(joinPdfLines('a soft\u00ad\nhyphen')).toBe('a softhyphen');
  });

  it('drops lone page numbers, including pdf-parse page markers', () => {
    const text = 'The sentence runs across\n12\na page break.\n\n-- 3 of 40 --\n\nPage 4\nNext part\niv\n- 5 -\nends.';
    expect(joinPdfLines(text)).toBe('The sentence runs across a page break.\n\nNext part ends.');
  });

  it('trims lines and handles CRLF', () => {
    expect(joinPdfLines('  indented line \r\n  continues.  \r\n')).toBe('indented line continues.');
  });

  it('recognises page-number lines but not numbered text', () => {
    for (const line of ['7', '123', 'Page 7', 'page 7 of 9', '7 of 9', '7/9', '- 7 -', '— 12 —', 'xii']) {
      expect(isPageNumberLine(line), line).toBe(true);
    }
    for (const line of ['1-11.', '2019', 'I', 'Chapter 1', '12345', 'Table 3']) {
      expect(isPageNumberLine(line), line).toBe(line === '2019');
    }
  });

  it.skipIf(!corpusAvailable)('keeps every word of real extracted text', () => {
    const text = corpusText('army-field-manuals/fm-3-55-information-collection.txt');
    const joined = joinPdfLines(text);
    const words = (s: string) => s.split(/\s+/).filter((w) => w && !/^\d{1,4}$/.test(w)).length;
    // Only page numbers and hyphenated line ends merge, so the word count barely moves.
    expect(words(joined)).toBeGreaterThan(words(text) * 0.97);
    expect(words(joined)).toBeLessThanOrEqual(words(text));
    expect(joined).not.toMatch(/\n{3,}/);
  });
});
