/**
 * A pretraining run end to end against the fake LLM: ~200 representation-variation chunks (plus as many for inferred
 * facts) from a field manual, the fake LLM in a child process at 300 ms latency, concurrency_limit 64, the service
 * in-process on an in-memory PGlite (or DATABASE_URL). Prints wall time, LLM calls per chunk and the schedule
 * efficiency = (calls × latency ÷ limit) ÷ wall time of the LLM stages (target ≥ 0.90).
 * `npm run bench -- pipeline`, or run this file directly; BENCH_TIMELINE=1 also prints the model's in-flight count
 * over time and each stage's span, to see where slots sat idle.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { loadSettings } from '../src/config/settings.ts';
import { startService } from '../src/service.ts';
import { corpusAvailable, corpusText } from '../test/support/corpus.ts';
import { pretrainingConfigYaml } from '../test/support/pretraining-config.ts';
import { spawnFakeLlm } from '../tools/fake-llm/remote.ts';

const LATENCY_MS = 300;
const LIMIT = 64;
/** Smaller chunks give more of them: `BENCH_CHUNK_TOKENS=100` shows how the fixed per-stage overheads amortise. */
const CHUNK_TOKENS = Number(process.env.BENCH_CHUNK_TOKENS ?? 300);

interface StageStatus {
  name: string;
  state: string;
  items: { total: number; done: number; dropped: number; failed: number };
  llm: { calls: number; cached_calls: number };
  started_at: string | null;
  finished_at: string | null;
}

export async function benchPipeline(): Promise<void> {
  if (!corpusAvailable) {
    console.log('skipped: the shared corpus is not beside the checkout (set CORPUS_DIR)');
    return;
  }
  const fake = await spawnFakeLlm(['--latency', String(LATENCY_MS)]);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'bench-pipeline-'));
  const settings = loadSettings(process.env, { dataDir, logLevel: 'warn' });
  const service = await startService(settings, { logger: pino({ level: 'warn' }) });
  try {
    await service.app?.listen({ host: '127.0.0.1', port: 0 });
    const address = service.app?.server.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const post = async (url: string, body: unknown, type = 'application/json') => {
      const res = await fetch(`${base}${url}`, {
        method: 'POST',
        headers: { 'content-type': type },
        body: type === 'application/json' ? JSON.stringify(body) : String(body),
      });
      if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
      return (await res.json()) as { id: string };
    };
    const project = await post('/v1/projects', { name: 'bench' });
    const source = await post(`/v1/projects/${project.id}/sources`, {
      name: 'manual',
      settings: { variation_generation_counts: 2 },
    });
    // About 60k tokens: ~200 chunks of 300 tokens.
    const text = corpusText('army-field-manuals/fm-7-0-training.txt');
    const form = new FormData();
    form.append('file', new Blob([text]), 'fm-7-0-training.txt');
    const uploaded = await fetch(`${base}/v1/sources/${source.id}/files`, { method: 'POST', body: form });
    if (!uploaded.ok) throw new Error(`upload: ${uploaded.status}`);
    const config = await post(
      `/v1/projects/${project.id}/configs`,
      pretrainingConfigYaml(fake.url, { concurrency: LIMIT, repvarChunkSize: CHUNK_TOKENS }),
      'application/yaml',
    );
    const started = performance.now();
    const cpu = process.cpuUsage();
    const run = await post(`/v1/projects/${project.id}/runs`, { config_id: config.id });
    let status: { status: string; error: string | null; stages: StageStatus[] };
    const timeline: number[] = [];
    for (;;) {
      if (process.env.BENCH_TIMELINE) timeline.push((await fake.counters()).inFlight);
      status = (await (await fetch(`${base}/v1/runs/${run.id}`)).json()) as typeof status;
      if (['succeeded', 'failed', 'canceled'].includes(status.status)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const wallMs = performance.now() - started;
    if (process.env.BENCH_TIMELINE) {
      console.log(`in flight every ~200 ms: ${timeline.join(' ')}`);
      const t0 = Math.min(...status.stages.filter((s) => s.started_at).map((s) => Date.parse(s.started_at ?? '')));
      for (const s of status.stages.filter((x) => x.started_at)) {
        console.log(
          `  ${s.name.padEnd(26)} ${((Date.parse(s.started_at ?? '') - t0) / 1000).toFixed(2)} → ${((Date.parse(s.finished_at ?? '') - t0) / 1000).toFixed(2)} s`,
        );
      }
    }
    const used = process.cpuUsage(cpu);
    if (status.status !== 'succeeded') throw new Error(`run ${status.status}: ${status.error}`);

    const llmStages = status.stages.filter((s) => s.llm.calls > 0);
    const calls = llmStages.reduce((n, s) => n + s.llm.calls - s.llm.cached_calls, 0);
    const chunks = llmStages.reduce((n, s) => n + s.items.total, 0);
    const first = Math.min(...llmStages.map((s) => Date.parse(s.started_at ?? '')));
    const last = Math.max(...llmStages.map((s) => Date.parse(s.finished_at ?? '')));
    const llmWallMs = last - first;
    const idealMs = (calls * LATENCY_MS) / LIMIT;
    const counters = await fake.counters();
    console.log(`chunks           ${chunks} across ${llmStages.map((s) => `${s.name} (${s.items.total})`).join(', ')}`);
    console.log(`LLM calls        ${calls} (${(calls / chunks).toFixed(2)} per chunk); fake saw ${counters.requests}`);
    console.log(`max in flight    ${counters.maxInFlight} at the fake (limit ${LIMIT})`);
    console.log(
      `wall             ${(wallMs / 1000).toFixed(1)} s for the run; LLM stages ${(llmWallMs / 1000).toFixed(1)} s`,
    );
    console.log(
      `service CPU      ${((used.user + used.system) / 1000 / wallMs).toFixed(2)} cores on average (${((used.user + used.system) / 1000 / calls).toFixed(1)} ms per call)`,
    );
    console.log(`ideal            ${(idealMs / 1000).toFixed(1)} s = calls × ${LATENCY_MS} ms ÷ ${LIMIT}`);
    console.log(
      `efficiency       ${(idealMs / llmWallMs).toFixed(3)} over the LLM stages; ${(idealMs / wallMs).toFixed(3)} over the whole run (target >= 0.90)`,
    );
  } finally {
    await service.stop();
    await fake.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await benchPipeline();
}
