import { describe, expect, it } from 'vitest';
import { fuseRankings } from '../../../src/ingest/rank-fusion.ts';

describe('fuseRankings', () => {
  it('puts a candidate ranked well by both rankings above one ranked first by only one', () => {
    expect(
      fuseRankings(
        [
          ['a', 'b', 'c'],
          ['b', 'd', 'a'],
        ],
        3,
      ),
    ).toEqual(['b', 'a', 'd']);
  });

  it('keeps a single ranking as it is, cut to the limit', () => {
    expect(fuseRankings([['x', 'y', 'z']], 2)).toEqual(['x', 'y']);
  });

  it('breaks ties by id so the result is deterministic', () => {
    expect(fuseRankings([['b'], ['a']], 2)).toEqual(['a', 'b']);
    expect(fuseRankings([], 3)).toEqual([]);
  });
});
