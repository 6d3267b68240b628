/**
 * The embedded PostgreSQL (PGlite) on a thread of its own. PGlite executes every statement synchronously in
 * WebAssembly; on the service's thread that was ~40 % of the CPU of a run, and each statement (up to 140 ms for a
 * stage's items) held every HTTP request and LLM stream behind it. Here the service's thread only posts statements
 * and awaits their answers; the database works on the second core.
 *
 * What drizzle and pg-boss call on a PGlite instance is offered with the same meaning: `query`, `exec`,
 * `transaction` (exclusive: statements from outside it wait until it ends, as with PGlite's own lock) and `close`;
 * `dumpDataDir` for the test template. Errors keep their SQLSTATE `code` and detail fields. Another thread of the
 * process (the service's job worker) reaches the same database through a port (`connectPort`, `overPort`); the
 * database thread keeps one caller's transaction from interleaving with another's statements.
 */
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
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
  /** A port for another thread of the process to reach the same database (`attachEmbeddedDatabase`). */
  connectPort(): Promise<MessagePort>;
  close(): Promise<void>;
}

/** Where statements are posted: the database thread itself, or a port it serves (from another thread). */
interface Channel {
  postMessage(message: unknown, transfer?: Array<ArrayBuffer | MessagePort>): void;
  ref(): void;
  unref(): void;
}

export class PgliteThread implements EmbeddedDatabase {
  private readonly waiting = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  private nextId = 1;
  private failure: Error | undefined;
  /** Transactions one after another; while one runs, statements from outside it wait for `open`. */
  private transactions: Promise<void> = Promise.resolve();
  private open: Promise<void> | undefined;

  private constructor(
    private readonly channel: Channel,
    /** The thread, when this handle started it (and closing the handle closes the database). */
    private readonly worker?: Worker,
  ) {
    // Idle, the channel must not keep the process (or thread) alive; `send` refs it while a statement is out, so an
    // awaited answer is never cut off by an exit.
    channel.unref();
  }

  static async create(dir: string, options: { conf: string[]; template?: Blob | File }): Promise<PgliteThread> {
    const worker = new Worker(new URL('./pglite-thread-worker.mjs', import.meta.url));
    const thread = new PgliteThread(worker, worker);
    worker.on('message', (reply: Reply) => thread.settle(reply));
    worker.on('error', (error) => thread.fail(error));
    worker.on('exit', (code) => thread.fail(new Error(`the embedded database thread exited (code ${code})`)));
    try {
      const template = options.template ? await options.template.arrayBuffer() : undefined;
      await thread.send({ op: 'open', dir, conf: options.conf, template }, template ? [template] : []);
    } catch (error) {
      await worker.terminate();
      throw error;
    }
    return thread;
  }

  /**
   * A port on which the database thread serves another thread (transfer it there and open it with `overPort`):
   * that thread's statements and transactions share the one session with this handle's, never inside each other's.
   */
  async connectPort(): Promise<MessagePort> {
    const { port1, port2 } = new MessageChannel();
    await this.send({ op: 'connect', port: port2 }, [port2]);
    return port1;
  }

  /** The database, from a thread given a port by `connectPort`. Closing it closes the port, not the database. */
  static overPort(port: MessagePort): PgliteThread {
    const handle = new PgliteThread(port);
    port.on('message', (reply: Reply) => handle.settle(reply));
    port.on('close', () => handle.fail(new Error('the embedded database closed this connection')));
    return handle;
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
        await this.execNow('ROLLBACK', 'end');
        closed = true;
      },
      get closed() {
        return closed;
      },
    } as unknown as Transaction;
    try {
      await this.execNow('BEGIN', 'begin');
      const result = await callback(tx);
      if (!closed) await this.execNow('COMMIT', 'end');
      return result;
    } catch (error) {
      if (!closed) await this.execNow('ROLLBACK', 'end').catch(() => {});
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
    if (!this.worker) {
      // A port's handle: the database stays open for the thread that owns it.
      this.failure = new Error('this connection to the embedded database is closed');
      (this.channel as MessagePort).close();
      return;
    }
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

  /**
   * Runs SQL text now, without waiting for a transaction: for the transaction's own statements. `tx` tells the
   * database thread that this opens or closes the transaction (other threads' statements wait while it is open).
   */
  private execNow(sql: string, tx?: 'begin' | 'end'): Promise<Array<Results>> {
    return this.send({ op: 'exec', sql, ...(tx ? { tx } : {}) }) as Promise<Array<Results>>;
  }

  private async statement<T>(sql: string, params: unknown[], options: QueryOptions = {}): Promise<Results<T>> {
    const rawTypes = options.parsers ? Object.keys(options.parsers).map(Number) : [];
    return (await this.send({ op: 'query', sql, params, rowMode: options.rowMode, rawTypes })) as Results<T>;
  }

  private send(message: Record<string, unknown>, transfer: Array<ArrayBuffer | MessagePort> = []): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.waiting.size === 0) this.channel.ref();
      this.waiting.set(id, { resolve, reject });
      this.channel.postMessage({ ...message, id }, transfer);
    });
  }

  private settle(reply: Reply): void {
    const waiter = this.waiting.get(reply.id);
    if (!waiter) return;
    this.waiting.delete(reply.id);
    if (this.waiting.size === 0) this.channel.unref();
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
