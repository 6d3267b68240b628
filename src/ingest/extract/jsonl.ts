/**
 * JSON Lines and JSON-array readers: every object with a string `text` field is one document (Augmentoolkit's
 * `read_jsonl_completions`). A dataset with a few broken lines is still useful, so bad lines are counted with their
 * line numbers and reasons instead of failing the file; only a file with no usable record at all fails.
 */
import type { BadLine, ExtractionStats } from '../../lib/extraction-stats.ts';
import { countChar, countReplacementBytes } from './text.ts';

export type { BadLine };

export interface TextRecord {
  text: string;
}

/** Bad lines kept in detail; the rest are only counted, so a garbage file cannot blow up the stats. */
export const MAX_BAD_LINE_DETAILS = 100;

const MAX_REASON_CHARS = 160;

export class RecordCollector {
  /** Records accepted and not yet taken (a streaming reader takes them as it goes: `records.splice(0)`). */
  readonly records: TextRecord[] = [];
  /** Records accepted in all. */
  accepted = 0;
  readonly badLines: BadLine[] = [];
  badLineCount = 0;
  chars = 0;
  overLimit = false;

  constructor(private readonly maxChars: number) {}

  /** The file's stats: records accepted, bad lines when any, and `replacedChars` when any were replaced. */
  stats(replacedChars: number): ExtractionStats {
    const stats: ExtractionStats = { records: this.accepted };
    if (this.badLineCount > 0) {
      stats.badLineCount = this.badLineCount;
      stats.badLines = this.badLines;
    }
    if (replacedChars > 0) stats.replacedChars = replacedChars;
    return stats;
  }

  bad(line: number, reason: string): void {
    this.badLineCount++;
    if (this.badLines.length < MAX_BAD_LINE_DETAILS)
      this.badLines.push({ line, reason: reason.slice(0, MAX_REASON_CHARS) });
  }

  /** Takes one parsed value; returns false once the character limit is passed, so callers stop reading. */
  value(line: number, value: unknown): boolean {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.bad(line, 'not a JSON object');
      return true;
    }
    const text = (value as { text?: unknown }).text;
    if (typeof text !== 'string') {
      this.bad(line, 'no string "text" field');
      return true;
    }
    if (text.trim() === '') {
      this.bad(line, 'empty "text" field');
      return true;
    }
    this.chars += text.length;
    if (this.chars > this.maxChars) {
      this.overLimit = true;
      return false;
    }
    this.accepted++;
    this.records.push({ text });
    return true;
  }

  /** Takes one line of a JSON Lines file; blank lines are allowed and skipped. */
  line(line: number, raw: string): boolean {
    const trimmed = raw.trim();
    if (trimmed === '') return true;
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (error) {
      this.bad(line, `invalid JSON: ${error instanceof Error ? error.message : String(error)}`);
      return true;
    }
    return this.value(line, value);
  }
}

/**
 * Incremental JSON Lines reader over byte chunks of any size (a stream, or slices of a buffer). Bytes are decoded a
 * batch of whole lines at a time: a newline byte never occurs inside a UTF-8 sequence, so a batch never splits a
 * character, and one-shot decoding is several times faster than a streaming TextDecoder. Holds at most one partial
 * line between chunks.
 */
export class JsonlReader {
  // The BOM is stripped by hand at the start of the file only: each batch is decoded separately.
  private readonly decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
  private partial: Uint8Array[] = [];
  private lineNumber = 0;
  private atStart = true;
  private stopped = false;
  private replaced = 0;

  constructor(readonly collector: RecordCollector) {}

  /** Returns false when reading should stop (character limit reached). */
  write(chunk: Uint8Array): boolean {
    if (this.stopped) return false;
    const lastNewline = chunk.lastIndexOf(0x0a);
    if (lastNewline < 0) {
      // Copied: a stream may hand out views of a buffer it later reuses.
      this.partial.push(chunk.slice());
      return true;
    }
    const lines = chunk.subarray(0, lastNewline);
    const batch = this.partial.length > 0 ? Buffer.concat([...this.partial, lines]) : lines;
    this.partial = lastNewline + 1 < chunk.length ? [chunk.slice(lastNewline + 1)] : [];
    this.batch(batch);
    return !this.stopped;
  }

  end(): void {
    if (this.stopped || this.partial.length === 0) return;
    const rest = Buffer.concat(this.partial);
    this.partial = [];
    this.batch(rest);
  }

  /** U+FFFD introduced by invalid UTF-8, not counting those the file spelled out itself. */
  get replacedChars(): number {
    return Math.max(0, this.replaced);
  }

  private batch(bytes: Uint8Array): void {
    let text = this.decoder.decode(bytes);
    if (this.atStart) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      this.atStart = false;
    }
    if (text.includes('\uFFFD')) this.replaced += countChar(text, '\uFFFD') - countReplacementBytes(bytes);
    let start = 0;
    for (;;) {
      const newline = text.indexOf('\n', start);
      const line = newline < 0 ? text.slice(start) : text.slice(start, newline);
      this.lineNumber++;
      if (!this.collector.line(this.lineNumber, line)) {
        this.stopped = true;
        return;
      }
      if (newline < 0) return;
      start = newline + 1;
    }
  }
}

/** A `.json` file: an array of records, or a single record object. */
export function readJsonArray(text: string, maxChars: number): { collector: RecordCollector } | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { error: `invalid JSON: ${error instanceof Error ? error.message : String(error)}`.slice(0, 300) };
  }
  const collector = new RecordCollector(maxChars);
  if (!Array.isArray(value)) {
    collector.value(1, value);
    return { collector };
  }
  for (const [i, item] of value.entries()) if (!collector.value(i + 1, item)) break;
  return { collector };
}
