/**
 * The full default composition over a field manual (~200 chunks per stage at 300 tokens): representation variation,
 * inferred facts, the five factual ways, the thought rewrite, RAG and correction, against the fake LLM at 300 ms and
 * concurrency_limit 64. `composition` prints the run-level schedule efficiency (ideal = fresh calls × latency ÷
 * limit; goal ≥ 0.90); `faults` runs the same under 20 % 429, 5 % 500, 5 % malformed and 2 % hung requests (with a
 * 5 s first-token timeout) and prints how it ended and what it lost. `npm run bench -- composition faults`.
 */
import { corpusAvailable } from '../test/support/corpus.ts';
import { pretrainingConfigYaml } from '../test/support/pretraining-config.ts';
import { type CompositionRun, runComposition } from './composition-run.ts';

const LATENCY_MS = 300;
const LIMIT = 64;
const CHUNK_TOKENS = 300;

async function fullRun(fakeArgs: string[]) {
  return runComposition({
    latencyMs: LATENCY_MS,
    corpusFile: 'army-field-manuals/fm-7-0-training.txt',
    sourceSettings: { variation_generation_counts: 1, factual_gen_use_subset: false, rag_use_subset: false },
    config: (url) =>
      pretrainingConfigYaml(url, { concurrency: LIMIT, repvarChunkSize: CHUNK_TOKENS, factualChunkSize: CHUNK_TOKENS }),
    fakeArgs,
    allowFailure: fakeArgs.length > 0,
  });
}

export async function benchComposition(): Promise<void> {
  if (!corpusAvailable) return void console.log('skipped: the shared corpus is not beside the checkout');
  const { status, wallMs, cpuMs, counters } = await fullRun([]);
  const stages = status.stages.filter((s) => s.llm.calls > 0);
  const fresh = stages.reduce((n, s) => n + s.llm.calls - s.llm.cached_calls, 0);
  const idealMs = (fresh * LATENCY_MS) / LIMIT;
  console.log(`stages           ${stages.map((s) => `${s.name} (${s.items.total})`).join(', ')}`);
  console.log(
    `LLM calls        ${fresh} fresh; the fake saw ${counters.requests}, at most ${counters.maxInFlight} at once`,
  );
  // The run's own clock (created → finished, as the service recorded them), and as a client polling saw it.
  const runMs = Date.parse(status.finished_at ?? '') - Date.parse(status.created_at);
  console.log(
    `wall             ${(runMs / 1000).toFixed(1)} s by the run's timestamps, ${(wallMs / 1000).toFixed(1)} s polled; ` +
      `ideal ${(idealMs / 1000).toFixed(1)} s`,
  );
  console.log(
    `service CPU      ${(cpuMs / wallMs).toFixed(2)} cores on average (${(cpuMs / fresh).toFixed(1)} ms per call)`,
  );
  console.log(
    `efficiency       ${(idealMs / runMs).toFixed(3)} over the whole run (goal >= 0.90); ` +
      `${(idealMs / wallMs).toFixed(3)} as polled`,
  );
  printSchedule(status, counters);
}

export async function benchFaults(): Promise<void> {
  if (!corpusAvailable) return void console.log('skipped: the shared corpus is not beside the checkout');
  process.env.LLM_FIRST_TOKEN_TIMEOUT_MS ??= '5000';
  const { status, wallMs, counters } = await fullRun([
    '--seed',
    'bench-faults',
    '--rate-429',
    '0.2',
    '--retry-after',
    '0',
    '--rate-500',
    '0.05',
    '--rate-malformed',
    '0.05',
    '--rate-hang',
    '0.02',
  ]);
  const items = status.stages.reduce(
    (t, s) => ({
      total: t.total + s.items.total,
      done: t.done + s.items.done,
      dropped: t.dropped + s.items.dropped,
      failed: t.failed + s.items.failed,
    }),
    { total: 0, done: 0, dropped: 0, failed: 0 },
  );
  console.log(
    `run              ${status.status} in ${(wallMs / 1000).toFixed(1)} s${status.error ? `: ${status.error}` : ''}`,
  );
  console.log(
    `items            ${items.total} planned = ${items.done} done + ${items.dropped} dropped + ${items.failed} failed`,
  );
  console.log(`fake answered    ${JSON.stringify(counters.byStatus)} (${counters.requests} requests)`);
  printSchedule(status, counters);
}

/**
 * Where a run lost against the ideal: before the first call, slots left idle between the first call and the last
 * answer, and after the last answer (the fake's clock and the run's are the same machine's); then each stage's span.
 */
function printSchedule(status: CompositionRun['status'], counters: CompositionRun['counters']): void {
  const createdAt = Date.parse(status.created_at);
  const span = counters.lastDoneAt - counters.firstRequestAt;
  console.log(
    `schedule         first call ${((counters.firstRequestAt - createdAt) / 1000).toFixed(2)} s after the run was ` +
      `created; slots busy ${((100 * counters.busyMs) / (LIMIT * span)).toFixed(1)} % of the ${(span / 1000).toFixed(1)} s ` +
      `from there to the last answer; finished ${((Date.parse(status.finished_at ?? '') - counters.lastDoneAt) / 1000).toFixed(2)} s after it`,
  );
  const t0 = Math.min(...status.stages.filter((s) => s.started_at).map((s) => Date.parse(s.started_at ?? '')));
  for (const s of status.stages.filter((x) => x.started_at)) {
    const at = (iso: string | null) => ((Date.parse(iso ?? '') - t0) / 1000).toFixed(1);
    console.log(
      `  ${s.name.padEnd(30)} ${at(s.started_at).padStart(5)} → ${at(s.finished_at).padStart(5)} s, ${s.llm.calls} calls`,
    );
  }
}
