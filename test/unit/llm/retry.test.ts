import { describe, expect, it } from 'vitest';
import {
  backoffDelayMs,
  callTimeoutMs,
  defaultRetryPolicy,
  type ProviderFailure,
  parseRetryAfter,
  retryDelayMs,
} from '../../../src/llm/retry.ts';

const headers = (values: Record<string, string>) => (name: string) => values[name];

describe('parseRetryAfter', () => {
  it('reads seconds, an HTTP date and retry-after-ms', () => {
    expect(parseRetryAfter(headers({ 'retry-after': '2' }))).toBe(2000);
    expect(parseRetryAfter(headers({ 'retry-after': '0.5' }))).toBe(500);
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter(headers({ 'retry-after': 'Wed, 01 Jan 2025 00:00:07 GMT' }), now)).toBe(7000);
    expect(parseRetryAfter(headers({ 'retry-after': 'Tue, 31 Dec 2024 23:59:00 GMT' }), now)).toBe(0);
    expect(parseRetryAfter(headers({ 'retry-after-ms': '250', 'retry-after': '9' }))).toBe(250);
  });

  it('ignores absent or unreadable values', () => {
    expect(parseRetryAfter(headers({}))).toBeUndefined();
    expect(parseRetryAfter(headers({ 'retry-after': 'soon' }))).toBeUndefined();
  });
});

describe('delays', () => {
  it('backs off exponentially with jitter between half and the full delay, capped', () => {
    const policy = { ...defaultRetryPolicy, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelayMs(1, policy, () => 0)).toBe(50);
    expect(backoffDelayMs(1, policy, () => 0.999)).toBe(100);
    expect(backoffDelayMs(3, policy, () => 0)).toBe(200);
    expect(backoffDelayMs(10, policy, () => 0.999)).toBe(1000);
  });

  it('waits at least Retry-After when the provider sent one', () => {
    const failure: ProviderFailure = { kind: 'rate-limited', transient: true, reason: 'HTTP 429', retryAfterMs: 3000 };
    expect(retryDelayMs(failure, 1, defaultRetryPolicy, () => 0)).toBe(3000);
    expect(retryDelayMs(failure, 1, defaultRetryPolicy, () => 0.999)).toBeLessThanOrEqual(3300);
  });

  it('sizes the per-call timeout from max_tokens (30 s + 60 ms per token by default)', () => {
    expect(callTimeoutMs(3000, defaultRetryPolicy)).toBe(210_000);
    expect(callTimeoutMs(0, defaultRetryPolicy)).toBe(30_000);
  });
});
