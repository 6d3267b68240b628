/**
 * Previews against the fake LLM: a model that follows the format parses on the first try for every prompt, and each
 * stage shows its outputs and the head of its files; one that ignores the format (every answer malformed) reports 0 %
 * first-try parses for every prompt, with the parser's reason and the raw answer traced. Previews write nothing into
 * any run, and a client that does not wait gets a 202 to poll.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLlm, startFakeLlm } from '../../../tools/fake-llm/server.ts';
import { orchardSections } from '../../support/documents.ts';
import { pretrainingConfigYaml } from '../../support/pretraining-config.ts';
import { createConfig, projectWithSources } from '../../support/projects.ts';
import { startTestService, type TestService } from '../../support/service.ts';
import { waitFor } from '../../support/wait.ts';

type FormatCheck = { prompt: string; model: string; calls: number; first_try_rate: number; top_reason: string | null };
type Preview = {
  id: string;
  status: string;
  error: string | null;
  result: {
    stages: Array<{
      name: string;
      items: { planned: number; done: number };
      outputs: unknown[];
      files: Array<{ path: string; head: string }>;
    }>;
    skipped: Array<{ stage: string; reason: string }>;
    calls: Array<{ stage: string; prompt: string; raw: string; outcome: string; reason?: string; attempt: number }>;
    format_check: FormatCheck[];
  } | null;
};

const text = orchardSections(16);

let t: TestService;
let llm: FakeLlm;
let projectId: string;
let configId: string;

beforeAll(async () => {
  llm = await startFakeLlm();
  t = await startTestService();
  projectId = await projectWithSources(
    t,
    'preview',
    { orchard: text, cellar: text },
    { variation_generation_counts: 1, factual_gen_use_subset: false },
  );
  configId = await createConfig(
    t,
    projectId,
    pretrainingConfigYaml(llm.url, { factualChunkSize: 200, repvarChunkSize: 200 }),
  );
}, 60_000);

afterAll(async () => {
  await t?.stop();
  await llm?.close();
});

const preview = async (body: Record<string, unknown>) =>
  fetch(`${t.baseUrl}/v1/projects/${projectId}/previews`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ config_id: configId, ...body }),
  });

const untilEnded = (id: string) =>
  waitFor(
    async () => {
      const p = (await (await fetch(`${t.baseUrl}/v1/previews/${id}`)).json()) as Preview;
      return p.status === 'succeeded' || p.status === 'failed' ? p : undefined;
    },
    { what: `preview ${id}`, timeoutMs: 120_000 },
  );

describe('previews', () => {
  it('runs a chunk of each source through every model stage: outputs, files, traces, all parsed first time', async () => {
    const response = await preview({ wait_seconds: 0 });
    expect([201, 202]).toContain(response.status);
    expect(response.headers.get('location')).toMatch(/^\/v1\/previews\/prv_/);
    const done = await untilEnded(((await response.json()) as Preview).id);
    expect(done.status, done.error ?? '').toBe('succeeded');
    const result = done.result;
    if (!result) throw new Error('no result');
    const factual = result.stages.find((s) => s.name === 'factual_sft/openended/0');
    // One chunk per source: two sources, two items.
    expect(factual?.items.planned).toBe(2);
    expect(factual?.outputs.length).toBeGreaterThan(0);
    expect(result.stages.find((s) => s.name === 'representation_variation')?.files.length).toBeGreaterThan(0);
    expect(result.skipped.map((s) => s.stage)).toEqual(expect.arrayContaining(['assembly', 'training_configs']));
    expect(result.format_check.length).toBeGreaterThan(3);
    for (const check of result.format_check) expect(check.first_try_rate, check.prompt).toBe(1);
    expect(result.calls.every((c) => c.raw.length > 0)).toBe(true);

    // Nothing reached a run: the project has none, and no artifact exists anywhere.
    const runs = await t.client.GET('/v1/projects/{id}/runs', { params: { path: { id: projectId } } });
    expect(runs.data?.items).toEqual([]);
  }, 150_000);

  it('reports 0 % first-try parses for every prompt of a model that ignores the format', async () => {
    await llm.setOptions({ malformedRate: 1 });
    try {
      // Waited for: the answer is the ended preview.
      const response = await preview({ wait_seconds: 120 });
      expect(response.status).toBe(201);
      const done = (await response.json()) as Preview;
      expect(done.status, done.error ?? '').toBe('succeeded');
      const checks = done.result?.format_check ?? [];
      expect(checks.length).toBeGreaterThan(0);
      for (const check of checks) {
        expect(check.first_try_rate, check.prompt).toBe(0);
        expect(check.top_reason, check.prompt).toBeTruthy();
      }
      const retried = done.result?.calls.find((c) => c.outcome === 'retry');
      expect(retried?.reason).toBeTruthy();
      expect(retried?.raw).toMatch(/in my own words/);
    } finally {
      await llm.setOptions({ malformedRate: 0 });
    }
  }, 150_000);

  it('refuses a config of another project, extra fields and numbers out of range, naming the field', async () => {
    const other = (await t.client.POST('/v1/projects', { body: { name: 'other' } })).data?.id as string;
    const foreign = await fetch(`${t.baseUrl}/v1/projects/${other}/previews`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ config_id: configId }),
    });
    expect(foreign.status).toBe(400);
    expect(await foreign.text()).toContain('body.config_id');
    for (const body of [
      { chunks_per_source: 0 },
      { chunks_per_source: 1e300 },
      { wait_seconds: -1 },
      { extra: true },
    ]) {
      const response = await preview(body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
    }
    expect((await fetch(`${t.baseUrl}/v1/previews/prv_nothere`)).status).toBe(404);
    expect((await fetch(`${t.baseUrl}/v1/previews/${encodeURIComponent('../runs')}`)).status).toBe(404);
  });
});
