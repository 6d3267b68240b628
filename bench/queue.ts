/**
 * Queue throughput through the job pump (the path stage items take), and the embedded database's start-up time.
 * Prints jobs/s on PGlite, and on PostgreSQL too when DATABASE_URL is set.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type Database, migrateDatabase, openDatabase } from '../src/db/client.ts';
import { JobPump } from '../src/jobs/job-pump.ts';
import { JobQueue } from '../src/jobs/queue.ts';

const silent = { error: () => {} };

async function drain(database: Database, jobs: number): Promise<number> {
  const queue = await JobQueue.start(database, { heartbeatSeconds: 30, retryLimit: 0 });
  const name = `bench-${Date.now()}`;
  await queue.boss.createQueue(name);
  await queue.boss.insert(
    name,
    Array.from({ length: jobs }, (_, i) => ({ data: { i } })),
  );
  let done = 0;
  let finished: () => void = () => {};
  const all = new Promise<void>((r) => {
    finished = r;
  });
  const pump = new JobPump(
    queue,
    [
      {
        queue: name,
        handle: async () => {
          if (++done === jobs) finished();
        },
      },
    ],
    { capacity: 64, heartbeatSeconds: 30, log: silent },
  );
  const started = performance.now();
  pump.start();
  await all;
  const seconds = (performance.now() - started) / 1000;
  await pump.stop(1000);
  await queue.stop();
  return jobs / seconds;
}

export async function benchQueue(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-pglite-'));
  try {
    let t = performance.now();
    const cold = await openDatabase({ pgliteDir: dir });
    await migrateDatabase(cold);
    const coldQueue = await JobQueue.start(cold, { heartbeatSeconds: 30, retryLimit: 0 });
    const coldMs = performance.now() - t;
    await coldQueue.stop();
    await cold.close();
    t = performance.now();
    const warm = await openDatabase({ pgliteDir: dir });
    await migrateDatabase(warm);
    const warmQueue = await JobQueue.start(warm, { heartbeatSeconds: 30, retryLimit: 0 });
    const warmMs = performance.now() - t;
    await warmQueue.stop();
    console.log(
      `pglite start-up (open + migrate + queue): first start ${coldMs.toFixed(0)} ms, restart ${warmMs.toFixed(0)} ms`,
    );
    const rate = await drain(warm, 2000);
    console.log(`queue on pglite: ${rate.toFixed(0)} jobs/s (2,000 jobs through the pump, 64 in flight)`);
    await warm.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  if (process.env.DATABASE_URL) {
    const pg = await openDatabase({ databaseUrl: process.env.DATABASE_URL });
    await migrateDatabase(pg);
    const rate = await drain(pg, 5000);
    console.log(`queue on postgresql: ${rate.toFixed(0)} jobs/s (5,000 jobs through the pump, 64 in flight)`);
    await pg.close();
  } else {
    console.log('queue on postgresql: skipped (set DATABASE_URL to measure)');
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchQueue();
