/**
 * The README walkthrough through a client generated from the committed `openapi/openapi.json` (openapi-typescript
 * types + openapi-fetch, which know nothing of this server's code): project, source, upload, config, run with an
 * Idempotency-Key, status until the end, artifact list, one artifact by its `path` parameter (slashes encoded by
 * the client), the bundle — against the fake LLM and a fake Hub serving the demo generic dataset.
 */
import { readFileSync } from 'node:fs';
import createClient from 'openapi-fetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeHub, startFakeHub } from '../../../tools/fake-hub/server.ts';
import { type FakeLlm, startFakeLlm } from '../../../tools/fake-llm/server.ts';
import type { paths } from '../../support/openapi-types.ts';
import { pretrainingConfigYaml } from '../../support/pretraining-config.ts';
import { startTestService, type TestService } from '../../support/service.ts';
import { TERMINAL_RUN_STATUSES, waitFor } from '../../support/wait.ts';

let t: TestService;
let llm: FakeLlm;
let hub: FakeHub;

beforeAll(async () => {
  llm = await startFakeLlm();
  hub = await startFakeHub();
  hub.putDataset('demo/generic-chat', { 'train.jsonl': readFileSync('tools/fake-hub/demo-generic-chat.jsonl') });
  t = await startTestService({ settings: { huggingfaceHubUrl: hub.url } });
});

afterAll(async () => {
  await t?.stop();
  await llm?.close();
  await hub?.close();
});

describe('the walkthrough through a generated client', () => {
  it('goes from a project to a downloaded SFT config and bundle', async () => {
    const client = createClient<paths>({ baseUrl: t.baseUrl });
    const project = await client.POST('/v1/projects', { body: { name: 'Field manuals' } });
    expect(project.response.status).toBe(201);
    const projectId = project.data?.id as string;
    const source = await client.POST('/v1/projects/{id}/sources', {
      params: { path: { id: projectId } },
      body: { name: 'manuals', settings: { variation_generation_counts: 2 } },
    });
    const sourceId = source.data?.id as string;

    const form = new FormData();
    form.append(
      'file',
      new Blob([
        'Training is the process of preparing units for their missions.\n\nLeaders plan training backwards from the ' +
          'mission, resource it six weeks out and lock it in four weeks before execution.\n',
      ]),
      'training.txt',
    );
    const uploaded = await client.POST('/v1/sources/{id}/files', {
      params: { path: { id: sourceId } },
      body: form as never,
      bodySerializer: (body) => body as unknown as FormData,
    });
    expect(uploaded.response.status).toBe(201);
    expect(uploaded.data?.items[0]?.name).toBe('training.txt');

    const yaml = pretrainingConfigYaml(llm.url, {
      finalDatasaving: [
        '  generic_dataset_paths:',
        '    - path: demo/generic-chat',
        '  generic_dataset_percentages: [100]',
        '  minimum_generic_sft: 2000',
      ],
    });
    const config = await client.POST('/v1/projects/{id}/configs', {
      params: { path: { id: projectId }, query: { name: 'first' } },
      body: yaml as never,
      bodySerializer: (body) => body as unknown as string,
      headers: { 'content-type': 'application/yaml' },
    });
    expect(config.response.status, JSON.stringify(config.error)).toBe(201);

    const started = await client.POST('/v1/projects/{id}/runs', {
      params: { path: { id: projectId }, header: { 'idempotency-key': 'walkthrough-1' } },
      body: { config_id: config.data?.id as string },
    });
    expect(started.response.status).toBe(201);
    const runId = started.data?.id as string;
    const again = await client.POST('/v1/projects/{id}/runs', {
      params: { path: { id: projectId }, header: { 'idempotency-key': 'walkthrough-1' } },
      body: { config_id: config.data?.id as string },
    });
    expect(again.data?.id).toBe(runId);

    const run = await waitFor(
      async () => {
        const r = await client.GET('/v1/runs/{id}', { params: { path: { id: runId } } });
        return r.data && TERMINAL_RUN_STATUSES.includes(r.data.status) ? r.data : undefined;
      },
      { what: 'the walkthrough run to end', timeoutMs: 180_000 },
    );
    expect(run.status, run.error ?? '').toBe('succeeded');
    expect(run.outcome?.kind).toBe('complete');

    const artifacts = await client.GET('/v1/runs/{id}/artifacts', {
      params: { path: { id: runId }, query: { limit: 200 } },
    });
    const listed = artifacts.data?.items.map((a) => a.path) ?? [];
    expect(listed).toContain('sft_run/sft_training_config.yaml');
    expect(listed.some((p) => p.startsWith('sft_run/generic_sft_completion/'))).toBe(true);

    const file = await client.GET('/v1/runs/{id}/artifacts/{path}', {
      params: { path: { id: runId, path: 'sft_run/sft_training_config.yaml' } },
      parseAs: 'text',
    });
    expect(file.response.status).toBe(200);
    expect(file.data).toContain('datasets:');

    const bundle = await client.GET('/v1/runs/{id}/bundle', {
      params: { path: { id: runId } },
      parseAs: 'arrayBuffer',
    });
    expect(bundle.response.headers.get('content-type')).toBe('application/gzip');
    expect((bundle.data as ArrayBuffer).byteLength).toBeGreaterThan(1000);
  }, 240_000);
});
