/**
 * Scale of data, measured on the service as a process of its own (`src/main.ts`; its peak RSS is the kernel's VmHWM):
 * - `scale-ingest`: a corpus of BENCH_DATA_MB (default 1024) generated from the shared corpus — 5 MB txt, md and
 *   jsonl files, with the field-manual PDF and generated DOCX files among them — uploaded file by file (streamed from
 *   disk) and extracted by the service. Prints MB/s and the service's peak RSS (goal ≤ 512 MB).
 * - `scale-plan`: one source of about BENCH_PLAN_CHUNKS (default 20,000) chunks at 300 tokens, and a run of the default
 *   composition against a fake model that never answers in time; once every stage that reads chunks has planned,
 *   the run is canceled. Prints each stage's planning time and items, and the service's peak RSS.
 * Both use the embedded database, or DATABASE_URL when set. `npm run bench -- scale-ingest scale-plan`. To look
 * inside the service: BENCH_LOG_LEVEL=info shows its log, BENCH_CPU_PROF=<dir> writes its CPU profile there.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { openAsBlob } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVICE_NODE_FLAGS } from '../src/process-flags.ts';
import { corpusAvailable, corpusPath } from '../test/support/corpus.ts';
import { freePort } from '../test/support/free-port.ts';
import { pretrainingConfigYaml } from '../test/support/pretraining-config.ts';
import { spawnFakeLlm } from '../tools/fake-llm/remote.ts';
import { corpusTextOfSize } from './corpus-text.ts';

const MB = 1024 * 1024;
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface ServiceChild {
  child: ChildProcess;
  base: string;
  /** Peak resident set size so far, in MB (VmHWM). */
  peakRssMb(): Promise<number>;
  /** The largest V8 heap (used) and external memory seen in /metrics since start (or the last `markPeaks`), in MB. */
  memoryParts(): string;
  /** Starts the peaks over from now (the kernel's VmHWM too, through clear_refs), to measure one phase alone. */
  markPeaks(): Promise<void>;
  stop(): Promise<void>;
}

async function startServiceChild(dataDir: string): Promise<ServiceChild> {
  const port = await freePort();
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = spawn(process.execPath, [...SERVICE_NODE_FLAGS, ...profile, '--import', 'tsx', 'src/main.ts'], {
    cwd: repoRoot,
    env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn' },
    stdio: ['ignore', process.env.BENCH_LOG_LEVEL ? 'inherit' : 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  const parts = { heap: 0, external: 0 };
  const sampler = setInterval(async () => {
    const text = await (await fetch(`${base}/metrics`).catch(() => undefined))?.text().catch(() => '');
    const mb = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text ?? '')?.[1] ?? 0) / MB;
    parts.heap = Math.max(parts.heap, mb('nodejs_heap_size_used_bytes'));
    parts.external = Math.max(parts.external, mb('nodejs_external_memory_bytes'));
    // BENCH_MEMORY_TRACE: a line per sample, to see which phase the peaks belong to.
    if (process.env.BENCH_MEMORY_TRACE) {
      const rss = mb('process_resident_memory_bytes');
      const at = (performance.now() / 1000).toFixed(1);
      console.log(
        `  [memory ${at} s] rss ${rss.toFixed(0)} heap ${mb('nodejs_heap_size_used_bytes').toFixed(0)} external ${mb('nodejs_external_memory_bytes').toFixed(0)} MB`,
      );
    }
  }, 250);
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`the service exited with ${child.exitCode}`);
    if ((await fetch(`${base}/healthz`).catch(() => undefined))?.ok) break;
    if (i > 600) throw new Error('the service did not start within a minute');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    base,
    async peakRssMb() {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
    },
    memoryParts: () =>
      `largest V8 heap used ${parts.heap.toFixed(0)} MB, external ${parts.external.toFixed(0)} MB ` +
      '(the embedded database is external memory)',
    async markPeaks() {
      parts.heap = 0;
      parts.external = 0;
      // "5" resets the peak RSS to the current RSS (Linux 4.0+); where that is refused the peak stays since start.
      await writeFile(`/proc/${child.pid}/clear_refs`, '5').catch(() => {});
    },
    async stop() {
      clearInterval(sampler);
      child.kill('SIGTERM');
      if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
    },
  };
}

async function post<T = { id: string }>(base: string, url: string, body: unknown, type = 'application/json') {
  const res = await fetch(`${base}${url}`, {
    method: 'POST',
    headers: { 'content-type': type },
    body: type === 'application/json' ? JSON.stringify(body) : String(body),
  });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Writes about `totalMb` of files into `dir`; returns their names. */
async function buildCorpus(dir: string, totalMb: number): Promise<string[]> {
  const textOfSize = corpusTextOfSize();
  const { makeDocx } = await import('../test/support/fixtures/index.ts');
  const manual = await readFile(corpusPath('army-field-manuals/fm-1-05-religious-support.pdf'));
  const names: string[] = [];
  let written = 0;
  for (let i = 0; written < totalMb * MB; i++) {
    let name: string;
    let data: string | Buffer;
    if (i % 50 === 10) [name, data] = [`manual-${i}.pdf`, manual];
    else if (i % 50 === 30) [name, data] = [`memo-${i}.docx`, await makeDocx(textOfSize(2 * MB, i).split('\n\n'))];
    else if (i % 3 === 0)
      [name, data] = [`notes-${i}.md`, `# Notes ${i}\n\n${textOfSize(5 * MB, i, '\n\n## Part\n\n')}`];
    else if (i % 3 === 1) {
      const lines: string[] = [];
      for (let k = 0, size = 0; size < 5 * MB; k++) {
        const line = JSON.stringify({ text: textOfSize(3000, i * 10_000 + k), source: `record-${k}` });
        lines.push(line);
        size += line.length + 1;
      }
      [name, data] = [`records-${i}.jsonl`, `${lines.join('\n')}\n`];
    } else [name, data] = [`text-${i}.txt`, textOfSize(5 * MB, i)];
    await writeFile(path.join(dir, name), data);
    written += Buffer.byteLength(data);
    names.push(name);
  }
  return names;
}

export async function benchScaleIngest(): Promise<void> {
  if (!corpusAvailable) return void console.log('skipped: the shared corpus is not beside the checkout');
  const totalMb = Number(process.env.BENCH_DATA_MB ?? 1024);
  const corpusDir = await mkdtemp(path.join(os.tmpdir(), 'bench-scale-corpus-'));
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'bench-scale-data-'));
  let service: ServiceChild | undefined;
  try {
    const names = await buildCorpus(corpusDir, totalMb);
    let bytes = 0;
    for (const name of names) bytes += (await stat(path.join(corpusDir, name))).size;
    console.log(`corpus           ${names.length} files, ${(bytes / MB).toFixed(0)} MB`);
    service = await startServiceChild(dataDir);
    const { base } = service;
    console.log(`service idle     peak RSS ${(await service.peakRssMb()).toFixed(0)} MB`);
    const project = await post(base, '/v1/projects', { name: 'scale' });
    const source = await post(base, `/v1/projects/${project.id}/sources`, { name: 'corpus' });
    const started = performance.now();
    for (const name of names) {
      if (process.env.BENCH_MEMORY_TRACE) console.log(`  [upload ${(performance.now() / 1000).toFixed(1)} s] ${name}`);
      const form = new FormData();
      form.append('file', await openAsBlob(path.join(corpusDir, name)), name);
      const res = await fetch(`${base}/v1/sources/${source.id}/files`, { method: 'POST', body: form });
      if (!res.ok) throw new Error(`upload ${name}: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
    }
    const uploadedS = (performance.now() - started) / 1000;
    let files: Array<{ status: string; text_chars: number | null }> = [];
    for (;;) {
      files = [];
      for (let cursor: string | null = ''; cursor !== null; ) {
        const page = (await (
          await fetch(`${base}/v1/sources/${source.id}/files?limit=100${cursor ? `&cursor=${cursor}` : ''}`)
        ).json()) as { items: typeof files; next_cursor: string | null };
        files.push(...page.items);
        cursor = page.next_cursor;
      }
      if (files.every((f) => f.status !== 'pending')) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const seconds = (performance.now() - started) / 1000;
    const chars = files.reduce((n, f) => n + (f.text_chars ?? 0), 0);
    const failed = files.filter((f) => f.status !== 'extracted').length;
    console.log(`uploaded         in ${uploadedS.toFixed(1)} s (${(bytes / MB / uploadedS).toFixed(0)} MB/s)`);
    console.log(
      `extracted        ${files.length - failed} files (${failed} failed), ${(chars / 1e6).toFixed(0)} M chars, ` +
        `all done ${seconds.toFixed(1)} s after the first upload (${(bytes / MB / seconds).toFixed(0)} MB/s)`,
    );
    console.log(`service          peak RSS ${(await service.peakRssMb()).toFixed(0)} MB (goal <= 512)`);
    console.log(`                 ${service.memoryParts()}`);
  } finally {
    await service?.stop();
    await rm(corpusDir, { recursive: true, force: true });
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Stages that plan from chunks: the ones whose planning this measures. */
const CHUNK_STAGES = /^(representation_variation|inferred_facts|factual_sft\/|rag_data|correction)/;

export async function benchScalePlan(): Promise<void> {
  if (!corpusAvailable) return void console.log('skipped: the shared corpus is not beside the checkout');
  const wanted = Number(process.env.BENCH_PLAN_CHUNKS ?? 20_000);
  // ~1,150 characters make a 300-token chunk of this prose.
  const text = corpusTextOfSize()(wanted * 1150, 3);
  const fake = await spawnFakeLlm(['--latency', '600000']);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'bench-scale-plan-'));
  let service: ServiceChild | undefined;
  try {
    service = await startServiceChild(dataDir);
    const { base } = service;
    const project = await post(base, '/v1/projects', { name: 'plan' });
    const source = await post(base, `/v1/projects/${project.id}/sources`, {
      name: 'manual',
      settings: { variation_generation_counts: 1, factual_gen_use_subset: false, rag_use_subset: false },
    });
    const form = new FormData();
    form.append('file', new Blob([text]), 'manual.txt');
    const up = await fetch(`${base}/v1/sources/${source.id}/files`, { method: 'POST', body: form });
    if (!up.ok) throw new Error(`upload: ${up.status} ${await up.text()}`);
    const config = await post(
      base,
      `/v1/projects/${project.id}/configs`,
      pretrainingConfigYaml(fake.url, { concurrency: 64, repvarChunkSize: 300, factualChunkSize: 300 }),
      'application/yaml',
    );
    const beforeRun = await service.peakRssMb();
    const ingestParts = service.memoryParts();
    await service.markPeaks();
    const started = performance.now();
    const run = await post(base, `/v1/projects/${project.id}/runs`, { config_id: config.id });
    type Stage = { name: string; state: string; items: { total: number } };
    let stages: Stage[] = [];
    let lastReport = performance.now();
    let lastStates = '';
    for (;;) {
      const status = (await (await fetch(`${base}/v1/runs/${run.id}`)).json()) as { status: string; stages: Stage[] };
      stages = status.stages.filter((s) => CHUNK_STAGES.test(s.name));
      if (process.env.BENCH_MEMORY_TRACE) {
        const states = stages.map((s) => `${s.name}:${s.state}`).join(' ');
        if (states !== lastStates) console.log(`  [stages ${(performance.now() / 1000).toFixed(1)} s] ${states}`);
        lastStates = states;
      }
      if (stages.length > 0 && stages.every((s) => s.state !== 'pending' && s.state !== 'planning')) break;
      if (performance.now() - lastReport > 10_000) {
        lastReport = performance.now();
        const planned = stages.filter((s) => s.state !== 'pending' && s.state !== 'planning').length;
        console.log(
          `  … ${((lastReport - started) / 1000).toFixed(0)} s: ${planned} of ${stages.length} stages planned, ` +
            `service peak RSS ${(await service.peakRssMb()).toFixed(0)} MB`,
        );
      }
      if (!['queued', 'running'].includes(status.status)) throw new Error(`run ${status.status}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const seconds = (performance.now() - started) / 1000;
    const peak = await service.peakRssMb();
    // BENCH_HOLD_SECONDS: keep the run (its calls hanging at the fake) before canceling, to watch memory over time.
    for (let i = 0; i < Number(process.env.BENCH_HOLD_SECONDS ?? 0); i += 10) {
      await new Promise((r) => setTimeout(r, 10_000));
      console.log(`  held ${i + 10} s: service peak RSS ${(await service.peakRssMb()).toFixed(0)} MB`);
    }
    await post(base, `/v1/runs/${run.id}/cancel`, {});
    const events = (await (await fetch(`${base}/v1/runs/${run.id}/events?limit=1000`)).json()) as {
      items: Array<{ type: string; stage: string | null; created_at: string }>;
    };
    const at = (type: string, stage: string) =>
      Date.parse(events.items.find((e) => e.type === type && e.stage === stage)?.created_at ?? '');
    const chunks = stages.find((s) => s.name === 'representation_variation')?.items.total ?? 0;
    console.log(`chunks           ${chunks} at 300 tokens (representation variation's items)`);
    for (const s of stages) {
      const planning = (at('stage.planned', s.name) - at('stage.started', s.name)) / 1000;
      console.log(
        `  ${s.name.padEnd(30)} ${String(s.items.total).padStart(7)} items, planned in ${planning.toFixed(1)} s`,
      );
    }
    console.log(`all planned      ${seconds.toFixed(1)} s after the run was created`);
    console.log(`service          peak RSS ${beforeRun.toFixed(0)} MB up to the run (upload), ${ingestParts}`);
    console.log(`                 peak RSS ${peak.toFixed(0)} MB from the run's start, ${service.memoryParts()}`);
  } finally {
    await service?.stop();
    await fake.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
