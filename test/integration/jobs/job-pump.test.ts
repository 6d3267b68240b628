/**
 * The job pump marks finished jobs complete together (one statement per queue per short window, not one per job):
 * every job still ends completed, including those that finish just before a graceful stop, and a killed pump
 * leaves its finished-but-unmarked jobs active, as a crash would.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Database } from '../../../src/db/client.ts';
import { JobPump, type PumpRegistration } from '../../../src/jobs/job-pump.ts';
import { JobQueue } from '../../../src/jobs/queue.ts';
import { createTestDatabase } from '../../support/test-db.ts';

const QUEUE = 'pump-test';
let database: Database | undefined;
let queue: JobQueue | undefined;
afterEach(async () => {
  await queue?.stop();
  await database?.close();
  queue = undefined;
  database = undefined;
});

async function setUp(jobCount: number) {
  database = await createTestDatabase();
  queue = await JobQueue.start(database, { heartbeatSeconds: 30, retryLimit: 1 });
  await queue.boss.createQueue(QUEUE, { retryLimit: 0, heartbeatSeconds: 30 });
  await queue.boss.insert(
    QUEUE,
    Array.from({ length: jobCount }, (_, i) => ({ data: { i } })),
  );
  return queue;
}

const states = async (q: JobQueue) => (await q.boss.findJobs(QUEUE)).map((j) => j.state).sort();

describe('the job pump', () => {
  it('completes every job, several per statement, and flushes the last ones on a graceful stop', async () => {
    const q = await setUp(60);
    const complete = vi.spyOn(q, 'complete');
    let handled = 0;
    const registration: PumpRegistration = {
      queue: QUEUE,
      handle: async () => {
        handled++;
      },
    };
    const pump = new JobPump(q, [registration], { capacity: 16, heartbeatSeconds: 30, log: console });
    pump.start();
    await vi.waitFor(() => expect(handled).toBe(60), { timeout: 30_000, interval: 20 });
    await pump.stop(1000);
    expect(await states(q)).toEqual(Array(60).fill('completed'));
    const marked = complete.mock.calls.reduce((n, [, ids]) => n + ids.length, 0);
    expect(marked).toBe(60);
    expect(complete.mock.calls.length).toBeLessThan(60);
  });

  it('leaves finished jobs it had not marked yet active when killed, as a crash would', async () => {
    const q = await setUp(5);
    let handled = 0;
    const registration: PumpRegistration = {
      queue: QUEUE,
      handle: async () => {
        handled++;
      },
    };
    const complete = vi.spyOn(q, 'complete');
    const pump = new JobPump(q, [registration], { capacity: 16, heartbeatSeconds: 30, log: console });
    pump.start();
    await vi.waitFor(() => expect(handled).toBe(5), { timeout: 30_000, interval: 1 });
    await pump.kill();
    // Whatever was marked before the kill is completed; the rest stays active for another worker to take up.
    const marked = complete.mock.calls.reduce((n, [, ids]) => n + ids.length, 0);
    const after = await states(q);
    expect(after.filter((s) => s === 'completed').length).toBe(marked);
    expect(after.filter((s) => s === 'active').length).toBe(5 - marked);
  });

  describe('woken for one queue', () => {
    const OTHER = 'pump-test-other';
    // Idle polls an hour apart: only wakes bring work in, so a lost wake shows as a job never handled.
    const noIdlePolls = { minIdleDelayMs: 3_600_000, maxIdleDelayMs: 3_600_000 };

    async function twoQueues() {
      const q = await setUp(0);
      await q.boss.createQueue(OTHER, { retryLimit: 0, heartbeatSeconds: 30 });
      const handled: string[] = [];
      const registrations: PumpRegistration[] = [QUEUE, OTHER].map((name) => ({
        queue: name,
        handle: async () => {
          handled.push(name);
        },
      }));
      const fetches: string[] = [];
      const fetch = q.fetch.bind(q);
      return { q, handled, registrations, fetches, fetch };
    }

    it('asks that queue only, not every queue', async () => {
      const { q, handled, registrations, fetches, fetch } = await twoQueues();
      vi.spyOn(q, 'fetch').mockImplementation(async (name, count) => {
        fetches.push(name);
        return fetch(name, count);
      });
      const pump = new JobPump(q, registrations, { capacity: 8, heartbeatSeconds: 30, log: console, ...noIdlePolls });
      pump.start();
      // The first round asks every queue.
      await vi.waitFor(() => expect(fetches).toEqual(expect.arrayContaining([QUEUE, OTHER])), { interval: 5 });
      const before = fetches.length;
      await q.boss.insert(OTHER, [{ data: {} }]);
      pump.wake(OTHER);
      await vi.waitFor(() => expect(handled).toEqual([OTHER]), { timeout: 30_000, interval: 5 });
      await pump.stop(1000);
      expect(fetches.slice(before).every((name) => name === OTHER)).toBe(true);
    });

    it('asks a stately queue again once a job of it is complete: a job of the same key waited for it', async () => {
      const q = await setUp(0);
      const STATELY = 'pump-test-stately';
      await q.boss.createQueue(STATELY, { policy: 'stately', retryLimit: 0, heartbeatSeconds: 30 });
      let release: () => void = () => {};
      const handled: number[] = [];
      const registration: PumpRegistration = {
        queue: STATELY,
        stately: true,
        handle: async (job) => {
          handled.push((job.data as { n: number }).n);
          if (handled.length === 1) await new Promise<void>((resolve) => (release = resolve));
        },
      };
      const pump = new JobPump(q, [registration], { capacity: 4, heartbeatSeconds: 30, log: console, ...noIdlePolls });
      pump.start();
      await q.boss.send(STATELY, { n: 1 }, { singletonKey: 'run' });
      pump.wake(STATELY);
      await vi.waitFor(() => expect(handled).toEqual([1]), { timeout: 30_000, interval: 5 });
      // Sent while the first is active: the queue holds it back until the first is complete.
      await q.boss.send(STATELY, { n: 2 }, { singletonKey: 'run' });
      pump.wake(STATELY);
      release();
      await vi.waitFor(() => expect(handled).toEqual([1, 2]), { timeout: 30_000, interval: 5 });
      await pump.stop(1000);
    });

    it('still asks every queue at its idle poll while woken more often than that for one', async () => {
      const { q, handled, registrations, fetches, fetch } = await twoQueues();
      vi.spyOn(q, 'fetch').mockImplementation(async (name, count) => {
        fetches.push(name);
        return fetch(name, count);
      });
      const pump = new JobPump(q, registrations, {
        capacity: 8,
        heartbeatSeconds: 30,
        log: console,
        minIdleDelayMs: 200,
        maxIdleDelayMs: 200,
      });
      pump.start();
      await vi.waitFor(() => expect(fetches).toEqual(expect.arrayContaining([QUEUE, OTHER])), { interval: 5 });
      // A job the pump is not told about (a retry coming due, or sent by another process), while it is woken for the
      // first queue four times per idle interval, as a busy sweep would.
      await q.boss.insert(OTHER, [{ data: {} }]);
      const waking = setInterval(() => pump.wake(QUEUE), 50);
      try {
        await vi.waitFor(() => expect(handled).toEqual([OTHER]), { timeout: 30_000, interval: 5 });
      } finally {
        clearInterval(waking);
      }
      await pump.stop(1000);
    });

    it('does not lose a wake that comes while that queue is being asked', async () => {
      const { q, handled, registrations, fetch } = await twoQueues();
      let pump: JobPump | undefined;
      let armed = false;
      vi.spyOn(q, 'fetch').mockImplementation(async (name, count) => {
        const jobs = await fetch(name, count);
        // The fetch found nothing; before the pump sees its answer, a job is sent and the pump woken for it.
        if (armed && name === OTHER) {
          armed = false;
          await q.boss.insert(OTHER, [{ data: {} }]);
          pump?.wake(OTHER);
        }
        return jobs;
      });
      pump = new JobPump(q, registrations, { capacity: 8, heartbeatSeconds: 30, log: console, ...noIdlePolls });
      armed = true;
      pump.start();
      await vi.waitFor(() => expect(handled).toEqual([OTHER]), { timeout: 30_000, interval: 5 });
      await pump.stop(1000);
    });
  });
});
