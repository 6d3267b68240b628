import { describe, expect, it } from 'vitest';
import { mapInSlices, runInSlices, runToEnd } from '../../../src/lib/time-slices.ts';

/** Steps that each keep the thread busy for `ms`, recording after which step anything else ran. */
function* busySteps(steps: number, ms: number, log: string[]): Generator<void, number> {
  for (let i = 0; i < steps; i++) {
    const until = performance.now() + ms;
    while (performance.now() < until) {}
    log.push(`step ${i}`);
    yield;
  }
  return steps;
}

describe('time slices', () => {
  it('runs the steps to the end at once, nothing else in between', () => {
    const log: string[] = [];
    setImmediate(() => log.push('other'));
    expect(runToEnd(busySteps(3, 1, log))).toBe(3);
    expect(log).toEqual(['step 0', 'step 1', 'step 2']);
  });

  it('lets other work run once a slice is used up, and gives the same result', async () => {
    const log: string[] = [];
    setImmediate(() => log.push('other'));
    // Each step is longer than the slice, so the event loop gets a turn after every one.
    expect(await runInSlices(busySteps(3, 3, log), 2)).toBe(3);
    expect(log.indexOf('other')).toBeGreaterThan(0);
    expect(log.indexOf('other')).toBeLessThan(log.length - 1);
  });

  it('does not pause while the slice lasts', async () => {
    const log: string[] = [];
    setImmediate(() => log.push('other'));
    await runInSlices(busySteps(5, 0, log), 60_000);
    expect(log.slice(0, 5)).toEqual(['step 0', 'step 1', 'step 2', 'step 3', 'step 4']);
  });

  it('maps a list in order, letting other work run between its items once a slice is used up', async () => {
    const log: string[] = [];
    setImmediate(() => log.push('other'));
    const doubled = await mapInSlices(
      [1, 2, 3],
      (n) => {
        const until = performance.now() + 3;
        while (performance.now() < until) {}
        log.push(`item ${n}`);
        return n * 2;
      },
      2,
    );
    expect(doubled).toEqual([2, 4, 6]);
    expect(log.indexOf('other')).toBeGreaterThan(0);
    expect(log.indexOf('other')).toBeLessThan(log.length - 1);
  });
});
