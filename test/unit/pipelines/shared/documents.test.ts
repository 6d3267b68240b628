/** Documents in stage results: references, and results written before references still read. */
import { expect, it } from 'vitest';
import { sha256Hex } from '../../../../src/lib/hash.ts';
import { DocumentRefSchema, documentOfText } from '../../../../src/pipelines/shared/documents.ts';
import { countRecords, JsonlLineCounter } from '../../../../src/pipelines/shared/jsonl.ts';

it('reads a reference as it is, and an earlier result with the text in it as an inline document', () => {
  const ref = {
    sourceName: 's',
    metadata: 'a.txt',
    sha256: sha256Hex('text'),
    chars: 4,
    text: { kind: 'record', key: 'texts/x.jsonl', start: 0, end: 17 },
  };
  expect(DocumentRefSchema.parse(ref)).toEqual(ref);
  expect(DocumentRefSchema.parse({ sourceName: 's', metadata: 'a.txt', text: 'text' })).toEqual(
    documentOfText('s', 'a.txt', 'text'),
  );
  expect(documentOfText('s', 'a.txt', 'text').text).toEqual({ kind: 'inline', text: 'text' });
  expect(() => DocumentRefSchema.parse({ ...ref, text: { kind: 'record', key: 'k' } })).toThrow();
});

it('counts the records of JSON Lines written in pieces as countRecords counts the whole', () => {
  const whole = '{"a":1}\n\n  \n{"b":"x\\ny"}\n{"c":3}';
  for (const cut of [1, 2, 3, 5, 8, 13]) {
    const counter = new JsonlLineCounter();
    for (let at = 0; at < whole.length; at += cut) counter.add(whole.slice(at, at + cut));
    expect(counter.count).toBe(countRecords('f.jsonl', whole));
  }
  const empty = new JsonlLineCounter();
  empty.add('');
  expect(empty.count).toBe(0);
});
