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
  it('halves the calls allowed in flight on a 429 and adds one back per round of successes', async () => {
    const c = clock();
    const health = new EndpointHealth({ pollMs: 1 }, c.now);
    for (let i = 0; i < 8; i++) await health.admit('e');
    health.settle('e', { kind: 'rate-limited' });
    // 8 were in flight: 4 allowed now, 7 still in flight.
    expect(health.snapshot('e')).toMatchObject({ allowed: 4, inFlight: 7 });
    expect(await admitsNow(health)).toBe(false);
    for (let i = 0; i < 7; i++) health.settle('e', { kind: 'ok' });
    expect(health.snapshot('e').inFlight).toBe(0);
    expect(health.snapshot('e').allowed).toBeGreaterThan(5);
    expect(health.snapshot('e').allowed).toBeLessThan(6.5);
    expect(await admitsNow(health)).toBe(true);
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
