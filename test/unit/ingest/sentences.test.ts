import { describe, expect, it } from 'vitest';
import { sentenceSpans, splitSentences } from '../../../src/ingest/sentences.ts';

describe('splitSentences', () => {
  it('splits on sentence punctuation followed by a new sentence', () => {
    expect(splitSentences('One. Two! Three? Four')).toEqual(['One.', 'Two!', 'Three?', 'Four']);
    expect(splitSentences('  Leading and trailing space.  Next one.  ')).toEqual([
      'Leading and trailing space.',
      'Next one.',
    ]);
  });

  it('does not split after abbreviations and titles', () => {
    expect(splitSentences('Mr. Smith met Dr. Jones at St. Paul. They talked.')).toEqual([
      'Mr. Smith met Dr. Jones at St. Paul.',
      'They talked.',
    ]);
    expect(splitSentences('Use tools, e.g. hammers, i.e. heavy ones. Next.')).toEqual([
      'Use tools, e.g. hammers, i.e. heavy ones.',
      'Next.',
    ]);
    expect(splitSentences('See Fig. 3 and No. 12 in Vol. 2. Then stop.')).toEqual([
      'See Fig. 3 and No. 12 in Vol. 2.',
      'Then stop.',
    ]);
    expect(splitSentences('He said no. Then he left.')).toEqual(['He said no.', 'Then he left.']);
    expect(splitSentences('Gen. Patton and Sgt. York, etc. Another sentence.')).toEqual([
      'Gen. Patton and Sgt. York, etc.',
      'Another sentence.',
    ]);
    expect(splitSentences('Apples, pears, etc. are fruit.')).toEqual(['Apples, pears, etc. are fruit.']);
  });

  it('does not split inside acronyms, initials and decimals', () => {
    expect(splitSentences('The U.S. Army grew by 3.14 percent. J. R. R. Tolkien wrote books.')).toEqual([
      'The U.S. Army grew by 3.14 percent.',
      'J. R. R. Tolkien wrote books.',
    ]);
    expect(splitSentences('Visit example.com today. Version 2.0 is out.')).toEqual([
      'Visit example.com today.',
      'Version 2.0 is out.',
    ]);
  });

  it('splits after a year or number ending a sentence, but not after a list marker', () => {
    expect(splitSentences('It happened in 2019. Then more happened.')).toEqual([
      'It happened in 2019.',
      'Then more happened.',
    ]);
    expect(splitSentences('1-11. Chaplains plan support. They advise.')).toEqual([
      '1-11. Chaplains plan support.',
      'They advise.',
    ]);
  });

  it('handles ellipses', () => {
    expect(splitSentences('Wait... what happened? I... Nothing.')).toEqual([
      'Wait... what happened?',
      'I...',
      'Nothing.',
    ]);
    expect(splitSentences('So… It ended.')).toEqual(['So…', 'It ended.']);
  });

  it('keeps closing quotes and brackets with their sentence', () => {
    expect(splitSentences('He said, "Go now." She went. (It was late.) Done!"')).toEqual([
      'He said, "Go now."',
      'She went.',
      '(It was late.)',
      'Done!"',
    ]);
    expect(splitSentences('“Really?” she asked. ‘Yes.’ OK.')).toEqual(['“Really?” she asked.', '‘Yes.’', 'OK.']);
  });

  it('handles Spanish and French punctuation', () => {
    expect(splitSentences('¿Qué hora es? ¡Son las tres! Vale.')).toEqual(['¿Qué hora es?', '¡Son las tres!', 'Vale.']);
    expect(splitSentences('« Bonjour. » Il est parti. « Vraiment ? » Oui.')).toEqual([
      '« Bonjour. »',
      'Il est parti.',
      '« Vraiment ? »',
      'Oui.',
    ]);
  });

  it('splits CJK text on full-width punctuation without spaces', () => {
    expect(splitSentences('今天天气很好。我们去公园吧！你来吗？「好。」走吧')).toEqual([
      '今天天气很好。',
      '我们去公园吧！',
      '你来吗？',
      '「好。」',
      '走吧',
    ]);
  });

  it('returns spans whose gaps are whitespace only', () => {
    const text = ' A first one.\n Then Mr. B said "hi!"  And left…\tEnd ';
    const spans = sentenceSpans(text);
    let at = 0;
    for (const s of spans) {
      expect(text.slice(at, s.start).trim()).toBe('');
      at = s.end;
    }
    expect(text.slice(at).trim()).toBe('');
    expect(spans.map((s) => text.slice(s.start, s.end))).toEqual([
      'A first one.',
      'Then Mr. B said "hi!"',
      'And left…',
      'End',
    ]);
  });
});
