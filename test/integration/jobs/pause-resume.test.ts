/**
 * Budget and pause, end to end against the fake LLM: a run with a budget of about half of what the same run costs
 * pauses with the figures before passing it, and resumed with a larger budget it finishes with the outputs of an
 * uninterrupted run and without asking the model anything twice; a run paused by request stops calling the model,
 * and resumes to the end. Two tenants, so the budgeted run pays for its own answers (the cache is per tenant).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLlm, startFakeLlm } from '../../../tools/fake-llm/server.ts';
import { harbourSections } from '../../support/documents.ts';
import { pretrainingConfigYaml } from '../../support/pretraining-config.ts';
import { runOutputs, runStatusOf, untilRunEnded } from '../../support/runs.ts';
import { type ApiClient, startTestService, type TestService } from '../../support/service.ts';
import { upload } from '../../support/upload.ts';
import { TERMINAL_RUN_STATUSES, waitFor } from '../../support/wait.ts';

const document = harbourSections(12);

type Run = {
  id: string;
  status: string;
  error: string | null;
  pause_reason: string | null;
  budget_usd: number | null;
  stages: Array<{ items: { failed: number } }>;
  totals: { cost: number };
};

let t: TestService;
let llm: FakeLlm;

async function createConfig(key: string, projectId: string, budget?: number, extra: string[] = []): Promise<string> {
  const config = await fetch(`${t.baseUrl}/v1/projects/${projectId}/configs`, {
    method: 'POST',
    headers: { 'content-type': 'application/yaml', authorization: `Bearer ${key}` },
    body: pretrainingConfigYaml(llm.url, {
      factualWays: [],
      repvarChunkSize: 60,
      concurrency: 2,
      pricePerMillion: 1000,
      extra: [...(budget === undefined ? [] : [`budget_usd: ${budget}`]), ...extra],
    }),
  });
  expect(config.status, await config.clone().text()).toBe(201);
  return ((await config.json()) as { id: string }).id;
}

async function createProject(client: ApiClient, key: string): Promise<string> {
  const projectId = (await client.POST('/v1/projects', { body: { name: 'budget' } })).data?.id as string;
  const source = await client.POST('/v1/projects/{id}/sources', {
    params: { path: { id: projectId } },
    body: { name: 'harbour', settings: { variation_generation_counts: 1, rag_use_subset: false } },
  });
  await upload(t.baseUrl, source.data?.id as string, [{ name: 'harbour.txt', data: document }], {
    authorization: `Bearer ${key}`,
  });
  return projectId;
}

async function startRun(client: ApiClient, projectId: string, configId: string): Promise<string> {
  const run = await client.POST('/v1/projects/{id}/runs', {
    params: { path: { id: projectId } },
    body: { config_id: configId },
  });
  return run.data?.id as string;
}

async function setUp(client: ApiClient, key: string, budget?: number, extra: string[] = []) {
  const projectId = await createProject(client, key);
  return startRun(client, projectId, await createConfig(key, projectId, budget, extra));
}

const statusOf = (client: ApiClient, id: string) => runStatusOf<Run>(client, id);
const untilEnded = (client: ApiClient, id: string) => untilRunEnded<Run>(client, id);
const outputs = (key: string, id: string) => runOutputs(t.baseUrl, key, id);

beforeAll(async () => {
  llm = await startFakeLlm({ latencyMs: 20 });
  t = await startTestService();
});

afterAll(async () => {
  await t?.stop();
  await llm?.close();
});

describe('budget and pause', () => {
  it('pauses before passing the budget, and resumed finishes as an uninterrupted run would, asking nothing twice', async () => {
    const reference = await t.clientForNewTenant('reference');
    const r0 = (await llm.counters()).requests;
    const full = await untilEnded(reference.client, await setUp(reference.client, reference.key));
    expect(full.status, full.error ?? '').toBe('succeeded');
    const fullRequests = (await llm.counters()).requests - r0;
    expect(full.totals.cost).toBeGreaterThan(0);

    // The budget is half of what the estimate says the run will cost (the estimate calls no model).
    const budgeted = await t.clientForNewTenant('budgeted');
    const r1 = (await llm.counters()).requests;
    const projectId = await createProject(budgeted.client, budgeted.key);
    const estimate = await budgeted.client.POST('/v1/projects/{id}/estimates', {
      params: { path: { id: projectId } },
      body: { config_id: await createConfig(budgeted.key, projectId) },
    });
    const estimatedCost = estimate.data?.total.cost_usd ?? 0;
    expect(Math.abs(estimatedCost - full.totals.cost)).toBeLessThanOrEqual(0.2 * full.totals.cost);
    expect((await llm.counters()).requests).toBe(r1);
    const budget = estimatedCost / 2;
    const id = await startRun(budgeted.client, projectId, await createConfig(budgeted.key, projectId, budget));
    const paused = await waitFor(
      async () => {
        const run = await statusOf(budgeted.client, id);
        return run.status === 'paused' || TERMINAL_RUN_STATUSES.includes(run.status) ? run : undefined;
      },
      { what: 'the budgeted run to pause', timeoutMs: 150_000 },
    );
    expect(paused.status).toBe('paused');
    expect(paused.pause_reason).toMatch(/^budget: \$[\d.]+ of budget_usd \$[\d.]+ spent or committed/);
    // Calls in flight finish (items elsewhere see the pause within half a second); then nothing more is asked.
    await new Promise((resolve) => setTimeout(resolve, 700));
    await waitFor(async () => (await llm.counters()).inFlight === 0, { what: 'calls in flight to end' });
    const atPause = (await llm.counters()).requests;
    const spentAtPause = (await statusOf(budgeted.client, id)).totals.cost;
    expect(spentAtPause).toBeLessThanOrEqual(budget);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await llm.counters()).requests).toBe(atPause);

    const resumed = await budgeted.client.POST('/v1/runs/{id}/resume', {
      params: { path: { id } },
      body: { budget_usd: full.totals.cost * 10 },
    });
    expect(resumed.response.status).toBe(200);
    expect(resumed.data?.status).toBe('running');
    const done = await untilEnded(budgeted.client, id);
    expect(done.status, done.error ?? '').toBe('succeeded');
    expect((await llm.counters()).requests - r1).toBe(fullRequests);
    expect(await outputs(budgeted.key, id)).toEqual(await outputs(reference.key, full.id));
  }, 300_000);

  it("pauses with the provider's words when its quota runs out, and resumed after it recovers, finishes", async () => {
    const answered = async () => (await llm.counters()).byStatus['200'] ?? 0;
    const reference = await t.clientForNewTenant('quota-reference');
    const a0 = await answered();
    const full = await untilEnded(reference.client, await setUp(reference.client, reference.key));
    expect(full.status, full.error ?? '').toBe('succeeded');
    const cleanAnswers = (await answered()) - a0;

    const tenant = await t.clientForNewTenant('quota');
    const a1 = await answered();
    const before = (await llm.counters()).requests;
    const id = await setUp(tenant.client, tenant.key);
    await waitFor(async () => (await llm.counters()).requests - before >= 10, { what: 'some calls to be answered' });
    await llm.setOptions({ quotaExhausted: true });
    const paused = await waitFor(
      async () => {
        const run = await statusOf(tenant.client, id);
        return run.status === 'paused' || TERMINAL_RUN_STATUSES.includes(run.status) ? run : undefined;
      },
      { what: 'the run to pause on the exhausted quota', timeoutMs: 150_000 },
    );
    await llm.setOptions({ quotaExhausted: false });
    expect(paused.status).toBe('paused');
    expect(paused.pause_reason).toMatch(/^provider: fake-model at .*exceeded your current quota/);
    const resumed = await tenant.client.POST('/v1/runs/{id}/resume', { params: { path: { id } }, body: {} });
    expect(resumed.data?.status).toBe('running');
    const done = await untilEnded(tenant.client, id);
    expect(done.status, done.error ?? '').toBe('succeeded');
    expect(done.stages.every((s) => s.items.failed === 0)).toBe(true);
    // 0 repeated calls: the model answered exactly as many requests as for the uninterrupted run.
    expect((await answered()) - a1).toBe(cleanAnswers);
    expect(await outputs(tenant.key, id)).toEqual(await outputs(reference.key, full.id));
  }, 300_000);

  it('pauses when the provider answers nothing but 429s past the window, and resumed after it recovers, finishes', async () => {
    const tenant = await t.clientForNewTenant('rate-limited');
    const before = (await llm.counters()).requests;
    const id = await setUp(tenant.client, tenant.key, undefined, ['rate_limit_pause_after_seconds: 2']);
    await waitFor(async () => (await llm.counters()).requests - before >= 10, { what: 'some calls to be answered' });
    await llm.setOptions({ rateLimitRate: 1, retryAfterSeconds: 1 });
    let paused: Run;
    try {
      paused = await waitFor(
        async () => {
          const run = await statusOf(tenant.client, id);
          return run.status === 'paused' || TERMINAL_RUN_STATUSES.includes(run.status) ? run : undefined;
        },
        { what: 'the run to pause on sustained 429s', timeoutMs: 150_000 },
      );
    } finally {
      await llm.setOptions({ rateLimitRate: 0 });
    }
    expect(paused.status).toBe('paused');
    expect(paused.pause_reason).toMatch(/^provider: fake-model at .* answered only 429s for \d+ s: /);
    const resumed = await tenant.client.POST('/v1/runs/{id}/resume', { params: { path: { id } }, body: {} });
    expect(resumed.data?.status).toBe('running');
    const done = await untilEnded(tenant.client, id);
    expect(done.status, done.error ?? '').toBe('succeeded');
    expect(done.stages.every((s) => s.items.failed === 0)).toBe(true);
  }, 300_000);

  it('pauses on request and resumes to the end; a finished run can be neither', async () => {
    const tenant = await t.clientForNewTenant('requested');
    // A slow model until the pause, so the run has calls left to make after it whatever the machine's speed (the
    // key rotation below must be seen on some of them).
    await llm.setOptions({ latencyMs: 2000 });
    const id = await setUp(tenant.client, tenant.key).catch(async (error) => {
      await llm.setOptions({ latencyMs: 20 });
      throw error;
    });
    await waitFor(async () => (await statusOf(tenant.client, id)).status === 'running', { what: 'the run to start' });
    const paused = await tenant.client.POST('/v1/runs/{id}/pause', { params: { path: { id } } });
    await llm.setOptions({ latencyMs: 20 });
    expect(paused.data?.status).toBe('paused');
    expect(paused.data?.pause_reason).toBe('requested');
    // The status a client reads right after its own change shows it (the status cache drops the run's entry).
    expect((await statusOf(tenant.client, id)).status).toBe('paused');
    // Once the paused run stops changing, its ETag answers a conditional GET with a 304 and no body.
    const auth = { authorization: `Bearer ${tenant.key}` };
    await waitFor(
      async () => {
        const first = await fetch(`${t.baseUrl}/v1/runs/${id}`, { headers: auth });
        const etag = first.headers.get('etag');
        await first.arrayBuffer();
        if (!etag) return false;
        const again = await fetch(`${t.baseUrl}/v1/runs/${id}`, { headers: { ...auth, 'if-none-match': etag } });
        const body = await again.text();
        return again.status === 304 && body === '';
      },
      { what: 'a 304 for an unchanged status' },
    );
    // A key the config does not have is refused by its path, and the run stays paused.
    const wrong = await tenant.client.POST('/v1/runs/{id}/resume', {
      params: { path: { id } },
      body: { api_keys: { 'representation_variation.representation_variation_small_model': 'x' } },
    });
    expect(wrong.response.status).toBe(400);
    expect(JSON.stringify(wrong.error)).toContain(
      'body.api_keys.representation_variation.representation_variation_small_model',
    );
    // Resumed with new keys for the same models (every endpoint's, so whichever stage calls next uses one): the calls
    // after it carry the new key, which no response shows.
    const NEW_KEY = 'sk-rotated-after-pause';
    const configId = (
      (await tenant.client.GET('/v1/runs/{id}', { params: { path: { id } } })).data as { config_id: string }
    ).config_id;
    const document = (
      (await (await fetch(`${t.baseUrl}/v1/configs/${configId}`, { headers: auth })).json()) as {
        document: Record<string, unknown>;
      }
    ).document;
    const keyPaths = Object.entries(document).flatMap(([section, value]) =>
      typeof value === 'object' && value !== null
        ? Object.keys(value)
            .filter((key) => key.endsWith('_api_key'))
            .map((key) => `${section}.${key}`)
        : [],
    );
    expect(keyPaths).toContain('representation_variation.representation_variation_small_api_key');
    const resumed = await tenant.client.POST('/v1/runs/{id}/resume', {
      params: { path: { id } },
      body: { api_keys: Object.fromEntries(keyPaths.map((path) => [path, NEW_KEY])) },
    });
    expect(resumed.data?.status).toBe('running');
    expect(JSON.stringify(resumed.data)).not.toContain(NEW_KEY);
    const done = await untilEnded(tenant.client, id);
    expect(done.status, done.error ?? '').toBe('succeeded');
    expect((await llm.counters()).byApiKey[NEW_KEY]).toBeGreaterThan(0);
    expect((await tenant.client.POST('/v1/runs/{id}/pause', { params: { path: { id } } })).response.status).toBe(409);
    expect(
      (await tenant.client.POST('/v1/runs/{id}/resume', { params: { path: { id } }, body: {} })).response.status,
    ).toBe(409);
  }, 300_000);
});
