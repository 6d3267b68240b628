/**
 * The chunk store's views: stages plan over chunks without their texts, so what they decide with (the seeded subset,
 * "is this a copy of that text?") comes from digests the database takes. Those must agree with node's md5 of the same
 * text (the original's subset order), also for text that is not ASCII, and texts must come back by id.
 */

import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/db/client.ts';
import {
  chunkRowsOfSets,
  embeddingsOfSets,
  lexemeDocumentFrequency,
  storedChunkSets,
} from '../../../src/db/queries/chunks.ts';
import { chunkDocumentInSlices, firstByKey, subsetChunks, subsetKeyOf } from '../../../src/ingest/chunk.ts';
import { defaultTokenizer } from '../../../src/ingest/tokenizer.ts';
import { chunkDocuments, chunkTexts } from '../../../src/jobs/chunk-store.ts';
import { documentOfText } from '../../../src/pipelines/shared/documents.ts';
import { LocalBlobStore } from '../../../src/storage/local-blob-store.ts';
import { createTestDatabase } from '../../support/test-db.ts';

const paragraphs = [
  'Überprüfen Sie die Ausrüstung vor jedem Einsatz: Funkgerät, Wasser, Verbandpäckchen.',
  'Les patrouilles partent à l’aube ; chaque équipe emporte deux radios et une carte à jour.',
  'Water discipline: drink before you are thirsty, and refill at every halt — 水は大切です.',
  'Emoji in field notes 🚁 are rare but must survive a round trip through the store.',
  'Plain ASCII paragraph about range cards, sectors of fire and key terrain distances.',
];

let database: Database;
/** Documents here carry their texts inline: the store is never read. */
let blobs: LocalBlobStore;
let blobDir: string;
beforeAll(async () => {
  database = await createTestDatabase();
  blobDir = await mkdtemp(path.join(tmpdir(), 'chunks-'));
  blobs = new LocalBlobStore(blobDir);
});
afterAll(async () => {
  await database?.close();
  if (blobDir) await rm(blobDir, { recursive: true, force: true });
});

describe('chunk views', () => {
  it("carry the original's subset keys and text digests, and the texts come back by id", async () => {
    const text = paragraphs.join('\n\n');
    const seed = 1048596;
    const views = await chunkDocuments(
      { db: database.db, blobs },
      [documentOfText('s', 'a.txt', text), documentOfText('s', 'copy.txt', text)],
      24,
      seed,
    );
    expect(views.length).toBeGreaterThan(4);
    const texts = await chunkTexts({ db: database.db }, views);
    const expected = (await chunkDocumentInSlices({ text, metadata: '' }, 24, defaultTokenizer())).chunks;
    const half = views.slice(0, views.length / 2);
    expect(half.map((v) => texts.get(v.id))).toEqual(expected.map((c) => c.text));
    for (const view of views) {
      const own = texts.get(view.id) as string;
      expect(view.subsetKey).toBe(subsetKeyOf(seed, own));
      expect(view.digest).toBe(createHash('md5').update(own).digest('hex'));
    }
    // The copy's chunks are the same set: same texts, same digests, different documents.
    expect(views.slice(views.length / 2).map((v) => v.digest)).toEqual(half.map((v) => v.digest));
    // And the subset over views picks what the subset over texts picks.
    const withTexts = views.map((v) => ({ ...v, text: texts.get(v.id) as string }));
    expect(firstByKey(views, (v) => v.subsetKey, 3).map((v) => v.id)).toEqual(
      subsetChunks(withTexts, seed, 3).map((v) => v.id),
    );
  });

  it('looks chunk sets up by more keys than a statement has parameters (a source of 70,000 records)', async () => {
    const views = await chunkDocuments(
      { db: database.db, blobs },
      [documentOfText('s', 'one.txt', paragraphs[0] as string)],
      24,
      1,
    );
    const real = views[0]?.id.split(':')[0] as string;
    const keys = [...Array.from({ length: 70_000 }, (_, i) => `absent-${i}`), real];
    expect([...(await storedChunkSets(database.db, keys))]).toEqual([real]);
    const rows = await chunkRowsOfSets(database.db, keys, '1');
    expect(rows.map((r) => r.setKey)).toEqual(views.map(() => real));
    expect((await lexemeDocumentFrequency(database.db, keys)).total).toBe(views.length);
    expect((await embeddingsOfSets(database.db, 'no-model', keys)).size).toBe(0);
  });

  it('reads texts past one query of them, and nothing for no chunks', async () => {
    const text = Array.from(
      { length: 700 },
      (_, i) => `Paragraph ${i}: keep the canteen full and the rifle clean.`,
    ).join('\n\n');
    const views = await chunkDocuments({ db: database.db, blobs }, [documentOfText('s', 'm', text)], 20, 1);
    expect(views.length).toBeGreaterThan(500);
    const texts = await chunkTexts({ db: database.db }, views);
    expect(texts.size).toBe(views.length);
    expect(texts.get(views[600]?.id as string)).toMatch(/^Paragraph \d+:/);
    expect((await chunkTexts({ db: database.db }, [])).size).toBe(0);
  });
});
