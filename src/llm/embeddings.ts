/**
 * Embedding vectors from an OpenAI-compatible `/embeddings` endpoint, for related-chunk search: inputs are sent in
 * batches, transient failures (429, 5xx, timeouts, connection errors) are retried with the gateway's backoff policy,
 * and vectors come back L2-normalised so a dot product is the cosine similarity.
 */
import { embedBatch } from './openai-client.ts';
import { defaultRetryPolicy, ProviderFailureError, type RetryPolicy, retryDelayMs, sleep } from './retry.ts';
import type { Endpoint } from './types.ts';

export type EmbeddingsEndpoint = Pick<Endpoint, 'model' | 'baseUrl' | 'apiKey'>;

export interface EmbedOptions {
  batchSize?: number;
  policy?: RetryPolicy;
  signal?: AbortSignal;
}

const TIMEOUT_MS = 60_000;

export async function embedTexts(
  endpoint: EmbeddingsEndpoint,
  texts: string[],
  options: EmbedOptions = {},
): Promise<Float32Array[]> {
  const policy = options.policy ?? defaultRetryPolicy;
  const batchSize = options.batchSize ?? 64;
  const out: Float32Array[] = [];
  for (let i = 0; i < texts.length; i += batchSize) {
    const batch = texts.slice(i, i + batchSize);
    for (let failures = 0; ; ) {
      try {
        const { vectors } = await embedBatch(endpoint, batch, TIMEOUT_MS, options.signal);
        for (const v of vectors) out.push(normalise(v));
        break;
      } catch (error) {
        if (!(error instanceof ProviderFailureError) || !error.failure.transient) throw error;
        failures++;
        if (failures >= policy.maxAttempts) throw error;
        await sleep(retryDelayMs(error.failure, failures, policy), options.signal);
      }
    }
  }
  return out;
}

function normalise(vector: number[]): Float32Array {
  const out = Float32Array.from(vector);
  let norm = 0;
  for (const x of out) norm += x * x;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) / norm;
  return out;
}

/** Cosine similarity of two normalised vectors (0 when their lengths differ: vectors of different models). */
export function cosine(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return 0;
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += (a[i] as number) * (b[i] as number);
  return dot;
}
