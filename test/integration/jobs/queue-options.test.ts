/**
 * A queue keeps the options it was created with, so a deployment that predates a change to them (a retry limit set
 * through JOB_RETRY_LIMIT, a dead letter added later) must have them brought in step when a process starts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/db/client.ts';
import { jobs } from '../../../src/jobs/job-definitions.ts';
import { JobQueue } from '../../../src/jobs/queue.ts';
import { createTestDatabase } from '../../support/test-db.ts';

let database: Database;
let queue: JobQueue | undefined;
beforeAll(async () => {
  database = await createTestDatabase();
  queue = await JobQueue.start(database, { heartbeatSeconds: 30, retryLimit: 3 });
});
afterAll(async () => {
  await queue?.stop();
  await database?.close();
});

describe('queue options', () => {
  it('brings queues created with older options in step, and leaves matching ones alone', async () => {
    const boss = (queue as JobQueue).boss;
    // As an older version left them: the preview queue without retry or dead letter, items with another limit.
    for (const name of [jobs.preview.queue, jobs.previewDead.queue, jobs.stageItem('test_kind').queue]) {
      if (await boss.getQueue(name)) await boss.deleteQueue(name);
    }
    await boss.createQueue(jobs.preview.queue, { retryLimit: 0, heartbeatSeconds: 30 });
    await boss.createQueue(jobs.stageItem('test_kind').queue, { retryLimit: 9, heartbeatSeconds: 30 });

    await queue?.ensureQueues(['test_kind']);
    const preview = await boss.getQueue(jobs.preview.queue);
    expect(preview).toMatchObject({ retryLimit: 1, deadLetter: jobs.previewDead.queue });
    expect(await boss.getQueue(jobs.previewDead.queue)).toBeTruthy();
    const items = await boss.getQueue(jobs.stageItem('test_kind').queue);
    expect(items).toMatchObject({ retryLimit: 3, deadLetter: jobs.deadItem.queue });

    // Nothing differs now: a second start changes nothing.
    const before = JSON.stringify(await boss.getQueues([jobs.preview.queue]));
    await queue?.ensureQueues(['test_kind']);
    const after = JSON.stringify(await boss.getQueues([jobs.preview.queue]));
    expect(JSON.parse(after)[0]).toMatchObject({ retryLimit: 1, deadLetter: jobs.previewDead.queue });
    expect(JSON.parse(after)[0].updatedOn ?? null).toEqual(JSON.parse(before)[0].updatedOn ?? null);
  });
});
