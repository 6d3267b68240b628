/**
 * A worker process's job side: the item pump (stage items, up to WORKER_CONCURRENCY at once), the control pump
 * (run advances, dead letters, upload extraction), each job routed to its handler (src/jobs/handlers/) by its
 * definition, a sweep that re-advances runs in progress (resume after a crash, and a safety net for any missed
 * trigger), and cancellation of items whose run was canceled.
 */
import { runsInProgress } from '../db/queries/runs.ts';
import { defaultTokenizer } from '../ingest/tokenizer.ts';
import { errorMessage } from '../lib/errors.ts';
import { estimateForRun } from './dry-run/estimate.ts';
import { runPreview } from './dry-run/preview.ts';
import { advanceRun } from './handlers/advance-run.ts';
import { recordDeadItem } from './handlers/dead-item.ts';
import { recordDeadPreview } from './handlers/dead-preview.ts';
import { extractFile, recordDeadExtraction } from './handlers/extract-file.ts';
import { pushToHub, recordDeadPush } from './handlers/hub-push.ts';
import { deliverRunWebhook, recordDeadWebhook } from './handlers/run-webhook.ts';
import { StageItemHandler } from './handlers/stage-item.ts';
import { type ItemLogger, ItemRunner, type LlmPortFactory } from './item-runner.ts';
import { jobs } from './job-definitions.ts';
import { handlerFor, JobPump } from './job-pump.ts';
import type { JobMetrics } from './metrics.ts';
import { Orchestrator } from './orchestrator.ts';
import type { JobQueue } from './queue.ts';
import type { StageDeps } from './stage-deps.ts';
import type { StageRegistry } from './stage-registry.ts';

export interface WorkerOptions {
  metrics?: JobMetrics;
  sweepIntervalMs?: number;
  cancelCheckIntervalMs?: number;
}

export class Worker {
  private readonly items: JobPump;
  private readonly control: JobPump;
  private readonly stageItems: StageItemHandler;
  readonly orchestrator: Orchestrator;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly deps: StageDeps,
    private readonly queue: JobQueue,
    registry: StageRegistry,
    llmFor: LlmPortFactory,
    private readonly log: ItemLogger,
    private readonly options: WorkerOptions = {},
  ) {
    this.orchestrator = new Orchestrator(deps, queue, registry, (sentTo) => this.items.wake(sentTo));
    // A stage's last item asks for an advance: the control pump takes it at once rather than at its next poll.
    const runner = new ItemRunner(deps, queue, registry, llmFor, log, options.metrics, () =>
      this.control.wake(jobs.advanceRun.queue),
    );
    this.stageItems = new StageItemHandler(deps.db, runner, log);
    const heartbeatSeconds = deps.settings.jobHeartbeatSeconds;
    this.items = new JobPump(
      queue,
      registry.itemKinds().map((kind) => handlerFor(jobs.stageItem(kind), this.stageItems.handle)),
      { capacity: deps.settings.workerConcurrency, heartbeatSeconds, log, metrics: options.metrics },
    );
    this.control = new JobPump(
      queue,
      [
        handlerFor(jobs.advanceRun, advanceRun(this.orchestrator)),
        handlerFor(jobs.deadItem, recordDeadItem(runner)),
        handlerFor(jobs.extractFile, extractFile(deps, log)),
        handlerFor(jobs.extractFileDead, recordDeadExtraction(deps)),
        handlerFor(jobs.runEstimate, ({ runId }) => estimateForRun(deps, registry, runId)),
        handlerFor(jobs.preview, ({ previewId }, signal) => runPreview(deps, registry, llmFor, previewId, signal)),
        handlerFor(jobs.previewDead, recordDeadPreview(deps)),
        handlerFor(jobs.hubPush, pushToHub(deps, log)),
        handlerFor(jobs.hubPushDead, recordDeadPush(deps)),
        handlerFor(jobs.runWebhook, deliverRunWebhook(deps)),
        handlerFor(jobs.runWebhookDead, recordDeadWebhook(deps)),
      ],
      { capacity: 4, heartbeatSeconds, log, metrics: options.metrics },
    );
  }

  start(): void {
    this.items.start();
    this.control.start();
    // The tokenizer builds its vocabulary on first use (~0.1 s of CPU): do it now, not in a run's first plan.
    setImmediate(() => defaultTokenizer().count('warm-up'));
    // A safety net: every trigger is sent with the change that causes it, but a run whose advance was lost (a
    // process that died between two steps) is picked up here.
    const sweep = async () => {
      try {
        const runs = await runsInProgress(this.deps.db);
        for (const run of runs) await this.queue.send(jobs.advanceRun, { runId: run.id });
        if (runs.length > 0) this.control.wake(jobs.advanceRun.queue);
      } catch (error) {
        this.log.error({ err: errorMessage(error) }, 'sweep failed');
      }
    };
    void sweep();
    this.timers.push(setInterval(sweep, this.options.sweepIntervalMs ?? 30_000));
    this.timers.push(
      setInterval(() => void this.stageItems.abortCanceled(), this.options.cancelCheckIntervalMs ?? 1000),
    );
    for (const t of this.timers) t.unref();
  }

  /** Lets this process's own enqueues start without waiting for a poll. */
  wake(): void {
    this.control.wake();
    this.items.wake();
  }

  /** Simulates a crash (see JobPump.kill): nothing in flight is settled. */
  async kill(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    await Promise.all([this.items.kill(), this.control.kill()]);
  }

  async stop(graceMs = 10_000): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    await Promise.all([this.items.stop(graceMs), this.control.stop(graceMs)]);
  }
}
