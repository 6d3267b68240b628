/**
 * Documents by reference. An extraction is stored as JSONL, one `{text, metadata}` line per document; beside it an
 * index gives each document's byte range, sha256 and length. A run lists its documents from the indexes without
 * reading a text, and a stage reads one text by its range when it needs it: a corpus of a gigabyte is never in memory
 * whole, nor in one string (which V8 caps at ~512 M characters).
 */
import { Buffer } from 'node:buffer';
import { createHash, type Hash } from 'node:crypto';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import type { ExtractedDocument } from '../ingest/extract/index.ts';
import type { TextPiece } from '../ingest/extract/streamed.ts';
import { sha256Hex } from '../lib/hash.ts';
import type { IngestedDocument, TextRef } from '../pipelines/stage.ts';
import type { BlobStore } from '../storage/blob-store.ts';

const IndexEntrySchema = z.object({
  /** Bytes [start, end) of the document's line in the JSONL blob. */
  start: z.number().int().nonnegative(),
  end: z.number().int().nonnegative(),
  sha256: z.string(),
  chars: z.number().int().nonnegative(),
  metadata: z.string().optional(),
});
export type IndexEntry = z.infer<typeof IndexEntrySchema>;
const IndexSchema = z.array(IndexEntrySchema);

/** Where the index of an extraction's JSONL is kept: beside it. */
export const indexKeyOf = (textBlobKey: string): string => `${textBlobKey.replace(/\.jsonl$/, '')}.index.json`;

/** An extraction's JSONL body and its index, made together from the documents (no second parse). */
export function extractionBody(documents: readonly ExtractedDocument[]): { body: string; index: IndexEntry[] } {
  const lines: string[] = [];
  const index: IndexEntry[] = [];
  let at = 0;
  for (const doc of documents) {
    const line = JSON.stringify(doc);
    const bytes = Buffer.byteLength(line);
    index.push(entryOf(doc, at, at + bytes));
    lines.push(line);
    at += bytes + 1;
  }
  return { body: lines.join('\n'), index };
}

/** Characters the streamed JSONL gathers before handing them on: big writes, small strings. */
const LINES_BATCH_CHARS = 1 << 16;

/**
 * extractionBody for documents that come a piece of text at a time: the same bytes, handed out in batches as the
 * pieces come, and the same index, filled in as each document ends. A piece is escaped on its own, which gives the
 * bytes of escaping its document whole: pieces never split a character.
 */
export async function* extractionLines(pieces: AsyncIterable<TextPiece>, index: IndexEntry[]): AsyncGenerator<string> {
  let batch: string[] = [];
  let batchChars = 0;
  let at = 0;
  let open: { start: number; hash: Hash; chars: number } | undefined;
  const emit = (text: string) => {
    batch.push(text);
    batchChars += text.length;
    at += Buffer.byteLength(text);
  };
  const close = () => {
    if (!open) return;
    emit('"}');
    index.push({ start: open.start, end: at, sha256: open.hash.digest('hex'), chars: open.chars });
    open = undefined;
  };
  for await (const piece of pieces) {
    if (piece.first || !open) {
      close();
      if (index.length > 0) emit('\n');
      open = { start: at, hash: createHash('sha256'), chars: 0 };
      emit('{"text":"');
    }
    open.hash.update(piece.text);
    open.chars += piece.text.length;
    emit(JSON.stringify(piece.text).slice(1, -1));
    if (batchChars >= LINES_BATCH_CHARS) {
      yield batch.join('');
      batch = [];
      batchChars = 0;
    }
  }
  close();
  if (batch.length > 0) yield batch.join('');
}

/** The index of a JSONL body written before indexes existed (or whose index was lost). */
export function indexOfBody(body: Buffer): IndexEntry[] {
  const index: IndexEntry[] = [];
  for (let start = 0; start < body.length; ) {
    const newline = body.indexOf(0x0a, start);
    const end = newline === -1 ? body.length : newline;
    if (end > start)
      index.push(entryOf(JSON.parse(body.toString('utf8', start, end)) as ExtractedDocument, start, end));
    start = end + 1;
  }
  return index;
}

function entryOf(doc: ExtractedDocument, start: number, end: number): IndexEntry {
  const entry: IndexEntry = { start, end, sha256: sha256Hex(doc.text), chars: doc.text.length };
  if (doc.metadata !== undefined) entry.metadata = doc.metadata;
  return entry;
}

/** The index of an extraction, read from beside it, or made from it (once) when it has none. */
export async function extractionIndex(blobs: BlobStore, textBlobKey: string): Promise<IndexEntry[]> {
  const key = indexKeyOf(textBlobKey);
  if (await blobs.stat(key)) {
    // An index that does not read back (damaged, or of another shape) is made again from the documents.
    const parsed = IndexSchema.safeParse(parseOrUndefined((await blobs.get(key)).toString('utf8')));
    if (parsed.success) return parsed.data;
  }
  const index = indexOfBody(await blobs.get(textBlobKey));
  await blobs.put(key, JSON.stringify(index));
  return index;
}

function parseOrUndefined(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return undefined;
  }
}

/** The documents of one extracted file, by reference, in the order extraction gave them. */
export async function documentsOfFile(
  blobs: BlobStore,
  file: { sourceName: string; fileId: string; fileName: string; format: string; textBlobKey: string },
): Promise<IngestedDocument[]> {
  return (await extractionIndex(blobs, file.textBlobKey)).map((entry) => ({
    sourceName: file.sourceName,
    fileId: file.fileId,
    format: file.format,
    // jsonl/json records carry their own metadata; otherwise the file name is the original's metadata.
    metadata: entry.metadata ?? file.fileName,
    sha256: entry.sha256,
    chars: entry.chars,
    text: { kind: 'record', key: file.textBlobKey, start: entry.start, end: entry.end },
  }));
}

/**
 * The texts of an extraction's documents in order, read through the JSONL once, a line at a time: a file of many
 * documents is never in memory whole (one document is, while it is handed on).
 */
export async function* documentTexts(blobs: BlobStore, textBlobKey: string): AsyncGenerator<string> {
  const lines = createInterface({ input: blobs.stream(textBlobKey), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) if (line !== '') yield (JSON.parse(line) as ExtractedDocument).text;
}

/** A document's text, read from where its reference says. */
export async function readText(blobs: BlobStore, ref: TextRef): Promise<string> {
  switch (ref.kind) {
    case 'inline':
      return ref.text;
    case 'blob':
      return (await blobs.get(ref.key)).toString('utf8');
    case 'record': {
      if (ref.end <= ref.start) throw new Error(`empty document record in ${ref.key}`);
      const pieces: Buffer[] = [];
      // The store's ranges are inclusive.
      for await (const piece of blobs.stream(ref.key, { start: ref.start, end: ref.end - 1 })) pieces.push(piece);
      const line = Buffer.concat(pieces).toString('utf8');
      return (JSON.parse(line) as ExtractedDocument).text;
    }
  }
}
