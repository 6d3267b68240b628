/**
 * The eight target formats of an LLM variation (blueprint §5.2). Each names a prompt file
 * `<group>/variations/<format>` in both the representation-variation and the inferred-facts prompt groups.
 */
import type { Random } from '../../lib/seeded-random.ts';

export const variationFormats = [
  'qa-dialogue',
  'xml',
  'essay',
  'json-lines',
  'list',
  'logic-chains',
  'reverse-causality',
  'stream-of-thought',
] as const;

export type VariationFormat = (typeof variationFormats)[number];

/**
 * One independent uniform draw per variation, with replacement, as the original's random prompt choice does (two
 * variations of a chunk may share a format). Seeded by the caller, so a resumed run draws the same formats.
 */
export function pickVariationFormats(random: Random, count: number): VariationFormat[] {
  return Array.from({ length: count }, () => random.pick(variationFormats));
}
