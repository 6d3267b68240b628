import { describe, expect, it } from 'vitest';
import { collect, pages } from '../../../src/lib/pages.ts';

async function* count(n: number, onYield: (i: number) => void = () => {}) {
  for (let i = 0; i < n; i++) {
    onYield(i);
    yield i;
  }
}

describe('pages', () => {
  it('cuts an iterable into full pages and a shorter last one, in order', async () => {
    expect(await collect(pages(count(7), 3))).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    expect(await collect(pages(count(6), 3))).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
  });

  it('gives no page for an empty iterable', async () => {
    expect(await collect(pages(count(0), 3))).toEqual([]);
  });

  it('hands a page over before reading the next item', async () => {
    const read: number[] = [];
    const seen: number[][] = [];
    for await (const _page of pages(
      count(5, (i) => read.push(i)),
      2,
    )) {
      seen.push([...read]);
    }
    expect(seen).toEqual([
      [0, 1],
      [0, 1, 2, 3],
      [0, 1, 2, 3, 4],
    ]);
  });

  it('refuses a page size that is not a positive integer', async () => {
    await expect(collect(pages(count(2), 0))).rejects.toThrow(RangeError);
    await expect(collect(pages(count(2), 1.5))).rejects.toThrow(RangeError);
  });
});
