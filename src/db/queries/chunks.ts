import { and, asc, eq, type SQLWrapper, sql } from 'drizzle-orm';
import { type Db, queryRows } from '../client.ts';
import { chunkEmbeddings, chunkSets, chunks } from '../schema/index.ts';

export interface StoredChunk {
  setKey: string;
  idx: number;
  text: string;
  start: number;
  end: number;
  tokens: number;
}

/**
 * `column = any($1)`: set keys as one array parameter, however many. A statement holds at most 65,535 bind
 * parameters, and a source of jsonl records has a chunk set per record, so a list of keys (`in ($1, $2, …)`) would
 * stop working past that many documents in a source.
 */
const anyKey = (column: SQLWrapper, keys: readonly string[]) => sql`${column} = any(${sql.param([...keys])}::text[])`;

/** Which of these chunk sets are stored, in one query (not one per document). */
export async function storedChunkSets(db: Db, keys: readonly string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const rows = await db.select({ key: chunkSets.key }).from(chunkSets).where(anyKey(chunkSets.key, keys));
  return new Set(rows.map((row) => row.key));
}

/** Idempotent: two workers chunking the same document store it once. */
export async function insertChunkSet(
  db: Db,
  set: { key: string; docHash: string; maxTokens: number; droppedCount: number },
  items: Array<Omit<StoredChunk, 'setKey'>>,
): Promise<void> {
  await db.transaction(async (tx) => {
    const inserted = await tx
      .insert(chunkSets)
      .values({ ...set, chunkCount: items.length })
      .onConflictDoNothing()
      .returning({ key: chunkSets.key });
    if (inserted.length === 0) return;
    for (let i = 0; i < items.length; i += 200) {
      await tx.insert(chunks).values(items.slice(i, i + 200).map((c) => ({ ...c, setKey: set.key })));
    }
  });
}

/** A stored chunk without its text: what a stage plans with (texts are read a page at a time, `textsOfChunks`). */
export interface ChunkRow {
  setKey: string;
  idx: number;
  tokens: number;
  /** md5 of the text, hex: chunks with the same text have the same digest. */
  digest: string;
  /** md5(str(seed) + text), hex: the chunk's place in the original's seeded subset order (see `subsetKeyOf`). */
  subsetKey: string;
}

/**
 * The chunks of the sets in set and index order, without their texts. The two md5s are taken by the database over
 * the text's UTF-8 bytes, as node's md5 of the same string is (tested against `subsetKeyOf`).
 */
export async function chunkRowsOfSets(db: Db, keys: string[], subsetSeed: string): Promise<ChunkRow[]> {
  if (keys.length === 0) return [];
  return db
    .select({
      setKey: chunks.setKey,
      idx: chunks.idx,
      tokens: chunks.tokens,
      digest: sql<string>`md5(${chunks.text})`,
      subsetKey: sql<string>`md5(${subsetSeed}::text || ${chunks.text})`,
    })
    .from(chunks)
    .where(anyKey(chunks.setKey, keys))
    .orderBy(asc(chunks.setKey), asc(chunks.idx));
}

/** The texts of the chunks, keyed `<set key>:<index>` (chunkId); one query for all of them. */
export async function textsOfChunks(db: Db, refs: ChunkRef[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (refs.length === 0) return out;
  const rows = await queryRows<{ setKey: string; idx: number; text: string }>(
    db,
    sql`
    select c.set_key as "setKey", c.idx, c.text
    from ${chunksOf(refs)}`,
  );
  for (const row of rows) out.set(chunkId(row), row.text);
  return out;
}

/** Document frequency of every lexeme over a pool of chunk sets (the IDF half of the ranking). */
export async function lexemeDocumentFrequency(
  db: Db,
  keys: string[],
): Promise<{ total: number; df: Map<string, number> }> {
  if (keys.length === 0) return { total: 0, df: new Map() };
  const rows = await queryRows<{ lexeme: string; df: number }>(
    db,
    sql`
    select l.lexeme, count(*)::int as df
    from ${chunks} c, unnest(tsvector_to_array(c.tsv)) as l(lexeme)
    where ${anyKey(sql`c.set_key`, keys)}
    group by l.lexeme`,
  );
  const [count] = await db.select({ n: sql<number>`count(*)::int` }).from(chunks).where(anyKey(chunks.setKey, keys));
  return { total: count?.n ?? 0, df: new Map(rows.map((r) => [r.lexeme, r.df])) };
}

/** A chunk of a stored set: its set key and index. */
export interface ChunkRef {
  setKey: string;
  idx: number;
}

/** The stored chunks `refs` name, as `c` in a FROM clause (a values list joined on the chunks' key). */
function chunksOf(refs: ChunkRef[]) {
  return sql`(values ${sql.join(
    refs.map((r) => sql`(${r.setKey}, ${r.idx}::int)`),
    sql`, `,
  )}) as w(set_key, idx)
    join ${chunks} c on c.set_key = w.set_key and c.idx = w.idx`;
}

/** A stored chunk's id, `<set key>:<index>`: how chunk views, rankings and embeddings name it. */
export function chunkId(ref: ChunkRef): string {
  return `${ref.setKey}:${ref.idx}`;
}

/** Term frequencies of each chunk's lexemes (the TF half), keyed `<set key>:<index>`; one query for all of them. */
export async function lexemesOfChunks(db: Db, refs: ChunkRef[]): Promise<Map<string, Map<string, number>>> {
  const out = new Map<string, Map<string, number>>();
  if (refs.length === 0) return out;
  const rows = await queryRows<{ setKey: string; idx: number; lexeme: string; tf: number }>(
    db,
    sql`
    select c.set_key as "setKey", c.idx, u.lexeme, coalesce(array_length(u.positions, 1), 1)::int as tf
    from ${chunksOf(refs)}
    cross join unnest(c.tsv) as u`,
  );
  for (const row of rows) {
    const id = chunkId(row);
    const terms = out.get(id) ?? new Map<string, number>();
    terms.set(row.lexeme, row.tf);
    out.set(id, terms);
  }
  return out;
}

/**
 * For each query (a chunk and the lexemes picked from it), the chunks of the pool ranked against an OR-query of
 * those lexemes, best first, never the chunk itself; keyed `<set key>:<index>` of the asking chunk, each a list of
 * chunk ids. One query for all of them (a chunk's query is a lateral subquery), so ranking a source's chunks costs a
 * round trip per batch, not per chunk. ts_rank_cd rewards chunks where the query's terms occur, and occur close.
 */
export async function rankChunksFor(
  db: Db,
  options: { pool: string[]; queries: Array<ChunkRef & { lexemes: string[] }>; limit: number },
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(options.queries.map((q) => [chunkId(q), []]));
  const asked = options.queries.filter((q) => q.lexemes.length > 0);
  if (options.pool.length === 0 || asked.length === 0) return out;
  // Lexemes come from the database's own tsvector; quoting each keeps any punctuation in them literal.
  const tsquery = (lexemes: string[]) =>
    lexemes.map((l) => `'${l.replace(/'/g, "''").replace(/\\/g, '\\\\')}'`).join(' | ');
  const rows = await queryRows<{ forKey: string; forIdx: number; setKey: string; idx: number }>(
    db,
    sql`
    select q.set_key as "forKey", q.idx as "forIdx", r.set_key as "setKey", r.idx
    from (values ${sql.join(
      asked.map((q) => sql`(${q.setKey}, ${q.idx}::int, ${tsquery(q.lexemes)}::tsquery)`),
      sql`, `,
    )}) as q(set_key, idx, query)
    cross join lateral (
      select c.set_key, c.idx, ts_rank_cd(c.tsv, q.query, 1) as rank
      from ${chunks} c
      where ${anyKey(sql`c.set_key`, options.pool)}
        and c.tsv @@ q.query
        and not (c.set_key = q.set_key and c.idx = q.idx)
      order by rank desc, c.set_key, c.idx
      limit ${options.limit}
    ) r
    order by q.set_key, q.idx, r.rank desc, r.set_key, r.idx`,
  );
  for (const row of rows) out.get(chunkId({ setKey: row.forKey, idx: row.forIdx }))?.push(chunkId(row));
  return out;
}

export async function deleteChunkSet(db: Db, key: string): Promise<void> {
  await db.delete(chunkSets).where(and(eq(chunkSets.key, key)));
}

/** Stored embedding vectors of the given chunk sets for one model, keyed `<set key>:<index>`. */
export async function embeddingsOfSets(db: Db, model: string, setKeys: string[]): Promise<Map<string, Float32Array>> {
  if (setKeys.length === 0) return new Map();
  const rows = await db
    .select({ setKey: chunkEmbeddings.setKey, idx: chunkEmbeddings.idx, vector: chunkEmbeddings.vector })
    .from(chunkEmbeddings)
    .where(and(eq(chunkEmbeddings.model, model), anyKey(chunkEmbeddings.setKey, setKeys)));
  return new Map(rows.map((r) => [chunkId(r), fromBytes(r.vector)]));
}

/** Idempotent: two workers embedding the same chunks store them once. */
export async function insertEmbeddings(
  db: Db,
  model: string,
  rows: Array<{ setKey: string; idx: number; vector: Float32Array }>,
): Promise<void> {
  for (let i = 0; i < rows.length; i += 200) {
    await db
      .insert(chunkEmbeddings)
      .values(rows.slice(i, i + 200).map((r) => ({ setKey: r.setKey, idx: r.idx, model, vector: toBytes(r.vector) })))
      .onConflictDoNothing();
  }
}

function toBytes(vector: Float32Array): Uint8Array {
  return new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength);
}

function fromBytes(bytes: Uint8Array): Float32Array {
  // Copy: the driver's buffer may not be 4-byte aligned.
  return new Float32Array(Uint8Array.from(bytes).buffer);
}
