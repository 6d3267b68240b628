/** Generic SFT mixing (§6.5): targets, the seeded draw, where context goes. */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../../src/lib/seeded-random.ts';
import { addContext, datasetFileName, drawRows, genericTarget } from '../../../../src/pipelines/generic-sft/mix.ts';

const chat = {
  conversations: [
    { from: 'human' as const, value: 'Q' },
    { from: 'gpt' as const, value: 'A' },
  ],
};

describe('genericTarget', () => {
  it('is the percentage of the larger of the domain tokens and the minimum', () => {
    expect(genericTarget(1_000, 2_000_000, 20)).toBe(400_000);
    expect(genericTarget(5_000_000, 2_000_000, 10)).toBe(500_000);
    expect(genericTarget(999, 0, 33)).toBe(329);
  });
});

describe('drawRows', () => {
  const tokens = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];

  it('draws until the target is reached, in row order, the same for the same seed', () => {
    const drawn = drawRows(tokens, 150, seededRandom(7, 'g'));
    const sum = drawn.reduce((s, i) => s + (tokens[i] as number), 0);
    expect(sum).toBeGreaterThanOrEqual(150);
    // It stops at the target: dropping any one drawn row falls short of what the draw would need to keep going.
    expect(sum - Math.max(...drawn.map((i) => tokens[i] as number))).toBeLessThan(150);
    expect(drawn).toEqual([...drawn].sort((a, b) => a - b));
    expect(drawRows(tokens, 150, seededRandom(7, 'g'))).toEqual(drawn);
    expect(new Set(drawn).size).toBe(drawn.length);
  });

  it('takes every row when the target is more than the dataset has, and none for a zero target', () => {
    expect(drawRows(tokens, 10_000, seededRandom(1))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(drawRows(tokens, 0, seededRandom(1))).toEqual([]);
  });
});

describe('addContext', () => {
  it('puts the context before an existing system prompt, or makes it the system prompt', () => {
    const withSystem = { conversations: [{ from: 'system' as const, value: 'Be kind.' }, ...chat.conversations] };
    expect(addContext(withSystem, 'Expert in {context}.', 'system', 'bees').conversations[0]).toEqual({
      from: 'system',
      value: 'Expert in bees. Be kind.',
    });
    expect(addContext(chat, 'Ctx.', 'system', '').conversations).toEqual([
      { from: 'system', value: 'Ctx.' },
      ...chat.conversations,
    ]);
  });

  it('prefixes the first human turn, and leaves the row alone for none or an empty context', () => {
    expect(addContext(chat, 'ROLEPLAY MODE ON.', 'human', '').conversations[0]).toEqual({
      from: 'human',
      value: 'ROLEPLAY MODE ON. Q',
    });
    expect(addContext(chat, 'x', 'none', '')).toBe(chat);
    expect(addContext(chat, '  ', 'human', '')).toBe(chat);
  });
});

it('names a dataset file as the original does', () => {
  expect(datasetFileName('Augmentoolkit/capybara-sharegpt', 1234)).toBe('Augmentoolkit-capybara-sharegpt_1234.jsonl');
});
