import mistral from 'mistral-tokenizer-js';
import { describe, expect, it } from 'vitest';
import { mistralBpe } from '../../../src/ingest/bpe.ts';
import {
  DEFAULT_TOKENIZER,
  defaultTokenizer,
  getTokenizer,
  registerTokenizer,
  tokenizerNames,
} from '../../../src/ingest/tokenizer.ts';
import { seededRandom } from '../../../src/lib/seeded-random.ts';
import { corpusAvailable, corpusSamples, corpusTextFiles } from '../../support/corpus.ts';

/** What the original computes: len(tokenizer.encode(text)), BOS included. */
const reference = (text: string) => mistral.encode(text).length;

const tricky = [
  'a',
  ' ',
  '  ',
  'a  b',
  'a   b',
  ' leading space',
  'trailing spaces   ',
  '\n',
  '\n\nstarts with newlines',
  ' \n',
  'line one\n line two\n\n  indented\n',
  '\ttabs\t\t\tout here',
  'crlf\r\nand cr\rlines',
  'x\u2581 y \u2581\u2581 z',
  '🦙Ꙋ emoji 😀😀😀 word',
  '镇 中文文本没有空格。另一个句子！',
  'ax\n####\nboo',
  'café naïve «quoted» ¿Qué? ¡Sí! Grüße',
  '           grabbed',
  'x'.repeat(300),
  'supercalifragilisticexpialidocious-antidisestablishmentarianism',
  '<s> special </s> tokens [INST] as text',
];

describe('default tokenizer', () => {
  it('counts BOS, as len(tokenizer.encode(text)) does, and 0 for empty text', () => {
    const t = defaultTokenizer();
    expect(t.name).toBe(DEFAULT_TOKENIZER);
    expect(t.count('')).toBe(0);
    expect(t.count('Hello world!')).toBe(4); // <s> Hello ▁world !
  });

  it.skipIf(!corpusAvailable)('matches the library on corpus samples exactly', () => {
    const t = defaultTokenizer();
    for (const file of corpusTextFiles) {
      for (const sample of corpusSamples(file, 12))
        expect(t.count(sample), sample.slice(0, 60)).toBe(reference(sample));
    }
    const [long] = corpusSamples(corpusTextFiles[1] as string, 1, 60_000);
    expect(t.count(long as string)).toBe(reference(long as string));
  });

  it('matches the library on whitespace, newline, byte-fallback and CJK edge cases', () => {
    const t = defaultTokenizer();
    for (const s of tricky) expect(t.count(s), JSON.stringify(s)).toBe(reference(s));
  });

  it('matches the library on random strings over a hostile alphabet', () => {
    const t = defaultTokenizer();
    const random = seededRandom('tokenizer-fuzz');
    const alphabet = [...'aeinrstl THE\n\n\t\r.,-\'"▁éß中文😀🦙0123456789', '  ', 'tion', 'ing ', ' the'];
    for (let i = 0; i < 400; i++) {
      let s = '';
      const length = random.int(1, 80);
      while (s.length < length) s += random.pick(alphabet);
      expect(t.count(s), JSON.stringify(s)).toBe(reference(s));
    }
  });

  it('produces the same token ids as the library, not just the same number', () => {
    const bpe = mistralBpe();
    for (const s of [...tricky, ...(corpusAvailable ? corpusSamples(corpusTextFiles[2] as string, 3) : [])]) {
      expect([...bpe.encode(` ${s}`)], JSON.stringify(s.slice(0, 40))).toEqual(mistral.encode(s, false, true));
    }
  });

  it('never counts fewer tokens than its lower bound, runs of spaces (its longest tokens) included', () => {
    const t = defaultTokenizer();
    const random = seededRandom('fewest-tokens');
    const alphabet = [' ', '▁', '                ', 'a', 'the ', '\n', '中文', '😀', '----------------', 'ation'];
    const texts = [...tricky, ' '.repeat(64), '▁'.repeat(48), '-'.repeat(300)];
    for (let i = 0; i < 300; i++) {
      let s = '';
      const length = random.int(1, 200);
      while (s.length < length) s += random.pick(alphabet);
      texts.push(s);
    }
    for (const s of texts) expect(t.fewestTokens?.(s.length), JSON.stringify(s)).toBeLessThanOrEqual(t.count(s));
    expect(t.fewestTokens?.(0)).toBe(0);
  });

  it('counts long unbroken strings exactly without the library’s memory blow-up', () => {
    const t = defaultTokenizer();
    const random = seededRandom('base64');
    const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const blob = Array.from({ length: 20_000 }, () => random.pick([...chars])).join('');
    expect(t.count(blob)).toBe(reference(blob));
    const huge = blob.repeat(50); // 1 MB: the library would need ~800 MB for this
    expect(t.count(huge)).toBeGreaterThan(200_000);
  });
});

describe('tokenizer registry', () => {
  it('returns one shared instance per name', () => {
    expect(getTokenizer(DEFAULT_TOKENIZER)).toBe(defaultTokenizer());
    expect(tokenizerNames()).toContain(DEFAULT_TOKENIZER);
  });

  it('accepts other tokenizers and refuses unknown or duplicate names', () => {
    registerTokenizer('test-chars', () => ({ name: 'test-chars', count: (text: string) => text.length }));
    expect(getTokenizer('test-chars').count('abc')).toBe(3);
    expect(() => registerTokenizer('test-chars', () => defaultTokenizer())).toThrow(/already registered/);
    expect(() => getTokenizer('nope')).toThrow(/unknown tokenizer "nope"/);
  });
});
