/**
 * Hostile input at the routes added for pushes, pause/resume, prompt sets, config schema, run deletion, estimates,
 * previews, retry-failed and key rotation on resume: wrong media types, bodies cut mid-way, NUL bytes, numbers past
 * 2^64, percent-encoded paths. Each answers a 4xx problem+json (or a normal answer where the input is in fact valid),
 * never a 5xx, and nothing is stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isProblem, type RawResponse, rawRequest } from '../../support/raw-http.ts';
import { startTestService, type TestService } from '../../support/service.ts';
import { upload } from '../../support/upload.ts';

let t: TestService;
let projectId: string;
let runId: string;
let configId: string;

beforeAll(async () => {
  t = await startTestService();
  projectId = (await t.client.POST('/v1/projects', { body: { name: 'hostile' } })).data?.id as string;
  const source = await t.client.POST('/v1/projects/{id}/sources', {
    params: { path: { id: projectId } },
    body: { name: 'docs' },
  });
  await upload(t.baseUrl, source.data?.id as string, [{ name: 'a.txt', data: 'Some text.' }]);
  const config = await rawRequest(t.baseUrl, {
    method: 'POST',
    path: `/v1/projects/${projectId}/configs`,
    headers: { 'content-type': 'application/yaml' },
    body: 'dataset_context: hostile\nfinal_datasaving_settings:\n  generic_dataset_paths: []\n',
  });
  configId = (JSON.parse(config.body) as { id: string }).id;
  const run = await t.client.POST('/v1/projects/{id}/runs', {
    params: { path: { id: projectId } },
    body: { config_id: configId },
  });
  runId = run.data?.id as string;
});

afterAll(async () => {
  await t?.stop();
});

const send = (method: string, path: string, body?: string, contentType = 'application/json') =>
  rawRequest(t.baseUrl, {
    method,
    path,
    ...(body === undefined ? {} : { body, headers: { 'content-type': contentType } }),
  });

const expectProblem = (response: RawResponse, status: number) => {
  expect(response.status, response.body).toBe(status);
  expect(isProblem(response)).toBe(true);
};

describe('the new routes under hostile input', () => {
  it('refuse a wrong media type with 415', async () => {
    for (const path of [
      `/v1/runs/${runId}/push`,
      `/v1/runs/${runId}/resume`,
      `/v1/projects/${projectId}/prompt-sets`,
    ]) {
      expectProblem(await send('POST', path, '{"repo":"a/b"}', 'text/plain'), 415);
    }
    expectProblem(await send('POST', `/v1/projects/${projectId}/prompt-sets/upload?name=x`, '{}'), 415);
  });

  it('refuse a body cut off mid-way with 400', async () => {
    expectProblem(await send('POST', `/v1/runs/${runId}/push`, '{"repo":"a/b","tok'), 400);
    expectProblem(await send('POST', `/v1/runs/${runId}/resume`, '{"budget_usd": 1'), 400);
    expectProblem(await send('POST', `/v1/projects/${projectId}/prompt-sets`, '{"name":"x","files":{"a'), 400);
    expectProblem(
      await send('POST', `/v1/projects/${projectId}/runs`, '{"config_id":"cfg_x","webhook":{"url":"http'),
      400,
    );
  });

  it('refuse NUL bytes anywhere with 400 naming the field', async () => {
    const nul = await send('POST', `/v1/projects/${projectId}/prompt-sets`, '{"name":"x\\u0000","files":{}}');
    expectProblem(nul, 400);
    expect(nul.body).toContain('body.name');
    expectProblem(await send('GET', `/v1/projects/${projectId}/prompt-sets/a%00b`), 400);
    expectProblem(await send('POST', `/v1/runs/${runId}%00/pause`), 400);
    expectProblem(await send('GET', `/v1/projects/${projectId}/runs?status=succeeded%00`), 400);
    const repo = await send('POST', `/v1/runs/${runId}/push`, '{"repo":"team/wa\\u0000lk","token":"hf_x"}');
    expectProblem(repo, 400);
    expect(repo.body).toContain('NUL');
    // The run status (its stage states' description changed with paged plans).
    expectProblem(await send('GET', `/v1/runs/${runId}%00`), 400);
    expectProblem(await send('GET', `/v1/runs/${runId}?x=%00`), 400);
  });

  it('handle numbers past 2^64: refused where they are no valid value, accepted where they are', async () => {
    expectProblem(await send('GET', `/v1/projects/${projectId}/runs?limit=18446744073709551617`), 400);
    expectProblem(await send('GET', `/v1/runs/${runId}/events?cursor=18446744073709551617`), 400);
    expectProblem(await send('POST', `/v1/runs/${runId}/resume`, '{"budget_usd": 1e400}'), 400);
    for (const value of ['1e400', '18446744073709551617']) {
      const push = await send(
        'POST',
        `/v1/runs/${runId}/push`,
        `{"repo":"team/walk","token":"hf_x","private":${value}}`,
      );
      expectProblem(push, 400);
      expect(push.body).toContain('body.private');
    }
    // A budget of 2^64 + 1 USD is a number like any other; the run is not paused, so resuming it is a conflict.
    expectProblem(await send('POST', `/v1/runs/${runId}/resume`, '{"budget_usd": 18446744073709551617}'), 409);
    expectProblem(
      await send(
        'POST',
        `/v1/projects/${projectId}/runs`,
        `{"config_id":"cfg_x","metadata":{"n":18446744073709551617}}`,
      ),
      400,
    );
  });

  it('treat percent-encoded paths as the ids they spell, never as anything else', async () => {
    const encoded = runId.replace('r', '%72');
    const paused = await send('POST', `/v1/runs/${encoded}/pause`);
    expect(paused.status, paused.body).toBe(200);
    expect((JSON.parse(paused.body) as { id: string; status: string }).status).toBe('paused');
    expect((await send('POST', `/v1/runs/${encoded}/resume`, '{}')).status).toBe(200);
    expectProblem(await send('DELETE', '/v1/configs/cfg_%2e%2e%2f%2e%2e'), 404);
    expectProblem(await send('GET', `/v1/projects/${projectId}/prompt-sets/..%2f..%2fetc`), 400);
    expectProblem(await send('DELETE', '/v1/runs/%2e%2e'), 404);
    expectProblem(await send('POST', `/v1/runs/%2e%2e%2f${runId}/push`, '{"repo":"team/walk","token":"hf_x"}'), 404);
    expectProblem(await send('GET', `/v1/runs/%2e%2e%2f${runId}`), 404);
    const status = await send('GET', `/v1/runs/${encoded}`);
    expect(status.status, status.body).toBe(200);
    expect((JSON.parse(status.body) as { id: string }).id).toBe(runId);
    const schema = await send('GET', '/v1/config-%73chema');
    expect(schema.status).toBe(200);
  });

  it('store nothing from any of it', async () => {
    const sets = await t.client.GET('/v1/projects/{id}/prompt-sets', { params: { path: { id: projectId } } });
    expect(sets.data?.items).toEqual([]);
    const pushes = await t.client.GET('/v1/runs/{id}/pushes', { params: { path: { id: runId } } });
    expect(pushes.data?.items).toEqual([]);
    const runs = await t.client.GET('/v1/projects/{id}/runs', { params: { path: { id: projectId } } });
    expect(runs.data?.items).toHaveLength(1);
  });
});

describe('the estimate, preview, retry-failed and key-rotation routes under hostile input', () => {
  const estimates = () => `/v1/projects/${projectId}/estimates`;
  const previews = () => `/v1/projects/${projectId}/previews`;

  it('refuse a wrong media type with 415', async () => {
    expectProblem(await send('POST', estimates(), `{"config_id":"${configId}"}`, 'text/plain'), 415);
    expectProblem(
      await send('POST', previews(), `{"config_id":"${configId}"}`, 'application/x-www-form-urlencoded'),
      415,
    );
  });

  it('refuse a body cut off mid-way with 400', async () => {
    expectProblem(await send('POST', estimates(), '{"config_id":"cf'), 400);
    expectProblem(await send('POST', previews(), `{"config_id":"${configId}","chunks_`), 400);
    expectProblem(await send('POST', `/v1/runs/${runId}/resume`, '{"api_keys":{"a'), 400);
  });

  it('refuse NUL bytes with 400 naming the field', async () => {
    const estimate = await send('POST', estimates(), '{"config_id":"cfg_\\u0000x"}');
    expectProblem(estimate, 400);
    expect(estimate.body).toContain('body.config_id');
    const preview = await send('POST', previews(), '{"config_id":"cfg_\\u0000x"}');
    expectProblem(preview, 400);
    expect(preview.body).toContain('body.config_id');
    expectProblem(await send('GET', '/v1/previews/prv_%00'), 400);
    expectProblem(await send('POST', `/v1/runs/${runId}/resume`, '{"api_keys":{"a\\u0000":"sk-x"}}'), 400);
    expectProblem(await send('POST', `/v1/runs/${runId}%00/retry-failed`), 400);
  });

  it('handle numbers past 2^64 and infinities: 400 naming the field', async () => {
    const huge = await send('POST', previews(), `{"config_id":"${configId}","chunks_per_source":18446744073709551617}`);
    expectProblem(huge, 400);
    expect(huge.body).toContain('body.chunks_per_source');
    expectProblem(await send('POST', previews(), `{"config_id":"${configId}","wait_seconds":1e400}`), 400);
    expectProblem(await send('POST', previews(), `{"config_id":"${configId}","wait_seconds":-5}`), 400);
    const inline = await send('POST', estimates(), '{"config":{"system":{"concurrency_limit":1e400}}}');
    expectProblem(inline, 400);
    expect(inline.body).toContain('body.config.system.concurrency_limit');
  });

  it('treat percent-encoded paths as the ids they spell, never as anything else', async () => {
    const encoded = projectId.replace('p', '%70');
    const estimate = await send('POST', `/v1/projects/${encoded}/estimates`, `{"config_id":"${configId}"}`);
    expect(estimate.status, estimate.body).toBe(200);
    expectProblem(await send('POST', `/v1/projects/..%2F${projectId}/estimates`, `{"config_id":"${configId}"}`), 404);
    expectProblem(await send('GET', '/v1/previews/%2e%2e'), 404);
    const retry = await send('POST', `/v1/runs/${runId.replace('r', '%72')}/retry-failed`);
    // The run it spells exists and has no failed items to retry.
    expectProblem(retry, 409);
  });
});
