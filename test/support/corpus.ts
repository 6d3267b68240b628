/** Samples of the shared corpus for ingest tests: real text with its quirks (BOM, hyphenation, page numbers). */
import { readFileSync } from 'node:fs';

export const CORPUS_DIR = '/work/shared/corpus';

export const corpusTextFiles = [
  'army-field-manuals/fm-3-55-information-collection.txt',
  'army-field-manuals/fm-7-0-training.txt',
  'stories/through-the-looking-glass.txt',
];

export function corpusText(file: string): string {
  return readFileSync(`${CORPUS_DIR}/${file}`, 'utf8');
}

/**
 * `count` windows of about `chars` characters, spread over the file and cut at whitespace, with the file's own
 * newlines, blank lines and odd spacing kept. (The field manuals are one long line each, so lines are no unit.)
 */
export function corpusSamples(file: string, count: number, chars = 2500): string[] {
  const text = corpusText(file);
  const samples: string[] = [];
  for (let i = 0; i < count; i++) {
    let start = Math.floor(((text.length - chars) * i) / count);
    while (start > 0 && !/\s/.test(text[start - 1] as string)) start--;
    let end = Math.min(text.length, start + chars);
    while (end < text.length && !/\s/.test(text[end] as string)) end++;
    samples.push(text.slice(start, end));
  }
  return samples;
}
