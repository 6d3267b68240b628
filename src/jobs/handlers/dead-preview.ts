/**
 * Job `preview-dead`: a preview whose job ended without the preview ending. Faults end a preview inside its handler,
 * so this is a preview whose worker stopped in it (killed, crashed, shut down) on every attempt; it is recorded as
 * failed, saying so, instead of staying `running`.
 */
import { finishPreview, getPreviewById } from '../../db/queries/previews.ts';
import type { StageDeps } from '../stage-deps.ts';

export const WORKER_STOPPED_IN_PREVIEW =
  'the worker running this preview stopped before it ended, on every attempt; ask for it again';

export const recordDeadPreview =
  (deps: Pick<StageDeps, 'db'>) =>
  async ({ previewId }: { previewId: string }): Promise<void> => {
    const preview = await getPreviewById(deps.db, previewId);
    if (!preview || (preview.status !== 'queued' && preview.status !== 'running')) return;
    await finishPreview(deps.db, previewId, { status: 'failed', error: WORKER_STOPPED_IN_PREVIEW });
  };
