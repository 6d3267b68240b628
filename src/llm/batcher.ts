/**
 * Natural batching of database work: requests made while a flush is running (or during the current turn of the event
 * loop, or an optional short window) are served together by the next flush, one statement for many calls. Under light load a request waits for
 * nothing; under load the statement count stays low. This matters most on PGlite, whose per-statement cost dominates
 * the gateway's CPU, and for the first burst of a stage (thousands of cache lookups at once).
 */
export class Batcher<In, Out> {
  private queue: Array<{ item: In; resolve(out: Out): void; reject(error: unknown): void }> = [];
  private running = false;
  private scheduled = false;

  /**
   * `windowMs` > 0 collects for that long before flushing: for writes that no caller waits on while holding a
   * concurrency slot, fewer and larger statements are worth a few milliseconds.
   */
  constructor(
    private readonly run: (items: In[]) => Promise<Out[]>,
    private readonly options: { maxBatch?: number; windowMs?: number } = {},
  ) {}

  push(item: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.running || this.scheduled || this.queue.length === 0) return;
    this.scheduled = true;
    const flush = () => {
      this.scheduled = false;
      void this.flush();
    };
    if (this.options.windowMs) setTimeout(flush, this.options.windowMs);
    else setImmediate(flush);
  }

  private async flush(): Promise<void> {
    const batch = this.queue.splice(0, this.options.maxBatch ?? 500);
    if (batch.length === 0) return;
    this.running = true;
    try {
      const outs = await this.run(batch.map((b) => b.item));
      for (const [i, b] of batch.entries()) b.resolve(outs[i] as Out);
    } catch (error) {
      for (const b of batch) b.reject(error);
    } finally {
      this.running = false;
      this.schedule();
    }
  }
}
