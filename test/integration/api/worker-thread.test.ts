/**
 * ROLE=all with its job worker on a thread of its own (the default of `npm start`): a run goes through from start to
 * end with its jobs taken on the thread, /metrics answers for both threads, and SIGTERM stops the thread's jobs and
 * the process cleanly. On the PostgreSQL pass the thread has its own pool; on PGlite it reaches the embedded database
 * through its thread.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type FakeLlm, startFakeLlm } from '../../../tools/fake-llm/server.ts';
import { freePort } from '../../support/free-port.ts';
import {
  type KillableRun,
  killTestProject,
  lessonsDocument,
  type ServiceProcess,
  startServiceProcess,
  stopProcesses,
} from '../../support/kill-resume.ts';
import { TERMINAL_RUN_STATUSES, waitFor } from '../../support/wait.ts';

let llm: FakeLlm | undefined;
let dataDir: string | undefined;
const processes: ServiceProcess[] = [];

afterAll(async () => {
  await stopProcesses(processes);
  await llm?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}, 60_000);

describe('the job worker on a thread of its own', () => {
  it('runs a composition to its end, reports both threads in /metrics and stops cleanly on SIGTERM', async () => {
    llm = await startFakeLlm({ latencyMs: 20 });
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'worker-thread-'));
    const port = await freePort();
    const service = await startServiceProcess([], {
      ...process.env,
      DATA_DIR: dataDir,
      PORT: String(port),
      LOG_LEVEL: 'info',
      WORKER_THREAD: 'true',
      WORKER_CONCURRENCY: '16',
    });
    processes.push(service);
    expect(service.output.join('')).toContain('job worker started on a thread of its own');
    const baseUrl = `http://127.0.0.1:${port}`;
    const { projectId, configId } = await killTestProject(
      baseUrl,
      llm,
      'worker-thread',
      lessonsDocument('Module', 'Cadets').split('\n\n').slice(0, 8).join('\n\n'),
    );
    const created = await fetch(`${baseUrl}/v1/projects/${projectId}/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ config_id: configId }),
    });
    expect(created.status).toBe(201);
    const runId = ((await created.json()) as { id: string }).id;
    const run = await waitFor(
      async () => {
        const status = (await (await fetch(`${baseUrl}/v1/runs/${runId}`)).json()) as KillableRun;
        return TERMINAL_RUN_STATUSES.includes(status.status) ? status : undefined;
      },
      { what: 'the run to end', timeoutMs: 150_000 },
    );
    expect(run.status, JSON.stringify(run.error)).toBe('succeeded');

    // The worker thread's counters (jobs, items, LLM calls) beside the main thread's HTTP ones, in one exposition.
    const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
    const value = (name: string) =>
      metrics
        .split('\n')
        .filter((line) => line.startsWith(`${name}{`))
        .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
    expect(value('datagen_items_total')).toBeGreaterThan(0);
    expect(value('llm_calls_total')).toBeGreaterThan(0);
    expect(value('http_requests_total')).toBeGreaterThan(0);
    expect(metrics.match(/^# TYPE datagen_items_total /gm)).toHaveLength(1);
    // The process's own figures once, not once per thread: its resident memory is what the kernel says.
    const rss = Number(/^process_resident_memory_bytes (\S+)$/m.exec(metrics)?.[1]);
    const kernel =
      Number(/VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${service.child.pid}/status`, 'utf8'))?.[1]) * 1024;
    expect(rss).toBeGreaterThan(kernel * 0.5);
    expect(rss).toBeLessThan(kernel * 1.5);

    // What was tried by hand at /metrics with the thread's figures merged in, kept: hostile paths and methods are
    // refused as problems, and scrapes at once are each answered whole.
    for (const [path, status] of [
      ['/metrics?%00=1', 400],
      ['/metrics%00', 400],
      ['/metrics/', 404],
      [`/metrics?n=${'9'.repeat(30)}`, 400],
      ['/%6detrics', 200],
    ] as const) {
      const res = await fetch(`${baseUrl}${path}`);
      expect(res.status, path).toBe(status);
      if (status !== 200) expect(res.headers.get('content-type'), path).toContain('application/problem+json');
      await res.arrayBuffer();
    }
    const posted = await fetch(`${baseUrl}/metrics`, { method: 'POST', body: '{"cut": ' });
    expect(posted.status).toBe(405);
    await posted.arrayBuffer();
    const scrapes = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const res = await fetch(`${baseUrl}/metrics`);
        return [res.status, (await res.text()).includes('# TYPE datagen_items_total ')] as const;
      }),
    );
    expect(scrapes.every(([status, whole]) => status === 200 && whole)).toBe(true);

    service.child.kill('SIGTERM');
    expect(await service.exited).toBe(0);
    expect(service.output.join('')).not.toMatch(/"level":(50|60)/);
  }, 200_000);
});
