/**
 * The response cache key. Every provider answer is stored under a hash of the exact request, so the same call again
 * (a re-run, a resumed run, a job delivered twice) is answered from llm_responses without a provider call. The run
 * id is deliberately not part of the key: a new run of the same config reuses earlier answers.
 */
import type { Db } from '../db/client.ts';
import {
  type CachedResponse,
  type CachedResponseRow,
  getCachedResponses,
  putCachedResponses,
} from '../db/queries/llm-cache.ts';
import { hashOf } from '../lib/hash.ts';
import { Batcher } from './batcher.ts';
import type { RenderedPrompt } from './types.ts';

export interface CacheKeyParts {
  /** The tenant whose call it is ('' outside a tenant's run). */
  tenant: string;
  /** Set for `llm_cache: refresh`: the run the answers belong to. */
  run?: string | undefined;
  model: string;
  baseUrl: string;
  prompt: RenderedPrompt;
  maxTokens: number;
  temperature?: number | undefined;
  topP?: number | undefined;
  /** The stop list actually sent (after use_stop and the 4-string cut). */
  stop?: string[] | undefined;
  sampleIndex: number;
  /** Parser-retry attempt (0 first): a retried call must not be answered with the answer it is retrying. */
  attempt: number;
}

export function cacheKey(parts: CacheKeyParts): string {
  return hashOf({
    tenant: parts.tenant,
    ...(parts.run ? { run: parts.run } : {}),
    model: parts.model,
    baseUrl: parts.baseUrl,
    mode: parts.prompt.kind,
    ...(parts.prompt.kind === 'chat' ? { messages: parts.prompt.messages } : { prompt: parts.prompt.prompt }),
    sampling: { max_tokens: parts.maxTokens, temperature: parts.temperature, top_p: parts.topP, stop: parts.stop },
    sampleIndex: parts.sampleIndex,
    attempt: parts.attempt,
  });
}

/**
 * Writes wait up to this long to share a statement. A call's slot is already released when its answer is written, so
 * this delays only the step's next call, while it cuts the statements per call (the main CPU cost on PGlite).
 */
export const WRITE_WINDOW_MS = 50;

/** Lookups and stores of concurrent calls are batched into single statements. */
export class ResponseCache {
  private readonly lookups: Batcher<string, CachedResponse | undefined>;
  private readonly stores: Batcher<CachedResponseRow, void>;

  constructor(db: Db) {
    this.lookups = new Batcher(async (keys) => {
      const found = await getCachedResponses(db, keys);
      return keys.map((key) => found.get(key));
    });
    this.stores = new Batcher(
      async (rows) => {
        await putCachedResponses(db, rows);
        return rows.map(() => undefined);
      },
      { windowMs: WRITE_WINDOW_MS },
    );
  }

  get(key: string): Promise<CachedResponse | undefined> {
    return this.lookups.push(key);
  }

  /** Resolves once the answer is stored (a crash after that loses nothing that was paid for). */
  put(row: CachedResponseRow): Promise<void> {
    return this.stores.push(row);
  }
}
