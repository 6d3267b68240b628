/**
 * concurrency_limit across worker processes: two child processes share one PostgreSQL database and one fake LLM, and
 * together never have more than LIMIT requests in flight. PGlite lives inside one process, so this test needs
 * DATABASE_URL (CI runs the suite on PostgreSQL too); limiter.test.ts covers the same protocol in-process on PGlite.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type FakeLlm, startFakeLlm } from '../../../tools/fake-llm/server.ts';
import { createTestDatabase } from '../../support/test-db.ts';

const LIMIT = 6;
const CALLS = 60;
const WORKER = path.join(import.meta.dirname, 'limit-worker.ts');

let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
let fake: FakeLlm | undefined;

beforeAll(async () => {
  if (!process.env.DATABASE_URL) return;
  [database, fake] = await Promise.all([createTestDatabase(), startFakeLlm({ latencyMs: 50 })]);
});
afterAll(async () => {
  await Promise.all([database?.close(), fake?.close()]);
});

function runWorker(name: string, url: string, fakeUrl: string): Promise<{ ok: number; elapsedMs: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
      env: {
        ...process.env,
        DATABASE_URL: url,
        FAKE_URL: fakeUrl,
        RUN_ID: 'run_shared',
        LIMIT: String(LIMIT),
        CALLS: String(CALLS),
        WORKER: name,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`worker ${name} exited with ${code}: ${err}`));
      resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { ok: number; elapsedMs: number });
    });
  });
}

it.skipIf(!process.env.DATABASE_URL)(
  'holds the run limit across two worker processes and keeps it filled',
  async () => {
    if (!database?.url || !fake) throw new Error('setup failed');
    const results = await Promise.all([runWorker('a', database.url, fake.url), runWorker('b', database.url, fake.url)]);
    expect(results.map((r) => r.ok)).toEqual([CALLS, CALLS]);
    const counters = await fake.counters();
    expect(counters.requests).toBe(2 * CALLS);
    expect(counters.maxInFlight).toBeLessThanOrEqual(LIMIT);
    expect(counters.maxInFlight).toBeGreaterThan(LIMIT / 2);
  },
);
