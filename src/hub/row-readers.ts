/**
 * Rows of one dataset file, read lazily in file order so that keeping the first N rows of a large file costs N rows
 * of memory: JSON Lines line by line, Parquet a batch of rows at a time through hyparquet (a maintained reader), JSON
 * whole (its format allows nothing else) — an array, or the first array inside an object (`{"data": [...]}`).
 * A JSON Lines line that does not parse yields `undefined`, for the caller to count.
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { type AsyncBuffer, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import type { DataFormat } from './data-files.ts';

/** Random access to a stored file. */
export interface ByteSource {
  size: number;
  stream(): Readable;
  read(start: number, end: number): Promise<Buffer>;
}

/** Parquet rows decoded per call: bounded memory, few calls. */
const PARQUET_BATCH = 2_000;
/** A JSON (not JSON Lines) file is parsed whole; past this size it is refused rather than exhausting memory. */
const MAX_JSON_BYTES = 512 * 1024 * 1024;

export async function* readRows(source: ByteSource, format: DataFormat, limit: number): AsyncGenerator<unknown> {
  if (limit <= 0) return;
  if (format === 'jsonl') yield* jsonLinesRows(source, limit);
  else if (format === 'parquet') yield* parquetRows(source, limit);
  else yield* jsonRows(source, limit);
}

async function* jsonLinesRows(source: ByteSource, limit: number): AsyncGenerator<unknown> {
  const stream = source.stream();
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  let count = 0;
  try {
    for await (const line of lines) {
      if (line.trim() === '') continue;
      yield parseOrUndefined(line);
      if (++count >= limit) break;
    }
  } finally {
    lines.close();
    stream.destroy();
  }
}

async function* parquetRows(source: ByteSource, limit: number): AsyncGenerator<unknown> {
  const file: AsyncBuffer = {
    byteLength: source.size,
    slice: async (start, end) => {
      const bytes = await source.read(start, end ?? source.size);
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    },
  };
  const metadata = await parquetMetadataAsync(file);
  const total = Math.min(Number(metadata.num_rows), limit);
  for (let start = 0; start < total; start += PARQUET_BATCH) {
    const rows = await parquetReadObjects({
      file,
      metadata,
      rowStart: start,
      rowEnd: Math.min(total, start + PARQUET_BATCH),
    });
    for (const row of rows) yield plain(row);
  }
}

async function* jsonRows(source: ByteSource, limit: number): AsyncGenerator<unknown> {
  if (source.size > MAX_JSON_BYTES) {
    throw new Error(
      `a JSON file of ${source.size} bytes is too large to parse whole; publish it as JSON Lines or Parquet`,
    );
  }
  const document: unknown = JSON.parse((await source.read(0, source.size)).toString('utf8'));
  const rows = Array.isArray(document)
    ? document
    : document !== null && typeof document === 'object'
      ? Object.values(document).find(Array.isArray)
      : undefined;
  if (!rows) throw new Error('a JSON data file must hold an array of rows, or an object with one');
  yield* rows.slice(0, limit);
}

function parseOrUndefined(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

/** Parquet integers may decode as BigInt, which JSON cannot hold; the rows here only need their text. */
function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object' && !(value instanceof Date) && !(value instanceof Uint8Array)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}
