/**
 * Text extraction for every accepted format. Never throws for bad input: each failure is a per-file message the API
 * can show, so one broken upload cannot fail a whole run.
 */
import { errorMessage } from '../../lib/errors.ts';
import type { ExtractionStats } from '../../lib/extraction-stats.ts';
import { hasUtf16Bom } from '../encoding.ts';
import type { DocumentFormat } from '../format.ts';
import { extractDocx } from './docx.ts';
import { type RecordCollector, readJsonArray, readJsonl } from './jsonl.ts';

export type { ExtractionStats };

import { extractPdf } from './pdf.ts';
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

const overLimit = (maxChars: number) => fail(`extracted text exceeds the limit of ${maxChars} characters`);

/**
 * PostgreSQL text cannot hold U+0000, and no document means it: NULs become U+FFFD and are counted with the other
 * replaced characters.
 */
function withoutNul(text: string): { text: string; nul: number } {
  if (!text.includes('\u0000')) return { text, nul: 0 };
  let nul = 0;
  const cleaned = text.replace(/\u0000/g, () => {
    nul++;
    return '\uFFFD';
  });
  return { text: cleaned, nul };
}

function finish(documents: ExtractedDocument[], stats: ExtractionStats, maxChars: number): ExtractionResult {
  let chars = 0;
  let nul = 0;
  const cleaned = documents.map((d) => {
    const r = withoutNul(d.text);
    chars += r.text.length;
    nul += r.nul;
    return r.text === d.text ? d : { ...d, text: r.text };
  });
  if (chars > maxChars) return overLimit(maxChars);
  if (cleaned.every((d) => d.text.trim() === '')) return fail('the file contains no text');
  const replaced = (stats.replacedChars ?? 0) + nul;
  return { ok: true, documents: cleaned, stats: replaced > 0 ? { ...stats, replacedChars: replaced } : stats };
}

function fromRecords(collector: RecordCollector, replacedChars: number, maxChars: number): ExtractionResult {
  if (collector.overLimit) return overLimit(maxChars);
  const stats: ExtractionStats = { records: collector.records.length };
  if (collector.badLineCount > 0) {
    stats.badLineCount = collector.badLineCount;
    stats.badLines = collector.badLines;
  }
  if (replacedChars > 0) stats.replacedChars = replacedChars;
  if (collector.records.length === 0) {
    const first = collector.badLines[0];
    const detail = first ? ` (${collector.badLineCount} bad; first at ${first.line}: ${first.reason})` : '';
    return fail(`no record with a non-empty string "text" field${detail}`);
  }
  return finish(collector.records, stats, maxChars);
}

async function extract(bytes: Uint8Array, format: DocumentFormat, limits: ExtractLimits): Promise<ExtractionResult> {
  const timeoutMs = limits.timeoutMs ?? DEFAULT_EXTRACT_TIMEOUT_MS;
  switch (format) {
    case 'txt':
    case 'md': {
      const { text, replacedChars } = decodeText(bytes);
      return finish([{ text }], replacedChars > 0 ? { replacedChars } : {}, limits.maxChars);
    }
    case 'jsonl': {
      // The line reader streams UTF-8; the rare UTF-16 file is converted first.
      const utf8 = hasUtf16Bom(bytes) ? Buffer.from(decodeText(bytes).text, 'utf8') : bytes;
      const { collector, replacedChars } = readJsonl(utf8, limits.maxChars);
      return fromRecords(collector, replacedChars, limits.maxChars);
    }
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
  if (bytes.length === 0) return fail('file is empty');
  try {
    return await extract(bytes, format, limits);
  } catch (error) {
    return fail(`extraction failed: ${errorMessage(error)}`);
  }
}
