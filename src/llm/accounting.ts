/**
 * Tokens and cost of every attempt, written to llm_calls (summed per run and stage by usageByStage) and counted in
 * the Prometheus metrics. Cache hits are recorded with cached = 1 and zero tokens and cost: the sums are what the
 * providers actually billed, and cachedCalls shows how much a resume saved.
 */
import type { Db } from '../db/client.ts';
import { type LlmCallRecord, recordLlmCalls } from '../db/queries/llm-accounting.ts';
import { Batcher } from './batcher.ts';
import { WRITE_WINDOW_MS } from './cache.ts';
import type { LlmMetrics } from './metrics.ts';
import type { Endpoint } from './types.ts';

/** Reasons are counted per stage: long ones (provider messages) are cut so the counts stay readable. */
const MAX_REASON = 300;

export function costOf(
  endpoint: Pick<Endpoint, 'costPerMillionInput' | 'costPerMillionOutput'>,
  input: number,
  output: number,
): number {
  return (input * endpoint.costPerMillionInput) / 1e6 + (output * endpoint.costPerMillionOutput) / 1e6;
}

export class Accounting {
  /** Rows of concurrent calls go in one multi-row insert. */
  private readonly rows: Batcher<LlmCallRecord, void>;

  constructor(
    db: Db,
    private readonly metrics: LlmMetrics,
  ) {
    this.rows = new Batcher(
      async (records) => {
        await recordLlmCalls(db, records);
        return records.map(() => undefined);
      },
      { windowMs: WRITE_WINDOW_MS },
    );
  }

  async record(entry: LlmCallRecord): Promise<void> {
    const reason =
      entry.reason && entry.reason.length > MAX_REASON ? `${entry.reason.slice(0, MAX_REASON - 1)}…` : entry.reason;
    const cached = entry.cached ? '1' : '0';
    this.metrics.calls.inc({ model: entry.model, outcome: entry.outcome, cached });
    if (!entry.cached) {
      this.metrics.tokens.inc({ direction: 'input' }, entry.inputTokens);
      this.metrics.tokens.inc({ direction: 'output' }, entry.outputTokens);
      this.metrics.cost.inc(entry.cost);
    }
    await this.rows.push({ ...entry, reason });
  }

  /** Provider latency, for calls that reached the provider (successful or not). */
  observeLatency(model: string, ms: number): void {
    this.metrics.duration.observe({ model }, ms / 1000);
  }
}
