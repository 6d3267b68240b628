/**
 * An upload whose extraction job ended without recording anything on every attempt (its worker stopped in it each
 * time) is recorded as failed by the dead letter, saying so, instead of staying `pending` (a run then drops it with
 * that reason, as it drops an unreadable file). A file that was extracted meanwhile is left as it is.
 */
import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { getFileById } from '../../../src/db/queries/files.ts';
import { files } from '../../../src/db/schema/index.ts';
import { EXTRACTION_NEVER_ENDED, recordDeadExtraction } from '../../../src/jobs/handlers/extract-file.ts';
import { startTestService, type TestService } from '../../support/service.ts';
import { upload } from '../../support/upload.ts';
import { waitFor } from '../../support/wait.ts';

let t: TestService | undefined;
afterAll(async () => {
  await t?.stop();
});

describe('an extraction that never ended', () => {
  it('is recorded as failed with why, and an extracted file is left alone', async () => {
    t = await startTestService();
    const service = t;
    const project = await service.client.POST('/v1/projects', { body: { name: 'dead-extraction' } });
    const source = await service.client.POST('/v1/projects/{id}/sources', {
      params: { path: { id: project.data?.id as string } },
      body: { name: 'docs' },
    });
    const sourceId = source.data?.id as string;
    await upload(service.baseUrl, sourceId, [
      { name: 'a.txt', data: 'A file whose extraction is lost.' },
      { name: 'b.txt', data: 'A file that was extracted.' },
    ]);
    const listed = async () =>
      (await service.client.GET('/v1/sources/{id}/files', { params: { path: { id: sourceId } } })).data?.items ?? [];
    const [lost, extracted] = await waitFor(
      async () => {
        const items = await listed();
        return items.length === 2 && items.every((f) => f.status === 'extracted') ? items : undefined;
      },
      { what: 'both files extracted' },
    );
    // As a worker that died in it every time leaves it: still pending.
    const db = service.database.db;
    await db
      .update(files)
      .set({ status: 'pending' })
      .where(eq(files.id, lost?.id as string));

    const handle = recordDeadExtraction({ db });
    await handle({ fileId: lost?.id as string });
    await handle({ fileId: extracted?.id as string });
    expect(await getFileById(db, lost?.id as string)).toMatchObject({
      status: 'failed',
      error: EXTRACTION_NEVER_ENDED,
    });
    expect((await getFileById(db, extracted?.id as string))?.status).toBe('extracted');
    const shown = (await listed()).find((f) => f.id === lost?.id);
    expect(shown).toMatchObject({ status: 'failed', error: EXTRACTION_NEVER_ENDED });
  });
});
