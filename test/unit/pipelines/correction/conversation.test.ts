/** The correction exchange: four required tags, and the split that masks only the flawed answer. */
import { describe, expect, it } from 'vitest';
import { correctionSegments, parseCorrection } from '../../../../src/pipelines/correction/conversation.ts';
import { ATK_TEMPLATE, CHATML_TEMPLATE, renderConversation } from '../../../../src/pipelines/shared/chat-template.ts';

const answer = (parts: Record<string, string>) =>
  Object.entries(parts)
    .map(([tag, content]) => `<${tag}>\n${content}\n</${tag}>`)
    .join('\n');
const exchange = {
  initialQuestion: 'How long did the restoration take?',
  flawedAnswer: 'About two years.',
  followupConfirmation: 'Are you sure?',
  correctAnswer: 'You are right to ask: it took eleven years.',
};

describe('parseCorrection', () => {
  it('reads the four parts after any planning', () => {
    const raw = `I will change the duration.\n${answer({
      initial_question: exchange.initialQuestion,
      flawed_answer: exchange.flawedAnswer,
      followup_confirmation: exchange.followupConfirmation,
      correct_answer: exchange.correctAnswer,
    })}`;
    expect(parseCorrection(raw)).toEqual({ kind: 'ok', value: exchange });
  });

  it('retries with the missing tags named', () => {
    const result = parseCorrection(answer({ initial_question: 'Q?', flawed_answer: 'W.' }));
    expect(result).toEqual({
      kind: 'retry',
      reason: expect.stringMatching(/<followup_confirmation>, <correct_answer>/),
    });
  });
});

describe('correctionSegments', () => {
  it('masks exactly the flawed answer, the rest trained on, and concatenates to the rendering', () => {
    for (const template of [ATK_TEMPLATE, CHATML_TEMPLATE]) {
      const result = correctionSegments(exchange, template, {});
      if (!result.ok) throw new Error(result.reason);
      expect(result.segments.map((s) => s.label)).toEqual([true, false, true]);
      expect(result.segments[1]?.text).toBe(exchange.flawedAnswer);
      expect(result.segments.map((s) => s.text).join('')).toBe(
        renderConversation(template, [
          { role: 'user', content: exchange.initialQuestion },
          { role: 'assistant', content: exchange.flawedAnswer },
          { role: 'user', content: exchange.followupConfirmation },
          { role: 'assistant', content: exchange.correctAnswer },
        ]),
      );
    }
  });

  it('refuses a flawed answer that occurs more than once', () => {
    const result = correctionSegments(
      { ...exchange, correctAnswer: `Not "${exchange.flawedAnswer}" but eleven.` },
      ATK_TEMPLATE,
      {},
    );
    expect(result).toEqual({ ok: false, reason: 'the flawed answer occurs 2 times in the rendered conversation' });
  });
});
