import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ingestStage } from '../../../src/pipelines/ingest-stage.ts';
import type { ItemStageDefinition } from '../../../src/pipelines/stage.ts';
import { outcome } from '../../../src/pipelines/step.ts';
import type { Service } from '../../../src/service.ts';
import { configWithoutGenericData, createConfig, projectWithSources } from '../../support/projects.ts';
import { eventItems, type RunDocument, runToEnd, startRun, untilRunEnded } from '../../support/runs.ts';
import { killWorker, startSecondWorker } from '../../support/second-worker.ts';
import { startTestService, type TestService } from '../../support/service.ts';
import { waitFor } from '../../support/wait.ts';

/** The orchestrator's page (PLAN_PAGE), plus one item. */
const ITEMS = 501;
const N = z.object({ n: z.number() });

let firstProcessed: () => void = () => {};
const processedFirst = new Promise<'processed'>((resolve) => {
  firstProcessed = () => resolve('processed');
});
let lastItemWaitedFor: string | undefined;

const pagedStage: ItemStageDefinition<{ n: number }, { n: number }> = {
  kind: 'test_paged',
  needs: [ingestStage],
  configPath: 'system',
  input: N,
  output: N,
  async *plan() {
    for (let n = 0; n < ITEMS; n++) {
      if (n === ITEMS - 1) {
        // Bounded, so a plan that is not paged fails the assertion below instead of hanging the run.
        const gaveUp = new Promise<'gave up'>((resolve) => setTimeout(() => resolve('gave up'), 60_000).unref());
        lastItemWaitedFor = await Promise.race([processedFirst, gaveUp]);
      }
      yield { key: `paged-${String(n).padStart(4, '0')}`, input: { n } };
    }
  },
  async process(input) {
    if (input.n === 0) firstProcessed();
    return outcome.done({ n: input.n });
  },
  async finish(ctx) {
    await ctx.writeArtifact('paged_test/order.json', JSON.stringify((await ctx.outputs()).map((o) => o.output.n)));
  },
};

/** The second stage: processing counts per item, and whether the worker that first planned it was killed. */
const crashProcessed = new Map<number, number>();
let plannerKilled = false;
let pageOneSent: () => void = () => {};
const pageOneWasSent = new Promise<void>((resolve) => {
  pageOneSent = resolve;
});

const crashingStage: ItemStageDefinition<{ n: number }, { n: number }> = {
  ...pagedStage,
  kind: 'test_paged_crash',
  async *plan() {
    for (let n = 0; n < ITEMS; n++) {
      if (n === ITEMS - 1 && !plannerKilled) {
        pageOneSent();
        // The first worker dies here, mid-plan: this plan never goes on.
        await new Promise(() => {});
      }
      yield { key: `crash-${String(n).padStart(4, '0')}`, input: { n } };
    }
  },
  async process(input) {
    crashProcessed.set(input.n, (crashProcessed.get(input.n) ?? 0) + 1);
    return outcome.done({ n: input.n });
  },
  async finish(ctx) {
    await ctx.writeArtifact('paged_test/crash.json', JSON.stringify((await ctx.outputs()).map((o) => o.output.n)));
  },
};

let t: TestService | undefined;
let crashed: TestService | undefined;
let second: Service | undefined;
afterAll(async () => {
  firstProcessed();
  await t?.stop();
  await second?.stop();
  await crashed?.stop();
});

describe('paged plans', () => {
  it("processes a stage's first page while its plan goes on, and keeps plan order", async () => {
    t = await startTestService({ extraStages: [pagedStage] });
    const service = t;
    const projectId = await projectWithSources(service, 'paged', { docs: 'Text for the paged test.' }, {});
    const configId = await createConfig(service, projectId, configWithoutGenericData('paged'));
    const { id: runId, run: finished } = await runToEnd<RunDocument>(service.client, projectId, configId);
    expect(lastItemWaitedFor).toBe('processed');
    const stage = finished.stages.find((s) => s.name === 'test_paged');
    expect(stage?.state).toBe('succeeded');
    expect(stage?.items).toMatchObject({ total: ITEMS, done: ITEMS, pending: 0 });
    const order = await fetch(`${service.baseUrl}/v1/runs/${runId}/artifacts/paged_test/order.json`);
    expect(await order.json()).toEqual(Array.from({ length: ITEMS }, (_, n) => n));
    const events = await service.client.GET('/v1/runs/{id}/events', {
      params: { path: { id: runId }, query: { limit: 1000 } },
    });
    const planned = eventItems(events.data).filter((e) => e.type === 'stage.planned' && e.stage === 'test_paged');
    expect(planned.map((e) => e.data)).toEqual([{ items: ITEMS }]);
  });

  it('is planned again by another worker when the planning one dies, adding only what is missing', async () => {
    crashed = await startTestService({ extraStages: [crashingStage] });
    const service = crashed;
    const projectId = await projectWithSources(service, 'crash', { docs: 'Text for the crash test.' }, {});
    const configId = await createConfig(service, projectId, configWithoutGenericData('crash'));
    const runId = await startRun(service.client, projectId, configId);
    const stageOf = async () =>
      (await service.client.GET('/v1/runs/{id}', { params: { path: { id: runId } } })).data?.stages.find(
        (s) => s.name === 'test_paged_crash',
      );
    // The first page is written, sent and processed while the plan is stuck before its last item.
    await pageOneWasSent;
    await waitFor(async () => (await stageOf())?.items.done === ITEMS - 1, { what: 'the first page to be processed' });
    expect((await stageOf())?.state).toBe('planning');

    await killWorker(service);
    plannerKilled = true;
    second = await startSecondWorker(service, { extraStages: [crashingStage] });
    const finished = await untilRunEnded<RunDocument>(service.client, runId);
    expect(finished.status, finished.error ?? '').toBe('succeeded');
    const stage = finished.stages.find((s) => s.name === 'test_paged_crash');
    expect(stage?.items).toMatchObject({ total: ITEMS, done: ITEMS, pending: 0 });
    expect([...crashProcessed.values()].every((times) => times === 1)).toBe(true);
    expect(crashProcessed.size).toBe(ITEMS);
    const order = await fetch(`${service.baseUrl}/v1/runs/${runId}/artifacts/paged_test/crash.json`);
    expect(await order.json()).toEqual(Array.from({ length: ITEMS }, (_, n) => n));
  });
});
