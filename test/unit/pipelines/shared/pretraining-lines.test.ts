import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../../src/lib/seeded-random.ts';
import {
  contextHeader,
  type PretrainingChunk,
  pretrainingLines,
  pretrainingTexts,
} from '../../../../src/pipelines/shared/pretraining-lines.ts';
import { pickVariationFormats, variationFormats } from '../../../../src/pipelines/shared/variation-formats.ts';

const chunk: PretrainingChunk = {
  text: 'CHUNK',
  metadata: 'manuals/fm-7-0.pdf',
  atomicFacts: '1. FACT',
  inferredFacts: '1. INFERRED',
  variations: [
    { format: 'essay', text: 'V0' },
    { format: 'xml', text: 'V1' },
  ],
  failedVariations: [],
  codeVariations: [
    { fn: 'allcaps', of: 'chunk', text: 'C-CHUNK' },
    { fn: 'allcaps', of: 0, text: 'C-V0' },
    { fn: 'allcaps', of: 1, text: 'C-V1' },
  ],
};

describe('contextHeader', () => {
  it('is the original header, with the base name of the source', () => {
    expect(contextHeader('US Army Field Manuals', 'manuals/fm-7-0.pdf')).toBe(
      '[[[OVERALL_CONTEXT_IS -> US Army Field Manuals]]]\nSpecific source: fm-7-0.pdf\n',
    );
    expect(contextHeader('x', 'C:\\docs\\a.txt')).toBe('[[[OVERALL_CONTEXT_IS -> x]]]\nSpecific source: a.txt\n');
  });
});

describe('pretrainingLines', () => {
  it('writes chunk, atomic facts, LLM variations, code variations: 2 + V + F·(1+V) lines, no inferred facts', () => {
    expect(pretrainingTexts(chunk, { includeContext: false, datasetContext: 'ctx' })).toEqual([
      'CHUNK',
      '1. FACT',
      'V0',
      'V1',
      'C-CHUNK',
      'C-V0',
      'C-V1',
    ]);
  });

  it('prefixes every line with the header when asked to, as JSON lines', () => {
    const lines = pretrainingLines(chunk, { includeContext: true, datasetContext: 'ctx' });
    expect(lines).toHaveLength(7);
    expect(JSON.parse(lines[0] as string)).toEqual({
      text: '[[[OVERALL_CONTEXT_IS -> ctx]]]\nSpecific source: fm-7-0.pdf\nCHUNK',
    });
    for (const line of lines) expect(line).not.toContain('\n');
  });
});

describe('pickVariationFormats', () => {
  it('draws one format per variation, seeded, with replacement', () => {
    const a = pickVariationFormats(seededRandom('x'), 50);
    expect(a).toHaveLength(50);
    expect(pickVariationFormats(seededRandom('x'), 50)).toEqual(a);
    expect(new Set(a).size).toBe(variationFormats.length); // 50 uniform draws over 8 cover all of them
    expect(pickVariationFormats(seededRandom('x'), 0)).toEqual([]);
  });
});
