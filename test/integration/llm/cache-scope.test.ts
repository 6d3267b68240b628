/**
 * The LLM response cache per tenant: a second tenant running the same documents with the same config pays for its
 * own answers (and so cannot learn that someone made those calls), the same tenant's re-run pays nothing,
 * `llm_cache: refresh` asks again, and deleting a project deletes the answers its runs stored.
 */
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { llmResponses } from '../../../src/db/schema/index.ts';
import { type FakeLlm, startFakeLlm } from '../../../tools/fake-llm/server.ts';
import { pretrainingConfigYaml } from '../../support/pretraining-config.ts';
import { runToEnd } from '../../support/runs.ts';
import { type ApiClient, startTestService, type TestService } from '../../support/service.ts';
import { upload } from '../../support/upload.ts';

let t: TestService;
let llm: FakeLlm;
type Run = { status: string; error: string | null };

async function projectWithConfig(client: ApiClient, key: string, extra: string[] = []) {
  const projectId = (await client.POST('/v1/projects', { body: { name: 'cache' } })).data?.id as string;
  const source = await client.POST('/v1/projects/{id}/sources', {
    params: { path: { id: projectId } },
    body: { name: 'notes', settings: { variation_generation_counts: 1 } },
  });
  await upload(
    t.baseUrl,
    source.data?.id as string,
    [{ name: 'notes.txt', data: 'The ferry leaves at six.\n\nThe last ferry returns at ten.' }],
    {
      authorization: `Bearer ${key}`,
    },
  );
  const config = await fetch(`${t.baseUrl}/v1/projects/${projectId}/configs`, {
    method: 'POST',
    headers: { 'content-type': 'application/yaml', authorization: `Bearer ${key}` },
    body: pretrainingConfigYaml(llm.url, { factualWays: [], extra }),
  });
  expect(config.status, await config.clone().text()).toBe(201);
  return { projectId, configId: ((await config.json()) as { id: string }).id };
}

const answersOf = async (projectId: string) =>
  (
    await t.database.db
      .select({ n: sql<number>`count(*)::int` })
      .from(llmResponses)
      .where(eq(llmResponses.projectId, projectId))
  )[0]?.n ?? 0;

beforeAll(async () => {
  llm = await startFakeLlm();
  t = await startTestService();
});

afterAll(async () => {
  await t?.stop();
  await llm?.close();
});

describe('the LLM cache, per tenant', () => {
  it('makes every tenant pay for its own answers, and reuses them for that tenant only', async () => {
    const a = await t.clientForNewTenant('alpha');
    const b = await t.clientForNewTenant('beta');
    const first = await projectWithConfig(a.client, a.key);
    const requests = async () => (await llm.counters()).requests;

    const r0 = await requests();
    const alpha = await runToEnd<Run>(a.client, first.projectId, first.configId);
    expect(alpha.run.status, alpha.run.error ?? '').toBe('succeeded');
    const paid = (await requests()) - r0;
    expect(paid).toBeGreaterThan(0);

    const r1 = await requests();
    const again = await runToEnd<Run>(a.client, first.projectId, first.configId);
    expect(again.run.status).toBe('succeeded');
    expect((await requests()) - r1).toBe(0);

    const other = await projectWithConfig(b.client, b.key);
    const r2 = await requests();
    const beta = await runToEnd<Run>(b.client, other.projectId, other.configId);
    expect(beta.run.status).toBe('succeeded');
    expect((await requests()) - r2).toBe(paid);

    const refreshed = await projectWithConfig(a.client, a.key, ['llm_cache: refresh']);
    const r3 = await requests();
    expect((await runToEnd<Run>(a.client, refreshed.projectId, refreshed.configId)).run.status).toBe('succeeded');
    expect((await requests()) - r3).toBe(paid);

    expect(await answersOf(first.projectId)).toBeGreaterThan(0);
    const deleted = await fetch(`${t.baseUrl}/v1/projects/${first.projectId}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${a.key}` },
    });
    expect(deleted.status).toBe(204);
    expect(await answersOf(first.projectId)).toBe(0);
    expect(await answersOf(other.projectId)).toBeGreaterThan(0);
  }, 240_000);
});
