import { describe, expect, it } from 'vitest';
import { applyLimits, chatAnswer, completionAnswer, replaceLastTagContent } from '../../../tools/fake-llm/answer.ts';

describe('the fake LLM answer', () => {
  const fewShot = [
    { role: 'system', content: 'Summarise.' },
    { role: 'user', content: 'Passage:\n"""\nOld text.\n"""' },
    { role: 'assistant', content: 'Reasoning.\n<summary>\n1. Old.\n2. Older.\n</summary>\nDone.' },
  ];

  it('replays the last example answer with the last tag content derived from the final user message', () => {
    const answer = chatAnswer([
      ...fewShot,
      { role: 'user', content: 'Passage:\n"""\nCats purr. Dogs bark! Fish swim.\n"""' },
    ]);
    expect(answer).toBe('Reasoning.\n<summary>\n1. Cats purr.\n2. Dogs bark!\n</summary>\nDone.');
  });

  it('is deterministic and input-dependent', () => {
    const a = chatAnswer([...fewShot, { role: 'user', content: 'One. Two.' }]);
    expect(chatAnswer([...fewShot, { role: 'user', content: 'One. Two.' }])).toBe(a);
    expect(chatAnswer([...fewShot, { role: 'user', content: 'Three.' }])).not.toBe(a);
  });

  it('replays a template without tags as is, and answers malformed without tags', () => {
    const messages = [
      { role: 'assistant', content: 'Verdict: SUITABLE' },
      { role: 'user', content: 'x' },
    ];
    expect(chatAnswer(messages)).toBe('Verdict: SUITABLE');
    expect(chatAnswer([...fewShot, { role: 'user', content: 'x.' }], true)).not.toMatch(/<summary>/);
  });

  it('replaces the last top-level pair, not a nested one', () => {
    const template = '<a>keep</a><b><c>inner</c> outer</b> tail';
    expect(replaceLastTagContent(template, () => 'NEW')).toBe('<a>keep</a><b>NEW</b> tail');
    expect(replaceLastTagContent('<br/> no pairs', () => 'NEW')).toBe('<br/> no pairs');
  });

  it('answers completion-mode transcripts like chat, other prompts with a fixed continuation', () => {
    const transcript = 'USER:\nQ\n\nASSISTANT:\n<s>old</s>\n\nUSER:\nNew words.\n\nASSISTANT:\n';
    expect(completionAnswer(transcript, ' more')).toBe('<s>New words.</s>');
    expect(completionAnswer('Once upon a time', ' more')).toBe(' more');
  });

  it('cuts at stop strings and max_tokens', () => {
    expect(applyLimits('abc STOP def', ['STOP'], undefined)).toEqual({ text: 'abc ', finishReason: 'stop' });
    expect(applyLimits('abcdefghij', [], 2)).toEqual({ text: 'abcdefgh', finishReason: 'length' });
  });
});
