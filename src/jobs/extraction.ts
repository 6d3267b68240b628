/**
 * Text extraction of one uploaded file, shared by the upload-time job and a run's ingest stage. The result is stored
 * once per (file content, extractor version) as JSONL documents with an index beside it (jobs/document-texts.ts), so
 * re-runs and other projects reuse it.
 */
import { Readable } from 'node:stream';
import type { FileRow } from '../db/queries/files.ts';
import { getFileById, recordExtraction } from '../db/queries/files.ts';
import { EXTRACTOR_VERSION, type ExtractionStats, extractText } from '../ingest/extract/index.ts';
import {
  ExtractionRefused,
  isStreamedFormat,
  type StreamedFormat,
  type StreamedSummary,
  streamDocuments,
} from '../ingest/extract/streamed.ts';
import type { DocumentFormat } from '../ingest/format.ts';
import { extractionBody, extractionLines, type IndexEntry, indexKeyOf } from './document-texts.ts';
import type { StageDeps } from './stage-deps.ts';

export type ExtractionOutcome =
  | { ok: true; textBlobKey: string; chars: number; documents: number }
  | { ok: false; error: string };

export function textBlobKeyFor(file: Pick<FileRow, 'sha256' | 'format'>): string {
  return `texts/${file.sha256}-${file.format}-v${EXTRACTOR_VERSION}.jsonl`;
}

export async function extractFile(deps: StageDeps, fileId: string): Promise<ExtractionOutcome> {
  const file = await getFileById(deps.db, fileId);
  if (!file) return { ok: false, error: 'file was deleted' };
  if (file.extractorVersion === EXTRACTOR_VERSION && file.status !== 'pending') {
    if (file.status === 'failed') return { ok: false, error: file.error ?? 'extraction failed' };
    if (file.textBlobKey && (await deps.blobs.stat(file.textBlobKey))) {
      return {
        ok: true,
        textBlobKey: file.textBlobKey,
        chars: file.textChars ?? 0,
        documents: file.stats?.records ?? 1,
      };
    }
  }
  const format = file.format as DocumentFormat;
  const key = textBlobKeyFor(file);
  const written = isStreamedFormat(format)
    ? await writeStreamed(deps, file.blobKey, format, key)
    : await writeWhole(deps, file.blobKey, format, key);
  if (!written.ok) {
    await recordExtraction(deps.db, file.id, {
      status: 'failed',
      error: written.error,
      extractorVersion: EXTRACTOR_VERSION,
    });
    return written;
  }
  // Beside the documents their index (byte ranges, digests and lengths), so runs pass documents by reference.
  await deps.blobs.put(indexKeyOf(key), JSON.stringify(written.index));
  const chars = written.index.reduce((n, entry) => n + entry.chars, 0);
  await recordExtraction(deps.db, file.id, {
    status: 'extracted',
    textBlobKey: key,
    textChars: chars,
    stats: { ...written.stats, records: written.index.length },
    extractorVersion: EXTRACTOR_VERSION,
  });
  return { ok: true, textBlobKey: key, chars, documents: written.index.length };
}

type Written = { ok: true; index: IndexEntry[]; stats: ExtractionStats } | { ok: false; error: string };

/**
 * Text, Markdown and JSON Lines go from the upload to the documents' JSONL a chunk at a time: a file of any size
 * extracts in a few buffers' worth of memory, and a refused file leaves no JSONL behind (the write is abandoned).
 */
async function writeStreamed(
  deps: Pick<StageDeps, 'blobs' | 'settings'>,
  uploadKey: string,
  format: StreamedFormat,
  key: string,
): Promise<Written> {
  const summary: StreamedSummary = { stats: {} };
  const index: IndexEntry[] = [];
  const pieces = streamDocuments(deps.blobs.stream(uploadKey), format, deps.settings.maxExtractedChars, summary);
  try {
    await deps.blobs.put(key, Readable.from(extractionLines(pieces, index)));
  } catch (error) {
    if (error instanceof ExtractionRefused) return { ok: false, error: error.message };
    throw error;
  }
  return { ok: true, index, stats: summary.stats };
}

/** PDF, DOCX and JSON arrays are parsed whole (their parsers take the whole file). */
async function writeWhole(
  deps: Pick<StageDeps, 'blobs' | 'settings'>,
  uploadKey: string,
  format: DocumentFormat,
  key: string,
): Promise<Written> {
  const bytes = await deps.blobs.get(uploadKey);
  const result = await extractText(bytes, format, { maxChars: deps.settings.maxExtractedChars });
  if (!result.ok) return result;
  const { body, index } = extractionBody(result.documents);
  await deps.blobs.put(key, body);
  return { ok: true, index, stats: result.stats };
}
