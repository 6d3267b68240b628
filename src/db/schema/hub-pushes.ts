import { bigint, boolean, index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { createdAt, tenantId } from './columns.ts';
import { runs } from './runs.ts';

/**
 * A run's outputs published to the Hugging Face Hub as a dataset repo. The token is sealed (write-only, like every
 * secret) and cleared once the push has ended.
 */
export const hubPushes = pgTable(
  'hub_pushes',
  {
    id: text('id').primaryKey(),
    tenantId: tenantId(),
    runId: text('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    repo: text('repo').notNull(),
    branch: text('branch').notNull(),
    private: boolean('private').notNull(),
    /** queued | running | succeeded | failed */
    status: text('status').notNull(),
    /** Sealed with the secrets key; null when the push uses the config's or the service's token, or has ended. */
    tokenSealed: text('token_sealed'),
    error: text('error'),
    commit: text('commit'),
    files: integer('files'),
    bytes: bigint('bytes', { mode: 'number' }),
    createdAt: createdAt(),
    finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [index('hub_pushes_run_idx').on(t.runId, t.createdAt)],
);
