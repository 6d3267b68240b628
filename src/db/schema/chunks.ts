import { sql } from 'drizzle-orm';
import { customType, index, integer, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { createdAt } from './columns.ts';

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

/**
 * Chunks are stored once per (document content, chunk size, chunker version, tokenizer): every run, pipeline and
 * style that asks for the same chunking of the same text reuses them. `key` names that combination.
 */
export const chunkSets = pgTable('chunk_sets', {
  key: text('key').primaryKey(),
  docHash: text('doc_hash').notNull(),
  maxTokens: integer('max_tokens').notNull(),
  chunkCount: integer('chunk_count').notNull(),
  /** Fragments under the minimum length that were dropped, counted. */
  droppedCount: integer('dropped_count').notNull(),
  createdAt: createdAt(),
});

export const chunks = pgTable(
  'chunks',
  {
    setKey: text('set_key')
      .notNull()
      .references(() => chunkSets.key, { onDelete: 'cascade' }),
    idx: integer('idx').notNull(),
    text: text('text').notNull(),
    start: integer('start').notNull(),
    end: integer('end').notNull(),
    tokens: integer('tokens').notNull(),
    /** For related-chunk retrieval by full-text search; works the same on PGlite and PostgreSQL. */
    tsv: tsvector('tsv').notNull().generatedAlwaysAs(sql`to_tsvector('english', "text")`),
  },
  (t) => [primaryKey({ columns: [t.setKey, t.idx] }), index('chunks_tsv_idx').using('gin', t.tsv)],
);
