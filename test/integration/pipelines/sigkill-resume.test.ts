/**
 * Resume proof (needs PostgreSQL: the worker is a separate process). A worker process is killed with SIGKILL in the
 * middle of representation variation, in the middle of the factual SFT stages, and (third test) five times across the
 * full composition; each time a new worker process carries the run on. Checks: the run succeeds, the fake LLM never answered a second time any call answered before the
 * kill (the response cache held them), and the outputs equal those of an uninterrupted run of the same config and seed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLlm, startFakeLlm } from '../../../tools/fake-llm/server.ts';
import { pretrainingConfigYaml } from '../../support/pretraining-config.ts';
import { startTestService, type TestService } from '../../support/service.ts';
import { usingPostgres } from '../../support/test-db.ts';
import { upload } from '../../support/upload.ts';
import { TERMINAL_RUN_STATUSES, waitFor } from '../../support/wait.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const topics = [
  'land navigation',
  'radio procedure',
  'first aid',
  'vehicle recovery',
  'supply accounting',
  'fieldcraft',
];

/** About thirty distinct paragraphs, one representation-variation chunk each at a 100-token chunk size. */
const document = Array.from({ length: 30 }, (_, i) => {
  const topic = topics[i % topics.length];
  return (
    `Lesson ${i + 1} covers ${topic}. Soldiers practise ${topic} drill number ${i + 1} until they meet the standard ` +
    `without help. The trainer records each result and repeats the lesson ${(i % 3) + 1} times before evaluation.`
  );
}).join('\n\n');

interface Worker {
  child: ChildProcess;
  output: string[];
  exited: Promise<number | null>;
}

async function startWorker(databaseUrl: string, dataDir: string): Promise<Worker> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--role', 'worker'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      JOB_HEARTBEAT_SECONDS: '10',
      WORKER_CONCURRENCY: '16',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout?.on('data', (b: Buffer) => output.push(b.toString()));
  child.stderr?.on('data', (b: Buffer) => output.push(b.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await waitFor(async () => output.join('').includes('service ready') || child.exitCode !== null, {
    what: 'the worker process to start',
  });
  if (child.exitCode !== null) throw new Error(`worker exited: ${output.join('')}`);
  return { child, output, exited };
}

let t: TestService;
let llm: FakeLlm;
const workers: Worker[] = [];

afterAll(async () => {
  await llm?.setOptions({ hangRate: 0 });
  for (const w of workers) {
    if (w.child.exitCode === null && w.child.signalCode === null) {
      w.child.kill('SIGTERM');
      await w.exited;
    }
  }
  await t?.stop();
  await llm?.close();
}, 120_000);

type RunStatus = NonNullable<Awaited<ReturnType<ReturnType<typeof statusOf>>>>;
const statusOf = (svc: TestService) => async (runId: string) =>
  (await svc.client.GET('/v1/runs/{id}', { params: { path: { id: runId } } })).data;

describe.skipIf(!usingPostgres)('a worker process killed with SIGKILL mid-stage', () => {
  beforeAll(async () => {
    llm = await startFakeLlm({ latencyMs: 300 });
    t = await startTestService({ settings: { role: 'api' } });
    workers.push(await startWorker(t.database.url as string, t.dataDir));
  });

  /** A project with one document and its config; each test uses its own document, so nothing is cached for it. */
  const setUp = async (name: string, text: string, extra: { factualChunkSize?: number } = {}) => {
    const project = await t.client.POST('/v1/projects', { body: { name } });
    const projectId = project.data?.id as string;
    const source = await t.client.POST('/v1/projects/{id}/sources', {
      params: { path: { id: projectId } },
      // One variation per chunk: two variations that drew the same format would send identical requests, which
      // would blur "repeated after the kill" with "asked twice on purpose".
      body: { name: 'lessons', settings: { variation_generation_counts: 1, factual_gen_use_subset: false } },
    });
    await upload(t.baseUrl, source.data?.id as string, [{ name: 'lessons.txt', data: text }]);
    const config = await fetch(`${t.baseUrl}/v1/projects/${projectId}/configs`, {
      method: 'POST',
      headers: { 'content-type': 'application/yaml' },
      body: pretrainingConfigYaml(llm.url, {
        concurrency: 8,
        repvarChunkSize: 100,
        codeFunctions: ['keyboard_augmentation'],
        ...extra,
      }),
    });
    return { projectId, configId: ((await config.json()) as { id: string }).id };
  };

  let projectId: string;
  let configId: string;
  const startRun = async () => {
    const created = await t.client.POST('/v1/projects/{id}/runs', {
      params: { path: { id: projectId } },
      body: { config_id: configId },
    });
    return created.data?.id as string;
  };
  const status = (runId: string) => statusOf(t)(runId);
  const finished = (runId: string) =>
    waitFor(
      async () => {
        const s = await status(runId);
        return s && TERMINAL_RUN_STATUSES.includes(s.status) ? s : undefined;
      },
      { what: `run ${runId} to finish`, timeoutMs: 150_000 },
    );
  const artifacts = async (runId: string) => {
    const list = await t.client.GET('/v1/runs/{id}/artifacts', {
      params: { path: { id: runId }, query: { limit: 1000 } },
    });
    const out = new Map<string, string>();
    // The dataset card is a report on its own run (its id, what it paid), not data: it differs between any two runs.
    for (const a of (list.data?.items ?? []).filter((item) => item.path !== 'sft_run/README.md')) {
      out.set(a.path, await (await fetch(`${t.baseUrl}/v1/runs/${runId}/artifacts/${a.path}`)).text());
    }
    return out;
  };

  /**
   * Kills the live worker once `underWay` says the stage under test is part done, starts a new one, and checks the
   * resumed run: it succeeds, no call answered before the kill is answered again, and an uninterrupted run of the
   * same config writes the same files.
   */
  /**
   * Bodies answered by `before` and answered again by `after`. Identical requests may legitimately be in flight together
   * (two stages asking the same question before either answer is cached); what must not happen is a new answer for a
   * body answered before.
   */
  const repeatedSince = (before: Record<string, number>, after: Record<string, number>) =>
    Object.keys(before).filter((hash) => (after[hash] ?? 0) > (before[hash] ?? 0));

  async function killAndResume(moments: Array<(run: RunStatus) => boolean>, what: string) {
    const runId = await startRun();
    let answeredBeforeKill: Record<string, number> = {};
    for (const [i, underWay] of moments.entries()) {
      const reached = await waitFor(
        async () => {
          const s = await status(runId);
          if (s && TERMINAL_RUN_STATUSES.includes(s.status)) return 'ended';
          return s !== undefined && underWay(s) ? 'reached' : undefined;
        },
        { what: `${what} (kill ${i + 1})`, timeoutMs: 60_000 },
      ).catch(async (error) => {
        console.log(
          JSON.stringify(await status(runId), null, 1),
          workers.map((w) => w.output.join('')).join('\n----\n'),
        );
        throw error;
      });
      if (reached === 'ended') break;
      // Freeze the model (new requests hang), let answers already on the wire reach the worker, then kill it.
      await llm.setOptions({ hangRate: 1 });
      await new Promise((r) => setTimeout(r, 1000));
      const killed = workers.at(-1) as Worker;
      killed.child.kill('SIGKILL');
      await killed.exited;
      const snapshot = { ...(await llm.counters()).answeredBodies };
      expect(Object.keys(snapshot).length).toBeGreaterThan(0);
      // Between two kills, nothing answered before the earlier one was answered again.
      expect(repeatedSince(answeredBeforeKill, snapshot), `calls answered before kill ${i} were sent again`).toEqual(
        [],
      );
      answeredBeforeKill = snapshot;
      await llm.setOptions({ hangRate: 0 });
      workers.push(await startWorker(t.database.url as string, t.dataDir));
    }
    const resumed = await finished(runId).catch(async (error) => {
      console.log(JSON.stringify(await status(runId), null, 1), workers.map((w) => w.output.join('')).join('\n----\n'));
      throw error;
    });
    expect(resumed.status, resumed.error ?? '').toBe('succeeded');
    for (const s of resumed.stages) expect(s.items.failed, s.name).toBe(0);

    const { answeredBodies: answered, promptIdOfBody } = await llm.counters();
    const repeated = repeatedSince(answeredBeforeKill, answered).map((hash) => `${promptIdOfBody[hash]} ${hash}`);
    // The second worker did call the model for the work left (the check above is not vacuous).
    expect(Object.keys(answered).length).toBeGreaterThan(Object.keys(answeredBeforeKill).length);
    expect(repeated, 'calls answered before the kill were sent again').toEqual([]);

    // Same config, same seed: an uninterrupted run must produce byte-identical outputs.
    const againId = await startRun();
    const again = await finished(againId);
    expect(again.status, again.error ?? '').toBe('succeeded');
    const first = await artifacts(runId);
    const second = await artifacts(againId);
    expect([...second.keys()].sort()).toEqual([...first.keys()].sort());
    for (const [artifactPath, content] of first) expect(second.get(artifactPath), artifactPath).toBe(content);
    return first;
  }

  it('killed in representation variation: finishes on a new worker without repeating answered calls, as an uninterrupted run would', async () => {
    ({ projectId, configId } = await setUp('sigkill-repvar', document));
    const outputs = await killAndResume(
      [
        (run) => {
          const repvar = run.stages.find((s) => s.name === 'representation_variation');
          return repvar !== undefined && repvar.items.done >= 2 && repvar.items.pending >= 5;
        },
      ],
      'representation variation to be under way',
    );
    expect(outputs.get('pretraining_run/representation_variation_lessons.jsonl')?.length).toBeGreaterThan(1000);
  }, 300_000);

  it('killed in a factual SFT stage: the same, for the question/answer data', async () => {
    // Other lessons than the first test's, so none of their calls is cached yet.
    const lessons = document.replaceAll('Lesson', 'Module').replaceAll('Soldiers', 'Crews');
    ({ projectId, configId } = await setUp('sigkill-factual', lessons, { factualChunkSize: 100 }));
    const outputs = await killAndResume(
      [
        (run) => {
          const factual = run.stages.filter((s) => s.name.startsWith('factual_sft/'));
          const done = factual.reduce((n, s) => n + s.items.done, 0);
          const pending = factual.reduce((n, s) => n + s.items.pending, 0);
          return done >= 2 && pending >= 5;
        },
      ],
      'the factual SFT stages to be under way',
    );
    expect(outputs.get('factual_sft_lessons_openended_0/plain_qa_list.jsonl')?.length).toBeGreaterThan(1000);
  }, 300_000);

  it('killed five times across the full composition: finishes, repeats no answered call, writes what an uninterrupted run writes', async () => {
    const lessons = document.replaceAll('Lesson', 'Drill').replaceAll('Soldiers', 'Teams');
    ({ projectId, configId } = await setUp('sigkill-five', lessons, { factualChunkSize: 100 }));
    // Five moments spread over the run by its progress (stages settled, the running ones by their items). A faster
    // model keeps this test short: each kill costs a heartbeat period before the dead worker's jobs go elsewhere.
    await llm.setOptions({ latencyMs: 100 });
    const outputs = await killAndResume(
      [0.1, 0.25, 0.4, 0.55, 0.7].map((at) => (run: RunStatus) => run.progress >= at),
      'the run to progress',
    ).finally(() => llm.setOptions({ latencyMs: 300 }));
    expect(outputs.get('factual_sft_lessons_openended_0/plain_qa_list.jsonl')?.length).toBeGreaterThan(1000);
  }, 600_000);
});
