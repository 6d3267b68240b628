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
  /**
   * At most one active job per key (pg-boss policy `stately`): a job sent while its key's job is active waits for it,
   * so once a job of this queue is marked complete the queue is asked again.
   */
  stately?: boolean;
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
    stately: job.singletonKey !== undefined,
    handle: async (received, signal) => {
      const payload = job.payload.safeParse(received.data);
      if (!payload.success) throw new Error(`malformed ${job.queue} payload: ${payload.error.message}`);
      await handle(payload.data, signal);
    },
  };
}

/** How long a finished job waits for others to be marked complete with it. */
const COMPLETE_WINDOW_MS = 25;

/**
 * A full pump fetches again once this many of its slots are free (fewer for a small pump), not at every job's end:
 * refilling job by job cost a fetch per queue per finished job while a run's items outnumbered the slots (~1,000 of a
 * run's 1,650 fetches), and a worker holding a few dozen jobs fewer of a thousand changes nothing for the LLM calls.
 */
const REFILL_BATCH = 50;

export interface PumpLogger {
  error(obj: object, msg?: string): void;
}

export class JobPump {
  private running = false;
  private readonly inFlight = new Map<string, { queue: string; controller: AbortController }>();
  private wakeUp: (() => void) | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private loop: Promise<void> | undefined;
  private idleDelayMs: number;
  /** Queues known to have work: woken for, or whose last fetch came back full. */
  private readonly due = new Set<string>();
  /** Free slots that wake a full pump to fetch again. */
  private readonly refillRoom: number;
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
      /** The idle poll's interval: from the first (default 50 ms), doubled while polls find nothing, up to the max. */
      minIdleDelayMs?: number;
      maxIdleDelayMs?: number;
      log: PumpLogger;
      metrics?: JobMetrics;
    },
  ) {
    this.refillRoom = Math.max(1, Math.min(REFILL_BATCH, Math.floor(options.capacity / 8)));
    this.idleDelayMs = options.minIdleDelayMs ?? 50;
  }

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

  /**
   * Called when this process enqueued work, so it need not wait for the next poll: on `queue` alone when given (the
   * next round asks that queue only), else on every queue.
   */
  wake(queue?: string): void {
    if (queue === undefined) for (const reg of this.registrations) this.due.add(reg.queue);
    else this.due.add(queue);
    this.wakeUp?.();
  }

  /**
   * Rounds of fetches: each asks the queues known to have work (woken for, or whose last fetch came back full), and
   * every queue on the first round and on each idle poll (jobs sent by other processes, retries coming due). Asking
   * every queue at every wake cost a statement per queue: the control pump alone has eleven, and was woken at every
   * stage's end, then polled all of them at 50, 100, 200 … ms (~650 of a run's 1,650 fetches).
   */
  private async run(): Promise<void> {
    let next = 0;
    let pollAll = true;
    // When the next idle poll is due. A wake does not move it: a pump woken for one queue more often than its idle
    // interval (the control pump by each sweep while a run is in progress, an item pump by its own enqueues) would
    // otherwise not ask the others again until the wakes paused, and a retry coming due or a job sent by another
    // process would wait that long.
    let pollAllAt = 0;
    while (this.running) {
      let fetched = 0;
      const count = this.registrations.length;
      for (let i = 0; i < count && this.inFlight.size < this.options.capacity; i++) {
        // Round-robin over queues so one busy stage kind cannot starve another.
        const reg = this.registrations[(next + i) % count] as PumpRegistration;
        if (!pollAll && !this.due.has(reg.queue)) continue;
        const want = Math.min(this.options.capacity - this.inFlight.size, 50);
        // Not due once asked, unless the answer is full or a wake for it comes while the fetch is out (the fetch may
        // have missed the job that wake is about).
        this.due.delete(reg.queue);
        let jobs: Job<unknown>[] = [];
        try {
          jobs = await this.queue.fetch(reg.queue, want);
        } catch (error) {
          this.options.log.error({ err: error, queue: reg.queue }, 'fetching jobs failed');
        }
        if (jobs.length >= want) this.due.add(reg.queue);
        for (const job of jobs) this.launch(reg, job);
        fetched += jobs.length;
      }
      next = (next + 1) % Math.max(1, count);
      if (pollAll) {
        const { minIdleDelayMs = 50, maxIdleDelayMs = 1000 } = this.options;
        this.idleDelayMs = fetched > 0 ? minIdleDelayMs : Math.min(this.idleDelayMs * 2, maxIdleDelayMs);
        pollAllAt = performance.now() + this.idleDelayMs;
      }
      pollAll = false;
      if (this.due.size > 0 && this.inFlight.size < this.options.capacity) continue;
      // Nothing due, or full: sleep until a queue is woken, enough slots free, or the idle poll comes round.
      const full = this.inFlight.size >= this.options.capacity;
      pollAll = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(!full), full ? 60_000 : Math.max(0, pollAllAt - performance.now()));
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve(false);
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
        const room = this.options.capacity - this.inFlight.size;
        this.inFlight.delete(job.id);
        // Freed slots matter to the loop only when it waits for room (it slept full): it is woken once enough are free.
        // Otherwise it polls, or is woken by new work.
        if (room < this.refillRoom && room + 1 >= this.refillRoom) this.wakeUp?.();
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
        if (this.registrations.some((r) => r.queue === queue && r.stately)) this.wake(queue);
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
