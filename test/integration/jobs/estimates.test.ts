/**
 * Estimates against the run that follows: the default composition (five factual ways, thought rewrite, RAG,
 * correction, representation variation, PDF cleaning) over samples of the shared corpus — or texts of our own on a
 * machine without it —, estimated without a model call, then run against the fake LLM (whose answers are the prompts'
 * few-shot answers reshaped around the input, so their lengths are realistic). Calls and tokens agree within 20 %,
 * per total and in the printed table per stage.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLlm, startFakeLlm } from '../../../tools/fake-llm/server.ts';
import { corpusAvailable, corpusSamples, corpusTextFiles } from '../../support/corpus.ts';
import { orchardSections } from '../../support/documents.ts';
import { pretrainingConfigYaml } from '../../support/pretraining-config.ts';
import { createConfig, projectWithSources } from '../../support/projects.ts';
import { runToEnd } from '../../support/runs.ts';
import { startTestService, type TestService } from '../../support/service.ts';
import { waitFor } from '../../support/wait.ts';

type Figures = { calls: number; input_tokens: number; output_tokens: number; cost_usd: number; wall_seconds: number };
type Estimate = { total: Figures; stages: Array<Figures & { name: string; items: number }>; skipped: unknown[] };
type Run = {
  status: string;
  error: string | null;
  totals: { calls: number; input_tokens: number; output_tokens: number; cost: number };
  stages: Array<{
    name: string;
    items: { total: number };
    llm: { calls: number; input_tokens: number; output_tokens: number };
  }>;
};

const ownTexts = [orchardSections(10)];

let t: TestService;
let llm: FakeLlm;
let projectId: string;
let configId: string;

beforeAll(async () => {
  llm = await startFakeLlm();
  t = await startTestService();
  const texts = corpusAvailable
    ? corpusTextFiles.slice(0, 2).map((file) => corpusSamples(file, 2, 3000).join('\n\n'))
    : ownTexts;
  projectId = await projectWithSources(
    t,
    'estimate',
    Object.fromEntries(texts.map((text, i) => [`source${i}`, text])),
    { variation_generation_counts: 1, factual_gen_use_subset: false },
  );
  configId = await createConfig(
    t,
    projectId,
    pretrainingConfigYaml(llm.url, { factualChunkSize: 500, repvarChunkSize: 400, pricePerMillion: 2 }),
  );
}, 60_000);

afterAll(async () => {
  await t?.stop();
  await llm?.close();
});

const estimate = async (body: unknown) =>
  fetch(`${t.baseUrl}/v1/projects/${projectId}/estimates`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

const within = (estimated: number, actual: number, share: number) =>
  Math.abs(estimated - actual) <= share * Math.max(1, actual);

describe('estimates', () => {
  it('predicts the calls and tokens of the run that follows within 20 %, without calling the model', async () => {
    const before = (await llm.counters()).requests;
    const response = await estimate({ config_id: configId });
    expect(response.status, await response.clone().text()).toBe(200);
    const predicted = (await response.json()) as Estimate;
    expect((await llm.counters()).requests).toBe(before);

    const { id, run } = await runToEnd<Run>(t.client, projectId, configId);
    expect(run.status, run.error ?? '').toMatch(/^succeeded/);
    const rows = predicted.stages.map((s) => {
      const actual = run.stages.find((r) => r.name === s.name);
      return {
        stage: s.name,
        items: `${s.items} / ${actual?.items.total}`,
        calls: `${s.calls} / ${actual?.llm.calls}`,
        input: `${s.input_tokens} / ${actual?.llm.input_tokens}`,
        output: `${s.output_tokens} / ${actual?.llm.output_tokens}`,
      };
    });
    console.log('estimate / actual');
    console.table(rows);
    console.log(
      `total: calls ${predicted.total.calls} / ${run.totals.calls}, input ${predicted.total.input_tokens} / ${run.totals.input_tokens}, ` +
        `output ${predicted.total.output_tokens} / ${run.totals.output_tokens}, cost ${predicted.total.cost_usd} / ${run.totals.cost}`,
    );
    expect(within(predicted.total.calls, run.totals.calls, 0.2)).toBe(true);
    expect(within(predicted.total.input_tokens, run.totals.input_tokens, 0.2)).toBe(true);
    expect(within(predicted.total.output_tokens, run.totals.output_tokens, 0.2)).toBe(true);
    expect(within(predicted.total.cost_usd, run.totals.cost, 0.2)).toBe(true);
    for (const stage of predicted.stages) {
      const actual = run.stages.find((r) => r.name === stage.name);
      expect(stage.items, stage.name).toBe(actual?.items.total);
    }

    // The run's status shows its own estimate (made beside it, before its answers were cached) and the projection.
    type Status = {
      estimate: { total: Figures } | null;
      projection: { calls: number; cost_usd: number };
      stages: Array<{ name: string; projected: { calls: number } | null; llm: { calls: number } }>;
    };
    const status = await waitFor(
      async () => {
        const s = (await (await fetch(`${t.baseUrl}/v1/runs/${id}`)).json()) as Status;
        return s.estimate ? s : undefined;
      },
      { what: "the run's estimate" },
    );
    expect(status.estimate?.total.calls).toBe(predicted.total.calls);
    expect(status.projection.calls).toBe(run.totals.calls);
    for (const stage of status.stages) expect(stage.projected?.calls, stage.name).toBe(stage.llm.calls);
    const events = (await (await fetch(`${t.baseUrl}/v1/runs/${id}/events?limit=1000`)).json()) as {
      items: Array<{ type: string; data: Record<string, unknown> }>;
    };
    expect(events.items.find((e) => e.type === 'run.estimated')?.data.calls).toBe(predicted.total.calls);
    const progress = events.items.find((e) => e.type === 'run.progress');
    expect(progress?.data).toMatchObject({ calls: expect.any(Number), projected_cost_usd: expect.any(Number) });

    // The same config again: every answer is in this account's cache, so the estimate is the calls at no cost.
    const again = (await (await estimate({ config_id: configId })).json()) as Estimate;
    expect(again.total.calls).toBe(predicted.total.calls);
    expect(again.total.cost_usd).toBe(0);
    expect(again.total.input_tokens).toBe(0);
  }, 240_000);

  it('estimates a config sent inline as it estimates the stored one', async () => {
    const stored = (await (await estimate({ config_id: configId })).json()) as Estimate;
    const document = ((await (await fetch(`${t.baseUrl}/v1/configs/${configId}`)).json()) as { document: unknown })
      .document;
    const response = await estimate({ config: document });
    expect(response.status, await response.clone().text()).toBe(200);
    const inline = (await response.json()) as Estimate;
    expect(inline.total.calls).toBe(stored.total.calls);
    expect(inline.stages.map((s) => s.items)).toEqual(stored.stages.map((s) => s.items));

    const bad = await estimate({ config: { system: { concurrency_limit: 'many' } } });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('body.config.system.concurrency_limit');
    for (const body of [{}, { config_id: configId, config: {} }]) {
      const neither = await estimate(body);
      expect(neither.status, JSON.stringify(body)).toBe(400);
    }
  }, 120_000);

  it('names the field of a config that is not in the project', async () => {
    const response = await estimate({ config_id: 'cfg_nothere' });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(await response.text()).toContain('body.config_id');
    const bad = await estimate({ config_id: configId, extra: 1 });
    expect(bad.status).toBe(400);
    const missing = await fetch(`${t.baseUrl}/v1/projects/proj_nothere/estimates`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ config_id: configId }),
    });
    expect(missing.status).toBe(404);
  });
});
