/**
 * Embeddings through the gateway, against the fake LLM and a real database: batching, normalisation, retries of
 * transient failures, one of the run's concurrency slots per batch, and every attempt in the run's accounting.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/db/client.ts';
import { usageByStage } from '../../../src/db/queries/llm-accounting.ts';
import { cosine } from '../../../src/llm/embeddings.ts';
import { createGateway, type Gateway } from '../../../src/llm/gateway.ts';
import { type FakeLlm, startFakeLlm } from '../../../tools/fake-llm/server.ts';
import { createTestDatabase } from '../../support/test-db.ts';
import { testPrompts } from './support.ts';

let fake: FakeLlm;
let database: Database;
let gateway: Gateway;
beforeAll(async () => {
  [database, fake] = await Promise.all([createTestDatabase(), startFakeLlm()]);
  gateway = createGateway({ db: database.db, prompts: testPrompts(), retry: { baseDelayMs: 10, maxAttempts: 3 } });
});
afterAll(async () => {
  await gateway?.close();
  await Promise.all([database?.close(), fake?.close()]);
});

const embedder = (runId: string, extra: { costPerMillionInput?: number } = {}) =>
  gateway.embedder({
    runId,
    stage: 'factual_sft/openended/0',
    endpoint: { baseUrl: fake.url, model: 'fake-embeddings', apiKey: '', ...extra },
    concurrencyLimit: 2,
  });

/** The accounting rows are batched for a moment before they are written. */
async function usage(runId: string) {
  for (let i = 0; i < 100; i++) {
    const row = (await usageByStage(database.db, runId)).get('factual_sft/openended/0');
    if (row) return row;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('no accounting rows');
}

describe('gateway embeddings', () => {
  it('embeds in input order as unit vectors, and accounts tokens and cost to the run and stage', async () => {
    await fake.reset();
    const texts = ['canteen water tablets', 'radio battery check', 'canteen water purification', 'foot care march'];
    const vectors = await embedder('run_emb_1', { costPerMillionInput: 1_000_000 }).embed(texts);
    expect(vectors).toHaveLength(4);
    for (const v of vectors) expect(cosine(v, v)).toBeCloseTo(1, 5);
    const [water, radio, water2] = vectors as [Float32Array, Float32Array, Float32Array];
    expect(cosine(water, water2)).toBeGreaterThan(cosine(water, radio));
    const row = await usage('run_emb_1');
    expect(row.calls).toBe(1);
    expect(row.inputTokens).toBeGreaterThan(0);
    expect(row.cost).toBeCloseTo(row.inputTokens, 6); // 1 USD per token at this price
  });

  it('retries 429 (honouring Retry-After) and 500, then succeeds; the failed attempts are accounted too', async () => {
    await fake.setOptions({ script: ['429', '500'], retryAfterSeconds: 0 });
    expect(await embedder('run_emb_2').embed(['one text to embed'])).toHaveLength(1);
    const counters = await fake.counters();
    expect(counters.byStatus['429']).toBe(1);
    expect(counters.byStatus['500']).toBe(1);
    expect((await usage('run_emb_2')).calls).toBe(3);
  });

  it('gives up after the policy’s attempts with the provider’s reason', async () => {
    await fake.setOptions({ script: ['500', '500', '500'] });
    await expect(embedder('run_emb_3').embed(['x y z'])).rejects.toThrow(/HTTP 500/);
  });

  it('gives the run’s slots back after each batch, even when it fails', async () => {
    await fake.setOptions({ script: [] });
    // Limit 2: more batches than slots only finish if every batch releases its slot.
    const many = Array.from({ length: 200 }, (_, i) => `text number ${i}`);
    expect(await embedder('run_emb_4').embed(many)).toHaveLength(200);
  });
});
