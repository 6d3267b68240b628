/**
 * The main thread's side of the job worker thread (worker-thread.ts): starts it over this process's database, wakes
 * it when the API sends jobs, merges its metrics into /metrics, and stops it before the database closes.
 */
import { type MessagePort, Worker } from 'node:worker_threads';
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { Settings } from './config/settings.ts';
import type { Database } from './db/client.ts';

/** What the thread starts with. */
export interface WorkerThreadData {
  settings: Settings;
  /** The embedded database's port; none on PostgreSQL (the thread opens its own pool). */
  port?: MessagePort;
}

/** Messages to the thread, and from it. */
export type HostMessage = { type: 'wake' } | { type: 'metrics'; id: number } | { type: 'stop' };
export type ThreadMessage =
  | { type: 'ready' }
  | { type: 'metrics'; id: number; metrics: unknown }
  | { type: 'stopped' }
  | { type: 'failed'; message: string };

/** How long /metrics waits for the worker thread's figures. */
const METRICS_WAIT_MS = 2000;

/** A registry's metrics as JSON (what the aggregator merges). */
type MetricsJson = object[];

export class WorkerThreadHost {
  private readonly metricsWaiting = new Map<number, (metrics: MetricsJson) => void>();
  private nextId = 1;
  private stopping = false;

  private constructor(
    private readonly thread: Worker,
    private readonly onDeath: (reason: string) => void,
  ) {
    thread.on('message', (message: ThreadMessage) => {
      if (message.type === 'metrics') {
        this.metricsWaiting.get(message.id)?.(message.metrics as MetricsJson);
        this.metricsWaiting.delete(message.id);
      }
    });
    thread.on('exit', (code) => {
      for (const resolve of this.metricsWaiting.values()) resolve([]);
      this.metricsWaiting.clear();
      if (!this.stopping) this.onDeath(`the job worker thread exited (code ${code})`);
    });
  }

  /**
   * Starts the thread and waits until it takes jobs. Its entry, worker-thread.mjs, makes sure it loads TypeScript
   * (Node 20 does not pass a process's `--import tsx` on to its workers). `onDeath` hears of a thread that ends
   * without being stopped.
   */
  static async start(settings: Settings, database: Database, onDeath: (reason: string) => void) {
    const port = database.kind === 'pglite' ? await database.pglite.connectPort() : undefined;
    const data: WorkerThreadData = { settings, ...(port ? { port } : {}) };
    const thread = new Worker(new URL('./worker-thread.mjs', import.meta.url), {
      workerData: data,
      transferList: port ? [port] : [],
    });
    await new Promise<void>((resolve, reject) => {
      const early = (message: ThreadMessage) => {
        if (message.type === 'ready') resolve();
        else if (message.type === 'failed')
          reject(new Error(`the job worker thread did not start: ${message.message}`));
        else return;
        thread.off('message', early);
      };
      thread.on('message', early);
      thread.once('error', (error) => reject(new Error(`the job worker thread did not start: ${error.message}`)));
      thread.once('exit', (code) => reject(new Error(`the job worker thread did not start (exit ${code})`)));
    });
    return new WorkerThreadHost(thread, onDeath);
  }

  /** New jobs are in the queue: the thread takes them now rather than at its next poll. */
  wake(): void {
    this.post({ type: 'wake' });
  }

  /**
   * /metrics of the process: this thread's registry and the worker thread's, merged as cluster workers' are (counts
   * summed, V8 heaps added up, event-loop lag averaged). The `process_*` figures (resident memory, CPU, open files)
   * are the process's whichever thread reads them, so they are taken from this thread alone, not doubled.
   */
  async metrics(own: Registry): Promise<Registry> {
    const id = this.nextId++;
    const theirs = new Promise<MetricsJson>((resolve) => {
      this.metricsWaiting.set(id, resolve);
      // A thread too busy to answer (a long synchronous step) must not hold a scrape: its figures are left out once.
      setTimeout(() => {
        if (this.metricsWaiting.delete(id)) resolve([]);
      }, METRICS_WAIT_MS).unref();
    });
    this.post({ type: 'metrics', id });
    const threadOnly = (await theirs).filter((m) => !String((m as { name?: unknown }).name).startsWith('process_'));
    return AggregatorRegistry.aggregate([await own.getMetricsAsJSON(), threadOnly]);
  }

  /** Stops the thread's jobs (with their grace), then the thread. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const exited = new Promise<void>((resolve) => this.thread.once('exit', () => resolve()));
    const done = new Promise<void>((resolve) => {
      this.thread.on('message', (message: ThreadMessage) => {
        if (message.type === 'stopped' || message.type === 'failed') resolve();
      });
    });
    this.post({ type: 'stop' });
    await Promise.race([done, exited]);
    // Its jobs and connections are closed; whatever handle it may still hold goes with it.
    await this.thread.terminate();
  }

  private post(message: HostMessage): void {
    this.thread.postMessage(message);
  }
}
