/**
 * Small generated documents for the end-to-end tests: numbered sections that differ in their figures, so every chunk
 * is its own (nothing is answered from the cache by accident) and a test can point at one passage by its words.
 */

/** Harbour rules: section `i` assigns "berth i to boats under …". */
export function harbourSections(count: number, label = 'Section'): string {
  return Array.from(
    { length: count },
    (_, i) =>
      `${label} ${i + 1}. The harbour office assigns berth ${i + 1} to boats under ${10 + i} metres, and the crane lifts ` +
      `boats of up to ${i + 3} tonnes out of the water for winter storage on the hard standing.`,
  ).join('\n\n');
}

/** An orchard cooperative's grading rules, one class per section. */
export function orchardSections(count: number): string {
  return Array.from(
    { length: count },
    (_, i) =>
      `Section ${i + 1}. The orchard cooperative grades apples of class ${i + 1} by size and colour, keeps them in the ` +
      `cold store at ${i + 2} degrees, and sells them at the Monday market once the members agree on the price.`,
  ).join('\n\n');
}
