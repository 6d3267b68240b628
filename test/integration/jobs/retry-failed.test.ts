/**
 * `POST /v1/runs/{id}/retry-failed`: a provider that refuses every request about one passage fails that passage's
 * items in every stage (the run ends succeeded_with_drops); once the provider accepts again, retrying the failed items
 * finishes the run as an uninterrupted one would — the same files, and the model answered exactly as many requests as
 * for a clean run (nothing answered is asked again). Two tenants, so each pays for its own answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLlm, startFakeLlm } from '../../../tools/fake-llm/server.ts';
import { harbourSections } from '../../support/documents.ts';
import { pretrainingConfigYaml } from '../../support/pretraining-config.ts';
import { runOutputs, runStatusOf, untilRunEnded } from '../../support/runs.ts';
import { type ApiClient, startTestService, type TestService } from '../../support/service.ts';
import { upload } from '../../support/upload.ts';
import { waitFor } from '../../support/wait.ts';

const MARKER = 'berth 7 to boats';
const document = harbourSections(12);

type Run = {
  id: string;
  status: string;
  error: string | null;
  stages: Array<{ name: string; state: string; items: { failed: number; done: number; total: number } }>;
};

let t: TestService;
let llm: FakeLlm;

async function startRun(tenant: { client: ApiClient; key: string }): Promise<string> {
  const auth = { authorization: `Bearer ${tenant.key}` };
  const projectId = (await tenant.client.POST('/v1/projects', { body: { name: 'retry' } })).data?.id as string;
  const source = await tenant.client.POST('/v1/projects/{id}/sources', {
    params: { path: { id: projectId } },
    body: { name: 'harbour', settings: { variation_generation_counts: 1, rag_use_subset: false } },
  });
  await upload(t.baseUrl, source.data?.id as string, [{ name: 'harbour.txt', data: document }], auth);
  const config = await fetch(`${t.baseUrl}/v1/projects/${projectId}/configs`, {
    method: 'POST',
    headers: { 'content-type': 'application/yaml', ...auth },
    body: pretrainingConfigYaml(llm.url, { factualWays: [], repvarChunkSize: 60, concurrency: 4 }),
  });
  expect(config.status, await config.clone().text()).toBe(201);
  const run = await tenant.client.POST('/v1/projects/{id}/runs', {
    params: { path: { id: projectId } },
    body: { config_id: ((await config.json()) as { id: string }).id },
  });
  return run.data?.id as string;
}

const statusOf = (client: ApiClient, id: string) => runStatusOf<Run>(client, id);
const untilEnded = (client: ApiClient, id: string) => untilRunEnded<Run>(client, id);
const outputs = (key: string, id: string) => runOutputs(t.baseUrl, key, id);

const answered = async () => (await llm.counters()).byStatus['200'] ?? 0;

beforeAll(async () => {
  llm = await startFakeLlm({ latencyMs: 5 });
  t = await startTestService({ settings: { jobRetryLimit: 1 } });
});

afterAll(async () => {
  await t?.stop();
  await llm?.close();
});

describe('retry-failed', () => {
  it('retries the failed items of an ended run, which then ends as a clean run would, asking nothing twice', async () => {
    const clean = await t.clientForNewTenant('clean');
    const a0 = await answered();
    const reference = await untilEnded(clean.client, await startRun(clean));
    expect(reference.status, reference.error ?? '').toBe('succeeded');
    const cleanAnswers = (await answered()) - a0;

    await llm.setOptions({ refuseMarker: MARKER });
    const faulty = await t.clientForNewTenant('faulty');
    const a1 = await answered();
    const id = await startRun(faulty);
    const ended = await untilEnded(faulty.client, id);
    // RAG has a single item here, the refused one: its stage produced nothing, so the run failed there.
    expect(ended.status, ended.error ?? '').toMatch(/^(succeeded_with_drops|failed)$/);
    const failed = ended.stages.reduce((n, s) => n + s.items.failed, 0);
    expect(failed).toBeGreaterThan(0);

    await llm.setOptions({ refuseMarker: undefined });
    const retried = await faulty.client.POST('/v1/runs/{id}/retry-failed', { params: { path: { id } } });
    expect(retried.response.status).toBe(200);
    expect(retried.data?.status).toBe('running');
    const done = await untilEnded(faulty.client, id);
    expect(done.status, done.error ?? '').toBe('succeeded');
    expect(done.stages.every((s) => s.items.failed === 0)).toBe(true);
    expect((await answered()) - a1).toBe(cleanAnswers);
    expect(await outputs(faulty.key, id)).toEqual(await outputs(clean.key, reference.id));

    // Nothing failed any more, and a run that has not ended has nothing to retry.
    const again = await faulty.client.POST('/v1/runs/{id}/retry-failed', { params: { path: { id } } });
    expect(again.response.status).toBe(409);
    expect(again.response.headers.get('content-type')).toMatch(/application\/problem\+json/);

    for (const bad of ['run_nothere', '..%2F..%2Fetc', 'run_%00', `${id}%2F..`]) {
      const response = await fetch(`${t.baseUrl}/v1/runs/${bad}/retry-failed`, {
        method: 'POST',
        headers: { authorization: `Bearer ${faulty.key}` },
      });
      expect([400, 404], bad).toContain(response.status);
    }
    const foreign = await clean.client.POST('/v1/runs/{id}/retry-failed', { params: { path: { id } } });
    expect(foreign.response.status).toBe(404);
  }, 300_000);

  it('keeps what a canceled run finished: its status counts what settled, its finished stages stay downloadable', async () => {
    const tenant = await t.clientForNewTenant('cancel');
    await llm.setOptions({ latencyMs: 300 });
    try {
      const id = await startRun(tenant);
      await waitFor(
        async () => {
          const run = await statusOf(tenant.client, id);
          return run.stages.some((s) => s.name === 'representation_variation' && s.items.done > 0) ? run : undefined;
        },
        { what: 'the first variations', timeoutMs: 60_000 },
      );
      const canceled = await tenant.client.POST('/v1/runs/{id}/cancel', { params: { path: { id } } });
      expect(canceled.data?.status).toBe('canceled');
      const run = await statusOf(tenant.client, id);
      const ingest = run.stages.find((s) => s.name === 'ingest');
      expect(ingest?.state).toBe('succeeded');
      const repvar = run.stages.find((s) => s.name === 'representation_variation') as unknown as {
        items: { total: number; done: number; not_processed: number; pending: number; dropped: number; failed: number };
      };
      expect(repvar.items.pending).toBe(0);
      expect(repvar.items.done + repvar.items.dropped + repvar.items.failed + repvar.items.not_processed).toBe(
        repvar.items.total,
      );
      const auth = { authorization: `Bearer ${tenant.key}` };
      const text = await fetch(`${t.baseUrl}/v1/runs/${id}/artifacts/extracted_text/harbour/harbour.txt`, {
        headers: auth,
      });
      expect(text.status).toBe(200);
      expect(await text.text()).toContain('Section 7.');
      // Nothing failed, so there is nothing to retry.
      const retry = await tenant.client.POST('/v1/runs/{id}/retry-failed', { params: { path: { id } } });
      expect(retry.response.status).toBe(409);
    } finally {
      await llm.setOptions({ latencyMs: 5 });
    }
  }, 120_000);
});
