/**
 * A pretraining run end to end against the fake LLM: ~200 representation-variation chunks (plus as many for inferred
 * facts) from a field manual, the fake LLM in a child process at 300 ms latency, concurrency_limit 64, the service
 * in-process on an in-memory PGlite (or DATABASE_URL). Prints wall time, LLM calls per chunk and the schedule
 * efficiency = (calls × latency ÷ limit) ÷ wall time of the LLM stages (target ≥ 0.90).
 * `npm run bench -- pipeline`, or run this file directly; BENCH_TIMELINE=1 also prints the model's in-flight count
 * over time and each stage's span, to see where slots sat idle.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { corpusAvailable } from '../test/support/corpus.ts';
import { pretrainingConfigYaml } from '../test/support/pretraining-config.ts';
import { runComposition } from './composition-run.ts';

const LATENCY_MS = 300;
const LIMIT = 64;
/** Smaller chunks give more of them: `BENCH_CHUNK_TOKENS=100` shows how the fixed per-stage overheads amortise. */
const CHUNK_TOKENS = Number(process.env.BENCH_CHUNK_TOKENS ?? 300);

export async function benchPipeline(): Promise<void> {
  if (!corpusAvailable) {
    console.log('skipped: the shared corpus is not beside the checkout (set CORPUS_DIR)');
    return;
  }
  // About 60k tokens: ~200 chunks of 300 tokens. The factual half is off: this measures the pretraining stages.
  const { status, wallMs, cpuMs, counters, timeline } = await runComposition({
    latencyMs: LATENCY_MS,
    corpusFile: 'army-field-manuals/fm-7-0-training.txt',
    sourceSettings: { variation_generation_counts: 2 },
    config: (url) => pretrainingConfigYaml(url, { concurrency: LIMIT, repvarChunkSize: CHUNK_TOKENS, factualWays: [] }),
    timeline: Boolean(process.env.BENCH_TIMELINE),
  });
  if (process.env.BENCH_TIMELINE) {
    console.log(`in flight every ~200 ms: ${timeline.join(' ')}`);
    const t0 = Math.min(...status.stages.filter((s) => s.started_at).map((s) => Date.parse(s.started_at ?? '')));
    for (const s of status.stages.filter((x) => x.started_at)) {
      console.log(
        `  ${s.name.padEnd(26)} ${((Date.parse(s.started_at ?? '') - t0) / 1000).toFixed(2)} → ${((Date.parse(s.finished_at ?? '') - t0) / 1000).toFixed(2)} s`,
      );
    }
  }
  const llmStages = status.stages.filter((s) => s.llm.calls > 0);
  const calls = llmStages.reduce((n, s) => n + s.llm.calls - s.llm.cached_calls, 0);
  const chunks = llmStages.reduce((n, s) => n + s.items.total, 0);
  const first = Math.min(...llmStages.map((s) => Date.parse(s.started_at ?? '')));
  const last = Math.max(...llmStages.map((s) => Date.parse(s.finished_at ?? '')));
  const llmWallMs = last - first;
  const idealMs = (calls * LATENCY_MS) / LIMIT;
  console.log(`chunks           ${chunks} across ${llmStages.map((s) => `${s.name} (${s.items.total})`).join(', ')}`);
  console.log(`LLM calls        ${calls} (${(calls / chunks).toFixed(2)} per chunk); fake saw ${counters.requests}`);
  console.log(`max in flight    ${counters.maxInFlight} at the fake (limit ${LIMIT})`);
  console.log(
    `wall             ${(wallMs / 1000).toFixed(1)} s for the run; LLM stages ${(llmWallMs / 1000).toFixed(1)} s`,
  );
  console.log(
    `service CPU      ${(cpuMs / wallMs).toFixed(2)} cores on average (${(cpuMs / calls).toFixed(1)} ms per call)`,
  );
  console.log(`ideal            ${(idealMs / 1000).toFixed(1)} s = calls × ${LATENCY_MS} ms ÷ ${LIMIT}`);
  console.log(
    `efficiency       ${(idealMs / llmWallMs).toFixed(3)} over the LLM stages; ${(idealMs / wallMs).toFixed(3)} over the whole run (target >= 0.90)`,
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await benchPipeline();
}
