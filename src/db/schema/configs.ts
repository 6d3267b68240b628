import { index, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt, tenantId } from './columns.ts';
import { projects } from './projects.ts';

/** Configs are immutable: posting a changed config creates a new one, so a run always knows exactly what it ran. */
export const configs = pgTable(
  'configs',
  {
    id: text('id').primaryKey(),
    tenantId: tenantId(),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** The validated config with defaults filled in and every secret removed. Safe to return. */
    document: jsonb('document').notNull().$type<Record<string, unknown>>(),
    /** Secrets by dotted path. Write-only: never selected by the API. */
    secrets: jsonb('secrets').notNull().$type<Record<string, string>>(),
    warnings: jsonb('warnings').notNull().$type<Array<{ path: string; message: string }>>(),
    createdAt: createdAt(),
  },
  (t) => [index('configs_project_idx').on(t.projectId, t.id)],
);
