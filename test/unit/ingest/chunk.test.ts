import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CHUNKER_VERSION,
  type ChunkResult,
  chunkDocument,
  chunkDocumentInSlices,
  chunkSetKeyFor,
  MIN_CHUNK_CHARS,
  paragraphSpans,
  subsetChunks,
} from '../../../src/ingest/chunk.ts';
import { joinPdfLines } from '../../../src/ingest/pdf-lines.ts';
import { defaultTokenizer, type Tokenizer } from '../../../src/ingest/tokenizer.ts';
import { seededRandom } from '../../../src/lib/seeded-random.ts';
import { corpusAvailable, corpusText, corpusTextFiles } from '../../support/corpus.ts';

const tokenizer = defaultTokenizer();
const squash = (s: string) => s.replace(/\s+/g, '');

/**
 * Checks every chunking invariant: the bound, exact counts, order, coverage of all non-whitespace text. Problems are
 * collected and asserted once: small bounds make thousands of chunks.
 */
function expectSound(text: string, result: ChunkResult, maxTokens: number, t: Tokenizer = tokenizer): void {
  const problems: string[] = [];
  const pieces = [...result.chunks, ...result.dropped].sort((a, b) => a.start - b.start);
  let at = 0;
  for (const p of pieces) {
    if (p.start < at) problems.push(`overlap at ${p.start}`);
    if (text.slice(at, p.start).trim() !== '') problems.push(`text lost between ${at} and ${p.start}`);
    at = p.end;
  }
  if (text.slice(at).trim() !== '') problems.push(`text lost after ${at}`);
  result.chunks.forEach((c, i) => {
    if (c.index !== i) problems.push(`chunk ${i} has index ${c.index}`);
    if (c.tokens !== t.count(c.text)) problems.push(`chunk ${i} reports ${c.tokens} tokens, has ${t.count(c.text)}`);
    if (c.tokens > maxTokens) problems.push(`chunk ${i} has ${c.tokens} tokens > ${maxTokens}`);
    if (c.text.length < MIN_CHUNK_CHARS) problems.push(`chunk ${i} is short`);
    if (squash(c.text) !== squash(text.slice(c.start, c.end))) problems.push(`chunk ${i} differs from its source span`);
  });
  for (const d of result.dropped) if (d.chars >= MIN_CHUNK_CHARS) problems.push(`dropped ${d.chars} chars`);
  const kept = result.chunks.reduce((n, c) => n + squash(c.text).length, 0);
  const lost = result.dropped.reduce((n, d) => n + squash(text.slice(d.start, d.end)).length, 0);
  if (kept + lost !== squash(text).length) problems.push(`kept ${kept} + dropped ${lost} ≠ ${squash(text).length}`);
  expect(problems.slice(0, 10)).toEqual([]);
}

function randomDocument(seed: string): string {
  const r = seededRandom(seed);
  const word = () => {
    const kind = r.int(0, 40);
    if (kind === 0) return 'x'.repeat(r.int(200, 3000)); // a word longer than any bound
    if (kind === 1) return '中文没有空格的句子'.repeat(r.int(1, 60));
    if (kind === 2) return '😀🦙'.repeat(r.int(1, 30));
    return r.pick(['the', 'army', 'training', 'unit', 'Dr.', 'e.g.', '3.14', 'U.S.', 'information', 'a', 'of']);
  };
  const sentence = () => {
    const words = Array.from({ length: r.int(1, r.chance(0.03) ? 300 : 25) }, word);
    return `${words.join(r.chance(0.1) ? '  ' : ' ')}${r.pick(['.', '!', '?', '', '…'])}`;
  };
  const paragraph = () => Array.from({ length: r.int(1, 12) }, sentence).join(r.chance(0.2) ? '\n' : ' ');
  return Array.from({ length: r.int(1, 30) }, paragraph).join(r.pick(['\n\n', '\n \n', '\n\n\n\t\n']));
}

describe('chunkDocument', () => {
  it('packs whole paragraphs and keeps paragraph breaks inside a chunk', () => {
    const paragraphs = [
      'The first paragraph talks about training schedules for the unit.',
      'The second paragraph covers maintenance of vehicles and equipment.',
      'The third paragraph is about logistics and supply routes in the area.',
    ];
    const text = `\n\n${paragraphs[0]}\n\n\n${paragraphs[1]}\n   \n${paragraphs[2]}\n`;
    const { chunks, dropped } = chunkDocument({ text, metadata: 'doc.txt' }, 1000, tokenizer);
    expect(dropped).toEqual([]);
    expect(chunks).toHaveLength(1);
    expect(chunks[0]).toMatchObject({ text: paragraphs.join('\n\n'), metadata: 'doc.txt', index: 0, start: 2 });
    expect(chunks[0]?.end).toBe(text.length - 1);
  });

  it('starts a new chunk when the next paragraph would overflow', () => {
    const para = (n: number) => `Paragraph ${n} has a handful of ordinary words in it, enough to count.`;
    const text = Array.from({ length: 10 }, (_, i) => para(i)).join('\n\n');
    const one = tokenizer.count(para(0));
    const { chunks } = chunkDocument({ text, metadata: '' }, one * 3 + 4, tokenizer);
    expect(chunks.length).toBeGreaterThanOrEqual(3);
    for (const c of chunks) expect(c.text.split('\n\n').every((p) => /^Paragraph \d has/.test(p))).toBe(true);
    expectSound(text, { chunks, dropped: [] }, one * 3 + 4);
  });

  it('cuts an over-long paragraph at sentences, then words, then characters', () => {
    const sentences = Array.from({ length: 40 }, (_, i) => `Sentence number ${i} says something about the unit.`);
    const text = `${sentences.join(' ')}\n\n${'w'.repeat(5000)}\n\n${Array.from({ length: 400 }, () => 'word').join(' ')}`;
    const result = chunkDocument({ text, metadata: '' }, 60, tokenizer);
    expectSound(text, result, 60);
    const first = result.chunks[0]?.text ?? '';
    expect(first.startsWith('Sentence number 0 says')).toBe(true);
    expect(first.endsWith('unit.')).toBe(true);
    expect(result.chunks.some((c) => /^w+$/.test(c.text))).toBe(true);
  });

  it('reports what it dropped', () => {
    const result = chunkDocument({ text: 'Tiny note.', metadata: '' }, 100, tokenizer);
    expect(result).toEqual({
      chunks: [],
      dropped: [{ reason: 'shorter than 50 characters', chars: 10, start: 0, end: 10 }],
    });
    expect(chunkDocument({ text: ' \n\n ', metadata: '' }, 100, tokenizer)).toEqual({ chunks: [], dropped: [] });
    const two = chunkDocument({ text: 'Tiny.\n\nAlso tiny.', metadata: '' }, 8, tokenizer);
    expect(two.dropped.map((d) => d.chars)).toEqual([5, 10]);
  });

  it('refuses bounds too small to hold a single character', () => {
    expect(() => chunkDocument({ text: 'x', metadata: '' }, 7, tokenizer)).toThrow(RangeError);
    expect(() => chunkDocument({ text: 'x', metadata: '' }, 100.5, tokenizer)).toThrow(RangeError);
  });

  it('never exceeds the bound and loses nothing on random documents', () => {
    for (let i = 0; i < 10; i++) {
      const text = randomDocument(`doc-${i}`);
      for (const max of [8, 30, 200, 1500])
        expectSound(text, chunkDocument({ text, metadata: '' }, max, tokenizer), max);
    }
  });

  it.skipIf(!corpusAvailable)('never exceeds the bound and loses nothing on the corpus, and fills chunks well', () => {
    for (const file of corpusTextFiles) {
      const text = corpusText(file);
      for (const max of [250, 4000]) {
        const result = chunkDocument({ text, metadata: file }, max, tokenizer);
        expectSound(text, result, max);
        const full = result.chunks.slice(0, -1).map((c) => c.tokens / max);
        expect(full.reduce((a, b) => a + b, 0) / full.length, `${file} @${max}`).toBeGreaterThan(0.85);
      }
    }
  });

  it.skipIf(!corpusAvailable)('chunks joined PDF text', () => {
    const text = joinPdfLines(corpusText(corpusTextFiles[0] as string));
    expectSound(text, chunkDocument({ text, metadata: '' }, 1500, tokenizer), 1500);
  });

  it('works with any tokenizer, including one without BOS', () => {
    const words: Tokenizer = { name: 'words', count: (s) => s.split(/\s+/).filter(Boolean).length };
    const text = randomDocument('other-tokenizer');
    expectSound(text, chunkDocument({ text, metadata: '' }, 50, words), 50, words);
  });
});

describe('chunkDocumentInSlices', () => {
  it('gives what chunkDocument gives, serving the event loop while a long one-paragraph document is cut', async () => {
    // No blank line anywhere: one paragraph of ~12,000 sentences (tens of milliseconds of work), so the pauses between sentences are what count.
    const text = Array.from({ length: 12_000 }, (_, i) => `Sentence ${i} is about the training of squads.`).join(' ');
    let turns = 0;
    const counting = setInterval(() => turns++, 0);
    try {
      const sliced = await chunkDocumentInSlices({ text, metadata: 'm' }, 64, tokenizer);
      expect(sliced).toEqual(chunkDocument({ text, metadata: 'm' }, 64, tokenizer));
      expectSound(text, sliced, 64);
    } finally {
      clearInterval(counting);
    }
    expect(turns).toBeGreaterThan(0);
  });
});

describe('chunkDocument with a lower bound on counts', () => {
  it('cuts a paragraph that cannot fit without counting it whole, and chunks exactly as without the bound', () => {
    const text = Array.from({ length: 400 }, (_, i) => `Sentence ${i} is about the training of squads.`).join(' ');
    const counted: number[] = [];
    const spying: Tokenizer = {
      name: 'spying',
      count: (s) => {
        counted.push(s.length);
        return tokenizer.count(s);
      },
      fewestTokens: (length) => tokenizer.fewestTokens?.(length) ?? 0,
    };
    const withBound = chunkDocument({ text, metadata: '' }, 64, spying);
    expect(counted).not.toContain(text.length);
    expect(withBound).toEqual(
      chunkDocument({ text, metadata: '' }, 64, { name: 'plain', count: (s) => tokenizer.count(s) }),
    );
  });
});

describe('paragraphSpans', () => {
  it('splits on lines holding only whitespace and trims', () => {
    const text = ' a\nb \n\t\n c \r\n\r\n\n d';
    expect(paragraphSpans(text).map((s) => text.slice(s.start, s.end))).toEqual(['a\nb', 'c', 'd']);
  });
});

describe('subsetChunks', () => {
  const chunks = Array.from({ length: 50 }, (_, i) => ({ text: `chunk text number ${i}`, id: i }));

  it('orders by md5(str(seed) + text) and keeps the first N, like the original', () => {
    const expected = [...chunks]
      .sort((a, b) => {
        const ka = createHash('md5').update(`1048596${a.text}`).digest('hex');
        const kb = createHash('md5').update(`1048596${b.text}`).digest('hex');
        return ka < kb ? -1 : 1;
      })
      .slice(0, 10);
    expect(subsetChunks(chunks, 1048596, 10)).toEqual(expected);
  });

  it('is deterministic, depends on the seed, and handles sizes at the edges', () => {
    expect(subsetChunks(chunks, 7, 20)).toEqual(subsetChunks([...chunks].reverse(), 7, 20));
    expect(subsetChunks(chunks, 7, 20)).not.toEqual(subsetChunks(chunks, 8, 20));
    expect(subsetChunks(chunks, 7, 500)).toHaveLength(50);
    expect(subsetChunks(chunks, 7, 0)).toEqual([]);
    expect(subsetChunks(chunks, '7', 5)).toEqual(subsetChunks(chunks, 7, 5));
  });
});

describe('chunkSetKeyFor', () => {
  it('names the text, bound, tokenizer and chunker version', () => {
    expect(chunkSetKeyFor('abc', 4000, 'mistral-7b-v0.1')).toBe(`abc-t4000-mistral-7b-v0.1-v${CHUNKER_VERSION}`);
  });
});
