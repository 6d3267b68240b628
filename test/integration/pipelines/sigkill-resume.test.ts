/**
 * Resume proof (needs PostgreSQL: the worker is a separate process). A worker process is killed with SIGKILL in the
 * middle of representation variation, in the middle of the factual SFT stages, and (third test) five times across the
 * full composition; each time a new worker process carries the run on. The checks are test/support/kill-resume.ts's:
 * the run succeeds, no call answered before a kill is answered again, and an uninterrupted run writes the same files.
 * The single embedded process (PGlite) has its own proof: sigkill-embedded.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLlm, startFakeLlm } from '../../../tools/fake-llm/server.ts';
import {
  type KillableRun,
  killAndResume,
  killLast,
  killTestProject,
  lessonsDocument,
  type ServiceProcess,
  startServiceProcess,
  stopProcesses,
} from '../../support/kill-resume.ts';
import { startTestService, type TestService } from '../../support/service.ts';
import { usingPostgres } from '../../support/test-db.ts';

let t: TestService;
let llm: FakeLlm;
const workers: ServiceProcess[] = [];

const startWorker = async () =>
  workers.push(
    await startServiceProcess(['--role', 'worker'], {
      ...process.env,
      DATABASE_URL: t.database.url as string,
      DATA_DIR: t.dataDir,
      LOG_LEVEL: 'info',
      JOB_HEARTBEAT_SECONDS: '10',
      WORKER_CONCURRENCY: '16',
    }),
  );

afterAll(async () => {
  await llm?.setOptions({ hangRate: 0 });
  await stopProcesses(workers);
  await t?.stop();
  await llm?.close();
}, 120_000);

describe.skipIf(!usingPostgres)('a worker process killed with SIGKILL mid-stage', () => {
  beforeAll(async () => {
    llm = await startFakeLlm({ latencyMs: 300 });
    t = await startTestService({ settings: { role: 'api' } });
    await startWorker();
  });

  const proof = async (
    name: string,
    text: string,
    moments: Array<(run: KillableRun) => boolean>,
    what: string,
    extra: { factualChunkSize?: number } = {},
  ) => {
    const { projectId, configId } = await killTestProject(t.baseUrl, llm, name, text, extra);
    return killAndResume({
      baseUrl: t.baseUrl,
      llm,
      projectId,
      configId,
      moments,
      what,
      kill: () => killLast(workers),
      restart: startWorker,
      diagnostics: () => workers.map((w) => w.output.join('')).join('\n----\n'),
    });
  };

  it('killed in representation variation: finishes on a new worker without repeating answered calls, as an uninterrupted run would', async () => {
    const outputs = await proof(
      'sigkill-repvar',
      lessonsDocument(),
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
    const outputs = await proof(
      'sigkill-factual',
      lessonsDocument('Module', 'Crews'),
      [
        (run) => {
          const factual = run.stages.filter((s) => s.name.startsWith('factual_sft/'));
          const done = factual.reduce((n, s) => n + s.items.done, 0);
          const pending = factual.reduce((n, s) => n + s.items.pending, 0);
          return done >= 2 && pending >= 5;
        },
      ],
      'the factual SFT stages to be under way',
      { factualChunkSize: 100 },
    );
    expect(outputs.get('factual_sft_lessons_openended_0/plain_qa_list.jsonl')?.length).toBeGreaterThan(1000);
  }, 300_000);

  it('killed five times across the full composition: finishes, repeats no answered call, writes what an uninterrupted run writes', async () => {
    // Five moments spread over the run by its progress (stages settled, the running ones by their items). A faster
    // model keeps this test short: each kill costs a heartbeat period before the dead worker's jobs go elsewhere.
    await llm.setOptions({ latencyMs: 100 });
    const outputs = await proof(
      'sigkill-five',
      lessonsDocument('Drill', 'Teams'),
      [0.1, 0.25, 0.4, 0.55, 0.7].map((at) => (run: KillableRun) => run.progress >= at),
      'the run to progress',
      { factualChunkSize: 100 },
    ).finally(() => llm.setOptions({ latencyMs: 300 }));
    expect(outputs.get('factual_sft_lessons_openended_0/plain_qa_list.jsonl')?.length).toBeGreaterThan(1000);
  }, 600_000);
});
