/**
 * `run.progress` events on a run's stream while items settle: cost so far, where the run is heading (projected calls
 * and cost) and the time left. At most one per run every few seconds per worker process, so a fast stage does not
 * flood the stream, and none when nothing settles.
 */
import type { Db } from '../db/client.ts';
import { appendEvent } from '../db/queries/run-events.ts';
import { getRunById } from '../db/queries/runs.ts';
import { runStatus } from './runs.ts';

export const PROGRESS_EVENT_INTERVAL_MS = 5000;

export class ProgressEvents {
  private readonly last = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly intervalMs = PROGRESS_EVENT_INTERVAL_MS,
  ) {}

  /** An item of the run settled: report if this process has not for a while. */
  async settled(runId: string): Promise<void> {
    const now = Date.now();
    if (now - (this.last.get(runId) ?? 0) < this.intervalMs) return;
    this.last.set(runId, now);
    if (this.last.size > 1000) this.last.clear();
    const run = await getRunById(this.db, runId);
    if (run?.status !== 'running') return;
    const status = await runStatus(this.db, run);
    await appendEvent(this.db, runId, 'run.progress', {
      progress: status.progress,
      calls: status.totals.calls,
      cost_usd: status.totals.cost,
      projected_calls: status.projection.calls,
      projected_cost_usd: status.projection.cost_usd,
      eta_seconds: status.etaSeconds,
      stages: status.stages
        .filter((s) => s.state === 'running')
        .map((s) => ({
          name: s.name,
          settled: s.items.total - s.items.pending,
          total: s.items.total,
          projected: status.projection.stages.get(s.name) ?? null,
        })),
    });
  }
}
