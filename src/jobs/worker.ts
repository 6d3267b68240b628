/**
 * A worker process's job side: the item pump (stage items, up to WORKER_CONCURRENCY at once), the control pump
 * (run advances, dead letters, upload extraction), a sweep that re-advances runs in progress (resume after a crash,
 * and a safety net for any missed trigger), and cancellation of items whose run was canceled.
 */
import { activeRunIds, runsInProgress } from '../db/queries/runs.ts';
import { defaultTokenizer } from '../ingest/tokenizer.ts';
import { errorMessage } from '../lib/errors.ts';
import { extractFile } from './extraction.ts';
import { type ItemLogger, ItemRunner, type LlmPortFactory } from './item-runner.ts';
import { JobPump } from './job-pump.ts';
import type { JobMetrics } from './metrics.ts';
import { Orchestrator } from './orchestrator.ts';
import { type ItemJobData, type JobQueue, queues } from './queue.ts';
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
  private readonly runner: ItemRunner;
  readonly orchestrator: Orchestrator;
  private readonly timers: NodeJS.Timeout[] = [];
  /** Abort controllers of item jobs in flight, by run, so a cancel stops their LLM calls. */
  private readonly running = new Map<string, Set<AbortController>>();

  constructor(
    private readonly deps: StageDeps,
    private readonly queue: JobQueue,
    registry: StageRegistry,
    llmFor: LlmPortFactory,
    private readonly log: ItemLogger,
    private readonly options: WorkerOptions = {},
  ) {
    this.orchestrator = new Orchestrator(deps, queue, registry, () => this.items.wake());
    this.runner = new ItemRunner(deps, queue, registry, llmFor, log, options.metrics);
    const heartbeatSeconds = deps.settings.jobHeartbeatSeconds;
    this.items = new JobPump(
      queue,
      registry.itemKinds().map((kind) => ({
        queue: queues.items(kind),
        handle: (job, signal) => this.runItem(job.data as ItemJobData, signal),
      })),
      { capacity: deps.settings.workerConcurrency, heartbeatSeconds, log, metrics: options.metrics },
    );
    this.control = new JobPump(
      queue,
      [
        { queue: queues.advance, handle: (job) => this.orchestrator.advance((job.data as { runId: string }).runId) },
        { queue: queues.deadItems, handle: (job) => this.runner.markFailed(job.data as ItemJobData) },
        {
          queue: queues.extractFile,
          handle: async (job) => {
            const result = await extractFile(deps, (job.data as { fileId: string }).fileId);
            if (!result.ok)
              log.info(
                { fileId: (job.data as { fileId: string }).fileId, error: result.error },
                'file could not be extracted',
              );
          },
        },
      ],
      { capacity: 4, heartbeatSeconds, log, metrics: options.metrics },
    );
  }

  private async runItem(data: ItemJobData, signal: AbortSignal): Promise<void> {
    const controller = new AbortController();
    const onAbort = () => controller.abort(signal.reason);
    signal.addEventListener('abort', onAbort);
    const set = this.running.get(data.runId) ?? new Set();
    set.add(controller);
    this.running.set(data.runId, set);
    try {
      await this.runner.run(data, controller.signal);
    } finally {
      signal.removeEventListener('abort', onAbort);
      set.delete(controller);
      if (set.size === 0) this.running.delete(data.runId);
    }
  }

  start(): void {
    this.items.start();
    this.control.start();
    // The tokenizer builds its vocabulary on first use (~0.1 s of CPU): do it now, not in a run's first plan.
    setImmediate(() => defaultTokenizer().count('warm-up'));
    const sweep = async () => {
      try {
        for (const run of await runsInProgress(this.deps.db)) await this.queue.sendAdvance(run.id);
        this.control.wake();
      } catch (error) {
        this.log.error({ err: errorMessage(error) }, 'sweep failed');
      }
    };
    void sweep();
    this.timers.push(setInterval(sweep, this.options.sweepIntervalMs ?? 30_000));
    this.timers.push(setInterval(() => void this.abortCanceled(), this.options.cancelCheckIntervalMs ?? 1000));
    for (const t of this.timers) t.unref();
  }

  /** Lets this process's own enqueues start without waiting for a poll. */
  wake(): void {
    this.control.wake();
    this.items.wake();
  }

  private async abortCanceled(): Promise<void> {
    if (this.running.size === 0) return;
    try {
      const active = await activeRunIds(this.deps.db, [...this.running.keys()]);
      for (const [runId, controllers] of this.running) {
        if (!active.has(runId)) for (const c of controllers) c.abort(new Error('run canceled'));
      }
    } catch (error) {
      this.log.error({ err: errorMessage(error) }, 'cancel check failed');
    }
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
