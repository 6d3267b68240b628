/**
 * Text for generated benchmark corpora, made of the shared corpus's paragraphs (two field manuals and a Gutenberg
 * book) so extraction, tokenizing and chunking meet real prose.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CORPUS_DIR } from '../test/support/corpus.ts';

export function corpusSources(): string[] {
  return [
    'army-field-manuals/fm-3-55-information-collection.txt',
    'army-field-manuals/fm-7-0-training.txt',
    'stories/through-the-looking-glass.txt',
  ].map((f) => readFileSync(path.join(CORPUS_DIR, f), 'utf8').replace(/^\uFEFF/, ''));
}

/** Paragraphs of the corpus; the field manuals have no line breaks, so long runs are cut at sentence ends. */
function paragraphsOf(text: string): string[] {
  const out: string[] = [];
  for (const block of text.split(/\r?\n\s*\n/)) {
    let rest = block.trim();
    while (rest.length > 2000) {
      const cut = rest.indexOf('. ', 1200);
      if (cut < 0) break;
      out.push(rest.slice(0, cut + 1));
      rest = rest.slice(cut + 2);
    }
    if (rest !== '') out.push(rest);
  }
  return out;
}

/**
 * A generator of text of about `bytes`, made of corpus paragraphs in an order set by `seed`, so files built with
 * different seeds differ.
 */
export function corpusTextOfSize(): (bytes: number, seed: number, separator?: string) => string {
  const paragraphs = corpusSources().flatMap(paragraphsOf);
  return (bytes, seed, separator = '\n\n') => {
    const parts: string[] = [];
    let size = 0;
    for (let i = seed * 7919; size < bytes; i += 31) {
      const p = paragraphs[i % paragraphs.length] as string;
      parts.push(p);
      size += p.length + separator.length;
    }
    return parts.join(separator);
  };
}
