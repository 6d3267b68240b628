import { afterAll, describe, expect, it } from 'vitest';
import type { Service } from '../../../src/service.ts';
import { startRun } from '../../support/runs.ts';
import { killWorker, startSecondWorker } from '../../support/second-worker.ts';
import { startTestService, type TestService } from '../../support/service.ts';
import { itemKey, standInStage } from '../../support/stand-in-stage.ts';
import { upload } from '../../support/upload.ts';
import { TERMINAL_RUN_STATUSES, waitFor } from '../../support/wait.ts';

const processed = new Map<string, number>();
let openGate: () => void = () => {};
const gate = new Promise<void>((resolve) => {
  openGate = resolve;
});

/** Keys whose first processing finished before the kill, and keys that were blocked in the first worker. */
const finishedFirst = new Set<string>();
const blockedFirst = new Set<string>();
let firstWorkerKilled = false;

/**
 * A stage of its own with 12 items. The first six to start finish at once; later ones block until the
 * gate opens (which happens only after the first worker was killed). The queue does not promise an order, so the
 * test tracks which keys finished rather than assuming item numbers.
 */
const controllable = standInStage({
  count: 12,
  async process(n) {
    const key = itemKey(n);
    processed.set(key, (processed.get(key) ?? 0) + 1);
    if (!firstWorkerKilled) {
      if (finishedFirst.size + blockedFirst.size < 6) {
        finishedFirst.add(key);
      } else {
        blockedFirst.add(key);
        await gate;
      }
    }
  },
  async finish(ctx) {
    const done = (await ctx.outputs()).map((o) => o.output.n);
    await ctx.writeArtifact('resume_test/done.json', JSON.stringify(done));
  },
});

let first: TestService | undefined;
let second: Service | undefined;
afterAll(async () => {
  openGate();
  await second?.stop();
  await first?.stop();
});

describe('resume after a worker dies', () => {
  it('retries the dead worker’s items elsewhere and never redoes finished ones', async () => {
    first = await startTestService({
      settings: { workerConcurrency: 4 },
      extraStages: [controllable],
    });
    const t = first;
    const project = await t.client.POST('/v1/projects', { body: { name: 'resume' } });
    const projectId = project.data?.id as string;
    const source = await t.client.POST('/v1/projects/{id}/sources', {
      params: { path: { id: projectId } },
      body: { name: 'docs' },
    });
    await upload(t.baseUrl, source.data?.id as string, [
      { name: 'a.txt', data: 'Some text to ingest for the resume test.' },
    ]);
    const config = await fetch(`${t.baseUrl}/v1/projects/${projectId}/configs`, {
      method: 'POST',
      headers: { 'content-type': 'application/yaml' },
      body: 'dataset_context: resume\nfinal_datasaving_settings:\n  generic_dataset_paths: []\n',
    });
    const configId = ((await config.json()) as { id: string }).id;
    const runId = await startRun(t.client, projectId, configId);

    const stageOf = async () => {
      const status = await t.client.GET('/v1/runs/{id}', { params: { path: { id: runId } } });
      return status.data?.stages.find((s) => s.name === 'test_items');
    };
    // Six items finish; the next four fill the worker's four slots and block.
    await waitFor(async () => (await stageOf())?.items.done === 6 && blockedFirst.size === 4, {
      what: 'six items done, four blocked',
    });

    await killWorker(t);
    firstWorkerKilled = true;
    openGate();
    second = await startSecondWorker(t, { settings: { workerConcurrency: 4 }, extraStages: [controllable] });

    const finished = await waitFor(
      async () => {
        const status = await t.client.GET('/v1/runs/{id}', { params: { path: { id: runId } } });
        return status.data && TERMINAL_RUN_STATUSES.includes(status.data.status) ? status.data : undefined;
      },
      { what: 'the run to finish on the second worker', timeoutMs: 60_000 },
    );
    expect(finished.status, finished.error ?? '').toBe('succeeded');
    const stage = finished.stages.find((s) => s.name === 'test_items');
    expect(stage?.items).toMatchObject({ total: 12, done: 12, failed: 0, pending: 0 });
    for (const key of finishedFirst) expect(processed.get(key), `${key} was redone`).toBe(1);
    for (const key of blockedFirst) expect(processed.get(key), `${key} was not retried`).toBe(2);
    expect(processed.size).toBe(12);
    const done = await fetch(`${t.baseUrl}/v1/runs/${runId}/artifacts/resume_test/done.json`);
    expect(((await done.json()) as number[]).length).toBe(12);
  });
});
