/**
 * Text extraction of one uploaded file, shared by the upload-time job and a run's ingest stage. The result is stored
 * once per (file content, extractor version) as JSONL documents with an index beside it (jobs/document-texts.ts), so
 * re-runs and other projects reuse it.
 */
import type { FileRow } from '../db/queries/files.ts';
import { getFileById, recordExtraction } from '../db/queries/files.ts';
import { EXTRACTOR_VERSION, type ExtractedDocument, extractText } from '../ingest/extract/index.ts';
import { extractionBody, indexKeyOf } from './document-texts.ts';
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
  const bytes = await deps.blobs.get(file.blobKey);
  const result = await extractText(bytes, file.format as Parameters<typeof extractText>[1], {
    maxChars: deps.settings.maxExtractedChars,
  });
  if (!result.ok) {
    await recordExtraction(deps.db, file.id, {
      status: 'failed',
      error: result.error,
      extractorVersion: EXTRACTOR_VERSION,
    });
    return { ok: false, error: result.error };
  }
  const key = textBlobKeyFor(file);
  // The documents, and beside them their index (byte ranges and digests), so runs pass documents by reference.
  const { body, index } = extractionBody(result.documents);
  await deps.blobs.put(key, body);
  await deps.blobs.put(indexKeyOf(key), JSON.stringify(index));
  const chars = result.documents.reduce((n, d) => n + d.text.length, 0);
  await recordExtraction(deps.db, file.id, {
    status: 'extracted',
    textBlobKey: key,
    textChars: chars,
    stats: { ...result.stats, records: result.documents.length },
    extractorVersion: EXTRACTOR_VERSION,
  });
  return { ok: true, textBlobKey: key, chars, documents: result.documents.length };
}

export async function readExtractedDocuments(
  deps: Pick<StageDeps, 'blobs'>,
  textBlobKey: string,
): Promise<ExtractedDocument[]> {
  const body = (await deps.blobs.get(textBlobKey)).toString('utf8');
  if (body.length === 0) return [];
  return body.split('\n').map((line) => JSON.parse(line) as ExtractedDocument);
}
