import { expect, it } from 'vitest';
import { EndpointRateLimiter } from '../../../src/llm/rate-limit.ts';

it('lets a 10-second burst through, then paces requests to the per-minute rate', async () => {
  const limiter = new EndpointRateLimiter();
  const started = performance.now();
  // rpm 600 = 10 per second; the burst is 100 requests.
  for (let i = 0; i < 100; i++) await limiter.take('e', { rpm: 600 }, 1);
  expect(performance.now() - started).toBeLessThan(50);
  await limiter.take('e', { rpm: 600 }, 1);
  await limiter.take('e', { rpm: 600 }, 1);
  expect(performance.now() - started).toBeGreaterThanOrEqual(180);
});

it('charges tokens against tokens-per-minute, a large request leaving the bucket in debt', async () => {
  const limiter = new EndpointRateLimiter();
  const started = performance.now();
  // tpm 60000 = 1000 per second; the burst is 10000 tokens.
  await limiter.take('e', { tpm: 60_000 }, 10_500);
  expect(performance.now() - started).toBeLessThan(50);
  // 500 tokens of debt + 100 requested at 1000 per second.
  await limiter.take('e', { tpm: 60_000 }, 100);
  expect(performance.now() - started).toBeGreaterThanOrEqual(590);
});

it('rejects a waiting taker when its signal aborts', async () => {
  const limiter = new EndpointRateLimiter();
  await limiter.take('e', { rpm: 6 }, 1);
  const controller = new AbortController();
  const waiting = limiter.take('e', { rpm: 6 }, 1, controller.signal);
  controller.abort(new Error('stop'));
  await expect(waiting).rejects.toThrow('stop');
});
