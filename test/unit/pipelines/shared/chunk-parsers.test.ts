import { describe, expect, it } from 'vitest';
import {
  parseAtomicFacts,
  parseInferredFacts,
  parseRewrite,
  parseSuitability,
  verdictExplanation,
} from '../../../../src/pipelines/shared/chunk-parsers.ts';
import { parsed } from '../../../../src/pipelines/step.ts';

const UNCLOSED_THINK =
  'The answer stopped inside its <think> block (no </think>): keep the reasoning shorter and finish the answer.';
const NO_VERDICT = 'The answer had no verdict: end it with a line "Verdict: SUITABLE" or "Verdict: UNSUITABLE".';

describe('parseSuitability', () => {
  it.each([
    ['verdict line, suitable', 'A manual passage with procedures.\nVerdict: SUITABLE', parsed.ok(true)],
    ['verdict line, unsuitable', 'Only a table of contents.\nVerdict: UNSUITABLE', parsed.ok(false)],
    ['verdict line, not suitable', 'Front matter.\nVerdict: NOT SUITABLE', parsed.ok(false)],
    ['markdown-bold verdict', 'Reasoning.\n**Verdict:** **Suitable**', parsed.ok(true)],
    ['lower-case verdict with dash', 'reasoning\nverdict - unsuitable', parsed.ok(false)],
    [
      'the last verdict line wins',
      'Draft: Verdict: UNSUITABLE\nOn reflection it explains a lot.\nVerdict: SUITABLE',
      parsed.ok(true),
    ],
    [
      'verdict line beats a mention of a table of contents',
      'This is not a table of contents; it explains boarding.\nVerdict: SUITABLE',
      parsed.ok(true),
    ],
    // ⚠ §5.5: the original read a bare "Not suitable" as suitable.
    ['legacy "Not suitable"', 'It is a copyright notice.\n\nNot suitable', parsed.ok(false)],
    ['legacy "Suitable"', 'Explains a procedure.\n\nSuitable', parsed.ok(true)],
    [
      'legacy: the last word decides',
      'At first it looked unsuitable, but it has real content. Suitable.',
      parsed.ok(true),
    ],
    ["legacy: isn't suitable", "This isn't suitable for training.", parsed.ok(false)],
    ['reasoning block ignored', '<think>I would say SUITABLE… no.</think>\nVerdict: UNSUITABLE', parsed.ok(false)],
    ['stray closing think tag', 'reasoning without opener</think>Verdict: SUITABLE', parsed.ok(true)],
    ['no verdict at all', 'This passage describes a lighthouse.', parsed.retry(NO_VERDICT)],
    ['"suitability" is not a verdict', 'Assessing suitability of the passage…', parsed.retry(NO_VERDICT)],
    ['empty answer', '', parsed.retry(NO_VERDICT)],
    ['truncated inside reasoning', '<think>Let me look at the passage. It seems to be', parsed.retry(UNCLOSED_THINK)],
  ])('%s', (_name, answer, expected) => {
    expect(parseSuitability(answer)).toEqual(expected);
  });

  it('quotes the reasoning, without the verdict line, for drop reasons', () => {
    expect(verdictExplanation('<think>x</think>\nIt is an index of terms.\nVerdict: UNSUITABLE')).toBe(
      'It is an index of terms.',
    );
    expect(verdictExplanation(`${'a'.repeat(300)}\nVerdict: UNSUITABLE`, 10)).toBe(`${'a'.repeat(9)}…`);
  });
});

const LIST = '1. The tower is 31 metres tall.\n2. The tower is made of granite.';

describe('parseAtomicFacts', () => {
  it.each([
    ['tagged list', `Names: tower.\n<atomic_facts>\n${LIST}\n</atomic_facts>`, parsed.ok(LIST)],
    ['tag content is trimmed', `<atomic_facts>  \n\n${LIST}\n\n</atomic_facts>`, parsed.ok(LIST)],
    ['upper-case tags', `<ATOMIC_FACTS>${LIST}</ATOMIC_FACTS>`, parsed.ok(LIST)],
    ['reasoning wrapped', `<think>1. draft fact\n</think>\n<atomic_facts>\n${LIST}\n</atomic_facts>`, parsed.ok(LIST)],
    [
      'no tag: the last numbered list, not the plan before it',
      `Plan:\n1. read the passage\n2. list facts\n\nHere they are:\n${LIST}\n\nDone.`,
      parsed.ok(LIST),
    ],
    ['no tag: list with blank lines between items', '1. A is B.\n\n2. C is D.', parsed.ok('1. A is B.\n2. C is D.')],
    ['no tag: "1)" numbering', '1) A is B.\n2) C is D.', parsed.ok('1) A is B.\n2) C is D.')],
    [
      'no tag: indented continuation lines stay in the item',
      '1. A long fact that\n   wraps onto a second line.\n2. C is D.',
      parsed.ok('1. A long fact that\n   wraps onto a second line.\n2. C is D.'),
    ],
    [
      'empty tag',
      '<atomic_facts>\n</atomic_facts>',
      parsed.retry('The <atomic_facts> block was empty: list the facts inside it, one per line.'),
    ],
    [
      'truncated inside the tag',
      `<atomic_facts>\n${LIST}\n3. The tower`,
      parsed.retry(
        'The <atomic_facts> block was never closed (the answer was probably cut off): finish it with </atomic_facts>.',
      ),
    ],
    [
      'neither tag nor list',
      'The passage is about a lighthouse.',
      parsed.retry(
        'The answer had no <atomic_facts> block and no numbered list: give the facts as a numbered list inside <atomic_facts>…</atomic_facts>.',
      ),
    ],
    ['truncated inside reasoning', '<think>1. A is B', parsed.retry(UNCLOSED_THINK)],
  ])('%s', (_name, answer, expected) => {
    expect(parseAtomicFacts(answer)).toEqual(expected);
  });
});

describe('parseInferredFacts', () => {
  it.each([
    ['its own tag', `Rejected: none.\n<inferred_facts>\n${LIST}\n</inferred_facts>`, parsed.ok(LIST)],
    // ⚠ §5.3: the original looked for <atomic_facts> here and so always fell back to the last list.
    [
      'an atomic_facts block is not the answer: the last numbered list is',
      '<atomic_facts>\n1. Stated.\n</atomic_facts>\nInferred:\n1. Implied.',
      parsed.ok('1. Implied.'),
    ],
    [
      'truncated',
      '<inferred_facts>\n1. The light',
      parsed.retry(
        'The <inferred_facts> block was never closed (the answer was probably cut off): finish it with </inferred_facts>.',
      ),
    ],
    [
      'nothing usable',
      'Nothing can be inferred.',
      parsed.retry(
        'The answer had no <inferred_facts> block and no numbered list: give the facts as a numbered list inside <inferred_facts>…</inferred_facts>.',
      ),
    ],
  ])('%s', (_name, answer, expected) => {
    expect(parseInferredFacts(answer)).toEqual(expected);
  });
});

describe('parseRewrite', () => {
  it.each([
    [
      'plan then rewrite',
      'Approach: a dialogue.\n<rewrite>\nA: Hi.\nB: Hello.\n</rewrite>',
      parsed.ok('A: Hi.\nB: Hello.'),
    ],
    ['XML inside the rewrite', '<rewrite><a><b>x</b></a></rewrite>', parsed.ok('<a><b>x</b></a>')],
    ['the first block wins', '<rewrite>one</rewrite>\n<rewrite>two</rewrite>', parsed.ok('one')],
    [
      'reasoning with a draft rewrite ignored',
      '<think><rewrite>draft</rewrite></think><rewrite>final</rewrite>',
      parsed.ok('final'),
    ],
    [
      'missing',
      'Here is the rewrite: A is B.',
      parsed.retry('The answer had no <rewrite> block: put the final result between <rewrite> and </rewrite>.'),
    ],
    [
      'truncated',
      'Approach.\n<rewrite>\nThe tower is',
      parsed.retry(
        'The <rewrite> block was never closed (the answer was probably cut off): finish it with </rewrite>.',
      ),
    ],
    [
      'empty',
      '<rewrite>\n \n</rewrite>',
      parsed.retry('The <rewrite> block was empty: put the result itself inside it.'),
    ],
    ['truncated inside reasoning', '<think>plan: <rewrite>', parsed.retry(UNCLOSED_THINK)],
  ])('%s', (_name, answer, expected) => {
    expect(parseRewrite(answer)).toEqual(expected);
  });
});
