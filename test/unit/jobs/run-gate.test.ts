/** The pause gate every LLM call of a worker passes: one read of the run's status at a time per run. */
import { describe, expect, it } from 'vitest';
import { RunGate } from '../../../src/jobs/call-guard.ts';

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('RunGate', () => {
  it('lets the calls that find the cached answer stale share one read', async () => {
    const answer = deferred<boolean>();
    let reads = 0;
    const gate = new RunGate(async () => {
      reads++;
      return answer.promise;
    });
    const calls = Array.from({ length: 64 }, () => gate.paused('run_a'));
    answer.resolve(false);
    expect(await Promise.all(calls)).toEqual(Array(64).fill(false));
    expect(reads).toBe(1);
    // Fresh now: answered from the cache.
    expect(await gate.paused('run_a')).toBe(false);
    expect(reads).toBe(1);
  });

  it('keeps a pause this process made while a read was out, and reads a paused run again', async () => {
    const answer = deferred<boolean>();
    let reads = 0;
    const gate = new RunGate(async () => {
      reads++;
      return reads === 1 ? answer.promise : true;
    });
    const call = gate.paused('run_b');
    gate.markPaused('run_b');
    answer.resolve(false);
    expect(await call).toBe(true);
    expect(await gate.paused('run_b')).toBe(true);
    expect(reads).toBe(2);
  });
});
