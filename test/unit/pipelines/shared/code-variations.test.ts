import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../../src/lib/seeded-random.ts';
import {
  applyCodeVariation,
  codeVariationNames,
  codeVariations,
  isCodeVariationName,
} from '../../../../src/pipelines/shared/code-variations.ts';
import {
  keyboardAugmentation,
  keyboardNoiseDefaults,
  keyNeighbours,
  typingErrors,
} from '../../../../src/pipelines/shared/keyboard.ts';

const random = () => seededRandom('test');
const TEXT = "The tower's lamp burned colza oil. It was replaced in 1894!\nKeepers left in 1968.";

describe('deterministic code variations', () => {
  it.each([
    ['allcaps', "THE TOWER'S LAMP BURNED COLZA OIL. IT WAS REPLACED IN 1894!\nKEEPERS LEFT IN 1968."],
    ['lowercase', "the tower's lamp burned colza oil. it was replaced in 1894!\nkeepers left in 1968."],
    ['titlecase', "The Tower's Lamp Burned Colza Oil. It Was Replaced In 1894!\nKeepers Left In 1968."],
    ['sentencecase', "The tower's lamp burned colza oil. It was replaced in 1894!\nKeepers left in 1968."],
    ['snakecase', "the_tower's_lamp_burned_colza_oil._it_was_replaced_in_1894!\nkeepers_left_in_1968."],
    ['kebabcase', "the-tower's-lamp-burned-colza-oil.-it-was-replaced-in-1894!\nkeepers-left-in-1968."],
    ['camelcase', "theTower'sLampBurnedColzaOil.ItWasReplacedIn1894!\nkeepersLeftIn1968."],
    ['pascalcase', "TheTower'sLampBurnedColzaOil.ItWasReplacedIn1894!\nKeepersLeftIn1968."],
    ['invertcase', "tHE TOWER'S LAMP BURNED COLZA OIL. iT WAS REPLACED IN 1894!\nkEEPERS LEFT IN 1968."],
  ])('%s', (name, expected) => {
    expect(applyCodeVariation(name, TEXT, random())).toBe(expected);
  });

  it('serialkillercase alternates lower and upper by character position', () => {
    expect(applyCodeVariation('serialkillercase', 'Hello World', random())).toBe('hElLo wOrLd');
  });

  it('sentencecase lowercases the rest of each sentence', () => {
    expect(applyCodeVariation('sentencecase', 'THE END. A NEW START? yes', random())).toBe('The end. A new start? Yes');
  });
});

describe('seeded code variations', () => {
  it.each(['randomcase', 'keyboard_augmentation'])('%s: same seed, same output; other seed, other output', (name) => {
    const long = TEXT.repeat(20);
    const a = applyCodeVariation(name, long, seededRandom('a'));
    expect(applyCodeVariation(name, long, seededRandom('a'))).toBe(a);
    expect(applyCodeVariation(name, long, seededRandom('b'))).not.toBe(a);
    expect(a).not.toBe(long);
  });

  it('randomcase only changes case', () => {
    const out = applyCodeVariation('randomcase', TEXT, random());
    expect(out.toLowerCase()).toBe(TEXT.toLowerCase());
  });
});

describe('names', () => {
  it('lists every function, and only those', () => {
    expect([...codeVariationNames].sort()).toEqual(Object.keys(codeVariations).sort());
    expect(codeVariationNames).toHaveLength(12);
    expect(isCodeVariationName('keyboard_augmentation')).toBe(true);
    expect(isCodeVariationName('toString')).toBe(false);
  });

  it('rejects an unknown function', () => {
    expect(() => applyCodeVariation('shoutcase', 'x', random())).toThrow(/unknown code variation function "shoutcase"/);
  });
});

describe('keyboard augmentation', () => {
  const noSpaceLoss = { spaceShare: 0 };
  const words = (s: string) => s.split(/\s+/).filter(Boolean);

  it('neighbours are adjacent keys and keep the case', () => {
    expect(keyNeighbours('s').sort()).toEqual(['a', 'd', 'e', 'w', 'x', 'z']);
    expect(keyNeighbours('Q').sort()).toEqual(['A', 'W']);
    expect(keyNeighbours('7')).toEqual([]);
    expect(keyNeighbours('é')).toEqual([]);
  });

  it('changes ceil(30 %) of the tokens, at most 10 words, one to three letters each, never numbers or short words', () => {
    const text = 'alpha bravo charlie delta 1871 echo foxtrot golf hotel india juliett kilo lima';
    for (const seed of ['1', '2', '3', '4', '5']) {
      const out = keyboardAugmentation(text, seededRandom(seed), { ...keyboardNoiseDefaults, ...noSpaceLoss });
      const before = words(text);
      const after = words(out);
      expect(after).toHaveLength(before.length);
      const changed = before.filter((word, i) => word !== after[i]);
      expect(changed.length).toBe(4); // ceil(0.3 × 13 tokens)
      for (const [i, word] of before.entries()) {
        const typo = after[i] as string;
        if (word.length < 4 || /\d/.test(word)) expect(typo).toBe(word);
        const diffs = [...word].filter((c, j) => c !== typo[j]);
        expect(diffs.length).toBeLessThanOrEqual(Math.ceil(0.3 * word.length));
        for (const [j, c] of [...word].entries()) {
          if (c !== typo[j]) expect(keyNeighbours(c)).toContain(typo[j]);
        }
      }
    }
  });

  it('caps the changed words at 10 per text', () => {
    const text = Array.from({ length: 200 }, () => 'lighthouse').join(' ');
    const out = keyboardAugmentation(text, random(), { ...keyboardNoiseDefaults, ...noSpaceLoss });
    expect(words(out).filter((w) => w !== 'lighthouse')).toHaveLength(10);
  });

  it('keeps newlines and punctuation in place', () => {
    const text = 'First paragraph, with commas.\n\nSecond paragraph; semicolons!';
    const out = keyboardAugmentation(text, random(), { ...keyboardNoiseDefaults, ...noSpaceLoss });
    expect(out.replace(/[a-zA-Z]/g, 'x')).toBe(text.replace(/[a-zA-Z]/g, 'x'));
  });

  it('typing errors delete max(1, round(5 %)) spaces and insert half as many', () => {
    const text = Array.from({ length: 101 }, (_, i) => `w${i}`).join(' '); // 100 spaces → remove 5, insert 2
    const out = typingErrors(text, random(), 0.05);
    expect(out.split(' ').length - 1).toBe(100 - 5 + 2);
    expect(out.replaceAll(' ', '')).toBe(text.replaceAll(' ', ''));
    expect(typingErrors('a b', random(), 0.05)).toBe('ab'); // at least one space goes, 0 come back
    expect(typingErrors('nospaces', random(), 0.05)).toBe('nospaces');
  });

  it('typing errors are what deleting the drawn spaces, then splicing spaces in from the last position, gives', () => {
    // The definition, on code points; the implementation walks the string instead of splicing arrays.
    const reference = (text: string, r: ReturnType<typeof seededRandom>, share: number) => {
      const chars = [...text];
      const spaces = chars.flatMap((c, i) => (c === ' ' ? [i] : []));
      if (spaces.length === 0) return text;
      const removeCount = Math.max(1, Math.round(share * spaces.length));
      const removed = new Set(r.shuffle(spaces).slice(0, removeCount));
      const kept = chars.filter((_, i) => !removed.has(i));
      const inserts = Array.from({ length: Math.floor(removeCount / 2) }, () => r.int(0, kept.length));
      for (const position of inserts.sort((a, b) => b - a)) kept.splice(position, 0, ' ');
      return kept.join('');
    };
    const texts = [
      'the quick brown fox jumps over the lazy dog '.repeat(20),
      '🦉 owl  and\u00a0🦊 fox \ud800 lone high, lone low \udc00 end '.repeat(15),
      ' leading and trailing spaces ',
    ];
    for (const text of texts) {
      for (const seed of ['1', '2', '3', '4', '5']) {
        for (const share of [0.05, 0.3, 1]) {
          expect(typingErrors(text, seededRandom(seed), share)).toBe(reference(text, seededRandom(seed), share));
        }
      }
    }
  });

  it('never splits a surrogate pair', () => {
    const text =
      '🦉 🦉 🦉 🦉 🦉 🦉 🦉 🦉 🦉 🦉 🦉 🦉 🦉 🦉 🦉 🦉 🦉 🦉 🦉 🦉 🦉 🦉 🦉 🦉 🦉 🦉 🦉 🦉 🦉 🦉 🦉 🦉 🦉 🦉 🦉 🦉 🦉 🦉 🦉 🦉';
    for (const seed of ['1', '2', '3']) {
      expect(keyboardAugmentation(text, seededRandom(seed)).replaceAll(' ', '')).toBe('🦉'.repeat(40));
    }
  });
});
