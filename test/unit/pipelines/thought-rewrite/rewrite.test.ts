/** The thought-process rewrite's pure parts: pairs with their history, truncation, parsing, reassembly (§5.8). */
import { describe, expect, it } from 'vitest';
import {
  pairsOf,
  reassemble,
  renderHistory,
  THOUGHT_MAX_TOKENS,
  thoughtParser,
  visibleAnswer,
} from '../../../../src/pipelines/thought-rewrite/rewrite.ts';

const frame = { marker: 'Answer:', preface: 'Thought Process:', suffix: '\nAnswer:' };
const conversation = {
  conversations: [
    { from: 'system' as const, value: 'You know ferries.' },
    { from: 'human' as const, value: 'When?' },
    { from: 'gpt' as const, value: 'Thought Process:\nI recall six.\n\nAnswer:\nAt six.\n\nSources Used:\n- f.txt' },
    { from: 'human' as const, value: 'Yes, please.' },
    { from: 'gpt' as const, value: 'Thought Process:\nMore.\n\nAnswer:\nEvery twenty minutes.' },
  ],
};
const count = (text: string) => Math.ceil(text.length / 4);

describe('pairsOf', () => {
  it('splits a conversation into pairs, each with the history before it and its visible answer', () => {
    const pairs = pairsOf(conversation, 'Answer:');
    expect(pairs.map((p) => [p.input, p.output, p.history.length])).toEqual([
      ['When?', 'At six.\n\nSources Used:\n- f.txt', 0],
      ['Yes, please.', 'Every twenty minutes.', 2],
    ]);
    expect(pairs[1]?.history[1]).toEqual({ from: 'gpt', value: 'At six.\n\nSources Used:\n- f.txt' });
    expect(pairs[0]?.system).toBe('You know ferries.');
    expect(pairsOf({ conversations: conversation.conversations.slice(1) }, 'Answer:')[0]?.system).toBe('not present');
  });

  it('keeps an answer without the marker whole', () => {
    expect(visibleAnswer('Just an answer.', 'Answer:')).toBe('Just an answer.');
  });
});

describe('renderHistory', () => {
  it('renders turns as USER/ASSISTANT blocks, or "none"', () => {
    expect(renderHistory([], count)).toBe('none');
    expect(renderHistory(pairsOf(conversation, 'Answer:')[1]?.history ?? [], count)).toBe(
      'USER:\nWhen?\n\nASSISTANT:\nAt six.\n\nSources Used:\n- f.txt',
    );
  });

  it('drops whole turns from the start past the token budget, and marks the cut', () => {
    const history = Array.from({ length: 10 }, (_, i) => ({
      from: i % 2 ? ('gpt' as const) : ('human' as const),
      value: `turn ${i} ${'x'.repeat(40)}`,
    }));
    const rendered = renderHistory(history, count, 40);
    expect(rendered.startsWith('...truncated...\n\n')).toBe(true);
    expect(rendered).toContain('turn 9');
    expect(rendered).not.toContain('turn 0');
  });
});

describe('thoughtParser', () => {
  const parse = thoughtParser(count);
  it('takes the <thought_process> content after any reasoning, or the whole answer', () => {
    expect(parse('<think>hmm</think><thought_process>\nPlan it.\n</thought_process>')).toEqual({
      kind: 'ok',
      value: 'Plan it.',
    });
    expect(parse('Plan without tags.')).toEqual({ kind: 'ok', value: 'Plan without tags.' });
  });
  it('retries an empty or runaway thought process', () => {
    expect(parse('<thought_process></thought_process>').kind).toBe('retry');
    expect(parse(`<thought_process>${'loop '.repeat(THOUGHT_MAX_TOKENS)}</thought_process>`).kind).toBe('retry');
  });
});

describe('reassemble', () => {
  it('rebuilds answers from new thoughts in order, keeps a failed pair’s original answer, system first', () => {
    const rebuilt = reassemble(conversation, new Map([[0, 'Let me think.']]), frame);
    expect(rebuilt.conversations.map((t) => t.from)).toEqual(['system', 'human', 'gpt', 'human', 'gpt']);
    expect(rebuilt.conversations[2]?.value).toBe(
      'Thought Process:\nLet me think.\n\nAnswer:\nAt six.\n\nSources Used:\n- f.txt',
    );
    expect(rebuilt.conversations[4]?.value).toBe(conversation.conversations[4]?.value);
  });
});
