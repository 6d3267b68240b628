/**
 * A run and its first advance are written in one transaction: the advance job exists exactly when the run does, so
 * no run waits for the sweep because its process died between the two, and no advance names a run that is not there.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { queryRows } from '../../../src/db/client.ts';
import { jobs } from '../../../src/jobs/job-definitions.ts';
import { createRun } from '../../../src/jobs/runs.ts';
import { SecretBox } from '../../../src/lib/secret-box.ts';
import { rawRequest } from '../../support/raw-http.ts';
import { startTestService, type TestService } from '../../support/service.ts';
import { upload } from '../../support/upload.ts';

let t: TestService;
let projectId: string;
let configId: string;
beforeAll(async () => {
  // No worker: the advance jobs stay in the queue for the test to see.
  t = await startTestService({ settings: { role: 'api' } });
  projectId = (await t.client.POST('/v1/projects', { body: { name: 'tx' } })).data?.id as string;
  const source = await t.client.POST('/v1/projects/{id}/sources', {
    params: { path: { id: projectId } },
    body: { name: 'docs' },
  });
  await upload(t.baseUrl, source.data?.id as string, [{ name: 'a.txt', data: 'A document.' }]);
  const config = await rawRequest(t.baseUrl, {
    method: 'POST',
    path: `/v1/projects/${projectId}/configs`,
    headers: { 'content-type': 'application/yaml' },
    body: 'dataset_context: tx\n',
  });
  configId = (JSON.parse(config.body) as { id: string }).id;
});
afterAll(async () => {
  await t?.stop();
});

const advanceJobs = (runId: string) =>
  queryRows<{ n: number }>(
    t.database.db,
    sql`select count(*)::int as n from pgboss.job where name = ${jobs.advanceRun.queue} and data->>'runId' = ${runId}`,
  );
const runCount = async () =>
  (await queryRows<{ n: number }>(t.database.db, sql`select count(*)::int as n from runs`))[0]?.n;

it('enqueues the first advance with the run', async () => {
  const run = await t.client.POST('/v1/projects/{id}/runs', {
    params: { path: { id: projectId } },
    body: { config_id: configId },
  });
  expect(run.response.status).toBe(201);
  expect((await advanceJobs(run.data?.id as string))[0]?.n).toBe(1);
});

it('keeps no run when its advance cannot be enqueued', async () => {
  const before = await runCount();
  const starter = {
    advanceInTransaction: async () => {
      throw new Error('queue unreachable');
    },
    wake: () => {},
    graph: () => [],
  };
  const deps = { db: t.database.db, secretBox: new SecretBox([randomBytes(32)]) };
  await expect(
    createRun(deps, starter, { tenantId: await tenantOfProject(), projectId, configId, requestHash: 'h' }),
  ).rejects.toThrow('queue unreachable');
  expect(await runCount()).toBe(before);
});

async function tenantOfProject(): Promise<string> {
  const [row] = await queryRows<{ tenant_id: string }>(
    t.database.db,
    sql`select tenant_id from projects where id = ${projectId}`,
  );
  return row?.tenant_id as string;
}
