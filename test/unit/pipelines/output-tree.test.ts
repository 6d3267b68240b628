/** Output tree names the original's users rely on. */
import { describe, expect, it } from 'vitest';
import { outputTree } from '../../../src/pipelines/output-tree.ts';

describe('extractedText', () => {
  it("replaces the file's extension with .txt, never doubling it", () => {
    expect(outputTree.extractedText('manuals', 'fm-7-0.pdf')).toBe('extracted_text/manuals/fm-7-0.txt');
    expect(outputTree.extractedText('manuals', 'notes.txt')).toBe('extracted_text/manuals/notes.txt');
    expect(outputTree.extractedText('manuals', 'README')).toBe('extracted_text/manuals/README.txt');
  });

  it('keeps the whole name when another file of the source has the same stem, so neither is overwritten', () => {
    const siblings = ['guide.pdf', 'guide.docx', 'other.md'];
    expect(outputTree.extractedText('s', 'guide.pdf', siblings)).toBe('extracted_text/s/guide.pdf.txt');
    expect(outputTree.extractedText('s', 'guide.docx', siblings)).toBe('extracted_text/s/guide.docx.txt');
    expect(outputTree.extractedText('s', 'other.md', siblings)).toBe('extracted_text/s/other.txt');
  });
});
