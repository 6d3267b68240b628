import { index, pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt, tenantId, updatedAt } from './columns.ts';

export const projects = pgTable(
  'projects',
  {
    id: text('id').primaryKey(),
    tenantId: tenantId(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('projects_tenant_idx').on(t.tenantId, t.id)],
);
