/**
 * Jobs `extract-file` and `extract-file-dead`: extracts an uploaded file's text; a file that cannot be read is
 * recorded, not retried. A job that ended without recording anything on every attempt (its worker stopped in it: a
 * file that takes the process down, or a run of crashes) is recorded as failed by the dead letter, so the file does
 * not stay `pending`, and a run reports it as a dropped item instead of trying it again in its own worker.
 */
import { getFileById, recordExtraction } from '../../db/queries/files.ts';
import { EXTRACTOR_VERSION } from '../../ingest/extract/index.ts';
import { extractFile as extract } from '../extraction.ts';
import type { ItemLogger } from '../item-runner.ts';
import type { StageDeps } from '../stage-deps.ts';

export const EXTRACTION_NEVER_ENDED =
  'extraction did not end in any of its attempts (its worker stopped in it each time); upload the file again, ' +
  'or look for the cause in the service log';

export const extractFile = (deps: StageDeps, log: ItemLogger) => async (payload: { fileId: string }) => {
  const result = await extract(deps, payload.fileId);
  if (!result.ok) log.info({ fileId: payload.fileId, error: result.error }, 'file could not be extracted');
};

export const recordDeadExtraction = (deps: Pick<StageDeps, 'db'>) => async (payload: { fileId: string }) => {
  const file = await getFileById(deps.db, payload.fileId);
  if (file?.status !== 'pending') return;
  await recordExtraction(deps.db, file.id, {
    status: 'failed',
    error: EXTRACTION_NEVER_ENDED,
    extractorVersion: EXTRACTOR_VERSION,
  });
};
