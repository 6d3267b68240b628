/**
 * The LLM gateway under load: 2,000 distinct calls through one gateway with concurrency_limit 64 against the fake LLM
 * (300 ms latency, in a child process so its CPU is not counted), on an in-memory PGlite. Prints the schedule
 * efficiency = (calls × latency ÷ limit) ÷ wall time (target ≥ 0.90), the gateway's CPU per call (this process:
 * prompt rendering, hashing, the openai SDK, the limiter and PGlite's cache and accounting writes), and then the
 * same batch again, answered from the cache (a resumed run). `npm run bench -- llm`, or run this file directly.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrateDatabase, openDatabase } from '../src/db/client.ts';
import { usageByStage } from '../src/db/queries/llm-accounting.ts';
import { createGateway } from '../src/llm/gateway.ts';
import { loadPrompts } from '../src/llm/prompts.ts';
import type { StageBinding } from '../src/llm/types.ts';
import { type LlmCall, parsed } from '../src/pipelines/step.ts';
import { spawnFakeLlm } from '../tools/fake-llm/remote.ts';

const CALLS = 2000;
const LIMIT = 64;
const LATENCY_MS = 300;

const here = path.dirname(fileURLToPath(import.meta.url));
const PROMPTS = path.join(here, '../test/fixtures/prompts');

/** A chunk-sized passage (about 1,000 tokens), different for every call. */
function passage(i: number): string {
  const sentence = `Item ${i} of the benchmark describes how the harbour pilot boards ship number ${i * 7} at dusk.`;
  return Array.from({ length: 45 }, (_, j) => `${sentence} Detail ${j}.`).join(' ');
}

function call(i: number): LlmCall<string> {
  return {
    prompt: 'llm-test/summary',
    vars: { text: passage(i) },
    model: 'small',
    sampling: { maxTokens: 1000, temperature: 0.7, stop: ['### Response', '[INST]', '<|eot_id|>', '</s>', 'Name:'] },
    parse: (text) => {
      const match = /<summary>([\s\S]*?)<\/summary>/.exec(text);
      return match?.[1] ? parsed.ok(match[1].trim()) : parsed.retry('Put the summary inside summary tags.');
    },
  };
}

async function batch(run: (i: number) => Promise<unknown>) {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const results = await Promise.all(Array.from({ length: CALLS }, (_, i) => run(i)));
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { results, wallMs, cpuMsPerCall: (used.user + used.system) / 1000 / CALLS };
}

export async function benchLlm(): Promise<void> {
  const fake = await spawnFakeLlm(['--latency', String(LATENCY_MS)]);
  const database = await openDatabase({ pgliteDir: 'memory://' });
  await migrateDatabase(database);
  const gateway = createGateway({
    db: database.db,
    prompts: loadPrompts(PROMPTS, [{ id: 'llm-test/summary', variables: ['text'] }]),
  });
  const endpoint = {
    model: 'fake-model',
    baseUrl: fake.url,
    apiKey: '',
    mode: 'api',
    costPerMillionInput: 0.15,
    costPerMillionOutput: 0.2,
  };
  const binding: StageBinding = {
    runId: 'run_bench',
    stage: 'bench',
    endpoints: { small: endpoint, large: endpoint },
    useStop: true,
    completionMode: false,
    concurrencyLimit: LIMIT,
  };
  const llm = gateway.forStage(binding);
  try {
    // Warm-up (SDK client, connections, prepared code paths), then the measured batch.
    await Promise.all(Array.from({ length: LIMIT }, (_, i) => llm.call(call(CALLS + i))));
    await fake.reset();

    const fresh = await batch((i) => llm.call(call(i)));
    const counters = await fake.counters();
    const ok = fresh.results.filter((r) => (r as { ok: boolean }).ok).length;
    const idealMs = (CALLS * LATENCY_MS) / LIMIT;
    console.log(`fresh calls      ${CALLS} (${ok} ok), limit ${LIMIT}, fake latency ${LATENCY_MS} ms (child process)`);
    console.log(`  wall           ${(fresh.wallMs / 1000).toFixed(2)} s (ideal ${(idealMs / 1000).toFixed(2)} s)`);
    console.log(`  efficiency     ${(idealMs / fresh.wallMs).toFixed(3)} (target >= 0.90)`);
    console.log(`  max in flight  ${counters.maxInFlight} at the fake (limit ${LIMIT}); requests ${counters.requests}`);
    console.log(
      `  gateway CPU    ${fresh.cpuMsPerCall.toFixed(2)} ms per call (render, hash, SDK, limiter, PGlite writes)`,
    );

    await fake.reset();
    const cached = await batch((i) => llm.call(call(i)));
    const after = await fake.counters();
    console.log(`cached re-run    ${CALLS} calls, ${after.requests} provider requests`);
    console.log(
      `  wall           ${(cached.wallMs / 1000).toFixed(2)} s (${Math.round(CALLS / (cached.wallMs / 1000))} calls/s)`,
    );
    console.log(`  gateway CPU    ${cached.cpuMsPerCall.toFixed(2)} ms per call`);
    const usage = (await usageByStage(database.db, 'run_bench')).get('bench');
    if (usage) {
      console.log(
        `accounting       ${usage.calls} calls (${usage.cachedCalls} cached), ${usage.inputTokens} in / ${usage.outputTokens} out tokens, $${usage.cost.toFixed(4)}`,
      );
    }
  } finally {
    await gateway.close();
    await database.close();
    await fake.close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await benchLlm();
}
