import { describe, expect, it } from 'vitest';
import { cleanPdfChunk, reassemble } from '../../../../src/pipelines/pdf-cleaning/steps.ts';
import { stubContext } from '../stub-context.ts';

describe('cleanPdfChunk', () => {
  it('asks the small model with the original sampling and returns the cleaned text', async () => {
    const ctx = stubContext(() => '<cleaned_text>\nClean text.\n</cleaned_text>');
    expect(await cleanPdfChunk(ctx, 'Cl-\nean text. 27')).toEqual({ state: 'done', output: 'Clean text.' });
    expect(ctx.calls[0]).toMatchObject({
      prompt: 'pdf-cleaning/clean-pdf',
      model: 'small',
      vars: { text: 'Cl-\nean text. 27' },
      sampling: { maxTokens: 5000, temperature: 0.5, topP: 0.9 },
    });
  });

  it("reports a failed chunk as dropped with the gateway's reason", async () => {
    const ctx = stubContext(() => ({ fail: 'timed out after 3 attempts' }));
    expect(await cleanPdfChunk(ctx, 'x')).toEqual({ state: 'dropped', reason: 'timed out after 3 attempts' });
  });
});

describe('reassemble', () => {
  it('orders pieces by index and joins them at a paragraph break', () => {
    expect(
      reassemble([
        { index: 2, text: 'Third.' },
        { index: 0, text: 'First.\n' },
        { index: 1, text: '  ' },
        { index: 10, text: 'Eleventh.' },
      ]),
    ).toBe('First.\n\nThird.\n\nEleventh.');
    expect(reassemble([])).toBe('');
  });
});
