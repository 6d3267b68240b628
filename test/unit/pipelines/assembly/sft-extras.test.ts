/** The pretraining slice and the RAG source records of the SFT tree (blueprint §6.6, §6.7). */
import { expect, it } from 'vitest';
import { seededRandom } from '../../../../src/lib/seeded-random.ts';
import {
  pretrainingSlice,
  pretrainingTarget,
  ragSourceRecords,
} from '../../../../src/pipelines/assembly/sft-extras.ts';

const docs = Array.from({ length: 10 }, (_, i) => ({
  sourceName: 's',
  metadata: `d${i}.txt`,
  text: 'word '.repeat(100),
}));
const count = (doc: { text: string }) => doc.text.split(' ').filter(Boolean).length;

it('targets the larger of the share and the minimum (the original used the larger, whatever its docs said)', () => {
  expect(pretrainingTarget(10_000, { percent: 50, minimum: 2000 })).toBe(5000);
  expect(pretrainingTarget(10_000, { percent: 10, minimum: 2000 })).toBe(2000);
  expect(pretrainingTarget(10_000, { percent: null, minimum: null })).toBe(0);
});

it('draws whole documents, seeded, until the target is reached, measuring only those drawn', async () => {
  const measured: string[] = [];
  const slice = await pretrainingSlice(
    docs,
    250,
    async (doc) => {
      measured.push(doc.metadata);
      return count(doc);
    },
    seededRandom(1),
  );
  expect(slice.documents).toHaveLength(3);
  expect(slice.tokens).toBe(300);
  expect(measured).toEqual(slice.documents.map((d) => d.metadata));
  expect(await pretrainingSlice(docs, 250, count, seededRandom(1))).toEqual(slice);
  expect((await pretrainingSlice(docs, 1e9, count, seededRandom(1))).documents).toHaveLength(10);
});

it('makes one RAG source record per generated question', () => {
  const records = ragSourceRecords([
    {
      input: { text: 'chunk', metadata: 'a.txt', related: [{ text: 'r', metadata: 'b.txt' }] },
      output: { pairs: [{ question: 'Q1?' }, { question: 'Q2?' }] },
    },
  ]);
  expect(records).toEqual([
    {
      question: 'Q1?',
      source_text: 'chunk',
      source_metadata: 'a.txt',
      related_chunks: [{ text: 'r', metadata: 'b.txt' }],
    },
    {
      question: 'Q2?',
      source_text: 'chunk',
      source_metadata: 'a.txt',
      related_chunks: [{ text: 'r', metadata: 'b.txt' }],
    },
  ]);
});
