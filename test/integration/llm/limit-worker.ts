/**
 * A worker process for cross-process.test.ts: opens the shared database, makes CALLS distinct calls through the
 * gateway with concurrency limit LIMIT for run RUN_ID against the fake LLM at FAKE_URL, and prints
 * `{"ok": <calls that succeeded>, "elapsedMs": <time of the calls>}`.
 */
import { openDatabase } from '../../../src/db/client.ts';
import { createGateway } from '../../../src/llm/gateway.ts';
import { binding, summaryCall, testPrompts } from './support.ts';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`limit-worker: ${name} is required`);
  return value;
};

const database = await openDatabase({ databaseUrl: env('DATABASE_URL'), poolMax: 4 });
const gateway = createGateway({ db: database.db, prompts: testPrompts() });
const llm = gateway.forStage(
  binding(env('FAKE_URL'), { runId: env('RUN_ID'), concurrencyLimit: Number(env('LIMIT')) }),
);
const name = env('WORKER');
const started = performance.now();
const results = await Promise.all(
  Array.from({ length: Number(env('CALLS')) }, (_, i) => llm.call(summaryCall(`Worker ${name} asks about item ${i}.`))),
);
const elapsedMs = Math.round(performance.now() - started);
console.log(JSON.stringify({ ok: results.filter((r) => r.ok).length, elapsedMs }));
await gateway.close();
await database.close();
