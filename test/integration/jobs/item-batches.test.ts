/**
 * The item work a worker batches (jobs/item-batches.ts) on the real database, both kinds: items read with their run
 * and stage many at once; outcomes recorded exactly once per item whatever the batching (twice in one batch, again in
 * a later one); the stage's end said once per batch, and said at all only when nothing of the stage is pending; and
 * an outcome the database refuses failing alone, not the items batched with it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/db/client.ts';
import {
  getItem,
  getItemsWithRun,
  insertItems,
  recordItemOutcomes,
  stagesWithPending,
} from '../../../src/db/queries/run-items.ts';
import { insertRun } from '../../../src/db/queries/runs.ts';
import { createTenant } from '../../../src/db/queries/tenants.ts';
import { projects } from '../../../src/db/schema/index.ts';
import { ItemBatches } from '../../../src/jobs/item-batches.ts';
import { createTestDatabase } from '../../support/test-db.ts';

let database: Database;
let runId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  const { db } = database;
  const tenant = await createTenant(db, 'batches');
  await db.insert(projects).values({ id: 'project_batches', tenantId: tenant.id, name: 'batches' });
  runId = 'run_batches';
  const stage = (name: string) => ({ name, kind: name, params: {}, dependsOn: [], state: 'running' as const });
  await insertRun(
    db,
    { id: runId, tenantId: tenant.id, projectId: 'project_batches', configId: 'c', seed: 1, sources: [] },
    [stage('a'), stage('b'), stage('c'), stage('d')],
  );
  for (const name of ['a', 'b', 'c', 'd']) {
    await insertItems(
      db,
      runId,
      name,
      ['k1', 'k2', 'k3'].map((key) => ({ key, input: { key, text: `${name} ${key} ü` } })),
    );
  }
}, 60_000);

afterAll(async () => {
  await database?.close();
});

const ref = (stage: string, key: string) => ({ runId, stage, key });

describe('batched item reads', () => {
  it('reads many items with their run and stage in one statement, leaving out what does not exist', async () => {
    const rows = await getItemsWithRun(database.db, [ref('a', 'k2'), ref('a', 'nope'), ref('b', 'k1')]);
    expect(rows.map((r) => [r.item.stage, r.item.key, r.run.id, r.stage.name]).sort()).toEqual([
      ['a', 'k2', runId, 'a'],
      ['b', 'k1', runId, 'b'],
    ]);
    expect(rows.find((r) => r.item.key === 'k2')?.item.input).toEqual({ key: 'k2', text: 'a k2 ü' });
  });

  it('gives each caller its own item, undefined for one that does not exist', async () => {
    const batches = new ItemBatches(database.db);
    const [one, missing, other] = await Promise.all([
      batches.read(ref('b', 'k3')),
      batches.read(ref('b', 'nope')),
      batches.read(ref('c', 'k1')),
    ]);
    expect([one?.item.stage, one?.item.key, missing, other?.item.stage, other?.item.key]).toEqual([
      'b',
      'k3',
      undefined,
      'c',
      'k1',
    ]);
  });
});

describe('batched outcomes', () => {
  it('records each item once, by its first entry, and says which it recorded', async () => {
    const recorded = await recordItemOutcomes(database.db, [
      { ...ref('a', 'k1'), state: 'done', output: { answer: 'first', nested: [1, 'é'] } },
      { ...ref('a', 'k1'), state: 'done', output: { answer: 'second' } },
      { ...ref('a', 'k2'), state: 'dropped', reason: 'judged unsuitable' },
    ]);
    expect(recorded.map((r) => r.key).sort()).toEqual(['k1', 'k2']);
    const k1 = await getItem(database.db, runId, 'a', 'k1');
    expect([k1?.state, k1?.output, k1?.attempts]).toEqual(['done', { answer: 'first', nested: [1, 'é'] }, 1]);
    const k2 = await getItem(database.db, runId, 'a', 'k2');
    expect([k2?.state, k2?.output, k2?.reason]).toEqual(['dropped', null, 'judged unsuitable']);
    // Already settled: a later batch records nothing.
    expect(await recordItemOutcomes(database.db, [{ ...ref('a', 'k1'), state: 'done', output: {} }])).toEqual([]);
    expect((await getItem(database.db, runId, 'a', 'k1'))?.output).toEqual({ answer: 'first', nested: [1, 'é'] });
  });

  it('tells the stages that still have a pending item', async () => {
    const pending = await stagesWithPending(database.db, [
      { runId, stage: 'a' },
      { runId, stage: 'a' },
      { runId, stage: 'd' },
      { runId, stage: 'unknown' },
    ]);
    expect(pending.map((p) => p.stage).sort()).toEqual(['a', 'd']);
  });

  it("says a stage's end once, when its last items settle together, and each outcome recorded once", async () => {
    const batches = new ItemBatches(database.db, { settleWindowMs: 20 });
    const settled = await Promise.all([
      batches.settle({ ...ref('b', 'k1'), state: 'done', output: 1 }),
      batches.settle({ ...ref('b', 'k2'), state: 'done', output: 2 }),
      batches.settle({ ...ref('b', 'k2'), state: 'done', output: 3 }),
      batches.settle({ ...ref('b', 'k3'), state: 'dropped', reason: 'no' }),
      batches.settle({ ...ref('c', 'k1'), state: 'done', output: 4 }),
    ]);
    expect(settled.map((s) => s.recorded)).toEqual([true, true, false, true, true]);
    // b has nothing pending left: one of its items says so; c still has two pending items.
    expect(settled.slice(0, 4).filter((s) => s.stageSettled)).toHaveLength(1);
    expect(settled[4]?.stageSettled).toBe(false);
    expect((await getItem(database.db, runId, 'b', 'k2'))?.output).toBe(2);
    // Settled again later (a job delivered twice): not recorded, and the stage has ended.
    expect(await batches.settle({ ...ref('b', 'k1'), state: 'done', output: 9 })).toEqual({
      recorded: false,
      stageSettled: true,
    });
  });

  it('fails only the outcome the database refuses, not the others batched with it', async () => {
    const batches = new ItemBatches(database.db, { settleWindowMs: 20 });
    // jsonb cannot hold the NUL character: this output is refused.
    const [good, bad, last] = await Promise.allSettled([
      batches.settle({ ...ref('d', 'k1'), state: 'done', output: { text: 'fine' } }),
      batches.settle({ ...ref('d', 'k2'), state: 'done', output: { text: 'nul \u0000 here' } }),
      batches.settle({ ...ref('c', 'k2'), state: 'done', output: 'fine too' }),
    ]);
    expect(good).toEqual({ status: 'fulfilled', value: { recorded: true, stageSettled: false } });
    expect(bad?.status).toBe('rejected');
    expect(last).toEqual({ status: 'fulfilled', value: { recorded: true, stageSettled: false } });
    expect((await getItem(database.db, runId, 'd', 'k2'))?.state).toBe('pending');
    expect((await getItem(database.db, runId, 'd', 'k1'))?.output).toEqual({ text: 'fine' });
  });
});
