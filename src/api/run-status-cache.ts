/**
 * `GET /v1/runs/{id}` at polling speed. A run's status document sums every item and LLM call of the run, which costs
 * database work that grows with the run; clients poll it many times a second. So each process keeps the last document
 * of each run it served, with its ETag:
 *
 * - fresh for `ttlMs` (a quarter second): served as is, with no database work at all;
 * - then, up to `maxStaleMs` (a second), still served at once while one refresh runs in the background (stale-while-revalidate),
 *   so no poller waits for the sums;
 * - older, or never loaded: loaded before answering (concurrent requests share one load).
 *
 * A change made through this process's API (pause, resume, cancel, retry, delete) drops the entry, so its caller
 * reads its own write; changes made by workers show within `ttlMs` plus one refresh. The tenant is kept with the
 * document: another tenant's request for the id is answered as for a run that does not exist.
 */
import { createHash } from 'node:crypto';

export interface CachedStatus<Doc> {
  doc: Doc;
  /** A strong ETag of the document's JSON. */
  etag: string;
}

interface Entry<Doc> {
  tenantId: string;
  value: CachedStatus<Doc>;
  at: number;
}

export interface StatusLoad<Doc> {
  tenantId: string;
  doc: Doc;
}

export class RunStatusCache<Doc> {
  private readonly entries = new Map<string, Entry<Doc>>();
  private readonly loading = new Map<string, Promise<Entry<Doc> | undefined>>();
  /** Bumped by `invalidate`, so a load that began before a change does not store what it read. */
  private readonly generations = new Map<string, number>();

  constructor(
    /** The run's tenant and status document, or undefined when the run does not exist. */
    private readonly load: (runId: string) => Promise<StatusLoad<Doc> | undefined>,
    private readonly options: { ttlMs: number; maxStaleMs: number; maxEntries: number } = {
      ttlMs: 250,
      maxStaleMs: 1000,
      maxEntries: 1000,
    },
    private readonly now: () => number = Date.now,
  ) {}

  async get(tenantId: string, runId: string): Promise<CachedStatus<Doc> | undefined> {
    const entry = this.entries.get(runId);
    const age = entry ? this.now() - entry.at : Number.POSITIVE_INFINITY;
    let found: Entry<Doc> | undefined = entry;
    if (age >= this.options.ttlMs) {
      const refresh = this.refresh(runId);
      // Serve a recent document at once and let the refresh land for the next poll.
      if (age >= this.options.maxStaleMs) found = await refresh;
      else refresh.catch(() => {});
    }
    return found && found.tenantId === tenantId ? found.value : undefined;
  }

  /** Forgets a run's document (its state was just changed here). */
  invalidate(runId: string): void {
    this.entries.delete(runId);
    this.loading.delete(runId);
    this.generations.set(runId, (this.generations.get(runId) ?? 0) + 1);
    if (this.generations.size > this.options.maxEntries) this.generations.clear();
  }

  private refresh(runId: string): Promise<Entry<Doc> | undefined> {
    const pending = this.loading.get(runId);
    if (pending) return pending;
    const generation = this.generations.get(runId) ?? 0;
    const work = async (): Promise<Entry<Doc> | undefined> => {
      const loaded = await this.load(runId);
      const current = (this.generations.get(runId) ?? 0) === generation;
      if (!loaded) {
        if (current) this.entries.delete(runId);
        return undefined;
      }
      const entry: Entry<Doc> = { tenantId: loaded.tenantId, value: withEtag(loaded.doc), at: this.now() };
      if (current) {
        if (this.entries.size >= this.options.maxEntries) this.entries.clear();
        this.entries.set(runId, entry);
      }
      return entry;
    };
    const load = work().finally(() => {
      if (this.loading.get(runId) === load) this.loading.delete(runId);
    });
    this.loading.set(runId, load);
    return load;
  }
}

export function withEtag<Doc>(doc: Doc): CachedStatus<Doc> {
  const hash = createHash('sha1').update(JSON.stringify(doc)).digest('base64url');
  return { doc, etag: `"${hash}"` };
}
