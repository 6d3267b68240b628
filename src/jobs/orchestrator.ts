/**
 * Advances a run: starts stages whose dependencies are done (plan → enqueue items), finishes stages whose items are
 * all settled, and settles the run. Every transition is conditional and every step idempotent, and the queue runs at
 * most one advance per run at a time, so a worker that dies mid-way leaves nothing a later advance cannot redo:
 * a stage found in `planning` or `finishing` is simply planned or finished again.
 *
 * Items flow where a stage says they can (`planFrom`): such a stage starts once the first instance it plans from has
 * finished, plans the items of each further instance as that one finishes, and finishes only after all of them.
 */

import { constants } from 'node:buffer';
import { maxDropFractionFor } from '../config/composition/schema.ts';
import { appendEvent } from '../db/queries/run-events.ts';
import { hasPending, insertItems, itemCountsByStage, pendingItemKeys } from '../db/queries/run-items.ts';
import {
  getRunById,
  getStages,
  markPlannedFrom,
  type RunRow,
  type StageRow,
  transitionRun,
  transitionStage,
} from '../db/queries/runs.ts';
import { errorMessage } from '../lib/errors.ts';
import { pages } from '../lib/pages.ts';
import { outcomeDocument } from '../lib/run-outcome.ts';
import { isItemStage, type PlannedItem } from '../pipelines/stage.ts';
import { jobs } from './job-definitions.ts';
import { certainLoss, runOutcome, stageVerdict } from './outcome.ts';
import type { JobQueue } from './queue.ts';
import { getConfigForRun } from './run-config.ts';
import { createPlanContext, finishStage, runInfo, runStore } from './stage-context.ts';
import type { StageDeps } from './stage-deps.ts';
import type { StageRegistry } from './stage-registry.ts';

const { MAX_STRING_LENGTH } = constants;
const settledOk = new Set(['succeeded', 'skipped']);
/** Room in item positions for the items planned from one instance of a flowing stage's source. */
const FLOW_POSITIONS = 10_000_000;
/** Items written (one statement) and sent per page while a stage plans. */
const PLAN_PAGE = 500;

export class Orchestrator {
  constructor(
    private readonly deps: StageDeps,
    private readonly queue: JobQueue,
    private readonly registry: StageRegistry,
    /** Told of jobs this orchestrator sent: to one queue (its name), or to several (none given). */
    private readonly onEnqueued: (queue?: string) => void = () => {},
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
    const settled = (name: string) => settledOk.has(state.get(name) ?? 'succeeded');
    let changed = false;
    for (const stage of stages) {
      const flow = this.flowSources(stage, stages);
      if (stage.state === 'pending' || stage.state === 'planning') {
        // A stage that plans from each finished instance it needs starts with the first (see `planFrom`).
        const ready = flow.length > 0 ? flow.some((s) => settled(s.name)) : true;
        if (ready && stage.dependsOn.every((d) => settled(d) || flow.some((s) => s.name === d))) {
          changed = (await this.startStage(run, stage, flow)) || changed;
        }
      } else if (stage.state === 'running' || stage.state === 'finishing') {
        if (stage.state === 'running' && flow.length > 0) {
          if (await this.planFlow(run, stage, flow)) {
            changed = true;
            continue;
          }
          // Neither finished nor judged on its losses while more of its items may come.
          if (!flow.every((s) => settled(s.name))) continue;
        }
        if (!(await hasPending(db, runId, stage.name))) changed = (await this.finishStage(run, stage)) || changed;
        else if (stage.state === 'running') changed = (await this.stopIfLost(run, stage)) || changed;
      }
    }
    if (!changed && stages.every((s) => settledOk.has(s.state))) {
      await this.settleRun(run, 'succeeded');
    }
    return changed;
  }

  /** The stages this one plans from one by one as each finishes (its `planFrom` stage's instances), in its order. */
  private flowSources(stage: StageRow, stages: StageRow[]): StageRow[] {
    const definition = this.registry.get(stage.kind);
    const from = definition && isItemStage(definition) ? definition.planFrom?.stage.kind : undefined;
    if (!from) return [];
    return stages.filter((s) => s.kind === from && stage.dependsOn.includes(s.name));
  }

  private async startStage(run: RunRow, stage: StageRow, flow: StageRow[]): Promise<boolean> {
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
    if (flow.length > 0) {
      try {
        await this.planFlow(run, stage, flow);
        await transitionStage(db, run.id, stage.name, ['planning'], 'running');
      } catch (error) {
        await this.failStage(run, stage, `planning failed: ${whyFailed(error)}`);
      }
      return true;
    }
    try {
      const { config } = await getConfigForRun(this.deps, run);
      const info = runInfo(run, stage, config);
      // A finish stage has no items: it goes straight to finishing once planned.
      const planned = isItemStage(definition)
        ? await this.writeAndSend(
            run,
            stage,
            definition.plan(createPlanContext(this.deps, info, runStore(this.deps, info))),
            0,
          )
        : 0;
      await transitionStage(db, run.id, stage.name, ['planning'], 'running');
      await appendEvent(db, run.id, 'stage.planned', { items: planned }, stage.name);
    } catch (error) {
      await this.failStage(run, stage, `planning failed: ${whyFailed(error)}`);
    }
    return true;
  }

  /**
   * Writes a stage's items as its plan gives them, a page at a time, and sends a job for each page's pending items
   * before the next page is planned: the stage's items are never all in memory, and its first items are at work
   * while the rest are planned. Positions count from `first` in plan order, so a re-plan after a crash numbers every
   * item as before (and inserts nothing that exists; an item sent twice is processed once). Returns the item count.
   */
  private async writeAndSend(
    run: RunRow,
    stage: StageRow,
    items: AsyncIterable<PlannedItem<unknown>>,
    first: number,
    limit = Number.POSITIVE_INFINITY,
  ): Promise<number> {
    const { db } = this.deps;
    let count = 0;
    for await (const page of pages(items, PLAN_PAGE)) {
      if (count + page.length > limit) throw new Error(`more than ${limit} items from one instance it plans from`);
      const keys = page.map((item) => item.key);
      const inserted = await insertItems(db, run.id, stage.name, page, first + count);
      count += page.length;
      // A page written whole is pending whole; after a crash some may exist, and only their pending ones are sent.
      const pending = inserted === page.length ? keys : await pendingItemKeys(db, run.id, stage.name, keys);
      if (pending.length === 0) continue;
      await this.queue.sendMany(
        jobs.stageItem(stage.kind),
        pending.map((key) => ({ runId: run.id, stage: stage.name, key })),
      );
      this.onEnqueued(jobs.stageItem(stage.kind).queue);
    }
    return count;
  }

  /**
   * Plans a flowing stage's items from each instance it needs that has finished since the last pass, sends them, and
   * records the instance as planned from (last, so a crash in between plans it again). Returns whether it planned
   * anything.
   */
  private async planFlow(run: RunRow, stage: StageRow, flow: StageRow[]): Promise<boolean> {
    const { db } = this.deps;
    const definition = this.registry.get(stage.kind);
    if (!definition || !isItemStage(definition) || !definition.planFrom) return false;
    const due = flow.filter((s) => s.state === 'succeeded' && !stage.plannedFrom.includes(s.name));
    if (due.length === 0) return false;
    const { config } = await getConfigForRun(this.deps, run);
    const info = runInfo(run, stage, config);
    const ctx = createPlanContext(this.deps, info, runStore(this.deps, info));
    for (const source of due) {
      // Positions by the source's place among the stage's needs, so item order does not depend on finishing order.
      const first = stage.dependsOn.indexOf(source.name) * FLOW_POSITIONS;
      const items = definition.planFrom.plan(ctx, source.params);
      const planned = await this.writeAndSend(run, stage, items, first, FLOW_POSITIONS);
      await markPlannedFrom(db, run.id, stage.name, source.name);
      await appendEvent(db, run.id, 'stage.planned', { items: planned, from: source.name }, stage.name);
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
      await this.failStage(run, stage, `finishing failed: ${whyFailed(error)}`);
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

/**
 * Why a stage's planning or finishing failed, in words a client can act on. Documents pass between stages by
 * reference and the pretraining files are written in pieces, but the SFT files (conversations, RAG and correction
 * records, rendered) are each written as one string, and the runtime caps a string at MAX_STRING_LENGTH characters
 * (~537 M): past that, all V8 says is "Invalid string length". A run whose SFT data would be that large has to be
 * split.
 */
function whyFailed(error: unknown): string {
  if (error instanceof RangeError && error.message === 'Invalid string length') {
    return (
      `a file or result of this stage would be longer than the ${MAX_STRING_LENGTH.toLocaleString('en')} characters ` +
      'one string can hold; split the largest source into several smaller ones'
    );
  }
  return errorMessage(error);
}
