/** The domain conversations in other trainers' formats, checked against those formats' published rules. */
import { describe, expect, it } from 'vitest';
import { llamaFactoryDatasetInfo, toAlpaca, toOpenAiChat } from '../../../../src/pipelines/exports/formats.ts';
import type { ShareGptConversation } from '../../../../src/pipelines/shared/sharegpt.ts';
import { alpacaProblems, openAiChatProblems } from '../../../support/export-rules.ts';

const turn = (from: 'system' | 'human' | 'gpt', value: string) => ({ from, value });
const single: ShareGptConversation = {
  conversations: [
    turn('system', 'You know orchards.'),
    turn('human', 'When is juice pressed?'),
    turn('gpt', 'Mondays.'),
  ],
};
const multi: ShareGptConversation = {
  conversations: [turn('human', 'Q1'), turn('gpt', 'A1'), turn('human', 'Q2'), turn('gpt', 'A2')],
};

describe('toOpenAiChat', () => {
  it('maps roles in order, system first, and passes the published checks', () => {
    const line = toOpenAiChat(single);
    expect(line).toEqual({
      messages: [
        { role: 'system', content: 'You know orchards.' },
        { role: 'user', content: 'When is juice pressed?' },
        { role: 'assistant', content: 'Mondays.' },
      ],
    });
    expect(openAiChatProblems(line)).toEqual([]);
    expect(openAiChatProblems(toOpenAiChat(multi))).toEqual([]);
  });

  it.each([
    ['an empty answer', [turn('human', 'Q'), turn('gpt', ' ')]],
    ['no answer', [turn('human', 'Q')]],
    ['a trailing question', [turn('human', 'Q'), turn('gpt', 'A'), turn('human', 'Q2')]],
    ['two questions in a row', [turn('human', 'Q'), turn('human', 'Q2'), turn('gpt', 'A')]],
    ['a system turn later', [turn('human', 'Q'), turn('system', 'S'), turn('gpt', 'A')]],
  ])('leaves out a conversation with %s', (_, conversations) => {
    expect(toOpenAiChat({ conversations })).toBeUndefined();
  });

  it('the checks themselves catch what the format forbids', () => {
    expect(openAiChatProblems({ messages: [{ role: 'user', content: 'Q' }] })).toEqual(['no assistant message']);
    expect(openAiChatProblems({ messages: [{ role: 'human', content: 'Q', extra: 1 }] })).toHaveLength(3);
  });
});

describe('toAlpaca', () => {
  it('keeps one exchange with its system prompt, and nothing longer', () => {
    const record = toAlpaca(single);
    expect(record).toEqual({
      instruction: 'When is juice pressed?',
      input: '',
      output: 'Mondays.',
      system: 'You know orchards.',
    });
    expect(alpacaProblems(record)).toEqual([]);
    expect(toAlpaca(multi)).toBeUndefined();
    expect(toAlpaca({ conversations: [turn('human', 'Q'), turn('gpt', 'A')] })).toEqual({
      instruction: 'Q',
      input: '',
      output: 'A',
    });
  });
});

describe('llamaFactoryDatasetInfo', () => {
  it('describes the ShareGPT file with its role tags and the Alpaca file with its columns', () => {
    expect(llamaFactoryDatasetInfo({ shareGpt: 'sharegpt.jsonl', alpaca: 'alpaca.jsonl' }, 'domain')).toEqual({
      domain_sharegpt: {
        file_name: 'sharegpt.jsonl',
        formatting: 'sharegpt',
        columns: { messages: 'conversations' },
        tags: { role_tag: 'from', content_tag: 'value', user_tag: 'human', assistant_tag: 'gpt', system_tag: 'system' },
      },
      domain_alpaca: {
        file_name: 'alpaca.jsonl',
        formatting: 'alpaca',
        columns: { prompt: 'instruction', query: 'input', response: 'output', system: 'system' },
      },
    });
    expect(llamaFactoryDatasetInfo({}, 'domain')).toEqual({});
  });
});
