/**
 * Keyboard noise: the original's `keyboard_augmentation` = nlpaug `KeyboardAug()` with its defaults, then a
 * "typing error" pass over the spaces (blueprint §5.4). Seeded, so the same text and seed give the same noise.
 *
 * What is kept from nlpaug's defaults: tokens are runs of word characters plus single punctuation marks;
 * ceil(30 % of the tokens) words are changed, at least 1 and at most 10 per text; only words of 4 or more characters
 * qualify; in each chosen word ceil(30 % of its characters) are replaced, at least 1 and at most 10, each by a key
 * next to it on a QWERTY keyboard.
 * Deliberate differences:
 * - Words containing a digit are skipped and letters never become digits (nlpaug includes numerals): a typo in
 *   "1871" is a different, plausible year, i.e. a wrong fact the model would learn, not visible noise.
 * - The replacement keeps the letter's case (no shift-key slips) and non-ASCII letters are left alone.
 * - The text is changed in place: nlpaug re-joins its tokens with single spaces, which loses every newline and
 *   puts spaces inside "don't" and "co-op".
 */
import type { Random } from '../../lib/seeded-random.ts';

export interface KeyboardNoiseOptions {
  wordShare: number;
  minWords: number;
  maxWords: number;
  charShare: number;
  minChars: number;
  maxChars: number;
  minWordLength: number;
  /** Share of the spaces deleted by the typing-error pass (0 turns it off); half as many are inserted elsewhere. */
  spaceShare: number;
}

export const keyboardNoiseDefaults: KeyboardNoiseOptions = {
  wordShare: 0.3,
  minWords: 1,
  maxWords: 10,
  charShare: 0.3,
  minChars: 1,
  maxChars: 10,
  minWordLength: 4,
  spaceShare: 0.05,
};

const ROWS = ['qwertyuiop', 'asdfghjkl', 'zxcvbnm'];

/** Same-row neighbours, plus the two keys touching it above and below on a staggered QWERTY layout. */
const NEIGHBOURS: ReadonlyMap<string, string> = (() => {
  const map = new Map<string, string>();
  ROWS.forEach((row, r) => {
    [...row].forEach((key, i) => {
      const near = [
        row[i - 1],
        row[i + 1],
        ROWS[r - 1]?.[i],
        ROWS[r - 1]?.[i + 1],
        ROWS[r + 1]?.[i - 1],
        ROWS[r + 1]?.[i],
      ];
      map.set(key, near.filter((k): k is string => k !== undefined).join(''));
    });
  });
  return map;
})();

/** Whether the character is a key with neighbours (what `keyNeighbours` would list), without building the list. */
const hasNeighbours = (char: string) => NEIGHBOURS.has(char.toLowerCase());

export function keyNeighbours(char: string): string[] {
  const near = NEIGHBOURS.get(char.toLowerCase());
  if (!near) return [];
  const upper = char !== char.toLowerCase();
  return [...near].map((k) => (upper ? k.toUpperCase() : k));
}

const TOKEN = /[\p{L}\p{N}_]+|[^\s\p{L}\p{N}_]/gu;

export function keyboardAugmentation(text: string, random: Random, options = keyboardNoiseDefaults): string {
  return typingErrors(keyTypos(text, random, options), random, options.spaceShare);
}

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));

function keyTypos(text: string, random: Random, o: KeyboardNoiseOptions): string {
  const tokens = [...text.matchAll(TOKEN)];
  const eligible = tokens.filter((t) => {
    const chars = [...t[0]];
    return chars.length >= o.minWordLength && !/\p{N}/u.test(t[0]) && chars.some(hasNeighbours);
  });
  const wordCount = Math.min(eligible.length, clamp(Math.ceil(o.wordShare * tokens.length), o.minWords, o.maxWords));
  const chosen = random
    .shuffle(eligible)
    .slice(0, wordCount)
    .sort((a, b) => a.index - b.index);
  let out = '';
  let cursor = 0;
  for (const token of chosen) {
    out += text.slice(cursor, token.index) + typoWord(token[0], random, o);
    cursor = token.index + token[0].length;
  }
  return out + text.slice(cursor);
}

function typoWord(word: string, random: Random, o: KeyboardNoiseOptions): string {
  const chars = [...word];
  const mappable = chars.flatMap((c, i) => (hasNeighbours(c) ? [i] : []));
  const count = Math.min(mappable.length, clamp(Math.ceil(o.charShare * chars.length), o.minChars, o.maxChars));
  for (const i of random.shuffle(mappable).slice(0, count)) {
    chars[i] = random.pick(keyNeighbours(chars[i] as string));
  }
  return chars.join('');
}

/**
 * Deletes max(1, round(share × spaces)) spaces at random, then inserts half that many (rounded down) at random
 * positions: words run together and split apart as in hurried typing. Works on code points so an insertion never
 * splits a surrogate pair.
 */
export function typingErrors(text: string, random: Random, share: number): string {
  if (share <= 0) return text; // disabled (tests, or a config that wants typos only)
  // Where each code point starts (in UTF-16 units), and which code points are spaces: positions count code points.
  const starts: number[] = [];
  const spaces: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) === 32) spaces.push(starts.length);
    starts.push(i);
    if (isHighSurrogate(text.charCodeAt(i)) && isLowSurrogate(text.charCodeAt(i + 1))) i++;
  }
  if (spaces.length === 0) return text;
  const removeCount = Math.max(1, Math.round(share * spaces.length));
  const removed = new Set(random.shuffle(spaces).slice(0, removeCount));
  const keptLength = starts.length - removed.size;
  // A space goes before the kept code point at each drawn position (at the end for keptLength).
  const inserts = Array.from({ length: Math.floor(removeCount / 2) }, () => random.int(0, keptLength)).sort(
    (a, b) => a - b,
  );
  let out = '';
  let from = 0; // start of the text not yet copied
  let kept = 0;
  let next = 0;
  for (let p = 0; p < starts.length; p++) {
    const at = starts[p] as number;
    if (removed.has(p)) {
      out += text.slice(from, at);
      from = at + 1;
      continue;
    }
    for (; next < inserts.length && inserts[next] === kept; next++) {
      out += `${text.slice(from, at)} `;
      from = at;
    }
    kept++;
  }
  return out + text.slice(from) + ' '.repeat(inserts.length - next);
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;
const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;
