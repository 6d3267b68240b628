import { eq, sql } from 'drizzle-orm';
import { groupBy } from '../../lib/group-by.ts';
import type { Db } from '../client.ts';
import { llmCalls } from '../schema/index.ts';

/** One attempt: a provider call (fresh answer or failure) or a cache hit (cached = 1, tokens and cost 0). */
export interface LlmCallRecord {
  runId: string | null;
  stage: string | null;
  tenantId?: string | undefined;
  /** The prompt id, `id#style` for a style's variant. */
  prompt?: string | undefined;
  model: string;
  cached: boolean;
  /** ok | retry | drop (what the parser said) or error (the provider call failed). */
  outcome: 'ok' | 'retry' | 'drop' | 'error';
  reason?: string | undefined;
  inputTokens: number;
  outputTokens: number;
  cost: number;
  latencyMs: number;
}

export async function recordLlmCalls(db: Db, records: readonly LlmCallRecord[]): Promise<void> {
  if (records.length === 0) return;
  await db.insert(llmCalls).values(
    records.map((r) => ({
      runId: r.runId,
      stage: r.stage,
      tenantId: r.tenantId ?? null,
      prompt: r.prompt ?? null,
      model: r.model,
      cached: r.cached ? 1 : 0,
      outcome: r.outcome,
      reason: r.reason ?? null,
      inputTokens: r.inputTokens,
      outputTokens: r.outputTokens,
      cost: r.cost,
      latencyMs: Math.round(r.latencyMs),
    })),
  );
}

export interface StageUsage {
  /** Every attempt, cache hits included. */
  calls: number;
  cachedCalls: number;
  /** Provider failures (HTTP errors, timeouts, connection errors); each retried or ended the call. */
  failedCalls: number;
  /** Tokens and cost the provider actually billed: cache hits count 0, so a resumed run shows its real spend. */
  inputTokens: number;
  outputTokens: number;
  cost: number;
  /** `llm <outcome>: <reason>` → count, for retry, drop and error attempts. */
  reasons: Record<string, number>;
}

/** Usage per stage of a run (the stage name is '' for calls made outside a stage). */
export async function usageByStage(db: Db, runId: string): Promise<Map<string, StageUsage>> {
  const totals = await db
    .select({
      stage: llmCalls.stage,
      calls: sql<number>`count(*)`.mapWith(Number),
      cachedCalls: sql<number>`coalesce(sum(${llmCalls.cached}), 0)`.mapWith(Number),
      failedCalls: sql<number>`count(*) filter (where ${llmCalls.outcome} = 'error')`.mapWith(Number),
      inputTokens: sql<number>`coalesce(sum(${llmCalls.inputTokens}), 0)`.mapWith(Number),
      outputTokens: sql<number>`coalesce(sum(${llmCalls.outputTokens}), 0)`.mapWith(Number),
      cost: sql<number>`coalesce(sum(${llmCalls.cost}), 0)`.mapWith(Number),
    })
    .from(llmCalls)
    .where(eq(llmCalls.runId, runId))
    .groupBy(llmCalls.stage);
  const reasons = await db
    .select({
      stage: llmCalls.stage,
      outcome: llmCalls.outcome,
      reason: llmCalls.reason,
      count: sql<number>`count(*)`.mapWith(Number),
    })
    .from(llmCalls)
    .where(sql`${llmCalls.runId} = ${runId} and ${llmCalls.reason} is not null`)
    .groupBy(llmCalls.stage, llmCalls.outcome, llmCalls.reason);
  const usage = new Map<string, StageUsage>();
  for (const { stage, ...t } of totals) usage.set(stage ?? '', { ...t, reasons: {} });
  for (const r of reasons) {
    const entry = usage.get(r.stage ?? '');
    if (entry) entry.reasons[`llm ${r.outcome}: ${r.reason}`] = r.count;
  }
  return usage;
}

/** The models each stage of a run called, by stage name (the dataset card lists them). */
export async function modelsByStage(db: Db, runId: string): Promise<Map<string, string[]>> {
  const rows = await db
    .selectDistinct({ stage: llmCalls.stage, model: llmCalls.model })
    .from(llmCalls)
    .where(eq(llmCalls.runId, runId))
    .orderBy(llmCalls.stage, llmCalls.model);
  const byStage = groupBy(rows, (row) => row.stage ?? '');
  return new Map([...byStage].map(([stage, stageRows]) => [stage, stageRows.map((r) => r.model)]));
}

/** What the provider billed a run so far, in USD (cache hits count 0). */
export async function spendOfRun(db: Db, runId: string): Promise<number> {
  const [row] = await db
    .select({ cost: sql<number>`coalesce(sum(${llmCalls.cost}), 0)`.mapWith(Number) })
    .from(llmCalls)
    .where(eq(llmCalls.runId, runId));
  return row?.cost ?? 0;
}

/** What a tenant's past calls of one prompt on one model looked like (estimates read it). */
export interface PromptRecord {
  prompt: string;
  model: string;
  /** Answers parsed (ok, retry or drop), cache hits included. */
  attempts: number;
  retries: number;
  drops: number;
  oks: number;
  /** Over fresh answers only (cache hits cost and take nothing). */
  freshAnswers: number;
  meanOutputTokens: number;
  meanLatencyMs: number;
}

export async function promptRecords(db: Db, tenantId: string): Promise<PromptRecord[]> {
  const rows = await db
    .select({
      prompt: llmCalls.prompt,
      model: llmCalls.model,
      attempts: sql<number>`count(*)`.mapWith(Number),
      retries: sql<number>`count(*) filter (where ${llmCalls.outcome} = 'retry')`.mapWith(Number),
      drops: sql<number>`count(*) filter (where ${llmCalls.outcome} = 'drop')`.mapWith(Number),
      oks: sql<number>`count(*) filter (where ${llmCalls.outcome} = 'ok')`.mapWith(Number),
      freshAnswers: sql<number>`count(*) filter (where ${llmCalls.cached} = 0)`.mapWith(Number),
      meanOutputTokens:
        sql<number>`coalesce(avg(${llmCalls.outputTokens}) filter (where ${llmCalls.cached} = 0), 0)`.mapWith(Number),
      meanLatencyMs: sql<number>`coalesce(avg(${llmCalls.latencyMs}) filter (where ${llmCalls.cached} = 0), 0)`.mapWith(
        Number,
      ),
    })
    .from(llmCalls)
    .where(
      sql`${llmCalls.tenantId} = ${tenantId} and ${llmCalls.prompt} is not null and ${llmCalls.outcome} <> 'error'`,
    )
    .groupBy(llmCalls.prompt, llmCalls.model);
  return rows.map((r) => ({ ...r, prompt: r.prompt ?? '' }));
}
