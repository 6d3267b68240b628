/**
 * pg-boss lifecycle, sending and fetching: the only module that imports pg-boss. Over PGlite it uses pg-boss's own
 * adapter on the shared in-process database; over PostgreSQL it opens its own pool from the connection string.
 * Jobs are sent through their definitions (job-definitions.ts).
 */
import { fromDrizzle, fromPglite, type Job, PgBoss } from 'pg-boss';
import { type Database, type Db, queryRows, sql } from '../db/client.ts';
import { type JobDefinition, jobs } from './job-definitions.ts';

type DrizzleTransaction = Parameters<typeof fromDrizzle>[0];

export interface QueueOptions {
  heartbeatSeconds: number;
  retryLimit: number;
  /** Seconds between the checks that fail jobs whose worker stopped heart-beating. */
  monitorIntervalSeconds?: number;
}

/** The queue options ensureQueues keeps in step with the code (those the code sets; pg-boss's defaults stay). */
const UPDATABLE = [
  'retryLimit',
  'retryDelay',
  'retryBackoff',
  'retryDelayMax',
  'heartbeatSeconds',
  'deadLetter',
] as const;

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

  /**
   * Creates the queues this process uses, and brings an existing queue's retry, heartbeat and dead-letter options to
   * what this code (and JOB_RETRY_LIMIT) says: a queue keeps the options it was created with, so without this a
   * deployment would never see a changed retry limit or a newly added dead letter. Idempotent, so every process may
   * do it at start. (A queue's policy cannot change after it is created.)
   */
  async ensureQueues(stageKinds: string[]): Promise<void> {
    const existing = new Map((await this.boss.getQueues()).map((q) => [q.name, q]));
    const retry = { retryLimit: this.options.retryLimit, retryDelay: 2, retryBackoff: true, retryDelayMax: 60 };
    const heartbeatSeconds = this.options.heartbeatSeconds;
    // A dead-letter queue's job records why another job ended; it only fails on a fault of the database.
    const deadLetters = { retryLimit: 5, retryDelay: 1, retryBackoff: true };
    const want: Array<[string, Parameters<PgBoss['createQueue']>[1]]> = [
      [jobs.deadItem.queue, deadLetters],
      [jobs.advanceRun.queue, { policy: 'stately', ...retry, heartbeatSeconds }],
      [jobs.extractFileDead.queue, deadLetters],
      [jobs.extractFile.queue, { ...retry, heartbeatSeconds, deadLetter: jobs.extractFileDead.queue }],
      [jobs.runEstimate.queue, { ...retry, retryLimit: 2, heartbeatSeconds }],
      // A fault ends a preview with its reason (the handler records it); a retry is for a worker that died in it.
      [jobs.previewDead.queue, deadLetters],
      [jobs.preview.queue, { retryLimit: 1, retryDelay: 1, heartbeatSeconds, deadLetter: jobs.previewDead.queue }],
      [jobs.hubPushDead.queue, deadLetters],
      [jobs.hubPush.queue, { ...retry, heartbeatSeconds, deadLetter: jobs.hubPushDead.queue }],
      [jobs.runWebhookDead.queue, deadLetters],
      [jobs.runWebhook.queue, { ...retry, retryLimit: 6, heartbeatSeconds, deadLetter: jobs.runWebhookDead.queue }],
      ...stageKinds.map((kind): [string, Parameters<PgBoss['createQueue']>[1]] => [
        jobs.stageItem(kind).queue,
        { ...retry, heartbeatSeconds, deadLetter: jobs.deadItem.queue },
      ]),
    ];
    for (const [name, opts] of want) {
      const queue = existing.get(name);
      if (!queue) await this.boss.createQueue(name, opts);
      else if (UPDATABLE.some((key) => opts?.[key] !== undefined && queue[key] !== opts[key])) {
        const { policy: _fixed, ...updatable } = opts ?? {};
        await this.boss.updateQueue(name, updatable);
      }
    }
  }

  /**
   * Enqueues one job. With `transaction`, the job is written inside that database transaction, so it exists exactly
   * when the rows the transaction commits do (a run and its first advance).
   */
  async send<Payload extends object>(
    job: JobDefinition<Payload>,
    payload: Payload,
    options: { transaction?: Db } = {},
  ): Promise<void> {
    await this.boss.send(job.queue, payload, {
      ...(job.singletonKey ? { singletonKey: job.singletonKey(payload) } : {}),
      // drizzle types execute()'s result loosely; both drivers answer `{ rows }`, which is what the adapter reads.
      ...(options.transaction ? { db: fromDrizzle(options.transaction as DrizzleTransaction, sql) } : {}),
    });
  }

  async sendMany<Payload extends object>(job: JobDefinition<Payload>, payloads: Payload[]): Promise<void> {
    const batch = 500;
    for (let i = 0; i < payloads.length; i += batch) {
      await this.boss.insert(
        job.queue,
        payloads.slice(i, i + batch).map((data) => ({ data })),
      );
    }
  }

  fetch<T>(queue: string, batchSize: number): Promise<Job<T>[]> {
    return this.boss.fetch<T>(queue, { batchSize });
  }

  async complete(queue: string, ids: string[]): Promise<void> {
    if (ids.length > 0) await this.boss.complete(queue, ids);
  }

  async fail(queue: string, id: string, error: unknown): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    await this.boss.fail(queue, id, { message });
  }

  /**
   * Fails every active job back to its queue (a retry, like a lapsed heartbeat, counting as an attempt) and returns
   * how many. Only for a process that holds the embedded database alone: there, an active job at start-up belongs to
   * a process that died with it, and waiting for its heartbeat to lapse would only delay the resume.
   */
  async reclaimActiveJobs(db: Db): Promise<number> {
    let reclaimed = 0;
    for (const queue of await this.boss.getQueues()) {
      // pg-boss names each queue's table (`table`); `id`, `name` and `state` are its documented job fields.
      const table = `"pgboss"."${queue.table.replaceAll('"', '""')}"`;
      const rows = await queryRows<{ id: string }>(
        db,
        sql`select id from ${sql.raw(table)} where name = ${queue.name} and state = 'active'`,
      );
      const ids = rows.map((r) => r.id);
      if (ids.length === 0) continue;
      await this.boss.fail(queue.name, ids, { message: 'the process that held this job stopped without finishing it' });
      reclaimed += ids.length;
    }
    return reclaimed;
  }

  async touch(queue: string, ids: string[]): Promise<void> {
    if (ids.length > 0) await this.boss.touch(queue, ids);
  }

  /** Reachability for /readyz. */
  async ping(): Promise<void> {
    await this.boss.getQueue(jobs.advanceRun.queue);
  }

  async stop(): Promise<void> {
    await this.boss.stop({ graceful: true, timeout: 30_000 });
  }
}

export type { Job };
