/**
 * Job `preview-dead`: a preview whose job ended without the preview ending. Faults end a preview inside its handler,
 * so this is a preview whose worker stopped in it (killed, crashed, shut down) on every attempt; it is recorded as
 * failed, saying so, instead of staying `running`.
 */
import { finishPreview } from '../../db/queries/previews.ts';
import type { StageDeps } from '../stage-deps.ts';

export const WORKER_STOPPED_IN_PREVIEW =
  'the worker running this preview stopped before it ended, on every attempt; ask for it again';

/** finishPreview changes only a preview still queued or running: one that ended stays as it ended. */
export const recordDeadPreview =
  (deps: Pick<StageDeps, 'db'>) =>
  ({ previewId }: { previewId: string }): Promise<void> =>
    finishPreview(deps.db, previewId, { status: 'failed', error: WORKER_STOPPED_IN_PREVIEW });
