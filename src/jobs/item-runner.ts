/**
 * Runs one item job: skip it if already settled or its run is no longer running, otherwise process it through its
 * stage and record the outcome exactly once. A thrown error is a fault: the last error is kept on the item and the
 * queue retries the job with backoff; when retries run out the dead-letter handler records the item as failed.
 */
import { type Endpoint, resolveEndpoints } from '../config/composition/endpoints.ts';
import { type CompositionConfig, maxDropFractionFor } from '../config/composition/schema.ts';
import { appendEvent } from '../db/queries/run-events.ts';
import {
  getItem,
  hasPending,
  itemCountsByStage,
  recordItemAttemptError,
  recordItemOutcome,
} from '../db/queries/run-items.ts';
import { getRunById, getStages } from '../db/queries/runs.ts';
import { errorMessage } from '../lib/errors.ts';
import { seededRandom } from '../lib/seeded-random.ts';
import type { AttemptTrace, PromptOverrides } from '../llm/types.ts';
import type { ChainPosition } from '../pipelines/graph.ts';
import { isItemStage, type LlmSection, type ProcessContext } from '../pipelines/stage.ts';
import type { LlmPort } from '../pipelines/step.ts';
import { guardCalls, RunGate, RunPausedError, RunSpend } from './call-guard.ts';
import { datasetsOfRun } from './hub-datasets.ts';
import { ItemBatches } from './item-batches.ts';
import { type ItemPayload, jobs } from './job-definitions.ts';
import { type JobMetrics, noJobMetrics } from './metrics.ts';
import { certainLoss } from './outcome.ts';
import { ProgressEvents } from './progress-events.ts';
import type { JobQueue } from './queue.ts';
import { getConfigForRun, type RunConfig } from './run-config.ts';
import { pauseRun } from './runs.ts';
import { runInfo } from './stage-context.ts';
import type { StageDeps } from './stage-deps.ts';
import type { StageRegistry } from './stage-registry.ts';

export interface LlmBindingRequest {
  runId: string;
  stageName: string;
  section: LlmSection;
  runConfig: RunConfig;
  signal: AbortSignal;
  /** The item's start time: the LLM limiter serves calls of earlier-started items first. */
  priority: number;
  /** The prompt set the config names for this stage, compiled (bundled prompts when absent). */
  prompts?: PromptOverrides | undefined;
  /** Whose calls these are (the LLM cache is per tenant; a project's deletion removes its answers). */
  owner?: { tenantId: string; projectId: string };
  /** Answers from before these calls are not reused (previews; a run says so with `llm_cache: refresh`). */
  refreshCache?: boolean;
  /** Sees every attempt (previews trace their calls). */
  onAttempt?: (attempt: AttemptTrace) => void;
}

/** Builds the LLM port a stage's items use; the composition root passes one backed by the gateway. */
export type LlmPortFactory = (request: LlmBindingRequest) => LlmPort;

/** The port of a stage that calls no model: any call it makes ends without an answer, saying why. */
export const noLlmPort: LlmPort = {
  call: async () => ({ ok: false, reason: 'this stage has no LLM endpoint configured' }),
};

/** Why an item's job kept failing when no run of it recorded an error: its worker never came back to say. */
export const WORKER_LOST =
  'its worker stopped while processing it (killed, crashed, or its heartbeat lapsed), every time';

export interface ItemLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export class ItemRunner {
  constructor(
    private readonly deps: StageDeps,
    private readonly queue: JobQueue,
    private readonly registry: StageRegistry,
    private readonly llmFor: LlmPortFactory,
    private readonly log: ItemLogger,
    private readonly metrics: JobMetrics = noJobMetrics,
    /** Called after this runner asked for an advance, so the process's own worker picks it up without a poll. */
    private readonly onAdvanceSent: () => void = () => {},
  ) {
    this.spend = new RunSpend(deps.db);
    this.progress = new ProgressEvents(deps.db);
    this.batches = new ItemBatches(deps.db);
    this.gate = new RunGate(async (runId) => (await getRunById(deps.db, runId))?.status === 'paused');
  }

  private readonly spend: RunSpend;
  private readonly gate: RunGate;
  private readonly progress: ProgressEvents;
  private readonly batches: ItemBatches;

  async run(data: ItemPayload, signal: AbortSignal): Promise<void> {
    const { db } = this.deps;
    const loaded = await this.batches.read(data);
    if (loaded?.item.state !== 'pending' || loaded.run.status !== 'running') return;
    const { item, run, stage } = loaded;
    const definition = this.registry.get(stage.kind);
    if (!definition || !isItemStage(definition)) {
      throw new Error(`stage ${data.stage} cannot be processed by this worker`);
    }
    const runConfig = await getConfigForRun(this.deps, run);
    const info = runInfo(run, stage, runConfig.config);
    const port = definition.llmSection
      ? this.llmFor({
          runId: run.id,
          stageName: stage.name,
          section: definition.llmSection,
          runConfig,
          signal,
          priority: callPriority(Date.now(), this.registry.chainPosition(stage.kind)),
          prompts: await this.deps.promptSets?.forStage(run.projectId, runConfig.config, stage.kind, stage.params),
          owner: { tenantId: run.tenantId, projectId: run.projectId },
        })
      : noLlmPort;
    const llm = definition.llmSection
      ? guardCalls(port, {
          runId: run.id,
          gate: this.gate,
          budgetUsd: run.budgetUsd,
          spend: this.spend,
          prices: pricesOf(resolveEndpoints(runConfig.config, runConfig.secrets, definition.llmSection)),
          pause: async (reason, since) => {
            const current = await getRunById(db, run.id);
            if (current?.status !== 'running' || current.updatedAt > since) return;
            this.gate.markPaused(run.id);
            await pauseRun(db, current, reason).catch(() => {});
          },
        })
      : port;
    const ctx: ProcessContext = {
      ...info,
      itemKey: data.key,
      datasets: datasetsOfRun(this.deps, runConfig.config),
      signal,
      random: (...parts) => seededRandom(run.seed, ...parts),
      log: this.log,
      llm,
    };
    let result: Awaited<ReturnType<typeof definition.process>>;
    try {
      result = await definition.process(item.input, ctx);
    } catch (error) {
      // Paused (budget, provider, request): the item stays pending, untouched, for the resume to send again. If the
      // run is running after all (resumed meanwhile, or a stale answer did not pause it), the item goes back in line.
      if (error instanceof RunPausedError) {
        if ((await getRunById(db, data.runId))?.status === 'running') {
          await this.queue.send(jobs.stageItem(stage.kind), data);
        }
        return;
      }
      if (signal.aborted) throw error;
      await recordItemAttemptError(db, data, errorMessage(error), item.attempts + 1);
      throw error;
    }
    // The job was given up while the stage worked (cancel, or a killed worker): its lease may already be another
    // worker's, so this result is not recorded.
    if (signal.aborted) throw signal.reason ?? new Error('aborted');
    const { recorded, stageSettled } = await this.batches.settle(
      result.state === 'done'
        ? { ...data, state: 'done', output: result.output }
        : { ...data, state: 'dropped', reason: result.reason },
    );
    if (recorded) this.metrics.itemSettled(stage.kind, result.state);
    if (recorded && result.state === 'dropped') {
      await appendEvent(db, data.runId, 'item.dropped', { key: data.key, reason: result.reason }, data.stage);
    }
    await this.afterSettle(
      data,
      stageSettled,
      result.state === 'dropped' ? { kind: stage.kind, config: runConfig.config } : undefined,
    );
  }

  /**
   * Dead-letter handler: the job failed every attempt. An item that never recorded an error of its own (no attempt
   * counted) did not fail: every run of its job ended with its worker gone (killed, crashed, or its heartbeat
   * lapsed), and five kills of a worker could use up an item's retries that way. It gets one more round, counted as
   * an attempt, so an item that takes its worker down every time still ends, failed, with that said.
   */
  async markFailed(data: ItemPayload): Promise<void> {
    const item = await getItem(this.deps.db, data.runId, data.stage, data.key);
    if (item?.state !== 'pending') return;
    const stage = (await getStages(this.deps.db, data.runId)).find((s) => s.name === data.stage);
    if (item.attempts === 0 && stage) {
      await recordItemAttemptError(this.deps.db, data, WORKER_LOST, 1);
      await this.queue.send(jobs.stageItem(stage.kind), data);
      this.log.warn({ ...data }, 'item sent again: every run of its job lost its worker');
      return;
    }
    const reason = `failed after ${item.attempts} attempts: ${item.reason ?? 'unknown error'}`;
    if (await recordItemOutcome(this.deps.db, data.runId, data.stage, data.key, { state: 'failed', reason })) {
      this.metrics.itemSettled(stage?.kind ?? data.stage, 'failed');
      await appendEvent(this.deps.db, data.runId, 'item.failed', { key: data.key, reason }, data.stage);
      this.log.warn({ ...data, reason }, 'item failed');
      const run = await getRunById(this.deps.db, data.runId);
      if (run && stage) {
        const { config } = await getConfigForRun(this.deps, run);
        await this.afterSettle(data, await this.stageSettled(data), { kind: stage.kind, config });
        return;
      }
    }
    await this.afterSettle(data, await this.stageSettled(data));
  }

  private async stageSettled(data: ItemPayload): Promise<boolean> {
    return !(await hasPending(this.deps.db, data.runId, data.stage));
  }

  /**
   * Asks for an advance when the stage's last item settled, or when a lost item (dropped, failed) pushed the stage's
   * losses past what `max_drop_fraction` allows, so the orchestrator stops it early.
   */
  private async afterSettle(
    data: ItemPayload,
    stageSettled: boolean,
    lost?: { kind: string; config: CompositionConfig },
  ): Promise<void> {
    const { db } = this.deps;
    // The advance first: a progress event may compute the whole run's status, and the next stage should not wait.
    if (stageSettled) {
      await this.queue.send(jobs.advanceRun, { runId: data.runId });
      this.onAdvanceSent();
    }
    await this.progress
      .settled(data.runId)
      .catch((error) => this.log.warn({ runId: data.runId, err: errorMessage(error) }, 'progress event failed'));
    if (stageSettled || !lost) return;
    const counts = (await itemCountsByStage(db, data.runId, data.stage)).get(data.stage);
    if (certainLoss(data.stage, counts, maxDropFractionFor(lost.config, lost.kind))) {
      await this.queue.send(jobs.advanceRun, { runId: data.runId });
      this.onAdvanceSent();
    }
  }
}

function pricesOf(endpoints: { small: Endpoint; large: Endpoint }) {
  const price = (e: Endpoint) => ({ input: e.costPerMillionInput, output: e.costPerMillionOutput });
  return { small: price(endpoints.small), large: price(endpoints.large) };
}

/**
 * A waiting call's place in the slot queue (lower first): its item's start time, moved earlier by where its stage
 * sits in the chains of model-calling stages. Longer chains ahead first (the factual styles, whose conversations the
 * thought rewrite waits for, before representation variations, which nothing waits for); then, among equals, the
 * later links (the thought rewrite, whose items only appear as each style ends, before stages whose items were all
 * there from the start). What nothing waits on fills the slots the chains leave, instead of a chain's last link
 * running alone at the end of the run.
 */
export function callPriority(startedAt: number, position: ChainPosition | undefined): number {
  if (!position) return startedAt;
  const rank = (position.height - 1) * 100 + (position.depth - 1);
  return startedAt - rank * CHAIN_LEAD_MS;
}

const CHAIN_LEAD_MS = 3_600_000;
