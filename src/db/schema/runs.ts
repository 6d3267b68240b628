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
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import type { RunOutcome } from '../../lib/run-outcome.ts';
import { createdAt, tenantId, updatedAt } from './columns.ts';
import { projects } from './projects.ts';

export type RunStatus = 'queued' | 'running' | 'paused' | 'succeeded' | 'succeeded_with_drops' | 'failed' | 'canceled';
export type StageState =
  | 'pending'
  | 'planning'
  | 'running'
  | 'finishing'
  | 'succeeded'
  | 'failed'
  | 'skipped'
  | 'canceled';
export type ItemState = 'pending' | 'done' | 'failed' | 'dropped';

export const runs = pgTable(
  'runs',
  {
    id: text('id').primaryKey(),
    tenantId: tenantId(),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    configId: text('config_id').notNull(),
    status: text('status').$type<RunStatus>().notNull().default('queued'),
    seed: integer('seed').notNull(),
    /** The sources the run reads, with their resolved settings, fixed when the run is created. */
    sources: jsonb('sources').notNull().$type<Array<{ id: string; name: string; settings: Record<string, unknown> }>>(),
    idempotencyKey: text('idempotency_key'),
    /** Hash of the create request, so a reused Idempotency-Key with a different body is a conflict. */
    requestHash: text('request_hash'),
    error: text('error'),
    /** Set when the run settles (lib/run-outcome.ts). */
    outcome: jsonb('outcome').$type<RunOutcome>(),
    /** Spend cap in USD (the config's `budget_usd`, raised on a resume): a call that would pass it pauses the run. */
    budgetUsd: doublePrecision('budget_usd'),
    /** Why a paused run is paused (`budget: …`, `requested`). */
    pauseReason: text('pause_reason'),
    /** What the run was expected to cost before it started (jobs/dry-run/estimate.ts), shown beside the actuals. */
    estimate: jsonb('estimate').$type<Record<string, unknown>>(),
    /** API keys given on a resume (dotted config path → sealed key), used over the config's own (write-only). */
    secretOverridesSealed: jsonb('secret_overrides_sealed').$type<Record<string, string>>(),
    /** The client's own labels (string to string, as OpenAI's `metadata`), shown with the run. */
    metadata: jsonb('metadata').$type<Record<string, string>>(),
    /** Where the run's end is announced (POST), and the HMAC secret that signs it, sealed (write-only). */
    webhookUrl: text('webhook_url'),
    webhookSecretSealed: text('webhook_secret_sealed'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }),
    finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    index('runs_project_idx').on(t.projectId, t.id),
    uniqueIndex('runs_idempotency_uq').on(t.projectId, t.idempotencyKey),
  ],
);

/** One row per stage of a run's graph; counts are derived from run_items so they can never drift. */
export const runStages = pgTable(
  'run_stages',
  {
    runId: text('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    position: integer('position').notNull(),
    kind: text('kind').notNull(),
    params: jsonb('params').notNull().$type<Record<string, unknown>>(),
    dependsOn: jsonb('depends_on').notNull().$type<string[]>(),
    /**
     * A stage that plans from each finished instance of a stage it needs (`planFrom`): the instances it has planned
     * from so far, so it starts with the first and a re-advance plans each one once.
     */
    plannedFrom: jsonb('planned_from').notNull().default([]).$type<string[]>(),
    state: text('state').$type<StageState>().notNull().default('pending'),
    /** Why a stage is skipped (disabled in the config, or not available in this version). */
    detail: text('detail'),
    error: text('error'),
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }),
    finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [primaryKey({ columns: [t.runId, t.name] })],
);

/** A unit of work of a stage. Its outcome is recorded once; a resumed run skips items that are not pending. */
export const runItems = pgTable(
  'run_items',
  {
    runId: text('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    stage: text('stage').notNull(),
    key: text('key').notNull(),
    /** Order of the item inside its stage, for deterministic output order. */
    position: integer('position').notNull(),
    state: text('state').$type<ItemState>().notNull().default('pending'),
    input: jsonb('input').notNull(),
    output: jsonb('output'),
    reason: text('reason'),
    attempts: integer('attempts').notNull().default(0),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.runId, t.stage, t.key] }),
    index('run_items_state_idx').on(t.runId, t.stage, t.state),
  ],
);

export const runEvents = pgTable(
  'run_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    runId: text('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    type: text('type').notNull(),
    stage: text('stage'),
    data: jsonb('data').notNull().$type<Record<string, unknown>>(),
    createdAt: createdAt(),
  },
  (t) => [index('run_events_run_idx').on(t.runId, t.id)],
);

export const artifacts = pgTable(
  'artifacts',
  {
    runId: text('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    path: text('path').notNull(),
    stage: text('stage').notNull(),
    blobKey: text('blob_key').notNull(),
    size: integer('size').notNull(),
    sha256: text('sha256').notNull(),
    mediaType: text('media_type').notNull(),
    /** JSON Lines lines or JSON array entries: the run's ledger of what it wrote (null for other files). */
    records: integer('records'),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.path] })],
);
