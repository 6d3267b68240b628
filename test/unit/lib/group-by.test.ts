import { describe, expect, it } from 'vitest';
import { groupBy } from '../../../src/lib/group-by.ts';

describe('groupBy', () => {
  it('keeps keys in first-seen order and items in input order', () => {
    const groups = groupBy(['b1', 'a1', 'b2', 'c1', 'a2'], (s) => s[0]);
    expect([...groups]).toEqual([
      ['b', ['b1', 'b2']],
      ['a', ['a1', 'a2']],
      ['c', ['c1']],
    ]);
  });

  it('groups any iterable, and nothing into an empty map', () => {
    expect(groupBy(new Map([[1, 'x']]), ([k]) => k % 2).get(1)).toEqual([[1, 'x']]);
    expect(groupBy([], () => 0).size).toBe(0);
  });
});
