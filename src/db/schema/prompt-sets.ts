import { index, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, tenantId } from './columns.ts';
import { projects } from './projects.ts';

/**
 * A project's uploaded prompt set: replacement prompt files by prompt id, checked when uploaded. A config names it
 * in its prompt keys (`<section>_prompts`, `factual_sft.<way>.prompts`). Immutable, so a run reads what its config
 * was checked against.
 */
export const promptSets = pgTable(
  'prompt_sets',
  {
    id: text('id').primaryKey(),
    tenantId: tenantId(),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** Prompt id → the file's text (our prompt YAML format). */
    files: jsonb('files').notNull().$type<Record<string, string>>(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('prompt_sets_name_uq').on(t.projectId, t.name), index('prompt_sets_project_idx').on(t.projectId)],
);
