import { sql } from 'drizzle-orm';
import { customType, foreignKey, index, integer, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { bytea, createdAt } from './columns.ts';

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

/**
 * Embedding vectors of chunks, per embeddings model, for related-chunk search when a config names an embeddings
 * endpoint. Stored as little-endian float32 bytes; computed once and reused by every run (a resumed run embeds
 * nothing twice).
 */
export const chunkEmbeddings = pgTable(
  'chunk_embeddings',
  {
    setKey: text('set_key').notNull(),
    idx: integer('idx').notNull(),
    model: text('model').notNull(),
    vector: bytea('vector').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.setKey, t.idx, t.model] }),
    foreignKey({ columns: [t.setKey, t.idx], foreignColumns: [chunks.setKey, chunks.idx] }).onDelete('cascade'),
  ],
);
