/** The embeddings client against the fake LLM: batching, normalisation, and retries of transient failures. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cosine, embedTexts } from '../../../src/llm/embeddings.ts';
import { defaultRetryPolicy } from '../../../src/llm/retry.ts';
import { type FakeLlm, startFakeLlm } from '../../../tools/fake-llm/server.ts';

let fake: FakeLlm;
beforeAll(async () => {
  fake = await startFakeLlm();
});
afterAll(async () => {
  await fake?.close();
});

const endpoint = () => ({ baseUrl: fake.url, model: 'fake-embeddings', apiKey: '' });
const policy = { ...defaultRetryPolicy, baseDelayMs: 10 };

describe('embedTexts', () => {
  it('embeds in batches, in input order, as unit vectors', async () => {
    await fake.reset();
    const texts = ['canteen water tablets', 'radio battery check', 'canteen water purification', 'foot care march'];
    const vectors = await embedTexts(endpoint(), texts, { batchSize: 3, policy });
    expect(vectors).toHaveLength(4);
    expect((await fake.counters()).byPromptId.embeddings).toBe(2);
    for (const v of vectors) expect(cosine(v, v)).toBeCloseTo(1, 5);
    const [water, radio, water2] = vectors as [Float32Array, Float32Array, Float32Array];
    expect(cosine(water, water2)).toBeGreaterThan(cosine(water, radio));
  });

  it('retries 429 (honouring Retry-After) and 500, then succeeds', async () => {
    await fake.setOptions({ script: ['429', '500'], retryAfterSeconds: 0 });
    const vectors = await embedTexts(endpoint(), ['one text to embed'], { policy });
    expect(vectors).toHaveLength(1);
    const counters = await fake.counters();
    expect(counters.byStatus['429']).toBe(1);
    expect(counters.byStatus['500']).toBe(1);
  });

  it('gives up after the policy’s attempts with the provider’s reason', async () => {
    await fake.setOptions({ script: ['500', '500'] });
    await expect(embedTexts(endpoint(), ['x y z'], { policy: { ...policy, maxAttempts: 2 } })).rejects.toThrow(
      /HTTP 500/,
    );
  });
});
