import { describe, expect, it } from 'vitest';
import { parseCleanedText } from '../../../../src/pipelines/pdf-cleaning/parse.ts';
import { parseCleanedPassage, pdfCleaningSampling } from '../../../../src/pipelines/pdf-cleaning/steps.ts';
import { parsed } from '../../../../src/pipelines/step.ts';

describe('parseCleanedText', () => {
  it.each([
    ['tagged', '<cleaned_text>\nChapter 3.\n\nBees.\n</cleaned_text>', parsed.ok('Chapter 3.\n\nBees.')],
    ['preamble before the tag', 'Here is the cleaned passage:\n<cleaned_text>Text.</cleaned_text>', parsed.ok('Text.')],
    [
      'reasoning wrapped',
      '<think>The OCR misread "tbe".</think>\n<cleaned_text>the hive</cleaned_text>',
      parsed.ok('the hive'),
    ],
    // The original retried on the bare word "think" without </think>.
    [
      'the word "think" in the passage is fine',
      '<cleaned_text>I think, therefore I am.</cleaned_text>',
      parsed.ok('I think, therefore I am.'),
    ],
    ['stray closing think tag', 'notes</think>\n<cleaned_text>Text.</cleaned_text>', parsed.ok('Text.')],
    [
      'missing tag',
      'Chapter 3. Inspecting the colony.',
      parsed.retry(
        'The answer had no <cleaned_text> block: put the final result between <cleaned_text> and </cleaned_text>.',
      ),
    ],
    [
      'truncated',
      '<cleaned_text>Chapter 3. Inspecting the',
      parsed.retry(
        'The <cleaned_text> block was never closed (the answer was probably cut off): finish it with </cleaned_text>.',
      ),
    ],
    [
      'empty',
      '<cleaned_text></cleaned_text>',
      parsed.retry('The <cleaned_text> block was empty: put the result itself inside it.'),
    ],
    [
      'truncated inside reasoning',
      '<think>Line 3 has a running header',
      parsed.retry(
        'The answer stopped inside its <think> block (no </think>): keep the reasoning shorter and finish the answer.',
      ),
    ],
  ])('%s', (_name, answer, expected) => {
    expect(parseCleanedText(answer)).toEqual(expected);
  });
});

describe('parseCleanedPassage', () => {
  const passage = 'The unit trains at dawn. Leaders plan six weeks out and lock plans four weeks before.';
  it('accepts a cleaned text that keeps most of the passage', () => {
    const answer = `<cleaned_text>${passage.replace('dawn.', 'dawn.\n')}</cleaned_text>`;
    expect(parseCleanedPassage(passage)(answer).kind).toBe('ok');
  });

  it('retries, with the share kept, an answer that lost most of the passage', () => {
    expect(parseCleanedPassage(passage)('<cleaned_text>The unit trains.</cleaned_text>')).toEqual({
      kind: 'retry',
      reason: expect.stringMatching(/^the cleaned text is 19% of the passage's length/),
    });
  });

  it('sizes the output limit to the passage, never below the original 5000 tokens', () => {
    expect(pdfCleaningSampling('short').maxTokens).toBe(5000);
    expect(pdfCleaningSampling('x'.repeat(16_000)).maxTokens).toBeGreaterThan(2 * (16_000 / 4));
  });
});
