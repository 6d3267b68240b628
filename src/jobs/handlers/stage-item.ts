/**
 * Job `items-<kind>`: processes one stage item (see item-runner.ts). Keeps the abort controller of every item in
 * flight by run, so a canceled run's items stop their LLM calls within a second (`abortCanceled`, polled by the
 * worker).
 */
import type { Db } from '../../db/client.ts';
import { activeRunIds } from '../../db/queries/runs.ts';
import { errorMessage } from '../../lib/errors.ts';
import type { ItemLogger, ItemRunner } from '../item-runner.ts';
import type { ItemPayload } from '../job-definitions.ts';

export class StageItemHandler {
  private readonly running = new Map<string, Set<AbortController>>();

  constructor(
    private readonly db: Db,
    private readonly runner: ItemRunner,
    private readonly log: ItemLogger,
  ) {}

  readonly handle = async (payload: ItemPayload, signal: AbortSignal): Promise<void> => {
    const controller = new AbortController();
    const onAbort = () => controller.abort(signal.reason);
    signal.addEventListener('abort', onAbort);
    const set = this.running.get(payload.runId) ?? new Set();
    set.add(controller);
    this.running.set(payload.runId, set);
    try {
      await this.runner.run(payload, controller.signal);
    } finally {
      signal.removeEventListener('abort', onAbort);
      set.delete(controller);
      if (set.size === 0) this.running.delete(payload.runId);
    }
  };

  /** Aborts the items in flight of runs that are no longer active (canceled). */
  async abortCanceled(): Promise<void> {
    if (this.running.size === 0) return;
    try {
      const active = await activeRunIds(this.db, [...this.running.keys()]);
      for (const [runId, controllers] of this.running) {
        if (!active.has(runId)) for (const c of controllers) c.abort(new Error('run canceled'));
      }
    } catch (error) {
      this.log.error({ err: errorMessage(error) }, 'cancel check failed');
    }
  }
}
