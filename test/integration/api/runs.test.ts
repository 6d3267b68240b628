import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDocx, makePdf } from '../../support/fixtures/index.ts';
import { eventItems } from '../../support/runs.ts';
import { startTestService, type TestService } from '../../support/service.ts';
import { tarEntries } from '../../support/tar.ts';
import { upload } from '../../support/upload.ts';
import { TERMINAL_RUN_STATUSES, waitFor } from '../../support/wait.ts';

let t: TestService;
let projectId: string;
let configId: string;

beforeAll(async () => {
  t = await startTestService();
  const project = await t.client.POST('/v1/projects', { body: { name: 'runs' } });
  projectId = project.data?.id as string;
  const source = await t.client.POST('/v1/projects/{id}/sources', {
    params: { path: { id: projectId } },
    body: { name: 'docs' },
  });
  const uploaded = await upload(t.baseUrl, source.data?.id as string, [
    { name: 'a.txt', data: 'Text about training schedules.' },
    { name: 'b.md', data: '# Heading\n\nMarkdown body.' },
    { name: 'c.pdf', data: await makePdf(['A PDF page about maintenance.']) },
    { name: 'd.docx', data: await makeDocx(['A docx paragraph about logistics.']) },
    { name: 'e.jsonl', data: '{"text": "a jsonl record"}\nnot json\n' },
  ]);
  expect(uploaded.status).toBe(201);
  const config = await fetch(`${t.baseUrl}/v1/projects/${projectId}/configs`, {
    method: 'POST',
    headers: { 'content-type': 'application/yaml' },
    body: 'dataset_context: test documents\nfinal_datasaving_settings:\n  generic_dataset_paths: []\n',
  });
  configId = ((await config.json()) as { id: string }).id;
});
afterAll(async () => {
  await t?.stop();
});

describe('runs', () => {
  it('runs ingest over a source of every format and publishes the extracted texts as artifacts', async () => {
    const created = await t.client.POST('/v1/projects/{id}/runs', {
      params: { path: { id: projectId } },
      body: { config_id: configId },
    });
    expect(created.response.status).toBe(201);
    const runId = created.data?.id as string;
    expect(created.response.headers.get('location')).toBe(`/v1/runs/${runId}`);

    const run = await waitFor(
      async () => {
        const r = await t.client.GET('/v1/runs/{id}', { params: { path: { id: runId } } });
        return r.data && TERMINAL_RUN_STATUSES.includes(r.data.status) ? r.data : undefined;
      },
      { what: 'the run to finish', timeoutMs: 60_000 },
    );
    expect(run.status, run.error ?? '').toBe('succeeded');
    const ingest = run.stages.find((s) => s.name === 'ingest');
    expect(ingest?.state).toBe('succeeded');
    expect(ingest?.items).toMatchObject({ total: 5, done: 5, failed: 0, dropped: 0, pending: 0 });
    // Stages this version cannot run yet are listed as skipped, with the reason, never hidden.
    const skipped = run.stages.filter((s) => s.state === 'skipped');
    expect(skipped.length).toBeGreaterThan(0);
    for (const s of skipped) expect(s.detail).toBeTruthy();
    expect(run.progress).toBe(1);
    // The job side's metrics count what happened.
    const metrics = await (await fetch(`${t.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/datagen_items_total\{stage_kind="ingest",outcome="done"\} [5-9]/);
    expect(metrics).toMatch(/datagen_jobs_total\{queue="items-ingest",result="completed"\} [5-9]/);
    expect(metrics).toContain('datagen_job_duration_seconds_bucket');

    const artifacts = await t.client.GET('/v1/runs/{id}/artifacts', { params: { path: { id: runId } } });
    const paths = artifacts.data?.items.map((a) => a.path) ?? [];
    // Named as the original names them: the extension replaced by .txt, never doubled.
    for (const name of ['a', 'b', 'c', 'd', 'e']) expect(paths).toContain(`extracted_text/docs/${name}.txt`);
    expect(artifacts.data?.directories).toContain('extracted_text/docs');

    const one = await fetch(`${t.baseUrl}/v1/runs/${runId}/artifacts/extracted_text/docs/c.txt`);
    expect(one.status).toBe(200);
    expect(await one.text()).toContain('maintenance');

    const bundle = await fetch(`${t.baseUrl}/v1/runs/${runId}/bundle`);
    expect(bundle.headers.get('content-type')).toBe('application/gzip');
    const names = tarEntries(gunzipSync(Buffer.from(await bundle.arrayBuffer())));
    expect(names).toContain(`${runId}/extracted_text/docs/d.txt`);

    const events = await t.client.GET('/v1/runs/{id}/events', {
      params: { path: { id: runId }, query: { limit: 1000 } },
    });
    const types = eventItems(events.data).map((e) => e.type) ?? [];
    expect(types[0]).toBe('run.created');
    expect(types).toContain('stage.started');
    expect(types.at(-1)).toBe('run.succeeded');

    const sse = await fetch(`${t.baseUrl}/v1/runs/${runId}/events`, { headers: { accept: 'text/event-stream' } });
    expect(sse.headers.get('content-type')).toContain('text/event-stream');
    const stream = await sse.text();
    expect(stream).toContain('event: run.succeeded');

    const cancel = await t.client.POST('/v1/runs/{id}/cancel', { params: { path: { id: runId } } });
    expect(cancel.response.status).toBe(409);
    expect(cancel.response.headers.get('content-type')).toContain('application/problem+json');
  });

  it('honours Idempotency-Key: same body → same run, different body → 409', async () => {
    const headers = { 'idempotency-key': 'retry-me-1' };
    const first = await t.client.POST('/v1/projects/{id}/runs', {
      params: { path: { id: projectId }, header: headers },
      body: { config_id: configId },
    });
    expect(first.response.status).toBe(201);
    const second = await t.client.POST('/v1/projects/{id}/runs', {
      params: { path: { id: projectId }, header: headers },
      body: { config_id: configId },
    });
    expect(second.response.status).toBe(200);
    expect(second.data?.id).toBe(first.data?.id);
    const conflict = await t.client.POST('/v1/projects/{id}/runs', {
      params: { path: { id: projectId }, header: headers },
      body: { config_id: 'cfg_other' },
    });
    expect(conflict.response.status).toBe(409);
    const list = await t.client.GET('/v1/projects/{id}/runs', { params: { path: { id: projectId } } });
    expect(list.data?.items.filter((r) => r.id === first.data?.id)).toHaveLength(1);
  });

  it('lists runs newest first, filters by status, keeps metadata, and deletes finished runs and unused configs', async () => {
    const labelled = await t.client.POST('/v1/projects/{id}/runs', {
      params: { path: { id: projectId } },
      body: { config_id: configId, metadata: { team: 'docs', ticket: 'DOC-12' } },
    });
    expect(labelled.data?.metadata).toEqual({ team: 'docs', ticket: 'DOC-12' });
    const newest = labelled.data?.id as string;
    const page = await t.client.GET('/v1/projects/{id}/runs', { params: { path: { id: projectId } } });
    const ids = eventItems(page.data).map((r) => r.id) ?? [];
    expect(ids[0]).toBe(newest);
    expect([...ids].sort().reverse()).toEqual(ids);
    expect(page.data?.items[0]?.metadata).toEqual({ team: 'docs', ticket: 'DOC-12' });
    await waitFor(
      async () => {
        const r = await t.client.GET('/v1/runs/{id}', { params: { path: { id: newest } } });
        return r.data && TERMINAL_RUN_STATUSES.includes(r.data.status) ? r.data : undefined;
      },
      { what: 'the labelled run to finish', timeoutMs: 60_000 },
    );
    const succeeded = await t.client.GET('/v1/projects/{id}/runs', {
      params: { path: { id: projectId }, query: { status: 'succeeded' } as never },
    });
    expect(succeeded.data?.items.every((r) => r.status === 'succeeded')).toBe(true);
    const bad = await fetch(`${t.baseUrl}/v1/projects/${projectId}/runs?status=done`);
    expect(bad.status).toBe(400);
    const tooMany = await t.client.POST('/v1/projects/{id}/runs', {
      params: { path: { id: projectId } },
      body: { config_id: configId, metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])) },
    });
    expect(tooMany.response.status).toBe(400);

    // A config in use cannot go; its run can, with its artifacts; then the config can.
    const inUse = await fetch(`${t.baseUrl}/v1/configs/${configId}`, { method: 'DELETE' });
    expect(inUse.status).toBe(409);
    const gone = await fetch(`${t.baseUrl}/v1/runs/${newest}`, { method: 'DELETE' });
    expect(gone.status).toBe(204);
    expect((await fetch(`${t.baseUrl}/v1/runs/${newest}`)).status).toBe(404);
    expect((await fetch(`${t.baseUrl}/v1/runs/${newest}/artifacts`)).status).toBe(404);
    const unused = await fetch(`${t.baseUrl}/v1/projects/${projectId}/configs`, {
      method: 'POST',
      headers: { 'content-type': 'application/yaml' },
      body: 'dataset_context: never run\n',
    });
    const unusedId = ((await unused.json()) as { id: string }).id;
    expect((await fetch(`${t.baseUrl}/v1/configs/${unusedId}`, { method: 'DELETE' })).status).toBe(204);
    expect((await fetch(`${t.baseUrl}/v1/configs/${unusedId}`)).status).toBe(404);
  });

  it('rejects unknown configs and unknown ids precisely', async () => {
    const res = await t.client.POST('/v1/projects/{id}/runs', {
      params: { path: { id: projectId } },
      body: { config_id: 'cfg_nope' },
    });
    expect(res.response.status).toBe(400);
    expect(res.error?.errors?.[0]?.path).toBe('body.config_id');
    const missing = await t.client.GET('/v1/runs/{id}', { params: { path: { id: 'run_nope' } } });
    expect(missing.response.status).toBe(404);
  });
});
