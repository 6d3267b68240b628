import { describe, expect, it } from 'vitest';
import { DANGLING_THINK_REASON, stripReasoning } from '../../../src/lib/reasoning.ts';
import { effectiveStops, estimateTokens } from '../../../src/llm/output.ts';

describe('stripReasoning', () => {
  it('removes a reasoning block and trims', () => {
    expect(stripReasoning('<think>\nhmm, tags\n</think>\n\n<a>x</a>\n')).toEqual({ ok: true, text: '<a>x</a>' });
  });

  it('keeps only what follows the last closing tag (several blocks, or a provider that drops the opening tag)', () => {
    expect(stripReasoning('<think>a</think>b<think>c</think>answer')).toEqual({ ok: true, text: 'answer' });
    expect(stripReasoning('reasoning without an opening tag</think>answer')).toEqual({ ok: true, text: 'answer' });
    expect(stripReasoning('<THINKING>x</Thinking >answer')).toEqual({ ok: true, text: 'answer' });
  });

  it('asks for a retry when the answer opens <think> and never closes it', () => {
    expect(stripReasoning('  <think>I ran out of tokens while')).toEqual({ ok: false, reason: DANGLING_THINK_REASON });
  });

  it('leaves answers without reasoning alone, including a <think> mentioned mid-answer', () => {
    expect(stripReasoning(' plain ')).toEqual({ ok: true, text: 'plain' });
    expect(stripReasoning('The tag <think> opens reasoning.')).toEqual({
      ok: true,
      text: 'The tag <think> opens reasoning.',
    });
  });
});

describe('effectiveStops', () => {
  const stops = ['### Response', '[INST]', '<|eot_id|>', '</s>', 'Name:', '\n\n\n\n\n'];

  it('sends none when use_stop is off', () => {
    expect(effectiveStops(stops, false)).toBeUndefined();
  });

  it('keeps the first 4 distinct non-empty strings (OpenAI accepts at most 4)', () => {
    expect(effectiveStops(stops, true)).toEqual(['### Response', '[INST]', '<|eot_id|>', '</s>']);
    expect(effectiveStops(['a', '', 'a', 'b'], true)).toEqual(['a', 'b']);
  });

  it('sends none for an empty or absent list', () => {
    expect(effectiveStops([], true)).toBeUndefined();
    expect(effectiveStops(undefined, true)).toBeUndefined();
  });
});

it('estimates 4 characters per token', () => {
  expect(estimateTokens('')).toBe(0);
  expect(estimateTokens('abcde')).toBe(2);
});
