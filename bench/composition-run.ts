/**
 * One run of the composition for a benchmark: the fake LLM in a child process at a fixed latency, the service
 * in-process on an in-memory PGlite (or DATABASE_URL), one source with one corpus file, a config from the caller.
 * Returns the finished run's status, the wall and CPU time, and the fake's counters; the caller prints figures.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { loadSettings } from '../src/config/settings.ts';
import { SERVICE_NODE_FLAGS } from '../src/process-flags.ts';
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
  status: {
    status: string;
    error: string | null;
    stages: StageStatus[];
    created_at: string;
    finished_at: string | null;
  };
  /** From creating the run to seeing it finished, polling every 200 ms (status documents may be up to 250 ms old). */
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
  /** Started once the run is created, beside the polling (e.g. a load generator); awaited before returning. */
  duringRun?: (baseUrl: string, runId: string) => Promise<void>;
  /** The API in this process and the worker in another (needs DATABASE_URL: PGlite is in-process only). */
  separateWorker?: boolean;
  /** With separateWorker: how many worker processes (default 1). */
  workers?: number;
  /** More flags for the fake LLM (fault rates: `--rate-429 0.2` …). */
  fakeArgs?: string[];
  /** Accept a run that ended failed (a fault benchmark reports it rather than throwing). */
  allowFailure?: boolean;
}): Promise<CompositionRun> {
  const fake = await spawnFakeLlm(['--latency', String(options.latencyMs), ...(options.fakeArgs ?? [])]);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'bench-composition-'));
  const settings = loadSettings(process.env, {
    dataDir,
    logLevel: 'warn',
    ...(options.separateWorker ? { role: 'api' as const } : {}),
  });
  const service = await startService(settings, { logger: pino({ level: 'warn' }) });
  const workers = options.separateWorker
    ? await Promise.all(Array.from({ length: options.workers ?? 1 }, () => spawnWorker(dataDir)))
    : [];
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
    const during = options.duringRun?.(base, run.id);
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
    await during;
    if (!status.status.startsWith('succeeded') && !options.allowFailure) {
      throw new Error(`run ${status.status}: ${status.error}`);
    }
    return { status, wallMs, cpuMs: (used.user + used.system) / 1000, counters: await fake.counters(), timeline };
  } finally {
    for (const worker of workers) worker.kill('SIGTERM');
    await service.stop();
    await fake.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** A worker-only service process on the same DATABASE_URL and data directory. */
async function spawnWorker(dataDir: string): Promise<ChildProcess> {
  if (!process.env.DATABASE_URL) throw new Error('a separate worker needs DATABASE_URL (PostgreSQL)');
  const child = spawn(process.execPath, [...SERVICE_NODE_FLAGS, '--import', 'tsx', 'src/main.ts', '--role', 'worker'], {
    cwd: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..'),
    env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes('service ready')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`worker exited with ${code}`)));
  });
  child.stdout?.resume();
  return child;
}
