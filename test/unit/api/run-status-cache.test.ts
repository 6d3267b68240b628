import { describe, expect, it } from 'vitest';
import { RunStatusCache } from '../../../src/api/run-status-cache.ts';

function setUp() {
  let now = 0;
  let version = 0;
  let loads = 0;
  const exists = new Set(['run_a']);
  let gate: Promise<void> = Promise.resolve();
  const cache = new RunStatusCache<{ version: number }>(
    async (id) => {
      loads++;
      await gate;
      return exists.has(id) ? { tenantId: 'ten_1', doc: { version } } : undefined;
    },
    { ttlMs: 250, maxStaleMs: 2000, maxEntries: 10 },
    () => now,
  );
  return {
    cache,
    advance: (ms: number) => (now += ms),
    bump: () => version++,
    loads: () => loads,
    remove: (id: string) => exists.delete(id),
    hold: () => {
      let release = () => {};
      gate = new Promise((resolve) => (release = resolve));
      return () => release();
    },
  };
}

describe('RunStatusCache', () => {
  it('answers from memory while fresh, with a stable ETag', async () => {
    const t = setUp();
    const first = await t.cache.get('ten_1', 'run_a');
    t.bump();
    t.advance(100);
    const second = await t.cache.get('ten_1', 'run_a');
    expect(second).toEqual(first);
    expect(first?.etag).toMatch(/^"[\w-]+"$/);
    expect(t.loads()).toBe(1);
  });

  it('serves a recent document at once while one refresh runs, then the refreshed one', async () => {
    const t = setUp();
    await t.cache.get('ten_1', 'run_a');
    t.bump();
    t.advance(300);
    const release = t.hold();
    const [a, b] = await Promise.all([t.cache.get('ten_1', 'run_a'), t.cache.get('ten_1', 'run_a')]);
    expect(a?.doc.version).toBe(0);
    expect(b?.doc.version).toBe(0);
    expect(t.loads()).toBe(2);
    release();
    await new Promise((resolve) => setImmediate(resolve));
    expect((await t.cache.get('ten_1', 'run_a'))?.doc.version).toBe(1);
  });

  it('waits for a load when the document is too old, and forgets a run that is gone', async () => {
    const t = setUp();
    await t.cache.get('ten_1', 'run_a');
    t.bump();
    t.advance(2500);
    expect((await t.cache.get('ten_1', 'run_a'))?.doc.version).toBe(1);
    t.remove('run_a');
    t.advance(2500);
    expect(await t.cache.get('ten_1', 'run_a')).toBeUndefined();
  });

  it('answers another tenant as if the run did not exist', async () => {
    const t = setUp();
    expect(await t.cache.get('ten_1', 'run_a')).toBeDefined();
    expect(await t.cache.get('ten_2', 'run_a')).toBeUndefined();
  });

  it('reads its own write after invalidate, even with a load of the old state in flight', async () => {
    const t = setUp();
    await t.cache.get('ten_1', 'run_a');
    t.advance(300);
    const release = t.hold();
    const stale = t.cache.get('ten_1', 'run_a'); // starts a background refresh that reads version 0
    t.bump();
    t.cache.invalidate('run_a');
    release();
    await stale;
    expect((await t.cache.get('ten_1', 'run_a'))?.doc.version).toBe(1);
  });
});
