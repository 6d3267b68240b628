/**
 * Embedding vectors from an OpenAI-compatible `/embeddings` endpoint, for related-chunk search, through the same
 * machinery as completions: each batch waits for one of the run's concurrency slots (shared across processes), is
 * recorded in the run's accounting (tokens, cost, latency, failures), and transient failures (429, 5xx, timeouts,
 * connection errors) are retried with the gateway's backoff policy. Vectors come back L2-normalised so a dot
 * product is the cosine similarity. (The cache for embeddings is the chunk store: one vector per chunk and model.)
 */
import type { Accounting } from './accounting.ts';
import { costOf } from './accounting.ts';
import type { SlotLimiter } from './limiter.ts';
import { embedBatch } from './openai-client.ts';
import { estimateTokens } from './output.ts';
import { ProviderFailureError, type RetryPolicy, retryDelayMs, sleep } from './retry.ts';
import type { Endpoint } from './types.ts';

export type EmbeddingsEndpoint = Pick<Endpoint, 'model' | 'baseUrl' | 'apiKey'> &
  Partial<Pick<Endpoint, 'costPerMillionInput' | 'costPerMillionOutput'>>;

/** Who asks: the run (its slots and accounting) and the stage that plans with the vectors. */
export interface EmbeddingBinding {
  runId: string;
  stage: string;
  endpoint: EmbeddingsEndpoint;
  concurrencyLimit: number;
}

/** What a stage context uses to embed texts: bound to one run, stage and endpoint by the gateway. */
export interface Embedder {
  model: string;
  embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]>;
}

export interface EmbedderDeps {
  limiter: SlotLimiter;
  accounting: Accounting;
  policy: RetryPolicy;
  batchSize?: number;
}

const TIMEOUT_MS = 60_000;

export function createEmbedder(deps: EmbedderDeps, binding: EmbeddingBinding): Embedder {
  const { endpoint } = binding;
  const price = { costPerMillionInput: endpoint.costPerMillionInput ?? 0, costPerMillionOutput: 0 };
  const record = (outcome: 'ok' | 'error', inputTokens: number, latencyMs: number, reason?: string) =>
    deps.accounting.record({
      runId: binding.runId,
      stage: binding.stage,
      model: endpoint.model,
      cached: false,
      outcome,
      reason,
      inputTokens,
      outputTokens: 0,
      cost: costOf(price, inputTokens, 0),
      latencyMs,
    });

  async function embedOneBatch(batch: string[], signal: AbortSignal | undefined): Promise<number[][]> {
    for (let failures = 0; ; ) {
      const lease = await deps.limiter.acquire(binding.runId, binding.concurrencyLimit, signal);
      const started = performance.now();
      try {
        const { vectors, inputTokens } = await embedBatch(endpoint, batch, TIMEOUT_MS, signal);
        await record('ok', inputTokens ?? estimateTokens(batch.join('')), performance.now() - started);
        return vectors;
      } catch (error) {
        const transient = error instanceof ProviderFailureError && error.failure.transient;
        await record('error', 0, performance.now() - started, error instanceof Error ? error.message : String(error));
        failures++;
        if (!transient || failures >= deps.policy.maxAttempts) throw error;
        await sleep(retryDelayMs((error as ProviderFailureError).failure, failures, deps.policy), signal);
      } finally {
        lease.release();
      }
    }
  }

  return {
    model: endpoint.model,
    async embed(texts, signal) {
      const batchSize = deps.batchSize ?? 64;
      const out: Float32Array[] = [];
      for (let i = 0; i < texts.length; i += batchSize) {
        for (const v of await embedOneBatch(texts.slice(i, i + batchSize), signal)) out.push(normalise(v));
      }
      return out;
    },
  };
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
