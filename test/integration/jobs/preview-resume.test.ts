import { afterAll, describe, expect, it } from 'vitest';
import { getPreviewById, insertPreview } from '../../../src/db/queries/previews.ts';
import { recordDeadPreview, WORKER_STOPPED_IN_PREVIEW } from '../../../src/jobs/handlers/dead-preview.ts';
import type { Service } from '../../../src/service.ts';
import { type FakeLlm, startFakeLlm } from '../../../tools/fake-llm/server.ts';
import { orchardSections } from '../../support/documents.ts';
import { pretrainingConfigYaml } from '../../support/pretraining-config.ts';
import { createConfig, projectWithSources } from '../../support/projects.ts';
import { killWorker, startSecondWorker } from '../../support/second-worker.ts';
import { startTestService, type TestService } from '../../support/service.ts';
import { waitFor } from '../../support/wait.ts';

let first: TestService | undefined;
let second: Service | undefined;
let llm: FakeLlm | undefined;

afterAll(async () => {
  await llm?.setOptions({ hangRate: 0 });
  await second?.stop();
  await first?.stop();
  await llm?.close();
});

describe('a preview whose worker died', () => {
  it('is carried to its end by the next worker, and one that lost every attempt ends failed, saying why', async () => {
    llm = await startFakeLlm({ hangRate: 1 });
    const fake = llm;
    first = await startTestService();
    const t = first;
    const projectId = await projectWithSources(t, 'preview-resume', { orchard: orchardSections(4) }, {});
    const configId = await createConfig(t, projectId, pretrainingConfigYaml(fake.url, { repvarChunkSize: 200 }));
    const created = await fetch(`${t.baseUrl}/v1/projects/${projectId}/previews`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ config_id: configId, wait_seconds: 0 }),
    });
    expect(created.status).toBe(202);
    const previewId = ((await created.json()) as { id: string }).id;
    const previewOf = async () =>
      (await (await fetch(`${t.baseUrl}/v1/previews/${previewId}`)).json()) as {
        status: string;
        error: string | null;
      };
    // The preview is calling the model, which does not answer: the worker dies there.
    await waitFor(async () => ((await fake.counters()).byStatus.hang ?? 0) > 0, { what: 'a call to hang' });
    expect((await previewOf()).status).toBe('running');
    await killWorker(t);
    await fake.setOptions({ hangRate: 0 });
    second = await startSecondWorker(t);
    const ended = await waitFor(
      async () => {
        const preview = await previewOf();
        return ['succeeded', 'failed'].includes(preview.status) ? preview : undefined;
      },
      { what: 'the preview to end on the second worker', timeoutMs: 90_000 },
    );
    expect(ended.status, ended.error ?? '').toBe('succeeded');

    // What the dead letter does with a preview still running after its last attempt.
    const row = await getPreviewById(t.database.db, previewId);
    const lost = await insertPreview(t.database.db, {
      id: `${previewId}_lost`,
      tenantId: row?.tenantId as string,
      projectId,
      configId,
      chunksPerSource: 1,
    });
    await recordDeadPreview({ db: t.database.db })({ previewId: lost.id });
    const recorded = await getPreviewById(t.database.db, lost.id);
    expect(recorded).toMatchObject({ status: 'failed', error: WORKER_STOPPED_IN_PREVIEW });
    // An ended preview is left as it ended.
    await recordDeadPreview({ db: t.database.db })({ previewId });
    expect((await getPreviewById(t.database.db, previewId))?.status).toBe('succeeded');
  });
});
