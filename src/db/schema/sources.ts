import { index, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, tenantId, updatedAt } from './columns.ts';
import { projects } from './projects.ts';

/** A source is one of the original's `input_dirs`: a named group of files with its own per-directory settings. */
export const sources = pgTable(
  'sources',
  {
    id: text('id').primaryKey(),
    tenantId: tenantId(),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    /** Used in output names (`representation_variation_<name>`), so unique per project and filename-safe. */
    name: text('name').notNull(),
    /** Per-directory settings (variation_generation_counts, subset sizes …), validated by config/source-settings.ts. */
    settings: jsonb('settings').notNull().$type<Record<string, unknown>>(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('sources_project_name_uq').on(t.projectId, t.name),
    index('sources_project_idx').on(t.projectId, t.id),
  ],
);
