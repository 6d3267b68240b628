/**
 * Optional requests-per-minute and tokens-per-minute limits per endpoint, as token buckets. They are enforced per
 * process: with W worker processes an endpoint sees up to W × the limit, so divide the configured figure by the
 * number of workers (the concurrency limit, which is shared across processes, is the main guard; 429s are retried
 * with backoff anyway).
 */
import { sleep } from './retry.ts';

/** Burst allowance: 10 seconds' worth of the per-minute budget (providers enforce limits over short windows too). */
const BURST_FRACTION = 1 / 6;

class TokenBucket {
  private level: number;
  private last = Date.now();
  private readonly capacity: number;
  private readonly perMs: number;
  /** FIFO: each taker waits for the one before it, so pacing is exact and nobody starves. */
  private queue: Promise<void> = Promise.resolve();

  constructor(perMinute: number) {
    this.capacity = Math.max(1, perMinute * BURST_FRACTION);
    this.perMs = perMinute / 60_000;
    this.level = this.capacity;
  }

  take(amount: number, signal?: AbortSignal): Promise<void> {
    const turn = this.queue.then(() => this.wait(amount, signal));
    // A taker that aborted must not block the ones behind it.
    this.queue = turn.catch(() => {});
    return turn;
  }

  private async wait(amount: number, signal?: AbortSignal): Promise<void> {
    // A request larger than the burst waits for a full bucket and leaves it in debt, so the average still holds.
    const needed = Math.min(amount, this.capacity);
    for (;;) {
      if (signal?.aborted) throw signal.reason;
      const now = Date.now();
      this.level = Math.min(this.capacity, this.level + (now - this.last) * this.perMs);
      this.last = now;
      if (this.level >= needed) {
        this.level -= amount;
        return;
      }
      await sleep(Math.ceil((needed - this.level) / this.perMs), signal);
    }
  }
}

export interface RateLimits {
  rpm?: number | undefined;
  tpm?: number | undefined;
}

export class EndpointRateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  /** Waits until the endpoint `key` may send one request of about `tokens` tokens. No-op without limits. */
  async take(key: string, limits: RateLimits, tokens: number, signal?: AbortSignal): Promise<void> {
    if (limits.rpm && limits.rpm > 0) await this.bucket(`rpm:${limits.rpm}:${key}`, limits.rpm).take(1, signal);
    if (limits.tpm && limits.tpm > 0) await this.bucket(`tpm:${limits.tpm}:${key}`, limits.tpm).take(tokens, signal);
  }

  private bucket(key: string, perMinute: number): TokenBucket {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(perMinute);
      this.buckets.set(key, bucket);
    }
    return bucket;
  }
}
