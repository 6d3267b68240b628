/**
 * Keeps up to `capacity` jobs in flight across a set of queues, refilling each freed slot at once.
 *
 * Why not pg-boss's `work()`: a batch handler holds its slots until the slowest job of the batch ends, and batch
 * size 1 pays a polling gap per job. Our LLM items vary tenfold in length, so refilling slot by slot is what keeps
 * the shared LLM limiter fed (the scheduling benchmark measures exactly this). Heartbeats are sent for every job in
 * flight, so a job of a worker that died is retried elsewhere once its heartbeat lapses.
 */
import { groupBy } from '../lib/group-by.ts';
import type { JobDefinition } from './job-definitions.ts';
import type { JobMetrics } from './metrics.ts';
import type { Job, JobQueue } from './queue.ts';

export interface PumpRegistration {
  queue: string;
  /** Checks the job's payload against its definition and runs the handler. */
  handle(job: Job<unknown>, signal: AbortSignal): Promise<void>;
}

/** A handler for one job definition; a payload that does not match the definition fails the job with why. */
export function handlerFor<Payload>(
  job: JobDefinition<Payload>,
  handle: (payload: Payload, signal: AbortSignal) => Promise<void>,
): PumpRegistration {
  return {
    queue: job.queue,
    handle: async (received, signal) => {
      const payload = job.payload.safeParse(received.data);
      if (!payload.success) throw new Error(`malformed ${job.queue} payload: ${payload.error.message}`);
      await handle(payload.data, signal);
    },
  };
}

/** How long a finished job waits for others to be marked complete with it. */
const COMPLETE_WINDOW_MS = 25;

export interface PumpLogger {
  error(obj: object, msg?: string): void;
}

export class JobPump {
  private running = false;
  private readonly inFlight = new Map<string, { queue: string; controller: AbortController }>();
  private wakeUp: (() => void) | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private loop: Promise<void> | undefined;
  private idleDelayMs = 50;
  private abandoned = false;
  /** Finished jobs not yet marked complete, by queue: sent together every COMPLETE_WINDOW_MS. */
  private readonly finished = new Map<string, string[]>();
  private finishing: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly queue: JobQueue,
    private readonly registrations: PumpRegistration[],
    private readonly options: {
      capacity: number;
      heartbeatSeconds: number;
      maxIdleDelayMs?: number;
      log: PumpLogger;
      metrics?: JobMetrics;
    },
  ) {}

  get activeJobs(): number {
    return this.inFlight.size;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.heartbeat = setInterval(() => void this.touchAll(), (this.options.heartbeatSeconds * 1000) / 3);
    this.heartbeat.unref();
    this.loop = this.run();
  }

  /** Called when this process enqueued work, so it need not wait for the next poll. */
  wake(): void {
    this.idleDelayMs = 50;
    this.wakeUp?.();
  }

  private async run(): Promise<void> {
    let next = 0;
    while (this.running) {
      const free = this.options.capacity - this.inFlight.size;
      let fetched = 0;
      if (free > 0) {
        // Round-robin over queues so one busy stage kind cannot starve another.
        for (let i = 0; i < this.registrations.length && this.inFlight.size < this.options.capacity; i++) {
          const reg = this.registrations[(next + i) % this.registrations.length] as PumpRegistration;
          const room = this.options.capacity - this.inFlight.size;
          let jobs: Job<unknown>[] = [];
          try {
            jobs = await this.queue.fetch(reg.queue, Math.min(room, 50));
          } catch (error) {
            this.options.log.error({ err: error, queue: reg.queue }, 'fetching jobs failed');
          }
          for (const job of jobs) this.launch(reg, job);
          fetched += jobs.length;
        }
        next = (next + 1) % Math.max(1, this.registrations.length);
      }
      if (fetched > 0 && this.inFlight.size < this.options.capacity) {
        this.idleDelayMs = 50;
        continue;
      }
      // Nothing to fetch, or full: sleep until a slot frees, we enqueue something, or the idle poll comes round.
      const delay = this.inFlight.size >= this.options.capacity ? 60_000 : this.idleDelayMs;
      if (fetched === 0) this.idleDelayMs = Math.min(this.idleDelayMs * 2, this.options.maxIdleDelayMs ?? 1000);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeUp = undefined;
    }
  }

  private launch(reg: PumpRegistration, job: Job<unknown>): void {
    const controller = new AbortController();
    this.inFlight.set(job.id, { queue: reg.queue, controller });
    const started = performance.now();
    const settled = (result: 'completed' | 'failed') =>
      this.options.metrics?.jobSettled(reg.queue, result, (performance.now() - started) / 1000);
    void (async () => {
      try {
        await reg.handle(job, controller.signal);
        if (this.abandoned) return;
        this.markComplete(reg.queue, job.id);
        settled('completed');
      } catch (error) {
        if (this.abandoned) return;
        settled('failed');
        await this.queue.fail(reg.queue, job.id, error).catch((e: unknown) => {
          this.options.log.error({ err: e, queue: reg.queue, jobId: job.id }, 'could not record a job failure');
        });
      } finally {
        const wasFull = this.inFlight.size >= this.options.capacity;
        this.inFlight.delete(job.id);
        // A freed slot matters to the loop only when it was waiting for one; otherwise it polls or is woken by new work.
        if (wasFull) this.wakeUp?.();
      }
    })();
  }

  /**
   * A job's completion goes out with the others that finish within COMPLETE_WINDOW_MS, one statement per queue: a
   * statement per job was most of a run's queue statements (3,148 of ~5,200 in the composition bench), and every
   * statement costs the service's thread its building and sending. Until then the job stays active, which only
   * matters if this process dies meanwhile: the job then runs again and finds its item already settled.
   */
  private markComplete(queue: string, id: string): void {
    const ids = this.finished.get(queue) ?? [];
    ids.push(id);
    this.finished.set(queue, ids);
    this.finishing ??= setTimeout(() => void this.flushCompletions(), COMPLETE_WINDOW_MS);
  }

  private flushCompletions(): Promise<void> {
    clearTimeout(this.finishing);
    this.finishing = undefined;
    const batches = [...this.finished];
    this.finished.clear();
    this.flushing = this.flushing.then(async () => {
      for (const [queue, ids] of batches) {
        await this.queue.complete(queue, ids).catch((error: unknown) => {
          this.options.log.error({ err: error, queue, jobs: ids.length }, 'could not mark jobs complete');
        });
      }
    });
    return this.flushing;
  }

  private async touchAll(): Promise<void> {
    const byQueue = groupBy(this.inFlight, ([, { queue }]) => queue);
    for (const [queue, jobs] of byQueue) {
      const ids = jobs.map(([id]) => id);
      await this.queue.touch(queue, ids).catch((error: unknown) => {
        this.options.log.error({ err: error, queue }, 'heartbeat failed');
      });
    }
  }

  /**
   * Stops as a crash would: no more fetches or heartbeats, and jobs in flight are left active, never settled, so the
   * queue hands them to another worker once their heartbeat lapses. For tests and benchmarks of recovery.
   */
  async kill(): Promise<void> {
    this.abandoned = true;
    this.running = false;
    this.wakeUp?.();
    if (this.heartbeat) clearInterval(this.heartbeat);
    clearTimeout(this.finishing);
    this.finished.clear();
    await this.loop;
    for (const { controller } of this.inFlight.values()) controller.abort(new Error('worker killed'));
    this.inFlight.clear();
  }

  /**
   * Graceful stop: no new fetches; jobs in flight get `graceMs` to finish, then are aborted, which fails them back to
   * the queue for another worker (their finished LLM calls are cached, so little is lost).
   */
  async stop(graceMs: number): Promise<void> {
    this.running = false;
    this.wakeUp?.();
    await this.loop;
    const deadline = Date.now() + graceMs;
    while (this.inFlight.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    for (const { controller } of this.inFlight.values()) controller.abort(new Error('worker shutting down'));
    while (this.inFlight.size > 0) await new Promise((r) => setTimeout(r, 20));
    if (this.heartbeat) clearInterval(this.heartbeat);
    await this.flushCompletions();
  }
}
