/** The RAG-usage pieces: retrieval simulation, the answer check, grouped records with their own turns trained on. */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../../src/lib/seeded-random.ts';
import { groupItems, groupRecords } from '../../../../src/pipelines/rag-data/records.ts';
import { simulateRetrieval, stringifyChunks } from '../../../../src/pipelines/rag-data/retrieval.ts';
import { parseRagConversation } from '../../../../src/pipelines/rag-data/steps.ts';
import { ATK_TEMPLATE, renderConversation } from '../../../../src/pipelines/shared/chat-template.ts';

const own = { metadata: 'own.txt', text: 'own text' };
const sameText = (a: { text: string }, b: { text: string }) => a.text === b.text;
const others = Array.from({ length: 5 }, (_, i) => ({ metadata: `o${i}.txt`, text: `other ${i}` }));

describe('simulateRetrieval', () => {
  it('fails at about the configured rate, shows the chunk only on success, and 1..max chunks', () => {
    let failed = 0;
    for (let i = 0; i < 400; i++) {
      const r = simulateRetrieval(own, others, { failureRate: 0.5, maxChunks: 3 }, seededRandom(1, i), sameText);
      expect(r.chunks.length).toBeGreaterThanOrEqual(1);
      expect(r.chunks.length).toBeLessThanOrEqual(3);
      expect(r.chunks.includes(own)).toBe(!r.failed);
      if (r.failed) failed++;
    }
    expect(failed).toBeGreaterThan(150);
    expect(failed).toBeLessThan(250);
  });

  it('is the same for the same seed, and never crashes on a source with too few chunks', () => {
    const a = simulateRetrieval(own, others, { failureRate: 0.5, maxChunks: 3 }, seededRandom('s', 'c'), sameText);
    expect(
      simulateRetrieval(own, others, { failureRate: 0.5, maxChunks: 3 }, seededRandom('s', 'c'), sameText),
    ).toEqual(a);
    const lonely = simulateRetrieval(own, [], { failureRate: 1, maxChunks: 3 }, seededRandom(2), sameText);
    expect(lonely).toEqual({ failed: true, chunks: [] });
    expect(simulateRetrieval(own, [], { failureRate: 0, maxChunks: 3 }, seededRandom(2), sameText).chunks).toEqual([
      own,
    ]);
  });

  it('draws others from a large source without showing the chunk, a copy of its text, or one chunk twice', () => {
    const source = Array.from({ length: 20_000 }, (_, i) => ({ metadata: 'm.txt', text: `chunk ${i % 19_990}` }));
    const chunk = source[5] as (typeof source)[number];
    for (let i = 0; i < 300; i++) {
      const r = simulateRetrieval(chunk, source, { failureRate: 0.5, maxChunks: 5 }, seededRandom('big', i), sameText);
      const others = r.chunks.filter((c) => c !== chunk);
      expect(others.every((c) => c.text !== chunk.text)).toBe(true);
      expect(new Set(others).size).toBe(others.length);
      expect(r.chunks.length).toBeGreaterThanOrEqual(1);
      expect(r.chunks.length).toBeLessThanOrEqual(5);
      expect(r.chunks.includes(chunk)).toBe(!r.failed);
    }
    // A source of copies of one text but two: only those two can be shown.
    const copies = [...Array.from({ length: 100 }, () => ({ metadata: 'c', text: 'same' })), ...others.slice(0, 2)];
    const r = simulateRetrieval(
      copies[0] as (typeof copies)[number],
      copies,
      { failureRate: 1, maxChunks: 5 },
      seededRandom(3),
      sameText,
    );
    expect(r.chunks.every((c) => c.text !== 'same')).toBe(true);
  });

  it('stringifies chunks with their sources', () => {
    expect(stringifyChunks([own])).toBe('Chunk 1\nSource: own.txt\n---\nown text\n---\n');
  });
});

describe('parseRagConversation', () => {
  it('retries an answer that says "Ground Truth"', () => {
    const block = (answer: string) =>
      `**QUESTION:**\nQ?\n\n**ANSWER:**\nThought Process:\nChunk 1 helps.\n\nAnswer:\n${answer}`;
    expect(parseRagConversation(block('Six.')).kind).toBe('ok');
    expect(parseRagConversation(block('The ground truth says six.')).kind).toBe('retry');
  });
});

describe('groupRecords', () => {
  const items = [0, 1, 2, 3].map((i) => ({
    retrieved: `chunks of ${i}`,
    pairs: [{ question: `q${i}`, answer: `a${i}` }],
  }));

  it('makes one record per member, each trained on its own turns only, with its own chunks in the system prompt', () => {
    const groups = groupItems(items, 3);
    expect(groups.map((g) => g.length)).toEqual([3, 1]);
    const records = groupRecords(
      groups[0] ?? [],
      ['Use: {data}'],
      { kind: 'template', template: ATK_TEMPLATE, kwargs: {} },
      seededRandom(1),
    );
    expect(records).toHaveLength(3);
    for (const [i, record] of records.entries()) {
      const full = record.segments.map((s) => s.text).join('');
      expect(full).toBe(
        renderConversation(ATK_TEMPLATE, [
          { role: 'system', content: `Use: chunks of ${i}` },
          ...[0, 1, 2].flatMap((j) => [
            { role: 'user' as const, content: `q${j}` },
            { role: 'assistant' as const, content: `a${j}` },
          ]),
        ]),
      );
      const trained = record.segments
        .filter((s) => s.label)
        .map((s) => s.text)
        .join('');
      expect(trained).toBe(`Human: q${i} **Finished.**\nAI: a${i} **Finished.**\n`);
    }
  });

  it('renders with the original’s segment formats when the config sets them, BOS with the masked system turn', () => {
    const [record] = groupRecords(
      items.slice(0, 2),
      ['S {data}'],
      {
        kind: 'formats',
        system: '[S]{{ system }}',
        user: '[U]{{ user }}',
        assistant: '[A]{{ assistant }}',
        bos: '<s>',
      },
      seededRandom(1),
    );
    expect(record?.segments).toEqual([
      { label: false, text: '<s>[S]S chunks of 0' },
      { label: true, text: '[U]q0[A]a0' },
      { label: false, text: '[U]q1[A]a1' },
    ]);
  });
});
