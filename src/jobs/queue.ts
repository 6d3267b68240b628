/**
 * pg-boss lifecycle and the queue names: the only module that imports pg-boss. Over PGlite it uses pg-boss's own
 * adapter on the shared in-process database; over PostgreSQL it opens its own pool from the connection string.
 */
import { fromPglite, type Job, PgBoss } from 'pg-boss';
import type { Database } from '../db/client.ts';

export const queues = {
  /** Orchestrator: one active and one queued job per run at most (policy `stately`, keyed by run id). */
  advance: 'run-advance',
  /** Text extraction right after upload, so a file's status and text are known before any run. */
  extractFile: 'extract-file',
  /** Items whose job failed every attempt: recorded as failed items so the run can finish and say why. */
  deadItems: 'items-dead',
  /** One queue per stage kind, so operators can see and scale each kind. */
  items: (kind: string) => `items-${kind}`,
} as const;

export interface ItemJobData {
  runId: string;
  stage: string;
  key: string;
}

export interface QueueOptions {
  heartbeatSeconds: number;
  retryLimit: number;
  /** Seconds between the checks that fail jobs whose worker stopped heart-beating. */
  monitorIntervalSeconds?: number;
}

export class JobQueue {
  private constructor(
    readonly boss: PgBoss,
    private readonly options: QueueOptions,
  ) {}

  static async start(database: Database, options: QueueOptions): Promise<JobQueue> {
    const monitor = options.monitorIntervalSeconds ?? 10;
    const common = { monitorIntervalSeconds: monitor, superviseIntervalSeconds: monitor, schedule: false };
    const boss =
      database.kind === 'pglite'
        ? new PgBoss({ db: fromPglite(database.pglite), backend: 'pglite', ...common })
        : new PgBoss({ connectionString: database.connectionString, max: 10, ...common });
    // Background errors (a lost connection during a poll) are logged by the caller's listener, never thrown.
    boss.on('error', () => {});
    await boss.start();
    return new JobQueue(boss, options);
  }

  /** Creates the queues this process uses; idempotent, so every process may do it at start. */
  async ensureQueues(stageKinds: string[]): Promise<void> {
    const existing = new Set((await this.boss.getQueues()).map((q) => q.name));
    const retry = { retryLimit: this.options.retryLimit, retryDelay: 2, retryBackoff: true, retryDelayMax: 60 };
    const want: Array<[string, Parameters<PgBoss['createQueue']>[1]]> = [
      [queues.deadItems, { retryLimit: 5, retryDelay: 1, retryBackoff: true }],
      [queues.advance, { policy: 'stately', ...retry, heartbeatSeconds: this.options.heartbeatSeconds }],
      [queues.extractFile, { ...retry, heartbeatSeconds: this.options.heartbeatSeconds }],
      ...stageKinds.map((kind): [string, Parameters<PgBoss['createQueue']>[1]] => [
        queues.items(kind),
        { ...retry, heartbeatSeconds: this.options.heartbeatSeconds, deadLetter: queues.deadItems },
      ]),
    ];
    for (const [name, opts] of want) {
      if (!existing.has(name)) await this.boss.createQueue(name, opts);
    }
  }

  async sendAdvance(runId: string): Promise<void> {
    await this.boss.send(queues.advance, { runId }, { singletonKey: runId });
  }

  async sendItems(kind: string, items: ItemJobData[]): Promise<void> {
    const batch = 500;
    for (let i = 0; i < items.length; i += batch) {
      await this.boss.insert(
        queues.items(kind),
        items.slice(i, i + batch).map((data) => ({ data })),
      );
    }
  }

  async sendExtractFile(fileId: string): Promise<void> {
    await this.boss.send(queues.extractFile, { fileId });
  }

  fetch<T>(queue: string, batchSize: number): Promise<Job<T>[]> {
    return this.boss.fetch<T>(queue, { batchSize });
  }

  async complete(queue: string, id: string): Promise<void> {
    await this.boss.complete(queue, id);
  }

  async fail(queue: string, id: string, error: unknown): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    await this.boss.fail(queue, id, { message });
  }

  async touch(queue: string, ids: string[]): Promise<void> {
    if (ids.length > 0) await this.boss.touch(queue, ids);
  }

  /** Reachability for /readyz. */
  async ping(): Promise<void> {
    await this.boss.getQueue(queues.advance);
  }

  async stop(): Promise<void> {
    await this.boss.stop({ graceful: true, timeout: 30_000 });
  }
}

export type { Job };
