/** Saving factual pairs as ShareGPT conversations and the original's records (blueprint §5.5 step 6). */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../../src/lib/seeded-random.ts';
import { dropDuplicateQuestions } from '../../../../src/pipelines/factual-sft/duplicates.ts';
import {
  ASSENTS,
  conversationsOf,
  factualQuestions,
  type GeneratedChunk,
  type SavingOptions,
  sourcesUsed,
} from '../../../../src/pipelines/factual-sft/saving.ts';

const options = (over: Partial<SavingOptions> = {}): SavingOptions => ({
  systemPrompts: ['You know {context} ({context_uppercase}).', 'Expert in {context_lowercase}.'],
  datasetContext: 'River Ferries',
  additionalContext: new Map([
    ['docs', 'Be brief.'],
    ['other', ''],
  ]),
  itemsPerConversation: 2,
  citeSources: true,
  random: (...parts) => seededRandom(7, ...parts),
  ...over,
});

const chunk = (i: number, pairs: Array<[string, string]>, over: Partial<GeneratedChunk> = {}): GeneratedChunk => ({
  chunkIndex: i,
  sourceName: 'docs',
  metadata: `file${i}.txt`,
  text: `chunk text ${i}`,
  related: [{ metadata: 'rel.md', text: 'related' }],
  judgedWorthy: true,
  pairs: pairs.map(([question, answer]) => ({ question, answer })),
  ...over,
});

describe('conversationsOf', () => {
  it('makes one multi-turn conversation of a follow-up chunk, system first, assents paraphrased', () => {
    const [conversation] = conversationsOf(
      [
        chunk(
          0,
          [
            ['What is it?', 'A ferry.'],
            ['Yes, please.', 'More.'],
            ['Who pays?', 'Riders.'],
          ],
          { related: [] },
        ),
      ],
      options(),
    );
    const turns = conversation?.conversations ?? [];
    expect(turns.map((t) => t.from)).toEqual(['system', 'human', 'gpt', 'human', 'gpt', 'human', 'gpt']);
    expect(ASSENTS).toContain(turns[3]?.value);
    // Shown no related texts, so it cites only its own source.
    expect(turns[2]?.value).toBe('A ferry.\n\nSources Used:\n- file0.txt');
  });

  it('batches single pairs items_per_conversation to a conversation, with each source’s own extra context', () => {
    const chunks = [
      chunk(0, [['Q0?', 'A0.']]),
      chunk(1, [['Q1?', 'A1.']]),
      chunk(2, [['Q2?', 'A2.']], { sourceName: 'other' }),
    ];
    const conversations = conversationsOf(chunks, options());
    expect(conversations.map((c) => c.conversations.length)).toEqual([5, 3]);
    const systems = conversations.map((c) => c.conversations[0]?.value ?? '');
    for (const s of systems) expect(s).toMatch(/river ferries|RIVER FERRIES|River Ferries/);
    const ofDocs = conversations.find((c) => c.conversations.some((t) => t.value.startsWith('A0')));
    expect(ofDocs?.conversations[0]?.value).toMatch(/ Be brief\.$/);
  });

  it('is the same for the same inputs and seed (a resumed run writes the same file)', () => {
    const chunks = [chunk(0, [['Q0?', 'A0.']]), chunk(1, [['Q1?', 'A1.']])];
    expect(conversationsOf(chunks, options())).toEqual(conversationsOf([...chunks].reverse(), options()));
  });

  it('cites nothing when cite_sources_at_end is off, and never leaves an empty turn', () => {
    const [conversation] = conversationsOf([chunk(0, [['Q?', 'A.']])], options({ citeSources: false }));
    expect(conversation?.conversations.at(-1)?.value).toBe('A.');
    expect(conversation?.conversations.every((t) => t.value.trim() !== '')).toBe(true);
  });
});

it('lists sources without repeats, own first', () => {
  expect(
    sourcesUsed({
      metadata: 'a.txt',
      related: [
        { metadata: 'b.md', text: '' },
        { metadata: 'a.txt', text: '' },
      ],
    }),
  ).toBe('\n\nSources Used:\n- a.txt\n- b.md');
});

it('keys factual_questions.json records by chunk, pair and hash, in the original record shape', () => {
  const records = factualQuestions([
    chunk(3, [
      ['Q?', 'A.'],
      ['Q2?', 'A2.'],
    ]),
  ]);
  const keys = Object.keys(records);
  expect(keys).toHaveLength(2);
  expect(keys[0]).toMatch(/^3-0-[0-9a-f]{16}$/);
  expect(records[keys[0] as string]).toMatchObject({
    text: 'chunk text 3',
    metadata: 'file3.txt',
    judged_worthy_for_questions: true,
    related_chunks: [{ metadata: 'rel.md', text: 'related' }],
    qa_tuples: { question: 'Q?', answer: 'A.' },
    question: 'Q?',
    answer: 'A.',
  });
});

describe('dropDuplicateQuestions', () => {
  it('drops the same question with other punctuation or an extra word, keeps narrower ones and assents', () => {
    const pairs = [
      'When does the river ferry leave the north pier?',
      'When does the river ferry leave the north pier',
      'So when does the river ferry leave the north pier?',
      'When does the river ferry leave the north pier on weekdays and holidays?',
      'Who pays for the ferry?',
      'Yes, please.',
      'Yes, please.',
    ].map((question) => ({ question, answer: 'x' }));
    const { kept, duplicates } = dropDuplicateQuestions(pairs);
    expect(kept.map((p) => p.question)).toEqual([
      'When does the river ferry leave the north pier?',
      'When does the river ferry leave the north pier on weekdays and holidays?',
      'Who pays for the ferry?',
      'Yes, please.',
      'Yes, please.',
    ]);
    expect(duplicates).toHaveLength(2);
  });
});
