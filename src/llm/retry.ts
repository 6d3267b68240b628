/**
 * Transport retries: exponential backoff with jitter on 429, 5xx, connection errors and timeouts, honouring
 * Retry-After, with a per-call timeout sized from max_tokens. The SDK's own retries are off, so these are the only
 * ones and every failure is seen (and recorded) here.
 */

export interface RetryPolicy {
  /** Provider attempts per call, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this ends the call with an error instead of parking it. */
  maxRetryAfterMs: number;
  /**
   * The upper bound of one call = timeoutBaseMs + max_tokens × timeoutPerTokenMs (⚠ §1.4: a fixed 60 s drops slow
   * answers). Answers are streamed, so a hung call is abandoned long before: see the two below.
   */
  timeoutBaseMs: number;
  timeoutPerTokenMs: number;
  /** No first chunk of the answer within this long: the call is abandoned and retried. */
  firstTokenTimeoutMs: number;
  /** No further chunk within this long once the answer has begun: the call is abandoned and retried. */
  streamIdleTimeoutMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  maxAttempts: 6,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 120_000,
  timeoutBaseMs: 30_000,
  timeoutPerTokenMs: 60,
  firstTokenTimeoutMs: 60_000,
  streamIdleTimeoutMs: 30_000,
};

/** Why one provider attempt failed, as the SDK-free rest of the gateway sees it. */
export interface ProviderFailure {
  /** `exhausted`: the account's quota, credit or daily cap is gone (no retry helps until someone acts). */
  kind: 'rate-limited' | 'server-error' | 'connection' | 'timeout' | 'rejected' | 'refused' | 'aborted' | 'exhausted';
  /** Worth another attempt (429, 5xx, connection, timeout). */
  transient: boolean;
  status?: number;
  retryAfterMs?: number;
  /** Short and stable (it is counted per stage): e.g. `HTTP 429`, `timeout after 30000 ms`. */
  reason: string;
  /** The provider's own message, for logs. */
  detail?: string;
}

export class ProviderFailureError extends Error {
  constructor(readonly failure: ProviderFailure) {
    super(failure.detail ? `${failure.reason}: ${failure.detail}` : failure.reason);
    this.name = 'ProviderFailureError';
  }
}

export function callTimeoutMs(maxTokens: number, policy: RetryPolicy): number {
  return policy.timeoutBaseMs + Math.max(0, maxTokens) * policy.timeoutPerTokenMs;
}

/** "Equal jitter": half the exponential delay fixed, half random, so parked calls do not return in lockstep. */
export function backoffDelayMs(failures: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failures - 1));
  return Math.round(exponential / 2 + (random() * exponential) / 2);
}

/** The wait before the next attempt: Retry-After when the provider sent one (plus up to 10 % jitter), else backoff. */
export function retryDelayMs(
  failure: ProviderFailure,
  failures: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  if (failure.retryAfterMs !== undefined) return Math.ceil(failure.retryAfterMs * (1 + random() * 0.1));
  return backoffDelayMs(failures, policy, random);
}

/** `retry-after-ms` (OpenAI's), else `Retry-After` as seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(
  header: (name: string) => string | null | undefined,
  now = Date.now(),
): number | undefined {
  const ms = header('retry-after-ms');
  if (ms && Number.isFinite(Number(ms)) && Number(ms) >= 0) return Number(ms);
  const value = header('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
