/**
 * Related-chunk retrieval on a small fixture: a passage planted in another document, on the same narrow topic as a
 * chunk but worded differently, must rank in that chunk's top 3 among distractors that share its common words.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/db/client.ts';
import { lexemesOfChunks, rankChunksFor } from '../../../src/db/queries/chunks.ts';
import { chunkDocuments, chunkTexts, relatedChunks } from '../../../src/jobs/chunk-store.ts';
import { createGateway } from '../../../src/llm/gateway.ts';
import { loadPrompts } from '../../../src/llm/prompts.ts';
import { documentOfText } from '../../../src/pipelines/shared/documents.ts';
import type { ChunkView } from '../../../src/pipelines/stage.ts';
import { LocalBlobStore } from '../../../src/storage/local-blob-store.ts';
import { startFakeLlm } from '../../../tools/fake-llm/server.ts';
import { createTestDatabase } from '../../support/test-db.ts';

const PROMPTS = new URL('../../../prompts', import.meta.url).pathname;

const target =
  'Field water must be purified before drinking. Fill the canteen, add one chlorine tablet per quart, shake it, ' +
  'loosen the cap to let the treated water rinse the threads, and wait thirty minutes before you drink. Double the ' +
  'tablets when the water is cold or cloudy.';

const planted =
  'Purification tablets lose strength once their bottle is opened. A soldier who treats cloudy stream water should ' +
  'strain it through cloth first, use two chlorine tablets for each quart in the canteen, and let the water stand ' +
  'for a full half hour so the chlorine can act.';

const distractors = [
  'Crossing a river on foot is dangerous when the water is above the knees. Pick a wide, shallow stretch, unbuckle ' +
    'the rucksack waist strap so it can be shed, and face upstream while moving sideways.',
  'Radios must be checked before each patrol. Install fresh batteries, confirm the frequency plan with the net ' +
    'control station, and make a radio check before leaving the perimeter.',
  'Foot care prevents injuries on long marches. Change socks at every halt, dry the feet, powder them, and report ' +
    'blisters to the medic before they become infected.',
  'Camouflage breaks up the outline of a position. Use local vegetation, replace it when it wilts, and avoid shine ' +
    'from mess kits, watches and canteen cups.',
  'Weapons are cleaned after every use. Clear the weapon, field strip it, wipe away carbon, apply a light coat of ' +
    'lubricant and perform a function check before reassembly is complete.',
  'Hot weather causes heat injuries. Drink water regularly even when not thirsty, rest in the shade, and watch for ' +
    'dizziness, cramps and confusion in your fellow soldiers.',
  'Range cards record the sectors of fire of a fighting position. Draw the sector limits, note the distance to ' +
    'key terrain, and give a copy to the squad leader.',
];

let database: Database;
/** Documents here carry their texts inline: the store is never read. */
let blobs: LocalBlobStore;
let blobDir: string;
/** Every chunked text the tests saw, by chunk id (views carry no text). */
const textById = new Map<string, string>();
const textOf = (chunk: ChunkView) => textById.get(chunk.id) ?? '';

/** The documents' chunks, with their texts kept in `textById`. */
async function chunked(
  documents: Array<{ sourceName: string; metadata: string; text: string }>,
  maxTokens: number,
): Promise<Array<ChunkView & { text: string }>> {
  const refs = documents.map((d) => documentOfText(d.sourceName, d.metadata, d.text));
  const views = await chunkDocuments({ db: database.db, blobs }, refs, maxTokens, 1048596);
  for (const [id, text] of await chunkTexts({ db: database.db }, views)) textById.set(id, text);
  return views.map((view) => ({ ...view, text: textOf(view) }));
}

beforeAll(async () => {
  database = await createTestDatabase();
  blobDir = await mkdtemp(path.join(tmpdir(), 'chunks-'));
  blobs = new LocalBlobStore(blobDir);
});
afterAll(async () => {
  await database?.close();
  if (blobDir) await rm(blobDir, { recursive: true, force: true });
});

describe('related chunks', () => {
  let pool: Array<ChunkView & { text: string }>;
  beforeAll(async () => {
    // Two documents of the same source; one paragraph per chunk at this size.
    const manual = [target, ...distractors.slice(0, 4)].join('\n\n');
    const notes = [...distractors.slice(4), planted].join('\n\n');
    pool = await chunked(
      [
        { sourceName: 'manuals', metadata: 'manual.txt', text: manual },
        { sourceName: 'manuals', metadata: 'notes.txt', text: notes },
      ],
      64,
    );
  });

  it('ranks the planted passage in the top 3 of its chunk', async () => {
    // One paragraph per chunk, so the ranking is between whole passages.
    expect(pool.map((c) => c.text).sort()).toEqual([target, planted, ...distractors].sort());
    const related = await relatedChunks({ db: database.db }, pool, 3);
    const targetChunk = pool.find((c) => c.text.startsWith('Field water'));
    const top = related.get(targetChunk?.id ?? '')?.map(textOf) ?? [];
    expect(top.length).toBe(3);
    expect(top.slice(0, 3).some((t) => t.startsWith('Purification tablets'))).toBe(true);
    // And the relation holds the other way round.
    const plantedChunk = pool.find((c) => c.text.startsWith('Purification tablets'));
    expect(textOf(related.get(plantedChunk?.id ?? '')?.[0] as ChunkView)).toBe(targetChunk?.text);
  });

  it('never returns a chunk as its own related chunk, nor a duplicate of its text', async () => {
    const withDuplicate = await chunked(
      [
        { sourceName: 'manuals', metadata: 'a.txt', text: [target, ...distractors].join('\n\n') },
        { sourceName: 'manuals', metadata: 'copy-of-a.txt', text: [target, ...distractors].join('\n\n') },
        { sourceName: 'manuals', metadata: 'b.txt', text: planted },
      ],
      80,
    );
    const related = await relatedChunks({ db: database.db }, withDuplicate, 5);
    for (const chunk of withDuplicate) {
      const texts = related.get(chunk.id)?.map(textOf) ?? [];
      expect(texts).not.toContain(chunk.text);
      expect(related.get(chunk.id)?.map((c) => c.id)).not.toContain(chunk.id);
    }
  });

  it('fuses in embedding similarity when an embeddings endpoint is given, embedding each chunk once', async () => {
    const llm = await startFakeLlm();
    try {
      const gateway = createGateway({ db: database.db, prompts: loadPrompts(PROMPTS, []) });
      const embeddings = gateway.embedder({
        runId: 'run_related',
        stage: 'factual_sft/openended/0',
        endpoint: { baseUrl: llm.url, model: 'fake-embeddings', apiKey: '' },
        concurrencyLimit: 4,
      });
      const related = await relatedChunks({ db: database.db }, pool, 3, { embeddings });
      const targetChunk = pool.find((c) => c.text.startsWith('Field water'));
      const top = related.get(targetChunk?.id ?? '')?.map(textOf) ?? [];
      expect(top[0]).toMatch(/^Purification tablets/);
      const first = (await llm.counters()).byPromptId.embeddings ?? 0;
      expect(first).toBeGreaterThan(0);
      // Stored per chunk and model: asking again sends nothing to the endpoint, and ranks the same.
      const again = await relatedChunks({ db: database.db }, pool, 3, { embeddings });
      expect((await llm.counters()).byPromptId.embeddings).toBe(first);
      expect(again.get(targetChunk?.id ?? '')?.map(textOf)).toEqual(top);

      // Chunks without a word in common: full-text search relates nothing, the vector ranking still does.
      const unrelated = await chunked(
        [
          'Sentries challenge everyone approaching the perimeter at night.',
          'Mortars need a firm baseplate when emplaced on soft ground.',
          'Helicopters hover while casualties are loaded aboard quickly.',
        ].map((text, i) => ({ sourceName: 'misc', metadata: `m${i}.txt`, text })),
        64,
      );
      expect(unrelated.length).toBe(3);
      const lexicalOnly = await relatedChunks({ db: database.db }, unrelated, 2);
      expect([...lexicalOnly.values()].every((list) => list.length === 0)).toBe(true);
      const fused = await relatedChunks({ db: database.db }, unrelated, 2, { embeddings });
      expect([...fused.values()].map((list) => list.length)).toEqual([2, 2, 2]);
      await gateway.close();
    } finally {
      await llm.close();
    }
  });

  it('ranks a batch of chunks in one query exactly as it ranks each chunk alone, past one batch', async () => {
    // 150 chunks (more than a query's batch of 100), each a passage of the fixture with a numbered tag.
    const passages = [target, planted, ...distractors];
    const text = Array.from({ length: 150 }, (_, i) => `Item ${i % 7}. ${passages[i % passages.length]}`).join('\n\n');
    const big = await chunked([{ sourceName: 'big', metadata: 'big.txt', text }], 60);
    expect(big.length).toBeGreaterThan(100);
    const setKey = big[0]?.id.slice(0, big[0].id.lastIndexOf(':')) as string;
    const refs = big.map((c) => ({ setKey, idx: c.index }));
    const lexemes = await lexemesOfChunks(database.db, refs);
    const queries = refs.map((ref) => ({ ...ref, lexemes: [...(lexemes.get(`${setKey}:${ref.idx}`)?.keys() ?? [])] }));
    const together = await rankChunksFor(database.db, { pool: [setKey], queries, limit: 8 });
    for (const query of queries) {
      const alone = await rankChunksFor(database.db, { pool: [setKey], queries: [query], limit: 8 });
      const id = `${setKey}:${query.idx}`;
      expect(together.get(id), id).toEqual(alone.get(id));
      expect(together.get(id)).not.toContain(id);
    }
    // And through relatedChunks, past the first batch too (a chunk whose every term is in more than 50 chunks of
    // this repetitive pool is asked with none, and gets none).
    const related = await relatedChunks({ db: database.db }, big, 3);
    expect(big.slice(100).filter((c) => (related.get(c.id)?.length ?? 0) > 0).length).toBeGreaterThan(10);
  });

  it('answers empty lists for a pool too small to relate', async () => {
    const single = pool.slice(0, 1);
    const related = await relatedChunks({ db: database.db }, single, 3);
    expect(related.get(single[0]?.id ?? '')).toEqual([]);
  });
});
