import { index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { createdAt, tenantId } from './columns.ts';
import { projects } from './projects.ts';

/**
 * A preview: a small sample of a project's documents put through every enabled LLM stage of a config, on a worker,
 * with a trace of each call and a format check. It writes no run output; its result is kept here.
 */
export const previews = pgTable(
  'previews',
  {
    id: text('id').primaryKey(),
    tenantId: tenantId(),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    configId: text('config_id').notNull(),
    /** Chunks per source the sample takes. */
    chunksPerSource: integer('chunks_per_source').notNull(),
    /** queued | running | succeeded | failed */
    status: text('status').notNull(),
    result: jsonb('result').$type<Record<string, unknown>>(),
    error: text('error'),
    createdAt: createdAt(),
    finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [index('previews_project_idx').on(t.projectId, t.createdAt)],
);
