import { customType, text, timestamp } from 'drizzle-orm/pg-core';

/** Shared column helpers: every table stores times as timestamptz and ids as prefixed text (see lib/ids.ts). */
export const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();
export const updatedAt = () => timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();
export const tenantId = () => text('tenant_id').notNull();
/** Raw bytes (node-postgres and PGlite both hand back a Uint8Array/Buffer). */
export const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({ dataType: () => 'bytea' });
