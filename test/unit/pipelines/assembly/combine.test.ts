/** Combining a generation's conversations for SFT (blueprint §6.1–6.3), with the original's ⚠ fixed. */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../../src/lib/seeded-random.ts';
import {
  combineConversations,
  removalPass,
  withSharedInstruction,
} from '../../../../src/pipelines/assembly/combine.ts';

const conv = (n: number, system?: string) => ({
  conversations: [
    ...(system ? [{ from: 'system' as const, value: system }] : []),
    ...Array.from({ length: n }, (_, i) => [
      { from: 'human' as const, value: `q${i}` },
      { from: 'gpt' as const, value: `Thought Process:\nt${i}\n\nAnswer:\na${i}` },
    ]).flat(),
  ],
});

describe('combineConversations', () => {
  it('keeps conversations whole, every pair once, one system prompt placed first with its context filled', () => {
    const input = [conv(1), conv(3, 'About {context}.'), conv(1, 'Other'), conv(2), conv(1)];
    const out = combineConversations(input, { maxPairs: 3, datasetContext: 'ferries' }, seededRandom(1));
    const pairs = (c: { conversations: Array<{ from: string }> }) =>
      c.conversations.filter((t) => t.from === 'gpt').length;
    expect(out.reduce((n, c) => n + pairs(c), 0)).toBe(8);
    for (const c of out) {
      const systems = c.conversations.filter((t) => t.from === 'system');
      expect(systems.length).toBeLessThanOrEqual(1);
      if (systems.length === 1) expect(c.conversations[0]?.from).toBe('system');
      expect(systems[0]?.value ?? '').not.toMatch(/\{context\}/);
    }
    expect(combineConversations(input, { maxPairs: 3, datasetContext: 'ferries' }, seededRandom(1))).toEqual(out);
  });
});

describe('removalPass', () => {
  it('removes system prompts and thought processes at the given ratios', () => {
    const options = { removeThoughtProcessPrompt: 'Answer at once.', finalAnswerStr: 'Answer:' };
    const none = removalPass(
      [conv(1, 'S')],
      { ...options, removeSystemPromptRatio: 0, removeThoughtProcessRatio: 0 },
      seededRandom(1),
    );
    expect(none).toEqual([conv(1, 'S')]);
    const thoughts = removalPass(
      [conv(1, 'S')],
      { ...options, removeSystemPromptRatio: 0, removeThoughtProcessRatio: 1 },
      seededRandom(1),
    );
    expect(thoughts[0]?.conversations).toEqual([
      { from: 'system', value: 'S Answer at once.' },
      { from: 'human', value: 'q0' },
      { from: 'gpt', value: 'a0' },
    ]);
    const system = removalPass(
      [conv(1, 'S')],
      { ...options, removeSystemPromptRatio: 1, removeThoughtProcessRatio: 0 },
      seededRandom(1),
    );
    expect(system[0]?.conversations[0]?.from).toBe('human');
  });
});

it('puts the shared instruction first, filled, before a system prompt or as one', () => {
  const out = withSharedInstruction([conv(1, 'S'), conv(1)], 'You know {context}.', 'ferries');
  expect(out[0]?.conversations[0]).toEqual({ from: 'system', value: 'You know ferries.\nS' });
  expect(out[1]?.conversations[0]).toEqual({ from: 'system', value: 'You know ferries.' });
  expect(withSharedInstruction([conv(1)], '  ', 'x')).toEqual([conv(1)]);
});
