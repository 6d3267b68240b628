/**
 * Text extraction for every accepted format. Never throws for bad input: each failure is a per-file message the API
 * can show, so one broken upload cannot fail a whole run.
 */
import { errorMessage } from '../../lib/errors.ts';
import type { ExtractionStats } from '../../lib/extraction-stats.ts';
import type { DocumentFormat } from '../format.ts';
import { extractDocx } from './docx.ts';
import { type RecordCollector, readJsonArray } from './jsonl.ts';

export type { ExtractionStats };

import { extractPdf } from './pdf.ts';
import {
  DocumentRules,
  EMPTY_FILE_MESSAGE,
  ExtractionRefused,
  noRecordMessage,
  overLimitMessage,
  type StreamedFormat,
  type StreamedSummary,
  streamDocuments,
} from './streamed.ts';
import { decodeText } from './text.ts';
import type { ZipLimits } from './zip-guard.ts';

/** Bump whenever the text produced for the same bytes changes: stored extractions are keyed by it. */
export const EXTRACTOR_VERSION = 1;

export const DEFAULT_EXTRACT_TIMEOUT_MS = 120_000;

export interface ExtractLimits {
  /** Total characters over all documents; more is an error, never a silent truncation. */
  maxChars: number;
  /** For PDF and DOCX parsing. */
  timeoutMs?: number;
  zipLimits?: ZipLimits;
}

export interface ExtractedDocument {
  text: string;
  metadata?: string;
}

export type ExtractionResult =
  | { ok: true; documents: ExtractedDocument[]; stats: ExtractionStats }
  | { ok: false; error: string };

const fail = (error: string): ExtractionResult => ({ ok: false, error });

/** Slice size for reading an in-memory file: big enough to be fast, small enough to keep each decoded copy small. */
const SLICE_BYTES = 1 << 20;

function* slices(bytes: Uint8Array): Generator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += SLICE_BYTES) yield bytes.subarray(at, at + SLICE_BYTES);
}

/** A front-to-back format read from memory: the streamed documents, each joined whole. */
async function extractStreamed(bytes: Uint8Array, format: StreamedFormat, maxChars: number): Promise<ExtractionResult> {
  const summary: StreamedSummary = { stats: {} };
  const documents: ExtractedDocument[] = [];
  let pieces: string[] = [];
  try {
    for await (const piece of streamDocuments(slices(bytes), format, maxChars, summary)) {
      if (piece.first && pieces.length > 0) {
        documents.push({ text: pieces.join('') });
        pieces = [];
      }
      pieces.push(piece.text);
    }
  } catch (error) {
    if (error instanceof ExtractionRefused) return fail(error.message);
    throw error;
  }
  if (pieces.length > 0) documents.push({ text: pieces.join('') });
  return { ok: true, documents, stats: summary.stats };
}

/**
 * The documents of a whole-file format (PDF, DOCX, a JSON array) under the same rules as the streamed ones: NULs
 * become counted U+FFFD, the character limit holds, a file without text is refused.
 */
function finish(documents: ExtractedDocument[], stats: ExtractionStats, maxChars: number): ExtractionResult {
  const rules = new DocumentRules(maxChars);
  let cleaned: ExtractedDocument[];
  try {
    cleaned = documents.map((d) => {
      const text = rules.piece(d.text);
      return text === d.text ? d : { ...d, text };
    });
    rules.end();
  } catch (error) {
    if (error instanceof ExtractionRefused) return fail(error.message);
    throw error;
  }
  const replaced = (stats.replacedChars ?? 0) + rules.nul;
  return { ok: true, documents: cleaned, stats: replaced > 0 ? { ...stats, replacedChars: replaced } : stats };
}

function fromRecords(collector: RecordCollector, replacedChars: number, maxChars: number): ExtractionResult {
  if (collector.overLimit) return fail(overLimitMessage(maxChars));
  if (collector.accepted === 0) return fail(noRecordMessage(collector));
  return finish(collector.records, collector.stats(replacedChars), maxChars);
}

async function extract(bytes: Uint8Array, format: DocumentFormat, limits: ExtractLimits): Promise<ExtractionResult> {
  const timeoutMs = limits.timeoutMs ?? DEFAULT_EXTRACT_TIMEOUT_MS;
  switch (format) {
    case 'txt':
    case 'md':
    case 'jsonl':
      return extractStreamed(bytes, format, limits.maxChars);
    case 'json': {
      const { text, replacedChars } = decodeText(bytes);
      const read = readJsonArray(text, limits.maxChars);
      if ('error' in read) return fail(read.error);
      return fromRecords(read.collector, replacedChars, limits.maxChars);
    }
    case 'pdf': {
      const r = await extractPdf(bytes, { timeoutMs });
      if ('error' in r) return fail(r.error);
      return finish([{ text: r.text }], { pages: r.pages, pageFurniture: r.furniture }, limits.maxChars);
    }
    case 'docx': {
      const r = await extractDocx(bytes, { timeoutMs, ...(limits.zipLimits ? { zipLimits: limits.zipLimits } : {}) });
      if ('error' in r) return fail(r.error);
      return finish([{ text: r.text }], {}, limits.maxChars);
    }
  }
}

export async function extractText(
  bytes: Uint8Array,
  format: DocumentFormat,
  limits: ExtractLimits,
): Promise<ExtractionResult> {
  if (bytes.length === 0) return fail(EMPTY_FILE_MESSAGE);
  try {
    return await extract(bytes, format, limits);
  } catch (error) {
    return fail(`extraction failed: ${errorMessage(error)}`);
  }
}
