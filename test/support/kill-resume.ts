/**
 * The SIGKILL proof, shared by its two set-ups (a separate worker process on PostgreSQL; the single embedded process on
 * PGlite): a project whose run is killed at given moments and carried on by a new process each time. Checks: the run
 * succeeds with no failed item, the fake LLM never answered again a call it answered before a kill (the response cache
 * held them), and an uninterrupted run of the same config and seed writes byte-identical files.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { SERVICE_NODE_FLAGS } from '../../src/process-flags.ts';
import type { FakeLlm } from '../../tools/fake-llm/server.ts';
import { pretrainingConfigYaml } from './pretraining-config.ts';
import { upload } from './upload.ts';
import { TERMINAL_RUN_STATUSES, waitFor } from './wait.ts';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A service process (`src/main.ts`) with its output kept for the failure message. */
export interface ServiceProcess {
  child: ReturnType<typeof spawn>;
  output: string[];
  exited: Promise<number | null>;
}

export async function startServiceProcess(args: string[], env: NodeJS.ProcessEnv): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [...SERVICE_NODE_FLAGS, '--import', 'tsx', 'src/main.ts', ...args], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout?.on('data', (b: Buffer) => output.push(b.toString()));
  child.stderr?.on('data', (b: Buffer) => output.push(b.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await waitFor(async () => output.join('').includes('service ready') || child.exitCode !== null, {
    what: 'the service process to start',
  });
  if (child.exitCode !== null) throw new Error(`service process exited: ${output.join('')}`);
  return { child, output, exited };
}

/** Stops (SIGTERM) every process of the list still alive, and waits for each to exit. */
export async function stopProcesses(processes: readonly ServiceProcess[]): Promise<void> {
  for (const p of processes) {
    if (p.child.exitCode === null && p.child.signalCode === null) {
      p.child.kill('SIGTERM');
      await p.exited;
    }
  }
}

/** Kills the last process of the list with SIGKILL and waits for it to exit. */
export async function killLast(processes: readonly ServiceProcess[]): Promise<void> {
  const killed = processes.at(-1) as ServiceProcess;
  killed.child.kill('SIGKILL');
  await killed.exited;
}

const topics = [
  'land navigation',
  'radio procedure',
  'first aid',
  'vehicle recovery',
  'supply accounting',
  'fieldcraft',
];

/**
 * About thirty distinct paragraphs, one representation-variation chunk each at a 100-token chunk size. `lesson` and
 * `crew` rename its words, so each test's calls are new to the cache.
 */
export function lessonsDocument(lesson = 'Lesson', crew = 'Soldiers'): string {
  return Array.from({ length: 30 }, (_, i) => {
    const topic = topics[i % topics.length];
    return (
      `${lesson} ${i + 1} covers ${topic}. ${crew} practise ${topic} drill number ${i + 1} until they meet the standard ` +
      `without help. The trainer records each result and repeats the lesson ${(i % 3) + 1} times before evaluation.`
    );
  }).join('\n\n');
}

export interface KillableRun {
  progress: number;
  status: string;
  error: string | null;
  stages: Array<{
    name: string;
    items: { done: number; pending: number; failed: number; dropped: number };
    reasons: Record<string, number>;
  }>;
}

/** What a run that did not simply succeed says of itself: its error and each losing stage's reasons. */
const whyNotSucceeded = (run: KillableRun) =>
  JSON.stringify({
    error: run.error,
    lost: run.stages.filter((s) => s.items.dropped + s.items.failed > 0).map((s) => [s.name, s.reasons]),
  });

/** Bodies answered by `before` and answered again by `after` (identical requests in flight together are fine). */
export const repeatedSince = (before: Record<string, number>, after: Record<string, number>) =>
  Object.keys(before).filter((hash) => (after[hash] ?? 0) > (before[hash] ?? 0));

/** A project with one document and its config, through the API at `baseUrl`. */
export async function killTestProject(
  baseUrl: string,
  llm: FakeLlm,
  name: string,
  text: string,
  extra: { factualChunkSize?: number } = {},
) {
  const post = async (url: string, body: unknown) =>
    (await (
      await fetch(`${baseUrl}${url}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    ).json()) as { id: string };
  const project = await post('/v1/projects', { name });
  // One variation per chunk: two variations that drew the same format would send identical requests, which would
  // blur "repeated after the kill" with "asked twice on purpose".
  const source = await post(`/v1/projects/${project.id}/sources`, {
    name: 'lessons',
    settings: { variation_generation_counts: 1, factual_gen_use_subset: false },
  });
  await upload(baseUrl, source.id, [{ name: 'lessons.txt', data: text }]);
  const config = await fetch(`${baseUrl}/v1/projects/${project.id}/configs`, {
    method: 'POST',
    headers: { 'content-type': 'application/yaml' },
    body: pretrainingConfigYaml(llm.url, {
      concurrency: 8,
      repvarChunkSize: 100,
      codeFunctions: ['keyboard_augmentation'],
      ...extra,
    }),
  });
  return { projectId: project.id, configId: ((await config.json()) as { id: string }).id };
}

export async function killAndResume(options: {
  baseUrl: string;
  llm: FakeLlm;
  projectId: string;
  configId: string;
  /**
   * When to kill, judged on the run's status, once the model has answered a call since the kill before; a run that ends
   * before a moment ends the kills.
   */
  moments: Array<(run: KillableRun) => boolean>;
  what: string;
  /** Kills the process doing the run's work with SIGKILL and waits for it to exit. */
  kill(): Promise<void>;
  /** Starts the process that carries the run on. */
  restart(): Promise<unknown>;
  /** Printed when a wait times out (the processes' output). */
  diagnostics(): string;
}): Promise<Map<string, string>> {
  const { baseUrl, llm } = options;
  const startRun = async () => {
    const res = await fetch(`${baseUrl}/v1/projects/${options.projectId}/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ config_id: options.configId }),
    });
    return ((await res.json()) as { id: string }).id;
  };
  const status = async (runId: string) => {
    const res = await fetch(`${baseUrl}/v1/runs/${runId}`).catch(() => undefined);
    return res?.ok ? ((await res.json()) as KillableRun) : undefined;
  };
  const finished = (runId: string) =>
    waitFor(
      async () => {
        const s = await status(runId);
        return s && TERMINAL_RUN_STATUSES.includes(s.status) ? s : undefined;
      },
      { what: `run ${runId} to finish`, timeoutMs: 150_000 },
    ).catch(async (error) => {
      console.log(JSON.stringify(await status(runId), null, 1), options.diagnostics());
      throw error;
    });

  const runId = await startRun();
  let answeredBeforeKill: Record<string, number> = {};
  for (const [i, underWay] of options.moments.entries()) {
    let reached: 'reached' | 'ended';
    const giveUpAt = Date.now() + 120_000;
    for (;;) {
      if (Date.now() > giveUpAt) throw new Error(`${options.what} (kill ${i + 1}): no model call in flight to kill`);
      reached = await waitFor(
        async () => {
          const s = await status(runId);
          if (s && TERMINAL_RUN_STATUSES.includes(s.status)) return 'ended';
          if (s === undefined || !underWay(s)) return undefined;
          // A kill must interrupt paid work, or "nothing answered is asked again" proves nothing about it: under
          // load the run's first stages (ingest, cleaning of a text document) can carry it past a moment before the
          // model has answered anything.
          const answered = Object.keys((await llm.counters()).answeredBodies).length;
          return answered > Object.keys(answeredBeforeKill).length ? 'reached' : undefined;
        },
        { what: `${options.what} (kill ${i + 1})`, timeoutMs: 60_000 },
      ).catch(async (error) => {
        console.log(JSON.stringify(await status(runId), null, 1), options.diagnostics());
        throw error;
      });
      if (reached === 'ended') break;
      // Freeze the model (new requests hang), let answers already on the wire reach the worker. Calls hanging now
      // are the paid work the kill interrupts; with none (near the end only files are left to write), not yet.
      await llm.setOptions({ hangRate: 1 });
      await new Promise((r) => setTimeout(r, 1000));
      if ((await llm.counters()).inFlight > 0) break;
      await llm.setOptions({ hangRate: 0 });
    }
    if (reached === 'ended') break;
    await options.kill();
    const snapshot = { ...(await llm.counters()).answeredBodies };
    expect(Object.keys(snapshot).length).toBeGreaterThan(0);
    // Between two kills, nothing answered before the earlier one was answered again.
    expect(repeatedSince(answeredBeforeKill, snapshot), `calls answered before kill ${i} were sent again`).toEqual([]);
    answeredBeforeKill = snapshot;
    await llm.setOptions({ hangRate: 0 });
    await options.restart();
  }
  const resumed = await finished(runId);
  expect(resumed.status, whyNotSucceeded(resumed)).toBe('succeeded');
  for (const s of resumed.stages) expect(s.items.failed, s.name).toBe(0);

  const { answeredBodies: answered, promptIdOfBody } = await llm.counters();
  const repeated = repeatedSince(answeredBeforeKill, answered).map((hash) => `${promptIdOfBody[hash]} ${hash}`);
  // The new process did call the model for the work left (the check above is not vacuous).
  expect(Object.keys(answered).length).toBeGreaterThan(Object.keys(answeredBeforeKill).length);
  expect(repeated, 'calls answered before the kill were sent again').toEqual([]);

  // Same config, same seed: an uninterrupted run must produce byte-identical outputs.
  const againId = await startRun();
  const again = await finished(againId);
  expect(again.status, whyNotSucceeded(again)).toBe('succeeded');
  const first = await artifactsOf(baseUrl, runId);
  const second = await artifactsOf(baseUrl, againId);
  expect([...second.keys()].sort()).toEqual([...first.keys()].sort());
  for (const [artifactPath, content] of first) expect(second.get(artifactPath), artifactPath).toBe(content);
  return first;
}

/** A run's artifacts by path; the dataset card is a report on its own run (its id, what it paid), so it is left out. */
async function artifactsOf(baseUrl: string, runId: string): Promise<Map<string, string>> {
  const list = (await (await fetch(`${baseUrl}/v1/runs/${runId}/artifacts?limit=1000`)).json()) as {
    items: Array<{ path: string }>;
  };
  const out = new Map<string, string>();
  for (const a of list.items.filter((item) => item.path !== 'sft_run/README.md')) {
    out.set(a.path, await (await fetch(`${baseUrl}/v1/runs/${runId}/artifacts/${a.path}`)).text());
  }
  return out;
}
