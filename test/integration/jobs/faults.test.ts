/**
 * Runs under faults, with stand-in stages whose items the test controls: an item that always throws is retried and
 * then recorded as failed with its error (the run still finishes and says so); an item whose job only ever lost its
 * worker gets one more round before it fails; a cancel stops a run in progress,
 * aborts its items' work, and a second cancel is refused; a graceful stop lets an item in flight finish.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getItem } from '../../../src/db/queries/run-items.ts';
import { WORKER_LOST } from '../../../src/jobs/item-runner.ts';
import { jobs } from '../../../src/jobs/job-definitions.ts';
import { eventItems } from '../../support/runs.ts';
import { startTestService, type TestService } from '../../support/service.ts';
import { itemKey, standInStage } from '../../support/stand-in-stage.ts';
import { upload } from '../../support/upload.ts';
import { TERMINAL_RUN_STATUSES, waitFor } from '../../support/wait.ts';

/** How the stand-in stage treats each item, set per test. */
let behaviour: (n: number, signal: AbortSignal) => Promise<void> = async () => {};
const attempts = new Map<number, number>();
const aborted = new Set<number>();

const controllable = standInStage({
  count: 4,
  async process(n, ctx) {
    attempts.set(n, (attempts.get(n) ?? 0) + 1);
    ctx.signal.addEventListener('abort', () => aborted.add(n));
    await behaviour(n, ctx.signal);
  },
});

let t: TestService;
let projectId: string;
let configId: string;

beforeAll(async () => {
  t = await startTestService({
    settings: { jobRetryLimit: 1 },
    extraStages: [controllable],
  });
  const project = await t.client.POST('/v1/projects', { body: { name: 'faults' } });
  projectId = project.data?.id as string;
  const source = await t.client.POST('/v1/projects/{id}/sources', {
    params: { path: { id: projectId } },
    body: { name: 'docs' },
  });
  await upload(t.baseUrl, source.data?.id as string, [{ name: 'a.txt', data: 'A document for the fault tests.' }]);
  const config = await fetch(`${t.baseUrl}/v1/projects/${projectId}/configs`, {
    method: 'POST',
    headers: { 'content-type': 'application/yaml' },
    body: 'dataset_context: faults\nfinal_datasaving_settings:\n  generic_dataset_paths: []\n',
  });
  configId = ((await config.json()) as { id: string }).id;
});
afterAll(async () => {
  behaviour = async () => {};
  await t?.stop();
});

const startRun = async () => {
  const run = await t.client.POST('/v1/projects/{id}/runs', {
    params: { path: { id: projectId } },
    body: { config_id: configId },
  });
  return run.data?.id as string;
};
const status = async (runId: string) => (await t.client.GET('/v1/runs/{id}', { params: { path: { id: runId } } })).data;
const stageOf = async (runId: string) => (await status(runId))?.stages.find((s) => s.name === 'test_items');

describe('faults', () => {
  it('retries an item that keeps failing, then records it as failed with its error; the run still finishes', async () => {
    attempts.clear();
    behaviour = async (n) => {
      if (n === 2) throw new Error('the stand-in stage broke on item 2');
    };
    const runId = await startRun();
    const finished = await waitFor(
      async () => {
        const s = await status(runId);
        return s && TERMINAL_RUN_STATUSES.includes(s.status) ? s : undefined;
      },
      { what: 'the run to finish', timeoutMs: 60_000 },
    );
    // Failed items are counted, not fatal: the run completes with what could be made, and says so.
    expect(finished.status).toBe('succeeded_with_drops');
    expect(finished.outcome).toMatchObject({ kind: 'with_drops', failed: 1, stage: null });
    expect(finished.outcome?.top_reasons[0]?.reason).toMatch(/item 2/);
    const stage = finished.stages.find((s) => s.name === 'test_items');
    expect(stage?.items).toMatchObject({ total: 4, done: 3, failed: 1, pending: 0 });
    expect(attempts.get(2)).toBe(2); // the first attempt and one retry (JOB_RETRY_LIMIT 1)
    const reason = Object.keys(stage?.reasons ?? {}).find((r) => r.includes('item 2'));
    expect(reason).toMatch(/^failed after 2 attempts: the stand-in stage broke on item 2/);
    const events = await t.client.GET('/v1/runs/{id}/events', { params: { path: { id: runId }, query: {} } });
    expect(eventItems(events.data).some((e) => e.type === 'item.failed' && e.stage === 'test_items')).toBe(true);
  });

  it('gives an item whose job lost its worker every time one more round, then fails it saying so', async () => {
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    behaviour = async (n) => {
      if (n === 1) await held;
    };
    const runId = await startRun();
    const item1 = { runId, stage: 'test_items', key: itemKey(1) };
    const stored = async () => getItem(t.database.db, runId, 'test_items', itemKey(1));
    await waitFor(async () => ((await stored())?.state === 'pending' && attempts.get(1) ? true : undefined), {
      what: 'item 1 to be in work',
    });
    // As pg-boss does once an item's job has failed every retry without the item recording an error of its own
    // (each run ended with its worker killed): the item is not failed but sent again, one attempt counted.
    await t.service.queue.send(jobs.deadItem, item1);
    const counted = await waitFor(
      async () => {
        const item = await stored();
        return item && item.attempts === 1 ? item : undefined;
      },
      { what: 'the lost runs to be counted' },
    );
    expect(counted).toMatchObject({ state: 'pending', reason: WORKER_LOST });
    // The second round lost its worker every time too: now the item fails, and says why.
    await t.service.queue.send(jobs.deadItem, item1);
    const failed = await waitFor(
      async () => {
        const item = await stored();
        return item?.state === 'failed' ? item : undefined;
      },
      { what: 'item 1 to fail' },
    );
    expect(failed.reason).toBe(`failed after 1 attempts: ${WORKER_LOST}`);
    release();
    const finished = await waitFor(
      async () => {
        const s = await status(runId);
        return s && TERMINAL_RUN_STATUSES.includes(s.status) ? s : undefined;
      },
      { what: 'the run to finish', timeoutMs: 60_000 },
    );
    expect(finished.stages.find((s) => s.name === 'test_items')?.items).toMatchObject({ done: 3, failed: 1 });
  });

  it('cancels a run in progress: its items are aborted, nothing more is recorded, and a second cancel is refused', async () => {
    aborted.clear();
    // Cleared so the wait below sees this run's items in flight, not the previous test's attempts.
    attempts.clear();
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    behaviour = (_n, signal) =>
      new Promise<void>((resolve, reject) => {
        signal.addEventListener('abort', () => reject(signal.reason));
        void gate.then(resolve);
      });
    const runId = await startRun();
    await waitFor(async () => (await stageOf(runId))?.state === 'running' && aborted.size === 0 && attempts.size > 0, {
      what: 'items to be in flight',
    });
    const canceled = await t.client.POST('/v1/runs/{id}/cancel', { params: { path: { id: runId } } });
    expect(canceled.response.status).toBe(200);
    expect(canceled.data?.status).toBe('canceled');
    await waitFor(async () => aborted.size > 0, { what: 'the in-flight items to be aborted' });
    release();
    const again = await t.client.POST('/v1/runs/{id}/cancel', { params: { path: { id: runId } } });
    expect(again.response.status).toBe(409);
    expect(again.response.headers.get('content-type')).toContain('application/problem+json');
    expect((await stageOf(runId))?.items.done).toBe(0);
    expect((await status(runId))?.status).toBe('canceled');
    // Coherent afterwards: nothing is left "pending", the unprocessed items are said to be so, progress is what settled.
    const items = (await stageOf(runId))?.items;
    expect(items).toMatchObject({ pending: 0, not_processed: items?.total });
    expect((await status(runId))?.progress).toBeLessThan(1);
  });

  // Last: it stops this service's worker.
  it('stops gracefully: items in flight when the worker is told to stop finish and are recorded', async () => {
    attempts.clear();
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    behaviour = () => gate;
    const runId = await startRun();
    await waitFor(async () => (await stageOf(runId))?.state === 'running' && attempts.size === 4, {
      what: 'four items to be in flight',
    });
    const stopping = t.service.worker?.stop(20_000);
    // The items are still blocked when the stop begins; it must wait for them rather than abandon them.
    setTimeout(release, 300);
    await stopping;
    // The status document may lag the workers by its cache's quarter second: wait for the recorded outcome.
    const items = await waitFor(
      async () => {
        const current = (await stageOf(runId))?.items;
        return current?.pending === 0 ? current : undefined;
      },
      { what: 'the items to be recorded' },
    );
    expect(items).toMatchObject({ done: 4, pending: 0 });
  });
});
