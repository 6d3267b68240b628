import {
  bigserial,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';
import { createdAt } from './columns.ts';

/**
 * The response cache, which is also what makes resume free: the key is a hash of the exact request (model, messages or
 * prompt, sampling parameters, sample index), so a repeated call is answered from here without touching the provider.
 */
export const llmResponses = pgTable(
  'llm_responses',
  {
    key: text('key').primaryKey(),
    /** The tenant whose call stored it: part of the key, so no tenant is ever answered from another's calls. */
    tenantId: text('tenant_id'),
    /** The project whose run stored it: deleting the project deletes its answers. */
    projectId: text('project_id'),
    model: text('model').notNull(),
    text: text('text').notNull(),
    inputTokens: integer('input_tokens').notNull(),
    outputTokens: integer('output_tokens').notNull(),
    finishReason: text('finish_reason'),
    createdAt: createdAt(),
  },
  (t) => [index('llm_responses_project_idx').on(t.projectId)],
);

/** One row per attempt (provider call or cache hit), for accounting per run and stage and for failure reasons. */
export const llmCalls = pgTable(
  'llm_calls',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    runId: text('run_id'),
    stage: text('stage'),
    /** Whose call it was, and which prompt (`id` or `id#style`): estimates read the tenant's averages per prompt. */
    tenantId: text('tenant_id'),
    prompt: text('prompt'),
    model: text('model').notNull(),
    cached: integer('cached').notNull().default(0),
    /** ok | retry | drop | error */
    outcome: text('outcome').notNull(),
    reason: text('reason'),
    inputTokens: integer('input_tokens').notNull().default(0),
    outputTokens: integer('output_tokens').notNull().default(0),
    cost: doublePrecision('cost').notNull().default(0),
    latencyMs: integer('latency_ms').notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [
    index('llm_calls_run_idx').on(t.runId, t.stage),
    index('llm_calls_prompt_idx').on(t.tenantId, t.prompt, t.model),
  ],
);

/**
 * Concurrency slots shared by every worker process: a holder leases a slot until `expires_at` and renews it while the
 * call runs, so a crashed process frees its slots when the lease lapses.
 */
export const llmSlots = pgTable(
  'llm_slots',
  {
    scope: text('scope').notNull(),
    slot: integer('slot').notNull(),
    holder: text('holder'),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }),
    meta: jsonb('meta'),
  },
  (t) => [primaryKey({ columns: [t.scope, t.slot] })],
);
