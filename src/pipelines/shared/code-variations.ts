/**
 * The original's `code_variation_functions` (blueprint §5.4): programmatic rewrites applied to a chunk and to each of
 * its LLM variations. Every function takes a seeded `Random` (only randomcase and keyboard_augmentation use it) so
 * a resumed run writes the same lines; the original drew from the global RNG.
 *
 * Where the original's exact rule is unknown or harmful, the choice is documented on the function. Newlines are
 * kept by every function, so paragraph structure survives.
 */
import { CODE_VARIATION_FUNCTIONS } from '../../config/composition/schema.ts';
import type { Random } from '../../lib/seeded-random.ts';
import { keyboardAugmentation } from './keyboard.ts';

export type CodeVariation = (text: string, random: Random) => string;

/** Valid `code_variation_functions` values: the config schema's list, so validation and the functions agree. */
export const codeVariationNames = CODE_VARIATION_FUNCTIONS;

export type CodeVariationName = (typeof codeVariationNames)[number];

const mapChars = (text: string, fn: (char: string, index: number) => string) => Array.from(text, fn).join('');

const capitalise = (word: string) => {
  const [first = '', ...rest] = [...word];
  return first.toUpperCase() + rest.join('').toLowerCase();
};

/** Applies `fn` to the words of each line (split on spaces and tabs), keeping the line breaks. */
const perLine = (text: string, fn: (words: string[]) => string) =>
  text
    .split('\n')
    .map((line) => fn(line.split(/[ \t]+/).filter((word) => word !== '')))
    .join('\n');

export const codeVariations: Record<CodeVariationName, CodeVariation> = {
  allcaps: (text) => text.toUpperCase(),
  lowercase: (text) => text.toLowerCase(),
  /** Lower case at even character positions, upper case at odd ones. */
  serialkillercase: (text) => mapChars(text, (c, i) => (i % 2 === 0 ? c.toLowerCase() : c.toUpperCase())),
  /**
   * First letter of every word upper case, the rest lower case (as Python's `str.title`), except that an apostrophe
   * does not start a new word: "they're" → "They're", not "They'Re".
   */
  titlecase: (text) => text.replace(/[\p{L}\p{N}'’]+/gu, capitalise),
  /** All lower case, then the first letter of the text, of each sentence and of each line upper case. */
  sentencecase: (text) =>
    text
      .toLowerCase()
      .replace(/(^|[.!?]\s+|\n\s*)(\p{Ll})/gu, (_, before: string, letter: string) => before + letter.toUpperCase()),
  /** Lower case, each run of spaces or tabs becomes one `_` (newlines kept). */
  snakecase: (text) => text.toLowerCase().replace(/[ \t]+/g, '_'),
  kebabcase: (text) => text.toLowerCase().replace(/[ \t]+/g, '-'),
  /** Per line: the words joined without spaces, the first lower case, the others capitalised. */
  camelcase: (text) =>
    perLine(text, (words) => words.map((w, i) => (i === 0 ? w.toLowerCase() : capitalise(w))).join('')),
  pascalcase: (text) => perLine(text, (words) => words.map(capitalise).join('')),
  /** Each character upper or lower case with probability ½. */
  randomcase: (text, random) => mapChars(text, (c) => (random.chance(0.5) ? c.toUpperCase() : c.toLowerCase())),
  invertcase: (text) =>
    mapChars(text, (c) => {
      const lower = c.toLowerCase();
      return c === lower ? c.toUpperCase() : lower;
    }),
  keyboard_augmentation: (text, random) => keyboardAugmentation(text, random),
};

export function isCodeVariationName(name: string): name is CodeVariationName {
  return (codeVariationNames as readonly string[]).includes(name);
}

/** Throws on an unknown name: the config schema rejects those, so reaching here is a programming error. */
export function applyCodeVariation(name: string, text: string, random: Random): string {
  if (!isCodeVariationName(name)) {
    throw new Error(`unknown code variation function "${name}" (known: ${codeVariationNames.join(', ')})`);
  }
  return codeVariations[name](text, random);
}
