/**
 * Advances a run: starts stages whose dependencies are done (plan → enqueue items), finishes stages whose items are
 * all settled, and settles the run. Every transition is conditional and every step idempotent, and the queue runs at
 * most one advance per run at a time, so a worker that dies mid-way leaves nothing a later advance cannot redo:
 * a stage found in `planning` or `finishing` is simply planned or finished again.
 */

import { maxDropFractionFor } from '../config/composition/schema.ts';
import { appendEvent } from '../db/queries/run-events.ts';
import { countPending, insertItems, itemCountsByStage, pendingItemKeys } from '../db/queries/run-items.ts';
import {
  getRunById,
  getStages,
  type RunRow,
  type StageRow,
  transitionRun,
  transitionStage,
} from '../db/queries/runs.ts';
import { errorMessage } from '../lib/errors.ts';
import { outcomeDocument } from '../lib/run-outcome.ts';
import { isItemStage } from '../pipelines/stage.ts';
import { jobs } from './job-definitions.ts';
import { certainLoss, runOutcome, stageVerdict } from './outcome.ts';
import type { JobQueue } from './queue.ts';
import { getConfigForRun } from './run-config.ts';
import { createPlanContext, finishStage, runInfo, runStore } from './stage-context.ts';
import type { StageDeps } from './stage-deps.ts';
import type { StageRegistry } from './stage-registry.ts';

const settledOk = new Set(['succeeded', 'skipped']);

export class Orchestrator {
  constructor(
    private readonly deps: StageDeps,
    private readonly queue: JobQueue,
    private readonly registry: StageRegistry,
    private readonly onEnqueued: () => void = () => {},
  ) {}

  async advance(runId: string): Promise<void> {
    // Each pass may unlock the next stage; a graph of n stages needs at most 2n passes.
    for (let pass = 0; pass < 200; pass++) {
      if (!(await this.pass(runId))) return;
    }
  }

  /**
   * Sends a job again for every pending item of the run's running stages (a resumed run: the jobs of its items ended
   * while it was paused), then an advance. An item sent twice is processed once (its outcome is recorded once).
   */
  async requeue(runId: string): Promise<void> {
    const { db } = this.deps;
    for (const stage of await getStages(db, runId)) {
      if (stage.state !== 'running') continue;
      const keys = await pendingItemKeys(db, runId, stage.name);
      await this.queue.sendMany(
        jobs.stageItem(stage.kind),
        keys.map((key) => ({ runId, stage: stage.name, key })),
      );
    }
    await this.queue.send(jobs.advanceRun, { runId });
    this.onEnqueued();
  }

  /** One pass over the stages; returns whether anything changed (so another pass may make progress). */
  private async pass(runId: string): Promise<boolean> {
    const { db } = this.deps;
    let run = await getRunById(db, runId);
    if (!run || !['queued', 'running'].includes(run.status)) return false;
    if (run.status === 'queued') {
      run = (await transitionRun(db, runId, ['queued'], 'running')) ?? run;
      await appendEvent(db, runId, 'run.started');
    }
    const stages = await getStages(db, runId);
    const failed = stages.find((s) => s.state === 'failed');
    if (failed) {
      await this.settleRun(run, 'failed', `stage ${failed.name} failed: ${failed.error ?? 'unknown error'}`, failed);
      return false;
    }
    const state = new Map(stages.map((s) => [s.name, s.state]));
    let changed = false;
    for (const stage of stages) {
      if (stage.state === 'pending' || stage.state === 'planning') {
        if (stage.dependsOn.every((d) => settledOk.has(state.get(d) ?? 'succeeded'))) {
          changed = (await this.startStage(run, stage)) || changed;
        }
      } else if (stage.state === 'running' || stage.state === 'finishing') {
        if ((await countPending(db, runId, stage.name)) === 0)
          changed = (await this.finishStage(run, stage)) || changed;
        else if (stage.state === 'running') changed = (await this.stopIfLost(run, stage)) || changed;
      }
    }
    if (!changed && stages.every((s) => settledOk.has(s.state))) {
      await this.settleRun(run, 'succeeded');
    }
    return changed;
  }

  private async startStage(run: RunRow, stage: StageRow): Promise<boolean> {
    const { db } = this.deps;
    if (stage.state === 'pending' && !(await transitionStage(db, run.id, stage.name, ['pending'], 'planning')))
      return false;
    const definition = this.registry.get(stage.kind);
    if (!definition) {
      await transitionStage(db, run.id, stage.name, ['planning'], 'skipped', {
        detail: `stage ${stage.kind} is not available`,
      });
      return true;
    }
    await appendEvent(db, run.id, 'stage.started', {}, stage.name);
    try {
      const { config } = await getConfigForRun(this.deps, run);
      const info = runInfo(run, stage, config);
      // A finish stage has no items: it goes straight to finishing once planned.
      const items = isItemStage(definition)
        ? await definition.plan(createPlanContext(this.deps, info, runStore(this.deps, info)))
        : [];
      await insertItems(db, run.id, stage.name, items);
      const pending = await pendingItemKeys(db, run.id, stage.name);
      await this.queue.sendMany(
        jobs.stageItem(stage.kind),
        pending.map((key) => ({ runId: run.id, stage: stage.name, key })),
      );
      await transitionStage(db, run.id, stage.name, ['planning'], 'running');
      await appendEvent(db, run.id, 'stage.planned', { items: items.length }, stage.name);
      if (pending.length > 0) this.onEnqueued();
    } catch (error) {
      await this.failStage(run, stage, `planning failed: ${errorMessage(error)}`);
    }
    return true;
  }

  private async finishStage(run: RunRow, stage: StageRow): Promise<boolean> {
    const { db } = this.deps;
    if (stage.state === 'running' && !(await transitionStage(db, run.id, stage.name, ['running'], 'finishing')))
      return false;
    const definition = this.registry.get(stage.kind);
    try {
      if (definition) {
        const { config } = await getConfigForRun(this.deps, run);
        if (isItemStage(definition)) {
          // Stop here, before the stages after this one pay for anything, when this one lost (nearly) everything.
          const counts = (await itemCountsByStage(db, run.id, stage.name)).get(stage.name);
          const verdict = stageVerdict(stage.name, counts, maxDropFractionFor(config, stage.kind));
          if (verdict) {
            await this.failStage(run, stage, `${verdict.code}: ${verdict.message}`);
            return true;
          }
        }
        const info = runInfo(run, stage, config);
        await finishStage(this.deps, definition, info, runStore(this.deps, info));
      }
      if (await transitionStage(db, run.id, stage.name, ['finishing'], 'succeeded')) {
        await appendEvent(db, run.id, 'stage.finished', {}, stage.name);
      }
    } catch (error) {
      await this.failStage(run, stage, `finishing failed: ${errorMessage(error)}`);
    }
    return true;
  }

  /**
   * Fails a running stage whose losses already decide its verdict (`certainLoss`): the run then settles failed and
   * its pending items are never processed, so nothing more is paid for a stage that rejects nearly everything.
   */
  private async stopIfLost(run: RunRow, stage: StageRow): Promise<boolean> {
    const { config } = await getConfigForRun(this.deps, run);
    const counts = (await itemCountsByStage(this.deps.db, run.id, stage.name)).get(stage.name);
    const verdict = certainLoss(stage.name, counts, maxDropFractionFor(config, stage.kind));
    if (!verdict) return false;
    await this.failStage(run, stage, `${verdict.code}: ${verdict.message}`);
    return true;
  }

  private async failStage(run: RunRow, stage: StageRow, error: string): Promise<void> {
    await transitionStage(this.deps.db, run.id, stage.name, ['planning', 'running', 'finishing'], 'failed', { error });
    await appendEvent(this.deps.db, run.id, 'stage.failed', { error }, stage.name);
  }

  private async settleRun(
    run: RunRow,
    status: 'succeeded' | 'failed',
    error?: string,
    failedStage?: StageRow,
  ): Promise<void> {
    const counts = await itemCountsByStage(this.deps.db, run.id);
    const outcome = runOutcome(counts, { status, ...(failedStage ? { failedStage } : {}) });
    const final = status === 'succeeded' && outcome.kind === 'with_drops' ? 'succeeded_with_drops' : status;
    const done = await transitionRun(this.deps.db, run.id, ['queued', 'running'], final, {
      outcome,
      ...(error ? { error } : {}),
    });
    if (done) {
      await appendEvent(this.deps.db, run.id, `run.${final}`, {
        ...(error ? { error } : {}),
        outcome: outcomeDocument(outcome),
      });
      if (done.webhookUrl) await this.queue.send(jobs.runWebhook, { runId: run.id });
    }
  }
}
