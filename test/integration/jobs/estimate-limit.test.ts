/**
 * Estimates simulate every call of a run in memory, so sources with more extracted text than ESTIMATE_MAX_TEXT_CHARS
 * are not estimated: the estimates route answers 422 with the size and the limit, and a run goes on without its
 * estimate, saying why in its events. Here the limit is set below the test's one document.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLlm, startFakeLlm } from '../../../tools/fake-llm/server.ts';
import { harbourSections } from '../../support/documents.ts';
import { pretrainingConfigYaml } from '../../support/pretraining-config.ts';
import { createConfig, projectWithSources } from '../../support/projects.ts';
import { eventItems, runToEnd } from '../../support/runs.ts';
import { startTestService, type TestService } from '../../support/service.ts';

let t: TestService;
let llm: FakeLlm;
let projectId: string;
let configId: string;
const LIMIT = 200;

beforeAll(async () => {
  llm = await startFakeLlm();
  t = await startTestService({ settings: { estimateMaxTextChars: LIMIT } });
  projectId = await projectWithSources(
    t,
    'too-big',
    { harbour: harbourSections(4) },
    { variation_generation_counts: 1 },
  );
  configId = await createConfig(t, projectId, pretrainingConfigYaml(llm.url, { repvarChunkSize: 100 }));
});

afterAll(async () => {
  await t?.stop();
  await llm?.close();
});

describe('estimates of sources too large to simulate', () => {
  it('are refused with 422, the size and the limit', async () => {
    // An API process without a worker: its upload is not extracted yet when the estimate is asked for, and must
    // count all the same (the estimate extracts it first).
    const api = await startTestService({ settings: { role: 'api', estimateMaxTextChars: LIMIT } });
    const pendingProject = await projectWithSources(api, 'pending', { harbour: harbourSections(4) }, {});
    const sources = await api.client.GET('/v1/projects/{id}/sources', { params: { path: { id: pendingProject } } });
    const files = await api.client.GET('/v1/sources/{id}/files', {
      params: { path: { id: sources.data?.items[0]?.id as string } },
    });
    expect(files.data?.items.map((f) => f.status)).toEqual(['pending']);
    const pendingConfig = await createConfig(api, pendingProject, pretrainingConfigYaml(llm.url, {}));
    const pending = await fetch(`${api.baseUrl}/v1/projects/${pendingProject}/estimates`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ config_id: pendingConfig }),
    });
    await api.stop();
    expect(pending.status).toBe(422);

    const res = await fetch(`${t.baseUrl}/v1/projects/${projectId}/estimates`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ config_id: configId }),
    });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await res.json()) as { detail: string; text_chars: number; limit: number };
    expect(problem.limit).toBe(LIMIT);
    expect(problem.text_chars).toBeGreaterThan(LIMIT);
    expect(problem.detail).toContain('ESTIMATE_MAX_TEXT_CHARS');
    expect((await llm.counters()).requests).toBe(0);
  });

  it('leave a run without its estimate, which says why and still finishes', async () => {
    const { id, run } = await runToEnd<{ status: string; estimate: unknown }>(t.client, projectId, configId);
    expect(run.status).toBe('succeeded');
    expect(run.estimate).toBeNull();
    const events = await t.client.GET('/v1/runs/{id}/events', {
      params: { path: { id }, query: { limit: 1000 } },
    });
    const skipped = eventItems(events.data).find((e) => e.type === 'run.estimate_skipped');
    expect(String(skipped?.data.reason)).toContain('ESTIMATE_MAX_TEXT_CHARS');
    expect(eventItems(events.data).some((e) => e.type === 'run.estimated')).toBe(false);
  });
});
