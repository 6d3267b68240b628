/**
 * A long loop of queries (planning thousands of chunks), or thousands sent at once, must still let the server answer
 * requests while it runs, not after (it once left requests unanswered for 90 s, when PGlite ran on the service's own
 * thread; it now has a thread of its own). PGlite only: PostgreSQL answers over sockets, which yield by nature.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { sql } from '../../../src/db/client.ts';
import { startTestService, type TestService } from '../../support/service.ts';
import { usingPostgres } from '../../support/test-db.ts';

let t: TestService | undefined;
afterAll(async () => {
  await t?.stop();
});

describe.skipIf(usingPostgres)('the embedded database under a long loop of queries', () => {
  it('answers a request while the loop runs, not once it has ended', async () => {
    t = await startTestService();
    const { db } = t.database;
    const total = 3000;
    let done = 0;
    const loop = (async () => {
      for (; done < total; done++) await db.execute(sql`select 1`);
    })();
    const res = await fetch(`${t.baseUrl}/healthz`);
    const answeredAt = done;
    expect(res.status).toBe(200);
    await loop;
    expect(answeredAt).toBeLessThan(total);
  });

  it('answers a request between queries sent all at once, not once they have all run', async () => {
    t ??= await startTestService();
    const { db } = t.database;
    // Sixty items settling together: with PGlite on this thread, its lock handed the database from one to the next
    // without a turn of the event loop in between.
    const total = 3000;
    let done = 0;
    const queries = Promise.all(Array.from({ length: total }, () => db.execute(sql`select 1`).then(() => done++)));
    const res = await fetch(`${t.baseUrl}/healthz`);
    const answeredAt = done;
    expect(res.status).toBe(200);
    await queries;
    expect(answeredAt).toBeLessThan(total);
  });
});
