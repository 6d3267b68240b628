/** Job `extract-file`: extracts an uploaded file's text; a file that cannot be read is recorded, not retried. */
import { extractFile as extract } from '../extraction.ts';
import type { ItemLogger } from '../item-runner.ts';
import type { StageDeps } from '../stage-deps.ts';

export const extractFile = (deps: StageDeps, log: ItemLogger) => async (payload: { fileId: string }) => {
  const result = await extract(deps, payload.fileId);
  if (!result.ok) log.info({ fileId: payload.fileId, error: result.error }, 'file could not be extracted');
};
