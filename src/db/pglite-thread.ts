/**
 * The embedded PostgreSQL (PGlite) on a thread of its own. PGlite executes every statement synchronously in
 * WebAssembly; on the service's thread that was ~40 % of the CPU of a run, and each statement (up to 140 ms for a
 * stage's items) held every HTTP request and LLM stream behind it. Here the service's thread only posts statements
 * and awaits their answers; the database works on the second core.
 *
 * What drizzle and pg-boss call on a PGlite instance is offered with the same meaning: `query`, `exec`,
 * `transaction` (exclusive: statements from outside it wait until it ends, as with PGlite's own lock) and `close`;
 * `dumpDataDir` for the test template. Errors keep their SQLSTATE `code` and detail fields.
 */
import { Worker } from 'node:worker_threads';
import type { PGlite, Results, Transaction } from '@electric-sql/pglite';

/** A database error as the thread sends it back: enough for callers to tell a unique violation from others. */
interface ThreadError {
  message: string;
  name: string;
  [field: string]: unknown;
}

type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: ThreadError };

interface QueryOptions {
  rowMode?: 'array' | 'object';
  /** drizzle passes identity parsers for the types it parses itself; only their type ids cross the thread. */
  parsers?: Record<number, unknown>;
}

/** The part of PGlite's interface the service uses, answered by the database thread. */
export interface EmbeddedDatabase {
  query<T>(sql: string, params?: unknown[], options?: QueryOptions): Promise<Results<T>>;
  exec(sql: string): Promise<Array<Results>>;
  transaction<T>(callback: (tx: Transaction) => Promise<T>): Promise<T>;
  dumpDataDir(compression?: 'none' | 'gzip' | 'auto'): Promise<File | Blob>;
  close(): Promise<void>;
}

export class PgliteThread implements EmbeddedDatabase {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  private nextId = 1;
  private failure: Error | undefined;
  /** Transactions one after another; while one runs, statements from outside it wait for `open`. */
  private transactions: Promise<void> = Promise.resolve();
  private open: Promise<void> | undefined;

  private constructor() {
    this.worker = new Worker(new URL('./pglite-thread-worker.mjs', import.meta.url));
    // Idle, the thread must not keep the process alive (PGlite on the main thread did not); `send` refs it while a
    // statement is out, so an awaited answer is never cut off by the process exiting.
    this.worker.unref();
    this.worker.on('message', (reply: Reply) => this.settle(reply));
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`the embedded database thread exited (code ${code})`)));
  }

  static async create(dir: string, options: { conf: string[]; template?: Blob | File }): Promise<PgliteThread> {
    const thread = new PgliteThread();
    try {
      const template = options.template ? await options.template.arrayBuffer() : undefined;
      await thread.send({ op: 'open', dir, conf: options.conf, template }, template ? [template] : []);
    } catch (error) {
      await thread.worker.terminate();
      throw error;
    }
    return thread;
  }

  async query<T>(sql: string, params: unknown[] = [], options: QueryOptions = {}): Promise<Results<T>> {
    await this.outsideTransactions();
    return this.statement<T>(sql, params, options);
  }

  async exec(sql: string): Promise<Array<Results>> {
    await this.outsideTransactions();
    return this.execNow(sql);
  }

  async transaction<T>(callback: (tx: Transaction) => Promise<T>): Promise<T> {
    const before = this.transactions;
    let release = () => {};
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.transactions = before.then(() => mine);
    await before;
    this.open = mine;
    let closed = false;
    const tx = {
      query: <R>(sql: string, params?: unknown[], options?: QueryOptions) =>
        this.statement<R>(sql, params ?? [], options),
      exec: (sql: string) => this.execNow(sql),
      rollback: async () => {
        await this.execNow('ROLLBACK');
        closed = true;
      },
      get closed() {
        return closed;
      },
    } as unknown as Transaction;
    try {
      await this.execNow('BEGIN');
      const result = await callback(tx);
      if (!closed) await this.execNow('COMMIT');
      return result;
    } catch (error) {
      if (!closed) await this.execNow('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      closed = true;
      this.open = undefined;
      release();
    }
  }

  async dumpDataDir(compression: 'none' | 'gzip' | 'auto' = 'none'): Promise<File> {
    await this.outsideTransactions();
    const dump = (await this.send({ op: 'dump', compression })) as { buffer: ArrayBuffer; name: string; type: string };
    return new File([new Uint8Array(dump.buffer)], dump.name, { type: dump.type });
  }

  async close(): Promise<void> {
    if (this.failure) return;
    await this.outsideTransactions();
    try {
      await this.send({ op: 'close' });
    } finally {
      this.failure = new Error('the embedded database is closed');
      await this.worker.terminate();
    }
  }

  /** Waits until no transaction holds the database (one may start while the last one ends). */
  private async outsideTransactions(): Promise<void> {
    while (this.open) await this.open;
  }

  /** Runs SQL text now, without waiting for a transaction: for the transaction's own statements. */
  private execNow(sql: string): Promise<Array<Results>> {
    return this.send({ op: 'exec', sql }) as Promise<Array<Results>>;
  }

  private async statement<T>(sql: string, params: unknown[], options: QueryOptions = {}): Promise<Results<T>> {
    const rawTypes = options.parsers ? Object.keys(options.parsers).map(Number) : [];
    return (await this.send({ op: 'query', sql, params, rowMode: options.rowMode, rawTypes })) as Results<T>;
  }

  private send(message: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.waiting.size === 0) this.worker.ref();
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ ...message, id }, transfer);
    });
  }

  private settle(reply: Reply): void {
    const waiter = this.waiting.get(reply.id);
    if (!waiter) return;
    this.waiting.delete(reply.id);
    if (this.waiting.size === 0) this.worker.unref();
    if (reply.ok) waiter.resolve(reply.result);
    else waiter.reject(Object.assign(new Error(reply.error.message), reply.error));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.waiting.values()) waiter.reject(error);
    this.waiting.clear();
  }
}

/** drizzle's and pg-boss's PGlite adapters take the thread where they take an instance. */
export const asPglite = (thread: EmbeddedDatabase) => thread as unknown as PGlite;
