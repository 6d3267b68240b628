/**
 * One provider call with transport retries: rate limits, a concurrency slot, the request, and on a passing failure
 * (429, 5xx, connection, timeout) a backoff outside the slot, so waiting for a retry never leaves a slot idle while
 * other work waits. Each failed attempt is recorded with its reason.
 */
import type { Accounting } from './accounting.ts';
import type { EndpointHealth } from './endpoint-health.ts';
import type { SlotLimiter } from './limiter.ts';
import type { ProviderAnswer, ProviderClient, ProviderRequest } from './openai-client.ts';
import type { EndpointRateLimiter } from './rate-limit.ts';
import {
  callTimeoutMs,
  type ProviderFailure,
  ProviderFailureError,
  type RetryPolicy,
  retryDelayMs,
  sleep,
} from './retry.ts';
import { type Endpoint, LlmProviderError, ProviderExhaustedError, type StageBinding } from './types.ts';

export interface TransportDeps {
  provider: ProviderClient;
  limiter: SlotLimiter;
  rates: EndpointRateLimiter;
  /** Adaptive concurrency, Retry-After holds and the circuit breaker, per endpoint. */
  health: EndpointHealth;
  accounting: Accounting;
  policy: RetryPolicy;
  random: () => number;
}

export interface TransportCall {
  binding: StageBinding;
  endpoint: Endpoint;
  request: Omit<ProviderRequest, 'timeoutMs' | 'firstTokenTimeoutMs' | 'idleTimeoutMs' | 'signal'>;
  /** Input estimate + max_tokens, for the tokens-per-minute bucket. */
  budgetTokens: number;
}

/** A fresh answer, or a request the provider rejected as such (400, 413, 422): the item is dropped with that reason. */
export type TransportResult = { ok: true; answer: ProviderAnswer; latencyMs: number } | { ok: false; reason: string };

export async function sendWithRetries(deps: TransportDeps, call: TransportCall): Promise<TransportResult> {
  const { binding, endpoint } = call;
  const signal = binding.signal;
  const timeoutMs = callTimeoutMs(call.request.maxTokens, deps.policy);
  const endpointKey = `${endpoint.baseUrl} ${endpoint.model}`;
  // 429s are waited out without using up attempts (until the pause window); other failures count.
  let failures = 0;
  for (let attempt = 1; ; attempt++) {
    await deps.rates.take(endpointKey, endpoint, call.budgetTokens, signal);
    await deps.health.admit(endpointKey, signal);
    let lease: Awaited<ReturnType<SlotLimiter['acquire']>>;
    try {
      lease = await deps.limiter.acquire(binding.runId, binding.concurrencyLimit, signal, binding.priority);
    } catch (error) {
      deps.health.cancel(endpointKey);
      throw error;
    }
    const started = performance.now();
    let failure: ProviderFailure;
    try {
      const answer = await deps.provider.complete({
        ...call.request,
        timeoutMs,
        firstTokenTimeoutMs: deps.policy.firstTokenTimeoutMs,
        idleTimeoutMs: deps.policy.streamIdleTimeoutMs,
        signal,
      });
      const latencyMs = performance.now() - started;
      deps.accounting.observeLatency(endpoint.model, latencyMs);
      deps.health.settle(endpointKey, { kind: 'ok' });
      return { ok: true, answer, latencyMs };
    } catch (error) {
      if (!(error instanceof ProviderFailureError)) {
        deps.health.cancel(endpointKey);
        throw error;
      }
      failure = error.failure;
    } finally {
      lease.release();
    }
    settleHealth(deps, endpointKey, failure);
    if (signal?.aborted) throw signal.reason;
    const latencyMs = performance.now() - started;
    deps.accounting.observeLatency(endpoint.model, latencyMs);
    await deps.accounting.record({
      runId: binding.runId,
      stage: binding.stage,
      tenantId: binding.owner?.tenantId,
      prompt: call.request.promptId,
      model: endpoint.model,
      cached: false,
      outcome: 'error',
      reason: failure.reason,
      inputTokens: 0,
      outputTokens: 0,
      cost: 0,
      latencyMs,
    });
    const what = `${endpoint.model} at ${endpoint.baseUrl}: ${failure.reason}${failure.detail ? ` (${failure.detail})` : ''}`;
    if (failure.kind === 'rejected')
      return { ok: false, reason: `the provider rejected the request: ${failure.reason}` };
    if (failure.kind === 'exhausted')
      throw new ProviderExhaustedError(`${endpoint.model} at ${endpoint.baseUrl}: ${failure.detail ?? failure.reason}`);
    // Refusals (bad key, unknown model) and exhausted retries are faults: the job layer retries the item later.
    if (!failure.transient) throw new LlmProviderError(`LLM call refused by ${what}`, failure.status);
    const limited = failure.kind === 'rate-limited' && binding.rateLimitPauseMs !== undefined;
    if (limited) {
      const forMs = deps.health.rateLimitedForMs(endpointKey);
      if (forMs >= (binding.rateLimitPauseMs ?? 0)) {
        throw new ProviderExhaustedError(
          `${endpoint.model} at ${endpoint.baseUrl} answered only 429s for ${Math.round(forMs / 1000)} s: ${failure.detail ?? failure.reason}`,
        );
      }
    } else failures++;
    if (failures >= deps.policy.maxAttempts) {
      throw new LlmProviderError(`LLM call failed ${attempt} times; last: ${what}`, failure.status);
    }
    if (!limited && (failure.retryAfterMs ?? 0) > deps.policy.maxRetryAfterMs) {
      throw new LlmProviderError(`LLM provider asked to wait ${failure.retryAfterMs} ms: ${what}`, failure.status);
    }
    await sleep(
      retryDelayMs(failure, Math.max(1, limited ? Math.min(attempt, 6) : failures), deps.policy, deps.random),
      signal,
    );
  }
}

/** What a failed attempt tells the endpoint's health: 429 and passing faults count, a request's own problem does not. */
function settleHealth(deps: TransportDeps, key: string, failure: ProviderFailure): void {
  if (failure.kind === 'rate-limited')
    deps.health.settle(key, { kind: 'rate-limited', retryAfterMs: failure.retryAfterMs });
  else if (failure.transient) deps.health.settle(key, { kind: 'failure' });
  else deps.health.cancel(key);
}
