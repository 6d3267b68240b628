/**
 * Items flow: a stage that plans from each finished instance of a stage it needs (`planFrom`) starts with the first
 * instance that finishes, not after all of them. Two instances of a source stage (`a`, `b`), the flowing stage reading
 * each one's result. Instance `a` is held back, so `b` finishes first: the flowing stage must run b's items while a
 * still works, then plan a's once it finishes, and keep its items in the order of its needs (a before b) whatever the
 * order they finished in.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ingestStage } from '../../../src/pipelines/ingest-stage.ts';
import type { ItemStageDefinition, PlanContext } from '../../../src/pipelines/stage.ts';
import { outcome } from '../../../src/pipelines/step.ts';
import { configWithoutGenericData, createConfig, projectWithSources } from '../../support/projects.ts';
import { eventItems, startRun } from '../../support/runs.ts';
import { startTestService, type TestService } from '../../support/service.ts';
import { TERMINAL_RUN_STATUSES, waitFor } from '../../support/wait.ts';

let release: () => void = () => {};
const held = new Promise<void>((resolve) => {
  release = resolve;
});
const flowProcessed: string[] = [];

const Word = z.object({ word: z.string() });
const Result = z.object({ words: z.array(z.string()) });

const sourceStage: ItemStageDefinition<{ word: string }, { word: string }, { words: string[] }> = {
  kind: 'test_source',
  needs: [ingestStage],
  configPath: 'system',
  input: Word,
  output: Word,
  result: Result,
  instances: () => ['a', 'b'].map((which) => ({ name: `test_source/${which}`, params: { which } })),
  instanceName: (params) => `test_source/${String(params.which)}`,
  async *plan(ctx) {
    for (const n of [1, 2, 3]) yield { key: `${ctx.params.which}${n}`, input: { word: `${ctx.params.which}${n}` } };
  },
  async process(input, ctx) {
    if (ctx.params.which === 'a') await held;
    return outcome.done({ word: input.word.toUpperCase() });
  },
  async finish(ctx) {
    return { words: (await ctx.outputs()).map((o) => o.output.word) };
  },
};

async function* planOne(ctx: PlanContext, instance: Record<string, unknown>) {
  const { words } = await ctx.resultOf(sourceStage, instance);
  for (const word of words) yield { key: word, input: { word } };
}

const flowStage: ItemStageDefinition<{ word: string }, { word: string }> = {
  kind: 'test_flow',
  needs: [sourceStage],
  configPath: 'system',
  input: Word,
  output: Word,
  async *plan(ctx) {
    yield* planOne(ctx, { which: 'a' });
    yield* planOne(ctx, { which: 'b' });
  },
  planFrom: { stage: sourceStage, plan: planOne },
  async process(input) {
    flowProcessed.push(input.word);
    return outcome.done({ word: `${input.word}!` });
  },
  async finish(ctx) {
    await ctx.writeArtifact('flow_test/order.json', JSON.stringify((await ctx.outputs()).map((o) => o.output.word)));
  },
};

let t: TestService | undefined;
afterAll(async () => {
  release();
  await t?.stop();
});

describe('items flow', () => {
  it('runs the items of the instance that finished first while the other still works, in need order at the end', async () => {
    t = await startTestService({ extraStages: [sourceStage, flowStage] });
    const service = t;
    const projectId = await projectWithSources(service, 'flow', { docs: 'Text for the flow test.' }, {});
    const configId = await createConfig(service, projectId, configWithoutGenericData('flow'));
    const runId = await startRun(service.client, projectId, configId);
    const stages = async () =>
      (await service.client.GET('/v1/runs/{id}', { params: { path: { id: runId } } })).data?.stages ?? [];

    // b finished and its three items flowed through while a is still held.
    const during = await waitFor(
      async () => {
        const now = await stages();
        return now.find((s) => s.name === 'test_flow')?.items.done === 3 ? now : undefined;
      },
      { what: "the flowing stage to finish b's items" },
    );
    expect(during.find((s) => s.name === 'test_source/a')?.state).toBe('running');
    expect(during.find((s) => s.name === 'test_flow')?.state).toBe('running');
    expect(flowProcessed).toEqual(expect.arrayContaining(['B1', 'B2', 'B3']));
    expect(flowProcessed).toHaveLength(3);

    release();
    const finished = await waitFor(
      async () => {
        const status = await service.client.GET('/v1/runs/{id}', { params: { path: { id: runId } } });
        return status.data && TERMINAL_RUN_STATUSES.includes(status.data.status) ? status.data : undefined;
      },
      { what: 'the run to end', timeoutMs: 60_000 },
    );
    const flow = finished.stages.find((s) => s.name === 'test_flow');
    expect(flow?.state).toBe('succeeded');
    expect(flow?.items).toMatchObject({ total: 6, done: 6, pending: 0 });
    const order = await fetch(`${service.baseUrl}/v1/runs/${runId}/artifacts/flow_test/order.json`);
    expect(await order.json()).toEqual(['A1!', 'A2!', 'A3!', 'B1!', 'B2!', 'B3!']);
    const events = await service.client.GET('/v1/runs/{id}/events', {
      params: { path: { id: runId }, query: { limit: 1000 } },
    });
    const planned = eventItems(events.data).filter((e) => e.type === 'stage.planned' && e.stage === 'test_flow');
    expect(planned.map((e) => (e.data as { from?: string }).from)).toEqual(['test_source/b', 'test_source/a']);
  });
});
