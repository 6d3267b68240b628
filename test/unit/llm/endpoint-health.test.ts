import { describe, expect, it } from 'vitest';
import { EndpointHealth } from '../../../src/llm/endpoint-health.ts';

function clock() {
  let now = 1_000_000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

/** Whether `admit` resolves without waiting (checked before the health's poll could run). */
async function admitsNow(health: EndpointHealth, key = 'e'): Promise<boolean> {
  const controller = new AbortController();
  const admitted = health.admit(key, controller.signal).then(
    () => true,
    () => false,
  );
  await new Promise((resolve) => setImmediate(resolve));
  controller.abort();
  return admitted;
}

describe('EndpointHealth', () => {
  it('halves the calls allowed in flight once most answers are 429s, and adds one back per round of successes', async () => {
    const c = clock();
    const health = new EndpointHealth({ pollMs: 1, failureThreshold: 100 }, c.now);
    for (let i = 0; i < 16; i++) await health.admit('e');
    // A 429 now and then is noise: nothing changes.
    health.settle('e', { kind: 'rate-limited' });
    for (let i = 0; i < 3; i++) health.settle('e', { kind: 'ok' });
    expect(health.snapshot('e').allowed).toBeGreaterThan(1000);
    // Then nothing but 429s: once they are most of the recent answers, each halves what is allowed in flight.
    for (let i = 0; i < 12; i++) health.settle('e', { kind: 'rate-limited' });
    const allowed = health.snapshot('e').allowed;
    expect(allowed).toBeLessThan(4);
    expect(health.snapshot('e').inFlight).toBe(0);
    expect(await admitsNow(health)).toBe(true);
    health.cancel('e');
    // Successes bring it back up, about one per round.
    for (let i = 0; i < 20; i++) {
      await health.admit('e');
      health.settle('e', { kind: 'ok' });
    }
    expect(health.snapshot('e').allowed).toBeGreaterThan(allowed + 2);
  });

  it('does not shrink for a provider that refuses a fifth of requests at random', async () => {
    const c = clock();
    const health = new EndpointHealth({ pollMs: 1, failureThreshold: 100 }, c.now);
    for (let i = 0; i < 500; i++) {
      await health.admit('e');
      health.settle('e', i % 5 === 0 ? { kind: 'rate-limited' } : { kind: 'ok' });
    }
    expect(health.snapshot('e').allowed).toBeGreaterThan(64);
  });

  it('holds every call for a Retry-After, not just the one that got it', async () => {
    const c = clock();
    const health = new EndpointHealth({ pollMs: 1 }, c.now);
    await health.admit('e');
    health.settle('e', { kind: 'rate-limited', retryAfterMs: 5000 });
    expect(await admitsNow(health)).toBe(false);
    c.advance(5001);
    expect(await admitsNow(health)).toBe(true);
  });

  it('opens after consecutive failures, lets one probe through when the wait is over, and closes on its success', async () => {
    const c = clock();
    const health = new EndpointHealth({ pollMs: 1, failureThreshold: 3, openMs: 1000 }, c.now);
    for (let i = 0; i < 3; i++) {
      await health.admit('e');
      health.settle('e', { kind: 'failure' });
    }
    expect(health.snapshot('e').open).toBe(true);
    expect(await admitsNow(health)).toBe(false);
    c.advance(1001);
    await health.admit('e'); // the probe
    expect(await admitsNow(health)).toBe(false);
    health.settle('e', { kind: 'failure' });
    // The probe failed: open again, for twice as long.
    c.advance(1001);
    expect(await admitsNow(health)).toBe(false);
    c.advance(1000);
    await health.admit('e');
    health.settle('e', { kind: 'ok' });
    expect(health.snapshot('e').open).toBe(false);
    expect(await admitsNow(health)).toBe(true);
    // Other endpoints were never affected.
    expect(await admitsNow(health, 'other')).toBe(true);
  });

  it('measures how long an endpoint has answered only 429s, until a success', async () => {
    const c = clock();
    const health = new EndpointHealth({ pollMs: 1, failureThreshold: 100 }, c.now);
    await health.admit('e');
    health.settle('e', { kind: 'rate-limited' });
    c.advance(3000);
    await health.admit('e');
    health.settle('e', { kind: 'rate-limited' });
    expect(health.rateLimitedForMs('e')).toBe(3000);
    await health.admit('e');
    health.settle('e', { kind: 'ok' });
    expect(health.rateLimitedForMs('e')).toBe(0);
  });
});

describe('EndpointHealth while open', () => {
  it('is not kept open longer by the failures of calls that were in flight when it opened', async () => {
    const c = clock();
    const health = new EndpointHealth({ pollMs: 1, failureThreshold: 2, openMs: 1000 }, c.now);
    for (let i = 0; i < 6; i++) await health.admit('e');
    for (let i = 0; i < 6; i++) health.settle('e', { kind: 'failure' });
    c.advance(1001);
    expect(await admitsNow(health)).toBe(true);
  });
});
