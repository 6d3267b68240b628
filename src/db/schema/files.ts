import { bigint, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type { ExtractionStats } from '../../lib/extraction-stats.ts';
import { createdAt, tenantId } from './columns.ts';

export type { ExtractionStats };

import { sources } from './sources.ts';

export type ExtractionStatus = 'pending' | 'extracted' | 'failed';

export const files = pgTable(
  'files',
  {
    id: text('id').primaryKey(),
    tenantId: tenantId(),
    projectId: text('project_id').notNull(),
    sourceId: text('source_id')
      .notNull()
      .references(() => sources.id, { onDelete: 'cascade' }),
    /** Sanitised file name (no path separators, no control characters). */
    name: text('name').notNull(),
    size: bigint('size', { mode: 'number' }).notNull(),
    sha256: text('sha256').notNull(),
    /** Sniffed from the bytes, not the name. */
    mediaType: text('media_type').notNull(),
    /** Which extractor applies: txt, md, pdf, docx, jsonl, json. */
    format: text('format').notNull(),
    blobKey: text('blob_key').notNull(),
    status: text('status').$type<ExtractionStatus>().notNull().default('pending'),
    error: text('error'),
    textBlobKey: text('text_blob_key'),
    textChars: integer('text_chars'),
    extractorVersion: integer('extractor_version'),
    stats: jsonb('stats').$type<ExtractionStats>(),
    extractedAt: timestamp('extracted_at', { withTimezone: true, mode: 'date' }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('files_source_name_uq').on(t.sourceId, t.name), index('files_source_idx').on(t.sourceId, t.id)],
);
