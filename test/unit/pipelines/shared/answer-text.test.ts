import { describe, expect, it } from 'vitest';
import { findTag, lastNumberedList, stripReasoning } from '../../../../src/pipelines/shared/answer-text.ts';

describe('stripReasoning', () => {
  it.each([
    ['no reasoning', 'answer', { ok: true, text: 'answer' }],
    ['closed block', '<think>a</think>answer', { ok: true, text: 'answer' }],
    ['<thinking> variant', '<thinking>a</thinking>answer', { ok: true, text: 'answer' }],
    ['after the last of several blocks', '<think>a</think>x<think>b</think>answer', { ok: true, text: 'answer' }],
    ['lone closing tag', 'reasoning</think>answer', { ok: true, text: 'answer' }],
    ['idempotent on a stripped answer', 'answer', { ok: true, text: 'answer' }],
  ])('%s', (_name, answer, expected) => {
    expect(stripReasoning(answer)).toEqual(expected);
  });

  it('reports an unclosed block', () => {
    expect(stripReasoning('<think>still going').ok).toBe(false);
  });
});

describe('findTag', () => {
  it.each([
    ['found', 'x<rewrite>a</rewrite>y', { kind: 'found', content: 'a' }],
    ['spaces inside the tag', '<rewrite >a</rewrite >', { kind: 'found', content: 'a' }],
    ['first open, first close after it', '<rewrite>a</rewrite><rewrite>b</rewrite>', { kind: 'found', content: 'a' }],
    [
      'a closing tag before the opening one is ignored',
      '</rewrite><rewrite>a</rewrite>',
      { kind: 'found', content: 'a' },
    ],
    ['unclosed', '<rewrite>a', { kind: 'unclosed' }],
    ['missing', 'a</rewrite>', { kind: 'missing' }],
    ['other tags do not count', '<rewrites>a</rewrites>', { kind: 'missing' }],
  ])('%s', (_name, text, expected) => {
    expect(findTag(text, 'rewrite')).toEqual(expected);
  });
});

describe('lastNumberedList', () => {
  it.each([
    ['none', 'no list here', undefined],
    ['a single item counts', 'intro\n1. only item', '1. only item'],
    ['the last run', '1. a\n2. b\ntext\n1. c\n2. d\n', '1. c\n2. d'],
    ['ends at a non-list line', '1. a\n2. b\nConclusion.', '1. a\n2. b'],
    ['indented items are trimmed', '  1. a\n  2. b', '1. a\n2. b'],
    ['CRLF line ends', '1. a\r\n2. b\r\n', '1. a\n2. b'],
  ])('%s', (_name, text, expected) => {
    expect(lastNumberedList(text)).toEqual(expected);
  });
});
