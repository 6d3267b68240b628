/**
 * One run of the composition for a benchmark: the fake LLM in a child process at a fixed latency, the service
 * in-process on an in-memory PGlite (or DATABASE_URL), one source with one corpus file, a config from the caller.
 * Returns the finished run's status, the wall and CPU time, and the fake's counters; the caller prints figures.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { loadSettings } from '../src/config/settings.ts';
import { startService } from '../src/service.ts';
import { corpusText } from '../test/support/corpus.ts';
import { spawnFakeLlm } from '../tools/fake-llm/remote.ts';
import type { FakeCounters } from '../tools/fake-llm/server.ts';

export interface StageStatus {
  name: string;
  state: string;
  items: { total: number; done: number; dropped: number; failed: number };
  llm: { calls: number; cached_calls: number };
  started_at: string | null;
  finished_at: string | null;
}

export interface CompositionRun {
  status: { status: string; error: string | null; stages: StageStatus[] };
  wallMs: number;
  cpuMs: number;
  counters: FakeCounters;
  /** The fake's in-flight count every ~200 ms, when asked for. */
  timeline: number[];
}

export async function runComposition(options: {
  latencyMs: number;
  corpusFile: string;
  sourceSettings: Record<string, unknown>;
  config: (llmUrl: string) => string;
  timeline?: boolean;
}): Promise<CompositionRun> {
  const fake = await spawnFakeLlm(['--latency', String(options.latencyMs)]);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'bench-composition-'));
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
      settings: options.sourceSettings,
    });
    const form = new FormData();
    form.append('file', new Blob([corpusText(options.corpusFile)]), path.basename(options.corpusFile));
    const uploaded = await fetch(`${base}/v1/sources/${source.id}/files`, { method: 'POST', body: form });
    if (!uploaded.ok) throw new Error(`upload: ${uploaded.status}`);
    const config = await post(`/v1/projects/${project.id}/configs`, options.config(fake.url), 'application/yaml');
    const started = performance.now();
    const cpu = process.cpuUsage();
    const run = await post(`/v1/projects/${project.id}/runs`, { config_id: config.id });
    let status: CompositionRun['status'];
    const timeline: number[] = [];
    for (;;) {
      if (options.timeline) timeline.push((await fake.counters()).inFlight);
      status = (await (await fetch(`${base}/v1/runs/${run.id}`)).json()) as CompositionRun['status'];
      if (['succeeded', 'succeeded_with_drops', 'failed', 'canceled'].includes(status.status)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const wallMs = performance.now() - started;
    const used = process.cpuUsage(cpu);
    if (!status.status.startsWith('succeeded')) throw new Error(`run ${status.status}: ${status.error}`);
    return { status, wallMs, cpuMs: (used.user + used.system) / 1000, counters: await fake.counters(), timeline };
  } finally {
    await service.stop();
    await fake.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
