/** Job `items-dead`: an item whose job failed every attempt is recorded as failed, with its last error. */
import type { ItemRunner } from '../item-runner.ts';
import type { ItemPayload } from '../job-definitions.ts';

export const recordDeadItem = (runner: ItemRunner) => (payload: ItemPayload) => runner.markFailed(payload);
