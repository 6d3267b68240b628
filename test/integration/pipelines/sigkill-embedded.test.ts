/**
 * Resume proof for the embedded default: the single service process (API, worker and PGlite in one) killed with
 * SIGKILL five times across the full composition, and started again on the same data directory each time. The run
 * must succeed, no call answered before a kill may be answered again, and an uninterrupted run must write the same
 * files (the checks of test/support/kill-resume.ts). A restarted embedded process sends the jobs its dead predecessor
 * left active straight back to their queues (it holds the database alone), so no kill waits for a heartbeat to lapse.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type FakeLlm, startFakeLlm } from '../../../tools/fake-llm/server.ts';
import { freePort } from '../../support/free-port.ts';
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
import { usingPostgres } from '../../support/test-db.ts';

let llm: FakeLlm | undefined;
let dataDir: string | undefined;
const processes: ServiceProcess[] = [];

afterAll(async () => {
  await llm?.setOptions({ hangRate: 0 });
  await stopProcesses(processes);
  await llm?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}, 120_000);

describe.skipIf(usingPostgres)('the single embedded process killed with SIGKILL', () => {
  it('killed five times across the full composition: finishes, repeats no answered call, writes what an uninterrupted run writes', async () => {
    llm = await startFakeLlm({ latencyMs: 100 });
    const fake = llm;
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sigkill-embedded-'));
    dataDir = dir;
    // Kept across restarts, so the test's client need not follow the process.
    const port = await freePort();
    const { DATABASE_URL: _postgres, ...env } = process.env;
    const start = async () =>
      processes.push(
        await startServiceProcess([], {
          ...env,
          DATA_DIR: dir,
          PORT: String(port),
          LOG_LEVEL: 'info',
          WORKER_CONCURRENCY: '16',
        }),
      );
    await start();
    const baseUrl = `http://127.0.0.1:${port}`;
    const { projectId, configId } = await killTestProject(
      baseUrl,
      fake,
      'sigkill-embedded',
      lessonsDocument('Exercise', 'Squads'),
      { factualChunkSize: 100 },
    );
    const outputs = await killAndResume({
      baseUrl,
      llm: fake,
      projectId,
      configId,
      moments: [0.1, 0.25, 0.4, 0.55, 0.7].map((at) => (run: KillableRun) => run.progress >= at),
      what: 'the run to progress',
      kill: () => killLast(processes),
      restart: start,
      diagnostics: () => processes.map((p) => p.output.join('')).join('\n----\n'),
    });
    expect(outputs.get('factual_sft_lessons_openended_0/plain_qa_list.jsonl')?.length).toBeGreaterThan(1000);
    // Each new process took up at once what its killed predecessor left (jobs active, LLM slots leased) instead of
    // waiting for heartbeats and leases to lapse.
    for (const restarted of processes.slice(1)) {
      expect(restarted.output.join('')).toContain('work left by a stopped process taken up again');
    }
  }, 600_000);
});
