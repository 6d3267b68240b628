/**
 * The shared corpus (real documents with their quirks: BOM, hyphenation, page numbers) for tests and benchmarks. It
 * lives beside the checkout (`../shared/corpus`) or where CORPUS_DIR says; tests that need it are skipped, and say
 * so, on a machine without it.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CORPUS_DIR = process.env.CORPUS_DIR ?? path.resolve(repoRoot, '..', 'shared', 'corpus');
export const corpusAvailable = existsSync(path.join(CORPUS_DIR, 'army-field-manuals'));

export function corpusPath(file: string): string {
  return path.join(CORPUS_DIR, file);
}

export const corpusTextFiles = [
  'army-field-manuals/fm-3-55-information-collection.txt',
  'army-field-manuals/fm-7-0-training.txt',
  'stories/through-the-looking-glass.txt',
];

export function corpusText(file: string): string {
  return readFileSync(corpusPath(file), 'utf8');
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
