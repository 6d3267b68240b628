/** The factual SFT parsers on real-looking messy answers. */
import { describe, expect, it } from 'vitest';
import {
  parseAnswerAccuracy,
  parseAnswerRelevancy,
  parseQaPairs,
  parseQuestionCheck,
  parseRepair,
} from '../../../../src/pipelines/factual-sft/parse.ts';

const block = (q: string, a: string, marker = '**QUESTION:**', answerMarker = '**ANSWER:**') =>
  `${marker}\n${q}\n\n${answerMarker}\nThought Process:\nLet's recall what I know. From ferry_manual.pdf, I recall the ferry leaves at six.\nThat is enough.\n\nAnswer:\n${a}\n`;

describe('parseQaPairs', () => {
  it('reads one pair and ignores a preamble', () => {
    const result = parseQaPairs(
      `Let me brainstorm first: ferries, timetables.\n\n${block('When does the ferry leave?', 'At six.')}`,
    );
    expect(result).toEqual({
      kind: 'ok',
      value: [
        {
          question: 'When does the ferry leave?',
          answer: expect.stringMatching(/^Thought Process:[\s\S]*Answer:\nAt six\.$/),
        },
      ],
    });
  });

  it.each([
    ['numbered markers', '**QUESTION 1:**', '**ANSWER 1:**'],
    ['bold outside the colon', '**QUESTION**:', '**ANSWER**:'],
    ['plain markers', 'QUESTION:', 'ANSWER:'],
    ['mixed case headings', '### Question 2:', '### Answer:'],
  ])('accepts %s', (_name, q, a) => {
    const result = parseQaPairs(block('Who runs the ferry?', 'The authority.', q, a));
    expect(result.kind).toBe('ok');
    if (result.kind === 'ok') expect(result.value[0]?.question).toBe('Who runs the ferry?');
  });

  it('reads a series of follow-up pairs in order', () => {
    const text = [
      block('What is the ferry?', 'A boat.'),
      block('Yes, please.', 'More detail.'),
      block('Who pays?', 'Riders.'),
    ].join('\n');
    const result = parseQaPairs(text);
    expect(result.kind === 'ok' && result.value.map((p) => p.question)).toEqual([
      'What is the ferry?',
      'Yes, please.',
      'Who pays?',
    ]);
  });

  it('strips reasoning before reading, and retries an unclosed <think>', () => {
    expect(parseQaPairs(`<think>plan the question</think>\n${block('Q?', 'A.')}`).kind).toBe('ok');
    expect(parseQaPairs('<think>still planning when the tokens ran out').kind).toBe('retry');
  });

  it('retries when an answer has no Answer: section, naming why', () => {
    const result = parseQaPairs('**QUESTION:**\nWhen?\n\n**ANSWER:**\nThought Process:\nI recall six.');
    expect(result).toEqual({ kind: 'retry', reason: expect.stringMatching(/no "Answer:" section/) });
  });

  it('keeps the good pairs of a truncated answer and drops the cut-off one', () => {
    const result = parseQaPairs(`${block('First?', 'One.')}\n**QUESTION:**\nSecond, cut off mid`);
    expect(result.kind === 'ok' && result.value.map((p) => p.question)).toEqual(['First?']);
  });

  it('drops questions that mention the text, and retries when none is left', () => {
    expect(parseQaPairs(block('According to the text, when does it leave?', 'At six.'))).toEqual({
      kind: 'retry',
      reason: expect.stringMatching(/referred to "the text"/),
    });
  });

  it('retries an answer with no markers at all', () => {
    expect(parseQaPairs('Here are some thoughts about ferries.').kind).toBe('retry');
  });
});

describe('validator verdicts', () => {
  it('reads the verdict after its label, negative cues winning', () => {
    expect(parseQuestionCheck('Parts all answerable.\nFinal Judgment: Relevant')).toEqual({ kind: 'ok', value: true });
    expect(parseQuestionCheck('Final Judgment: Irrelevant')).toEqual({ kind: 'ok', value: false });
    expect(parseQuestionCheck('Final Judgment: mostly relevant')).toEqual({ kind: 'ok', value: false });
    expect(
      parseAnswerRelevancy('Explanation of Judgment: it introduces information not present in the text. Relevant'),
    ).toEqual({
      kind: 'ok',
      value: false,
    });
    expect(parseAnswerAccuracy('**Overall Accuracy Determination:** Accurate')).toEqual({ kind: 'ok', value: true });
    expect(parseAnswerAccuracy('Overall Accuracy Determination: Inaccurate')).toEqual({ kind: 'ok', value: false });
  });

  it('retries a judgement without its label or word', () => {
    expect(parseQuestionCheck('Looks fine to me.').kind).toBe('retry');
    expect(parseQuestionCheck('Final Judgment: hmm').kind).toBe('retry');
  });
});

describe('parseRepair', () => {
  it('reads PASS and FAIL', () => {
    expect(parseRepair('Stands alone.\nFinal judgment: PASS')).toEqual({ kind: 'ok', value: { verdict: 'pass' } });
    expect(parseRepair('Final judgment: FAIL')).toEqual({ kind: 'ok', value: { verdict: 'fail' } });
  });

  it('reads a reworded pair, keeping the answer whole', () => {
    const result = parseRepair(
      'It says "the text".\nFinal judgment: REWORD\n\nReworded Question and Answer:\nQuestion: When does the ferry leave?\nAnswer: Thought Process:\nFrom ferry_manual.pdf I recall six.\n\nAnswer:\nAt six.',
    );
    expect(result).toEqual({
      kind: 'ok',
      value: {
        verdict: 'reword',
        pair: {
          question: 'When does the ferry leave?',
          answer: expect.stringMatching(/^Thought Process:[\s\S]*At six\.$/),
        },
      },
    });
  });

  it('drops a reworded answer that leaks a blacklisted phrase, and retries a missing verdict', () => {
    expect(
      parseRepair(
        'Final judgment: REWORD\nReworded Question and Answer:\nQuestion: Q?\nAnswer: The provided text says so.',
      ).kind,
    ).toBe('drop');
    expect(parseRepair('I think it is fine.').kind).toBe('retry');
  });
});
