/** A generic dataset's rows as ShareGPT conversations: the shapes public chat datasets use, and what is not usable. */
import { describe, expect, it } from 'vitest';
import { conversationTokens, toShareGpt } from '../../../../src/pipelines/generic-sft/rows.ts';

describe('toShareGpt', () => {
  it('keeps a ShareGPT row as it is, other fields left behind', () => {
    const row = {
      id: 'x',
      source: 'y',
      conversations: [
        { from: 'system', value: 'Be brief.' },
        { from: 'human', value: 'Hi?' },
        { from: 'gpt', value: 'Hello.' },
      ],
    };
    expect(toShareGpt(row)).toEqual({ conversations: row.conversations });
  });

  it('reads OpenAI-style messages and role aliases', () => {
    expect(
      toShareGpt({
        messages: [
          { role: 'user', content: 'Q' },
          { role: 'assistant', content: 'A' },
        ],
      }),
    ).toEqual({
      conversations: [
        { from: 'human', value: 'Q' },
        { from: 'gpt', value: 'A' },
      ],
    });
    expect(
      toShareGpt({
        conversations: [
          { from: 'USER', value: 'Q' },
          { from: 'chatgpt', value: 'A' },
        ],
      })?.conversations.map((t) => t.from),
    ).toEqual(['human', 'gpt']);
  });

  it.each([
    ['not an object', 'text'],
    ['no turns', { text: 'plain' }],
    [
      'an empty turn',
      {
        conversations: [
          { from: 'human', value: 'Q' },
          { from: 'gpt', value: ' ' },
        ],
      },
    ],
    [
      'a tool turn',
      {
        conversations: [
          { from: 'human', value: 'Q' },
          { from: 'tool', value: '{}' },
        ],
      },
    ],
    ['no answer', { conversations: [{ from: 'human', value: 'Q' }] }],
    [
      'a system turn later',
      {
        conversations: [
          { from: 'human', value: 'Q' },
          { from: 'system', value: 'S' },
          { from: 'gpt', value: 'A' },
        ],
      },
    ],
    [
      'a non-string value',
      {
        conversations: [
          { from: 'human', value: 1 },
          { from: 'gpt', value: 'A' },
        ],
      },
    ],
  ])('refuses a row with %s', (_, row) => {
    expect(toShareGpt(row)).toBeUndefined();
  });

  it('counts the tokens of every turn', () => {
    const conversation = {
      conversations: [
        { from: 'human' as const, value: 'ab' },
        { from: 'gpt' as const, value: 'cde' },
      ],
    };
    expect(conversationTokens(conversation, (t) => t.length)).toBe(5);
  });
});
